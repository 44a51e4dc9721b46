"""`coopkg import iati`: real IATI files import, conform, and answer the competency questions
with what the XML says (read here with lxml, not written down); a broken file is reported with
its line and XPath, exits 1 and writes nothing."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from lxml import etree

from server.cli import main
from server.config import PROJECT_ROOT
from server.imports.iati import check
from server.knowledge import load_knowledge
from server.queries import competency_queries
from server.validation import validate

REFERENCE = PROJECT_ROOT / "reference" / "iati"
REAL_FILES = [
    REFERENCE / "examples" / "activity-standard-example-annotated.xml",
    *sorted(REFERENCE.glob("published/*.xml")),
]
ID = "https://w3id.org/coopkg/id/"
DEF = "https://w3id.org/coopkg/def/"
# in queries/iati/: the site's examples (queries/*.rq) each answer from the release, which does not
# load imports/ yet
QUERIES = {q.slug: q for q in competency_queries(PROJECT_ROOT / "queries" / "iati")}
# the module's import maps five files with morph-kgc: minutes on a busy machine
pytestmark = pytest.mark.timeout(1800)

# A commune of the Zou reporting its own activity, funded by an organisation that
# dfid-benin.xml names too (GB-GOV-1): the two files must share that organisation.
COMMUNE = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03" generated-datetime="2026-01-01T00:00:00Z">
 <iati-activity xml:lang="fr" default-currency="XOF" last-updated-datetime="2026-01-01T00:00:00Z">
  <iati-identifier>BJ-IFU-1201300000001-2026-01</iati-identifier>
  <reporting-org ref="BJ-IFU-1201300000001" type="10"><narrative>Commune de Bohicon</narrative></reporting-org>
  <title><narrative>Maraîchage à Bohicon</narrative>
   <narrative xml:lang="en">Market gardening in Bohicon</narrative></title>
  <participating-org ref="GB-GOV-1" role="1" type="10"><narrative xml:lang="en">DFID</narrative></participating-org>
  <participating-org ref="BJ-IFU-1201300000001" role="4" type="10"/>
  <participating-org role="3"><narrative>Groupement des maraîchers</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2026-01-15"/>
  <recipient-country code="BJ" percentage="100"/>
  <sector vocabulary="1" code="31120"/>
  <sector vocabulary="7" code="2"/>
  <sector vocabulary="8" code="2.3"/>
  <budget type="1" status="2"><period-start iso-date="2026-01-01"/><period-end iso-date="2026-12-31"/>
   <value value-date="2026-01-01">1500000</value></budget>
  <budget type="2" status="2"><period-start iso-date="2026-01-01"/><period-end iso-date="2026-12-31"/>
   <value value-date="2026-06-01">1750000.50</value></budget>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2026-02-01"/>
   <value value-date="2026-02-01">500000</value><provider-org ref="GB-GOV-1"/></transaction>
  <result type="1"><title><narrative>Production</narrative></title>
   <indicator measure="1" ascending="1"><title><narrative>Tonnes de légumes</narrative></title>
    <baseline year="2025" value="12"/>
    <period><period-start iso-date="2026-01-01"/><period-end iso-date="2026-06-30"/>
     <target value="20"/><actual value="18.5"><comment><narrative>Saison sèche</narrative></comment></actual></period>
   </indicator>
  </result>
 </iati-activity>
</iati-activities>
"""


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict:
    """Import the real files and the commune's in one batch into a fresh folder; return the
    folder, the CLI result and a store of the ontology, graph/ and what was imported."""
    folder = tmp_path_factory.mktemp("project")
    commune = tmp_path_factory.mktemp("input") / "Commune Bohicon.xml"
    commune.write_text(COMMUNE, encoding="utf-8")
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["import", "iati", *map(str, REAL_FILES), str(commune), "--into", str(folder)])
    store = ox.Store()
    for path in [
        *PROJECT_ROOT.glob("ontology/*.ttl"),
        *PROJECT_ROOT.glob("graph/**/*.ttl"),
        *folder.glob("imports/*.ttl"),
    ]:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(path.as_uri()))
    return {"folder": folder, "result": result, "store": store, "files": [*REAL_FILES, commune]}


