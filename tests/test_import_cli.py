"""`coopkg import`: its arguments, exit codes and messages, and the progress line of a long import.
The mapping itself runs in tests/test_import_sheet.py; these stop before it, so they are fast."""

from __future__ import annotations

import io
import logging
import shutil
import time
from pathlib import Path

import pytest

from server.cli import main
from server.config import PROJECT_ROOT
from server.imports import KINDS, Problem
from server.progress import IMPORT_STEPS, Steps

EXAMPLE = PROJECT_ROOT / "spreadsheet" / "exemple-partenariat"


@pytest.fixture()
def root(tmp_path) -> Path:
    for name in ("ontology", "shapes", "graph"):
        shutil.copytree(PROJECT_ROOT / name, tmp_path / "project" / name)
    return tmp_path / "project"


def run(runner, root: Path, *args: str):
    return runner.invoke(main, ["import", *args], env={"COOPKG_ROOT": str(root)})


@pytest.fixture()
def broken(tmp_path) -> Path:
    """The example with a year out of range and a date that is not one."""
    folder = tmp_path / "exemple-partenariat"
    shutil.copytree(EXAMPLE, folder)
    values = folder / "valeurs.csv"
    values.write_text(values.read_text(encoding="utf-8").replace(",2022,1 200,", ",3022,1 200,"), encoding="utf-8")
    conventions = folder / "conventions.csv"
    text = conventions.read_text(encoding="utf-8").replace("15/03/2021", "15 mars")
    conventions.write_text(text, encoding="utf-8")
    return folder


