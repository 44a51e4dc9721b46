"""The cooperation team's spreadsheet: the filled example round-trips (CSV and XLSX give the same
triples, a release serves its partnership page and answers a competency question), every bad
cell is reported at its row and column, and a failed import leaves the release as it was."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from server import create_app
from server.cli import main
from server.config import PROJECT_ROOT
from server.imports import Project
from server.imports.sheet import prepare
from server.imports.source import sha256_of
from server.knowledge import load_knowledge, read_turtle
from server.release_folder import CURRENT

EXAMPLE = PROJECT_ROOT / "spreadsheet" / "exemple-partenariat"
WORKBOOK = PROJECT_ROOT / "spreadsheet" / "exemple-partenariat.xlsx"
ID = "https://w3id.org/coopkg/id/"
SOURCE = ID + "source/exemple-partenariat"


def project_root(folder: Path) -> Path:
    for name in ("ontology", "shapes", "graph", "queries", "catalog", "sources"):
        shutil.copytree(PROJECT_ROOT / name, folder / name)
    return folder


def release_reads_imports(root: Path) -> None:
    """Until the loader reads imports/ itself (contract C1), put the imports among the data."""
    if not any("imports" in file.parts for file in load_knowledge(root).files["data"]):
        (root / "graph" / "imported").mkdir(exist_ok=True)
        for file in (root / "imports").glob("*.ttl"):
            shutil.copy2(file, root / "graph" / "imported" / file.name)


def run(runner, root: Path, *args: str, releases: Path | None = None):
    env = {"COOPKG_ROOT": str(root), "COOPKG_RELEASE_DIR": str(releases or root / "releases")}
    return runner.invoke(main, list(args), env=env)


def described_elsewhere(triples) -> set:
    """The triples of an import, but for the description of the file itself (name, format, checksum)."""
    about_file = {SOURCE, ID + "agent/publisher-of-exemple-partenariat"}
    return {t for t in triples if t.subject.value not in about_file and not isinstance(t.subject, ox.BlankNode)}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The example imported from its CSV files into a copy of the project, then released; and the
    same example imported from its workbook into another folder."""
    from click.testing import CliRunner

    runner = CliRunner()
    root = project_root(tmp_path_factory.mktemp("project"))
    result = run(runner, root, "import", "sheet", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    other = tmp_path_factory.mktemp("from-xlsx")
    result = run(runner, root, "import", "sheet", str(WORKBOOK), "--into", str(other))
    assert result.exit_code == 0, result.output
    release_reads_imports(root)
    result = run(runner, root, "release")
    assert result.exit_code == 0, result.output
    return root, other


def test_csv_and_xlsx_give_the_same_triples(imported):
    root, other = imported
    from_csv = read_turtle(root / "imports" / "exemple-partenariat.ttl")
    from_xlsx = read_turtle(other / "imports" / "exemple-partenariat.ttl")
    assert len(from_csv) > 200
    assert described_elsewhere(from_csv) == described_elsewhere(from_xlsx)


def test_the_import_is_traced_to_the_file_kept_unchanged(imported):
    root, other = imported
    triples = read_turtle(root / "imports" / "exemple-partenariat.ttl")
    derived = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
    typed = {t.subject for t in triples if t.predicate.value.endswith("#type") and t.subject.value.startswith(ID)}
    sources = {t.subject for t in triples if t.predicate == derived and t.object.value == SOURCE}
    documents = {ID + "source/rapport-exemple-2022", ID + "source/rapport-exemple-2023", SOURCE}
    assert {s.value for s in typed - sources} == documents  # the documents themselves are not derived from it
    for name in os.listdir(EXAMPLE):
        assert (root / "sources" / "imported" / "exemple-partenariat" / name).read_bytes() == (
            EXAMPLE / name
        ).read_bytes()
    checksum = next(t.object.value for t in triples if t.predicate.value.endswith("#checksumValue"))
    assert checksum == sha256_of(EXAMPLE)
    assert (other / "sources" / "imported" / "exemple-partenariat.xlsx").read_bytes() == WORKBOOK.read_bytes()


@pytest.fixture(scope="module")
def released_app(imported):
    root, _ = imported
    app = create_app({"root": root, "release_dir": root / "releases"})
    app.config["TESTING"] = True
    return app


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("fr", "Partenariat d'exemple entre la Ville d'Exemple et la Commune de Modèle"),
        ("en", "Example partnership between Example Town and Model Commune"),
    ],
)
def test_the_release_serves_the_partnership_page(released_app, lang, title):
    response = released_app.test_client().get(f"/id/partnership/exemple-modele?lang={lang}")
    assert response.status_code == 200
    page = BeautifulSoup(response.data, "html.parser")
    assert title in page.find("h1").get_text()
    links = {a["href"].split("?")[0] for a in page.find_all("a", href=True)}
    assert {"/id/organisation/ville-exemple", "/id/organisation/commune-modele"} <= links


