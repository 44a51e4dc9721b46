"""`coopkg validate`: exit codes and readable reports for conforming, violating, unreadable input."""

from __future__ import annotations

import re
import subprocess
import sys

from server.cli import main


def _remove(path, text):
    content = path.read_text(encoding="utf-8")
    assert text in content, f"{text!r} not in {path.name}"
    path.write_text(content.replace(text, "", 1), encoding="utf-8")


def test_real_graph_conforms(runner):
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output


def test_missing_convention_start_date_names_the_convention(runner, project_copy):
    # Two sources state the period 2022–2026: remove its start from both graphs.
    for stated in ("press-release-zou-delegation/partnership.ttl", "hds-page-benin/history.ttl"):
        _remove(project_copy / "graph" / stated, '    dcat:startDate "2022"^^xsd:gYear ;\n')
    result = runner.invoke(main, ["validate"], env={"COOPKG_ROOT": str(project_copy)})
    assert result.exit_code == 1
    assert "<https://w3id.org/coopkg/id/convention/2022-2026>" in result.output
    assert "Partnership convention 2022–2026" in result.output
    assert "dct:temporal/dcat:startDate" in result.output


def test_missing_unit_names_the_observation_in_french(runner, project_copy):
    indicators = project_copy / "graph" / "press-release-zou-delegation" / "indicators.ttl"
    _remove(indicators, "    sdmx-attribute:unitMeasure unit:tonne ;\n")
    result = runner.invoke(main, ["validate", "--lang", "fr"], env={"COOPKG_ROOT": str(project_copy)})
    assert result.exit_code == 1
    assert "<https://w3id.org/coopkg/id/observation/soy-cheese-sales-per-year>" in result.output
    assert "70 tonnes de fromage de soja vendues par an" in result.output
    assert "Une observation a exactement une unité" in result.output


def test_syntax_error_reports_file_and_line_without_traceback(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "open .\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "server", "validate", str(bad)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert re.search(rf"{re.escape(str(bad))}:3:\d+: ", result.stderr), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_path_exits_2(runner, tmp_path):
    result = runner.invoke(main, ["validate", str(tmp_path / "nowhere.ttl")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output


def test_folder_without_turtle_exits_2(runner, tmp_path):
    result = runner.invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "no Turtle" in result.output


def test_validating_given_files_only_checks_those(runner, project_copy):
    # The sources file alone names a publisher and people it does not describe as organisations.
    source = project_copy / "graph" / "press-release-zou-delegation" / "source.ttl"
    result = runner.invoke(main, ["validate", str(source)])
    assert result.exit_code == 1
    assert "source.ttl" in result.output


def test_bad_configuration_exits_2(runner):
    result = runner.invoke(main, ["validate"], env={"COOPKG_BASE_IRI": "not-an-iri"})
    assert result.exit_code == 2
    assert "base_iri" in result.output