def test_help_names_the_kinds_and_the_exit_codes(runner):
    result = runner.invoke(main, ["import", "--help"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "Usage: main import [OPTIONS] {iati|sheet} FILES..."
    assert "Exit codes:" in result.output and "writes nothing" in result.output.replace("\n", " ")


def test_an_unknown_kind_is_a_usage_error(runner, root):
    result = run(runner, root, "pdf", str(EXAMPLE))
    assert result.exit_code == 2
    assert "Invalid value for '{" in result.output or "invalid choice" in result.output.lower()


def test_a_missing_file_exits_2_with_one_line(runner, root, tmp_path):
    result = run(runner, root, "sheet", str(tmp_path / "absent.xlsx"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"coopkg: cannot read {tmp_path / 'absent.xlsx'}: no such file or folder"
    ]
    assert not (root / "imports").exists()


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        (
            "en",
            [
                '/conventions.csv:2:signée le: expected a date (2024-03-15 or 15/03/2024), found "15 mars"',
                '/valeurs.csv:2:année: expected a year from 1900 to 2100, found "3022"',
            ],
        ),
        (
            "fr",
            [
                "/conventions.csv:2:signée le: attendu une date (2024-03-15 ou 15/03/2024), trouvé « 15 mars »",
                "/valeurs.csv:2:année: attendu une année de 1900 à 2100, trouvé « 3022 »",
            ],
        ),
    ],
)
def test_bad_cells_exit_1_each_on_its_line_and_nothing_is_written(runner, root, broken, lang, lines):
    result = run(runner, root, "sheet", str(broken), "--lang", lang)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [str(broken) + line for line in lines]
    assert result.stderr.strip().splitlines()[-1] == (
        "coopkg: import refused: 2 problem(s) in the files (listed above); nothing written"
    )
    assert sorted(p.name for p in root.iterdir()) == ["graph", "ontology", "shapes"]


def test_csv_files_given_one_by_one_are_one_spreadsheet(runner, root, broken):
    result = run(runner, root, "sheet", *sorted(str(p) for p in broken.glob("*.csv")))
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 2  # the same two problems: one input, not nine


def test_a_batch_fails_whole_when_one_of_its_files_does(runner, root, broken, tmp_path):
    good = tmp_path / "good" / "exemple-bon"
    shutil.copytree(EXAMPLE, good)
    result = run(runner, root, "sheet", str(good), str(broken), "--into", str(tmp_path / "into"))
    assert result.exit_code == 1
    assert not (tmp_path / "into").exists()


def test_a_file_the_kind_does_not_read_is_refused(runner, root, tmp_path):
    document = tmp_path / "rapport.docx"
    document.write_bytes(b"PK")
    result = run(runner, root, "sheet", str(document))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"coopkg: cannot import: {document}: this kind reads .xlsx, a folder"


@pytest.mark.parametrize("name", ["partnership", "shapes"])
def test_an_input_named_as_a_graph_of_the_project_is_refused(runner, root, tmp_path, name):
    shutil.copytree(EXAMPLE, tmp_path / name)
    result = run(runner, root, "sheet", str(tmp_path / name))
    assert result.exit_code == 2
    assert f"its name {name!r} is the name of a graph of the project; rename the file" in result.stderr


def test_two_inputs_with_one_slug_are_refused(runner, root, tmp_path):
    for name in ("a/Exemple", "b/exemple"):
        shutil.copytree(EXAMPLE, tmp_path / name)
    result = run(runner, root, "sheet", str(tmp_path / "a" / "Exemple"), str(tmp_path / "b" / "exemple"))
    assert result.exit_code == 2
    assert "same file" in result.stderr


def test_every_kind_has_its_mapping_file():
    for name, kind in KINDS.items():
        assert kind.mapping.is_file(), name


def test_a_problem_renders_without_row_or_column():
    problem = Problem("big.xml", 12, "/iati-activities/iati-activity[3]/budget", ("un montant", "an amount"), "")
    assert (
        problem.render("en") == "big.xml:12:/iati-activities/iati-activity[3]/budget: expected an amount, found empty"
    )
    assert (
        Problem("f.xlsx", None, None, "a workbook", "zip").render("fr") == "f.xlsx: attendu a workbook, trouvé « zip »"
    )


def test_the_progress_line_counts_rows_and_the_log_says_how_many(caplog):
    terminal = io.StringIO()
    log = logging.getLogger("coopkg.test")
    with (
        caplog.at_level(logging.INFO, logger="coopkg.test"),
        Steps("import", IMPORT_STEPS, log, terminal=terminal) as step,
    ):
        step("check")
        step.advance(500)  # drawn at most 10 times a second: not yet
        time.sleep(0.15)
        step.advance(5000)
    assert "check… 500 rows" not in terminal.getvalue()
    assert "import [--------------------] 1/5 check… 5000 rows (" in terminal.getvalue()
    assert any(r.getMessage().startswith("check… ") and r.getMessage().endswith("(5000 rows)") for r in caplog.records)


YARRRML = """\
prefixes:
  ex: https://example.org/
sources:
  people: [people.csv~csv]
mappings:
  person:
    sources: people
    s: ex:$(id)
    po:
      - [ex:name, $(name), fr~lang]
"""


def test_run_mapping_points_each_source_of_a_yarrrml_mapping_at_its_file(tmp_path):
    from server.imports.mapping import MappingFailed, run_mapping, source_keys

    mapping = tmp_path / "people.yml"
    mapping.write_text(YARRRML, encoding="utf-8")
    table = tmp_path / "elsewhere" / "table.csv"
    table.parent.mkdir()
    table.write_text("id,name\nmarie,Marie Exemple\n", encoding="utf-8")
    assert source_keys(mapping) == ["people"]
    [triple] = run_mapping(mapping, {"people": table})
    assert (triple.subject.value, triple.object.value, triple.object.language) == (
        "https://example.org/marie",
        "Marie Exemple",
        "fr",
    )
    assert mapping.read_text(encoding="utf-8") == YARRRML  # the file a person edits is left as it is
    with pytest.raises(MappingFailed, match="no file given for its source 'people'"):
        run_mapping(mapping, {})


def test_the_sheet_mapping_reads_one_source_per_sheet():
    from server.imports.mapping import source_keys
    from server.imports.sheet import sheets

    assert sorted(source_keys(KINDS["sheet"].mapping)) == sorted(sheets())