def test_the_release_answers_the_indicator_question(imported):
    root, _ = imported
    store = ox.Store.read_only(str(root / "releases" / CURRENT / "store"))
    query = (root / "queries" / "cq5-indicators.rq").read_text(encoding="utf-8")
    rows = {
        (row["indicator"].value.rsplit("/", 1)[-1], row["value"].value, row["qualifier"].value.rsplit("/", 1)[-1])
        for row in store.query(query, use_default_graph_as_union=True)
        if "eau-modele" in row["indicator"].value
    }
    assert rows == {
        ("eau-modele-personnes", "1200", "more-than"),
        ("eau-modele-personnes", "2500", "about"),
        ("eau-modele-versements", "45000", "as-stated"),
        ("eau-modele-versements", "52500.5", "as-stated"),
        ("eau-modele-entreprises", "3", "as-stated"),
    }


def test_a_failed_import_leaves_the_release_current(imported, released_app, runner, tmp_path):
    root, _ = imported
    before = os.readlink(root / "releases" / CURRENT)
    served = released_app.test_client().get("/id/partnership/exemple-modele").headers["X-Coopkg-Release"]
    written = sorted(p.name for p in (root / "imports").iterdir())
    broken = lone_partnership(tmp_path / "autre-partenariat")  # a partnership of one organisation
    result = run(runner, root, "import", "sheet", str(broken), "--lang", "fr")
    assert result.exit_code == 1
    report = result.stdout.split("\n✗ ")
    assert len(report) == 2, result.stdout
    assert "<https://w3id.org/coopkg/id/partnership/autre>" in report[1]
    assert f"row:      {broken}/partenariats.csv:2" in report[1]  # the violation, at the row it came from
    assert "Un partenariat réunit au moins deux organisations" in report[1]
    assert "nothing written" in result.stderr
    assert sorted(p.name for p in (root / "imports").iterdir()) == written
    assert not any(p.name.startswith(".import-") for p in root.iterdir())
    result = run(runner, root, "release")
    assert result.exit_code == 0, result.output
    assert "did not change" in result.stdout
    assert os.readlink(root / "releases" / CURRENT) == before
    page = released_app.test_client().get("/id/partnership/exemple-modele")
    assert page.status_code == 200 and page.headers["X-Coopkg-Release"] == served == before


def lone_partnership(folder: Path) -> Path:
    """A spreadsheet whose cells are all right but whose partnership has one party only."""
    folder.mkdir()
    (folder / "organisations.csv").write_text("identifiant,nom (fr)\nautre-ville,Autre ville (exemple)\n", "utf-8")
    (folder / "partenariats.csv").write_text("identifiant,nom (fr)\nautre,Autre partenariat (exemple)\n", "utf-8")
    (folder / "parties.csv").write_text("partenariat,organisation\nautre,autre-ville\n", "utf-8")
    return folder


# --- bad cells, before the mapping -----------------------------------------------------------


def edited(tmp_path: Path, sheet: str, row: int, header: str, value: str) -> Path:
    """A copy of the example's CSV folder with one cell changed (row 1 is the header row)."""
    folder = tmp_path / "exemple-partenariat"
    if not folder.exists():
        shutil.copytree(EXAMPLE, folder)
    with (folder / sheet).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row - 1][rows[0].index(header)] = value
    with (folder / sheet).open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return folder


@pytest.fixture(scope="module")
def project():
    return Project(PROJECT_ROOT, load_knowledge(PROJECT_ROOT))


def problems(path: Path, project: Project, folder: Path, lang: str = "en") -> list[str]:
    found = prepare(path, project, folder)
    return [problem.render(lang).replace(str(path), "FILE") for problem in found.problems]