def ask(store: ox.Store, slug: str) -> list[dict[str, str]]:
    solutions = store.query(QUERIES[slug].text, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


def activities(path: Path):
    return etree.parse(str(path)).getroot().iterfind("iati-activity")


def identifier(activity) -> str:
    return activity.findtext("iati-identifier").strip()


def test_real_files_import_and_conform(imported):
    result, folder = imported["result"], imported["folder"]
    assert result.exit_code == 0, result.output
    slugs = {"activity-standard-example-annotated", "11-11-11-koepel-activities", "dfid-benin"}
    slugs |= {"maec-spain-indonesia", "commune-bohicon"}
    assert {p.stem for p in folder.glob("imports/*.ttl")} == slugs
    for path in imported["files"]:
        slug = "commune-bohicon" if path.name == "Commune Bohicon.xml" else path.stem
        assert (folder / "sources" / "imported" / f"{slug}.xml").read_bytes() == path.read_bytes()
    report = validate(load_knowledge(PROJECT_ROOT, [PROJECT_ROOT / "graph", *folder.glob("imports/*.ttl")]))
    assert report.conforms, report.violations[:3]


def test_every_activity_is_a_programme_traced_to_its_file(imported):
    store = imported["store"]
    for path in imported["files"]:
        slug = "commune-bohicon" if path.name == "Commune Bohicon.xml" else path.stem
        rows = store.query(
            f"SELECT ?id WHERE {{ ?p a <{DEF}Programme> ; <http://purl.org/dc/terms/identifier> ?id ;"
            f" <http://www.w3.org/ns/prov#wasDerivedFrom> <{ID}source/{slug}> }}",
            use_default_graph_as_union=True,
        )
        assert {row["id"].value for row in rows} == {identifier(a) for a in activities(path)}, path.name


def test_titles_keep_every_language_the_file_gives(imported):
    store = imported["store"]
    example = next(activities(REAL_FILES[0]))
    expected = set()
    for narrative in example.iterfind("title/narrative"):
        lang = narrative.get("{http://www.w3.org/XML/1998/namespace}lang") or example.get(
            "{http://www.w3.org/XML/1998/namespace}lang"
        )
        expected.add((narrative.text.strip(), lang))
    programme = ox.NamedNode(ID + "programme/iati/" + identifier(example))
    titles = {
        (q.object.value, q.object.language)
        for q in store.quads_for_pattern(programme, ox.NamedNode("http://purl.org/dc/terms/title"), None)
    }
    assert titles == expected and len({lang for _, lang in expected}) == 3


def test_two_files_naming_an_organisation_share_its_iri(imported):
    store = imported["store"]
    gov = ox.NamedNode(ID + "organisation/iati/GB-GOV-1")
    sources = {
        q.object.value
        for q in store.quads_for_pattern(gov, ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom"), None)
    }
    assert sources == {ID + "source/dfid-benin", ID + "source/commune-bohicon"}
    names = {q.object.value for q in store.quads_for_pattern(gov, ox.NamedNode("http://xmlns.com/foaf/0.1/name"), None)}
    dfid = etree.parse(str(REFERENCE / "published" / "dfid-benin.xml"))
    assert (
        set(
            dfid.xpath(
                "//*[self::reporting-org or self::participating-org or self::provider-org or self::receiver-org]"
                "[@ref='GB-GOV-1']/narrative/text()"
            )
        )
        | {"DFID"}
        == names
    )


def test_codes_are_the_ontology_concepts_with_their_labels(imported):
    store = imported["store"]
    rows = store.query(
        "SELECT DISTINCT ?code ?label WHERE { ?p <https://w3id.org/coopkg/def/sector> ?s ."
        " ?s <http://www.w3.org/2004/02/skos/core#notation> ?code ;"
        " <http://www.w3.org/2004/02/skos/core#prefLabel> ?label FILTER (lang(?label) = 'en') }",
        use_default_graph_as_union=True,
    )
    labels = {row["code"].value: row["label"].value for row in rows}
    sectors = etree.parse(str(REFERENCE / "codelists" / "non-embedded" / "Sector.xml"))
    for code in ("31120", "72010", "31310"):
        assert labels[code] == sectors.xpath(f"//codelist-item[code='{code}']/name/narrative[not(@xml:lang)]/text()")[0]
    goals = etree.parse(str(REFERENCE / "codelists" / "non-embedded" / "UNSDG-Goals.xml"))
    assert labels["2"] == goals.xpath("//codelist-item[code='2']/name/narrative[not(@xml:lang)]/text()")[0]


def test_cq_iati_funders_in_benin(imported):
    rows = ask(imported["store"], "cq-iati-funders-benin")
    found = {(row.get("identifier"), row.get("funderIdentifier")) for row in rows}
    expected = set()
    for path in imported["files"]:
        for activity in activities(path):
            if activity.find("recipient-country[@code='BJ']") is not None:
                for org in activity.iterfind("participating-org[@role='1']"):
                    expected.add((identifier(activity), org.get("ref")))
    assert expected and expected <= found
    # the hand-written programme in Benin and its lead funder answer too
    assert (None, None) in found and ID + "organisation/hauts-de-seine" in {row["funder"] for row in rows}


def _year(element) -> str:
    return element.find("period-start").get("iso-date")[:4]


def test_cq_iati_budgets_by_year(imported):
    rows = ask(imported["store"], "cq-iati-budgets-by-year")
    found = {(r["identifier"], r["year"], r["currency"], r.get("budgetType")): Decimal(r["total"]) for r in rows}
    expected: dict[tuple, Decimal] = defaultdict(Decimal)
    for path in imported["files"]:
        for activity in activities(path):
            for budget in activity.iterfind("budget"):
                value = budget.find("value")
                currency = value.get("currency") or activity.get("default-currency")
                key = (identifier(activity), _year(budget), currency, budget.get("type"))
                expected[key] += Decimal(value.text.strip())
    assert len(expected) > 100
    assert found == dict(expected)


def test_cq_iati_results_against_targets(imported):
    rows = ask(imported["store"], "cq-iati-results-against-targets")
    found = {
        (
            r["identifier"],
            r["start"],
            r["end"],
            r.get("target") and Decimal(r["target"]),
            r.get("actual") and Decimal(r["actual"]),
        )
        for r in rows
    }

    def number(element):
        try:
            return Decimal(element.get("value").strip()) if element is not None else None
        except (ArithmeticError, AttributeError):  # text where IATI before 2.03 allowed it
            return None

    expected = set()
    for path in imported["files"]:
        for activity in activities(path):
            for period in activity.iterfind("result/indicator/period"):
                target, actual = number(period.find("target")), number(period.find("actual"))
                if target is not None or actual is not None:
                    start, end = (period.find(p).get("iso-date") for p in ("period-start", "period-end"))
                    expected.add((identifier(activity), start, end, target, actual))
    assert len(expected) > 50
    assert found == expected


@pytest.mark.parametrize(
    ("text", "where", "expected", "found"),
    [
        ("this is not XML <", ":1", "well-formed XML", "Start tag expected"),
        (
            "<iati-organisations version='2.03'/>",
            ":1:/iati-organisations",
            "an IATI activity file",
            "<iati-organisations>",
        ),
        (
            "<iati-activities version='1.05'/>",
            ":1:/iati-activities/@version",
            "IATI version 2.01, 2.02, 2.03",
            '"1.05"',
        ),
        (
            "<iati-activities version='2.03'>\n<iati-activity><iati-identifier>A-1</iati-identifier>\n"
            "<activity-date type='1' iso-date='2012-13-45'/></iati-activity></iati-activities>",
            ":3:/iati-activities/iati-activity/activity-date/@iso-date",
            "a date YYYY-MM-DD",
            '"2012-13-45"',
        ),
        (
            "<iati-activities version='2.02'><iati-activity><iati-identifier>A-1</iati-identifier>\n"
            "<budget><period-start iso-date='2012-01-01'/>\n<value currency='EUR'>1,000</value></budget>"
            "</iati-activity></iati-activities>",
            ":3:/iati-activities/iati-activity/budget/value",
            "a number (1234.56)",
            '"1,000"',
        ),
        (
            "<iati-activities version='2.03'><iati-activity><iati-identifier>A-1</iati-identifier>\n"
            "<participating-org ref='X' role='7'/></iati-activity></iati-activities>",
            ":2:/iati-activities/iati-activity/participating-org/@role",
            "an IATI organisation role",
            '"7"',
        ),
    ],
)
def test_a_broken_file_is_reported_with_line_and_xpath_and_nothing_is_written(
    runner, tmp_path, text, where, expected, found
):
    broken = tmp_path / "broken.xml"
    broken.write_text(text, encoding="utf-8")
    into = tmp_path / "project"
    result = runner.invoke(main, ["import", "iati", str(REAL_FILES[0]), str(broken), "--into", str(into)])
    assert result.exit_code == 1
    line = next(line for line in result.stderr.splitlines() if line.startswith("coopkg: broken.xml"))
    assert line.startswith(f"coopkg: broken.xml{where}: expected {expected}"), line
    assert found in line
    assert not (into / "imports").exists() and not (into / "sources").exists()


def test_problems_are_reported_in_french(runner, tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_text("<iati-activities version='3.0'/>", encoding="utf-8")
    result = runner.invoke(main, ["import", "iati", str(broken), "--into", str(tmp_path), "--lang", "fr"])
    assert result.exit_code == 1
    assert (
        "broken.xml:1:/iati-activities/@version: attendu une version IATI 2.01, 2.02, 2.03, trouvé « 3.0 »"
        in result.stderr
    )


def test_a_text_value_before_2_03_is_left_out_but_from_2_03_on_is_a_problem(tmp_path):
    for version, problems in (("2.02", 0), ("2.03", 1)):
        path = tmp_path / f"v{version}.xml"
        path.write_text(
            f"<iati-activities version='{version}'><iati-activity><iati-identifier>A-1</iati-identifier>"
            "<result><indicator measure='1'><period><actual value='30,6'/></period></indicator></result>"
            "</iati-activity></iati-activities>",
            encoding="utf-8",
        )
        assert len(check(path)) == problems


def test_a_batch_that_does_not_conform_writes_nothing(runner, tmp_path):
    # the same activity, titled apart in French by two files: two French labels for one programme
    one, two = tmp_path / "one.xml", tmp_path / "two.xml"
    for path, title in ((one, "Premier titre"), (two, "Autre titre")):
        path.write_text(
            "<iati-activities version='2.03'><iati-activity xml:lang='fr'><iati-identifier>XM-1-A</iati-identifier>"
            f"<reporting-org ref='XM-1' type='10'/><title><narrative>{title}</narrative></title>"
            "</iati-activity></iati-activities>",
            encoding="utf-8",
        )
    into = tmp_path / "project"
    result = runner.invoke(main, ["import", "iati", str(one), str(two), "--into", str(into)])
    assert result.exit_code == 1
    assert ID + "programme/iati/XM-1-A" in result.stderr
    assert not list(into.glob("imports/*")) and not list(into.glob("sources/imported/*"))


def test_the_codes_in_the_ontology_are_what_the_codelists_give():
    completed = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "iati_codelists.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_every_term_the_imports_use_has_labels_in_french_and_english(imported):
    ontology = ox.Store()
    for path in PROJECT_ROOT.glob("ontology/*.ttl"):
        ontology.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    data = ox.Store()
    for path in imported["folder"].glob("imports/*.ttl"):
        data.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    used = {row["t"] for row in data.query("SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } }")}
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for term in used:
        languages = {q.object.language for q in ontology.quads_for_pattern(term, label, None)}
        assert {"fr", "en"} <= languages, term