@pytest.mark.parametrize(
    ("sheet", "row", "header", "value", "message"),
    [
        (
            "conventions.csv",
            2,
            "signée le",
            "31/02/2021",
            'FILE/conventions.csv:2:signée le: expected a date (2024-03-15 or 15/03/2024), found "31/02/2021"',
        ),
        (
            "valeurs.csv",
            3,
            "année",
            "1850",
            'FILE/valeurs.csv:3:année: expected a year from 1900 to 2100, found "1850"',
        ),
        (
            "valeurs.csv",
            2,
            "qualificatif",
            "à peu près",
            "FILE/valeurs.csv:2:qualificatif: expected one of: about, as-stated, more-than (or its label), "
            'found "à peu près"',
        ),
        (
            "valeurs.csv",
            4,
            "valeur",
            "",
            "FILE/valeurs.csv:4:valeur: expected a value (this cell is required), found empty",
        ),
        (
            "valeurs.csv",
            4,
            "valeur",
            "beaucoup",
            'FILE/valeurs.csv:4:valeur: expected a number (1200, 1 200 or 1200.5), found "beaucoup"',
        ),
        (
            "conventions.csv",
            3,
            "partenariat",
            "exemple-inconnu",
            'FILE/conventions.csv:3:partenariat: expected the id of a row of the sheet "partnerships", '
            'found "exemple-inconnu"',
        ),
        (
            "organisations.csv",
            3,
            "pays",
            "XX",
            "FILE/organisations.csv:3:pays: expected an ISO 3166 country code the graph knows (AM, BJ, HT, KH, "
            "or one of the 247 other codes of IATI's list), "
            'found "XX"',
        ),
    ],
)
def test_a_bad_cell_is_reported_at_its_row_and_column(project, tmp_path, sheet, row, header, value, message):
    assert problems(edited(tmp_path, sheet, row, header, value), project, tmp_path / "tables") == [message]


def test_an_unknown_unit_lists_the_units_of_the_ontology_in_french(project, tmp_path):
    folder = edited(tmp_path, "valeurs.csv", 2, "unité", "litre")
    [message] = problems(folder, project, tmp_path / "tables", lang="fr")
    assert message.startswith("FILE/valeurs.csv:2:unité: attendu l'un de : ")
    assert "euro" in message and "person" in message and message.endswith("trouvé « litre »")


def test_the_example_has_no_problem(project, tmp_path):
    assert problems(EXAMPLE, project, tmp_path / "csv") == []
    assert problems(WORKBOOK, project, tmp_path / "xlsx") == []


def test_a_reference_to_an_entity_the_graph_holds_is_accepted(project, tmp_path):
    folder = edited(tmp_path, "parties.csv", 3, "organisation", "cc-zou")
    assert problems(folder, project, tmp_path / "tables") == []


def test_two_values_for_one_indicator_and_year_are_refused(project, tmp_path):
    folder = edited(tmp_path, "valeurs.csv", 3, "année", "2022")
    [message] = problems(folder, project, tmp_path / "tables")
    assert message.startswith("FILE/valeurs.csv:3:year: expected one row per indicator, year (already row 2)")


def test_a_workbook_cell_is_reported_in_its_sheet(project, tmp_path):
    workbook = load_workbook(WORKBOOK)
    workbook["values"]["B3"] = "twenty-twenty"
    workbook["conventions"]["E2"] = "yesterday"
    del workbook["parties"]
    workbook.create_sheet("valuers")
    broken = tmp_path / "exemple-partenariat.xlsx"
    workbook.save(broken)
    assert problems(broken, project, tmp_path / "tables") == [
        'FILE[conventions]:2:signed on: expected a date (2024-03-15 or 15/03/2024), found "yesterday"',
        'FILE[values]:3:year: expected a year from 1900 to 2100, found "twenty-twenty"',
        "FILE[valuers]: expected a sheet among organisations, partnerships, parties, conventions, signatories, "
        'programmes, documents, indicators, values, found "valuers"',
    ]


def test_unknown_and_missing_columns_are_reported_on_the_header_row(project, tmp_path):
    folder = edited(tmp_path, "programmes.csv", 1, "nom (fr)", "nom complet")
    assert problems(folder, project, tmp_path / "tables") == [
        "FILE/programmes.csv:1:C: expected a column among id, partnership, name (fr), name (en), start, end, "
        'country, aim (fr), found "nom complet"',
        'FILE/programmes.csv:1: expected a column "name (fr)", found empty',
    ]


def test_the_templates_have_the_headers_the_check_reads_and_no_row(project, tmp_path):
    for template in ("modele", "template", "modele.xlsx", "template.xlsx"):
        assert problems(PROJECT_ROOT / "spreadsheet" / template, project, tmp_path / template) == [
            "FILE: expected at least one row of data, found empty"
        ]


def test_csv_as_french_excel_writes_it_reads_the_same(project, tmp_path):
    """Semicolons between cells (the comma is the decimal mark) and a byte order mark."""
    folder = tmp_path / "exemple-partenariat"
    shutil.copytree(EXAMPLE, folder)
    for file in folder.glob("*.csv"):
        with file.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        with file.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle, delimiter=";").writerows(rows)
    assert problems(folder, project, tmp_path / "excel") == []
    assert problems(EXAMPLE, project, tmp_path / "plain") == []
    for table in (tmp_path / "plain").glob("*.csv"):
        assert (tmp_path / "excel" / table.name).read_bytes() == table.read_bytes(), table.name
