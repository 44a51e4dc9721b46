"""IATI out (#13): `coopkg export iati` and the `.iati.xml` representation of programme pages
write IATI 2.03 activity XML that validates against the schemas in reference/iati/schema-2.03/,
with what the sources state and nothing else. Each document is parsed back and validated
with xmlschema; the round trip (a real IATI file imported, then exported) is at the end."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date

import pyoxigraph as ox
import pytest
import xmlschema
from bs4 import BeautifulSoup
from engine_server import load, oxigraph_command, oxigraph_server
from pages_support import BASE
from virtuoso_server import virtuoso_command, virtuoso_server

from server import create_app
from server.cli import main
from server.config import PROJECT_ROOT, Settings
from server.engine_graph import SparqlHttpGraph
from server.graphs import EmbeddedGraph
from server.iati_export import NotConfigured, Reporter, programmes, read_activities
from server.iati_xml import activities_document, check

SCHEMA = PROJECT_ROOT / "reference" / "iati" / "schema-2.03" / "iati-activities-schema.xsd"
ZOU = BASE + "id/programme/zou-agricultural-development"
ZOU_PATH = "/id/programme/zou-agricultural-development"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
REPORTER = {
    "iati_reporting_org": "XX-TEST-1",
    "iati_reporting_org_type": "90",
    "iati_reporting_org_name": "Test publisher",
}
ENVIRONMENT = {"COOPKG_" + name.upper(): value for name, value in REPORTER.items()}


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(SCHEMA), allow="local")


@pytest.fixture(scope="module")
def reporter():
    return Reporter.from_settings(Settings.load(REPORTER, environ={}))


@pytest.fixture(scope="module")
def zou_document(graph, reporter) -> bytes:
    activities, left_out = read_activities(graph, programmes(graph), reporter, today=date(2026, 12, 2))
    assert left_out == []
    return activities_document(activities)


@pytest.fixture(scope="module")
def zou(zou_document, schema) -> ET.Element:
    """The Zou programme's iati-activity, from a document the schema accepts."""
    schema.validate(zou_document.decode("utf-8"))
    root = ET.fromstring(zou_document)
    (activity,) = root.findall("iati-activity")
    return activity


def _narratives(element) -> set[tuple[str, str | None]]:
    return {(n.text, n.get(XML_LANG)) for n in element.findall("narrative")}


def _labels(store, iri: str) -> set[tuple[str, str | None]]:
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    return {(q.object.value, q.object.language) for q in store.quads_for_pattern(ox.NamedNode(iri), label, None)}


# --- the Hauts-de-Seine–Zou programme ---------------------------------------------------------


def test_every_programme_is_exported_and_the_document_validates(zou_document, schema):
    root = ET.fromstring(zou_document)
    assert root.tag == "iati-activities" and root.get("version") == "2.03"
    assert [a.get("linked-data-uri") for a in root.findall("iati-activity")] == [ZOU]
    assert schema.is_valid(zou_document.decode("utf-8"))
    assert check(zou_document) == []


def test_the_identifier_and_reporting_org_come_from_the_settings(zou):
    assert zou.findtext("iati-identifier") == "XX-TEST-1-zou-agricultural-development"
    reporting = zou.find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type")) == ("XX-TEST-1", "90")
    assert reporting.get("secondary-reporter") == "1"  # the publisher takes no part in the programme
    assert _narratives(reporting) == {("Test publisher", None)}


def test_title_and_objectives_are_the_graphs_texts_in_their_languages(zou, store):
    assert _narratives(zou.find("title")) == _labels(store, ZOU)
    (objectives,) = zou.findall("description")
    assert objectives.get("type") == "2"
    by_lang = {n.get(XML_LANG): set(n.text.split("\n")) for n in objectives.findall("narrative")}
    assert by_lang["fr"] == {
        "soutenir des circuits courts agroalimentaires pour produire et manger sain localement",
        "améliorer la vie des populations dans les villages",
    }
    assert len(by_lang["en"]) == 2


def test_only_named_organisations_in_an_iati_role_take_part(zou, store):
    (funder,) = zou.findall("participating-org")
    assert funder.get("role") == "1"  # the lead funder's role matches IATI "Funding" (ontology/concepts.ttl)
    assert funder.get("ref") is None  # no source gives the Département an IATI identifier
    assert _narratives(funder) == _labels(store, BASE + "id/organisation/hauts-de-seine")
    # The technical operator is unnamed; the Communauté de Communes du Zou's role has no IATI match.
    texts = ET.tostring(zou, encoding="unicode")
    assert "opérateur technique" not in texts and "Communauté de Communes du Zou" not in texts


def test_status_and_start_say_what_the_sources_say(zou):
    assert zou.find("activity-status").get("code") == "2"
    (start,) = zou.findall("activity-date")
    assert (start.get("type"), start.get("iso-date")) == ("2", "2017-01-01")
    assert _narratives(start) == {("2017", None)}  # the sources give a year: the narrative says so


def test_places_and_sectors(zou):
    assert [c.get("code") for c in zou.findall("recipient-country")] == ["BJ"]
    assert [(s.get("vocabulary"), s.get("code"), s.get("percentage")) for s in zou.findall("sector")] == [
        ("1", "31120", None),
        ("1", "43072", None),
    ]
    (location,) = zou.findall("location")
    assert ("territoire du Zou", "fr") in _narratives(location.find("name"))


def test_nothing_invented(zou, store):
    """Every narrative is a text of the graph (or the settings' name, or a year the graph
    gives); what no source states is absent: no budget, transaction, result, end date."""
    literals = {
        q.object.value for q in store.quads_for_pattern(None, None, None, None) if isinstance(q.object, ox.Literal)
    }
    for narrative in zou.iter("narrative"):
        for line in narrative.text.split("\n"):
            assert line in literals | {"Test publisher"}, line
    for absent in ("budget", "transaction", "result", "contact-info", "document-link"):
        assert zou.find(absent) is None, absent
    assert {d.get("type") for d in zou.findall("activity-date")} == {"2"}


# --- what IATI requires and no source gives ------------------------------------------------------


def test_the_export_refuses_without_the_reporting_org_settings():
    with pytest.raises(NotConfigured, match="iati_reporting_org"):
        Reporter.from_settings(Settings.load({}, environ={}))


def test_a_programme_without_what_iati_requires_is_left_out_with_the_reasons(reporter):
    store = ox.Store()
    store.load(
        b"@prefix coop: <https://w3id.org/coopkg/def/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        b"<urn:x:p> a coop:Programme ; rdfs:label 'A programme'@en .",
        ox.RdfFormat.TURTLE,
    )
    activities, (refusal,) = read_activities(EmbeddedGraph(store), ["urn:x:p"], reporter)
    assert activities == []
    reasons = " ".join(refusal.reasons)
    for element in ("description", "participating-org", "activity-date", "activity-status"):
        assert element in reasons
    assert "title" not in reasons


def test_check_names_the_path_and_the_reason(zou_document):
    broken = zou_document.replace(b'<activity-status code="2" />', b"")
    (problem,) = check(broken)
    assert problem.path.startswith("/iati-activities/iati-activity")
    assert "activity-status" in problem.reason
    assert check(b"<iati-activities")[0].path == "/"


# An activity as the IATI import writes it (the terms of ontology/iati.ttl, contract C3); the
# few ontology triples the export reads (date types, codes) are stated here so that the test
# holds on its own.
IMPORTED = """
@prefix coop: <https://w3id.org/coopkg/def/> . @prefix iati: <https://w3id.org/coopkg/def/iati/> .
@prefix dct: <http://purl.org/dc/terms/> . @prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix valuekind: <https://w3id.org/coopkg/def/value-kind/> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix date: <https://w3id.org/coopkg/def/iati/activity-date-type/> .
@prefix role: <https://w3id.org/coopkg/def/iati/organisation-role/> .
@prefix status: <https://w3id.org/coopkg/def/iati/activity-status/> .
@prefix orgtype: <https://w3id.org/coopkg/def/iati/organisation-type/> .
@prefix currency: <https://w3id.org/coopkg/def/iati/currency/> .
@prefix transaction: <https://w3id.org/coopkg/def/iati/transaction-type/> .
@prefix resulttype: <https://w3id.org/coopkg/def/iati/result-type/> .
@prefix measure: <https://w3id.org/coopkg/def/iati/indicator-measure/> .
@prefix budgettype: <https://w3id.org/coopkg/def/iati/budget-type/> .
@prefix country: <https://w3id.org/coopkg/def/iati/country/> .
@prefix ex: <urn:x:> .
coop:actualStart coop:activityDateType date:2 . coop:plannedEnd coop:activityDateType date:3 .
date:2 skos:notation "2" . date:3 skos:notation "3" . status:2 skos:notation "2" .
role:1 skos:inScheme iati:OrganisationRole ; skos:notation "1" . orgtype:10 skos:notation "10" .
currency:EUR skos:notation "EUR" . transaction:3 skos:notation "3" . budgettype:1 skos:notation "1" .
resulttype:1 skos:notation "1" . measure:1 skos:notation "1" .
country:BJ skos:inScheme iati:Country ; skos:notation "BJ" .
valuekind:actual skos:notation "actual" . valuekind:baseline skos:notation "baseline" .
ex:activity a coop:Programme ; dct:title "Water for Abomey"@en , "Wells" ;
  rdfs:label "Water for Abomey"@en , "activité IATI XM-DAC-1-42"@fr ;
  dct:identifier "XM-DAC-1-42" ; dct:description "Wells."@en ;
  coop:reportingOrganisation ex:donor ; coop:activityStatus status:2 ;
  coop:actualStart "2019-03-01"^^xsd:date ; coop:plannedEnd "2021-12-31"^^xsd:date ;
  coop:country country:BJ ;
  prov:qualifiedAssociation [ prov:agent ex:donor ; prov:hadRole role:1 ] ;
  coop:budget ex:budget ; coop:plannedDisbursement ex:planned ; coop:transaction ex:payment .
ex:planned dct:temporal ex:year ; coop:amount 400 ; coop:currency currency:EUR ; coop:valueDate "2019-01-01"^^xsd:date .
ex:donor rdfs:label "organisation IATI XM-DAC-1"@fr ; foaf:name "Donor agency"@en ; dct:identifier "XM-DAC-1" ;
  coop:organisationType orgtype:10 .
ex:budget dct:temporal ex:year ; coop:amount "1000.50"^^xsd:decimal ; coop:currency currency:EUR ;
  coop:valueDate "2019-01-01"^^xsd:date ; coop:budgetType budgettype:1 .
ex:year dcat:startDate "2019-01-01"^^xsd:date ; dcat:endDate "2019-12-31"^^xsd:date .
ex:payment coop:transactionType transaction:3 ; dct:date "2019-06-01"^^xsd:date ; coop:amount 500 ;
  coop:currency currency:EUR ; coop:valueDate "2019-06-01"^^xsd:date ; coop:provider ex:donor .
ex:result coop:resultOf ex:activity ; coop:resultType resulttype:1 ; rdfs:label "Wells dug"@en .
ex:wells skos:inScheme ex:result ; coop:indicatorMeasure measure:1 ; rdfs:label "Number of wells"@en .
ex:o1 coop:indicator ex:wells ; coop:valueKind valuekind:baseline ; sdmx-measure:obsValue 0 ;
  sdmx-dimension:refPeriod ex:y2018 .
ex:y2018 <http://www.w3.org/2006/time#inXSDgYear> "2018"^^xsd:gYear .
ex:o2 coop:indicator ex:wells ; coop:valueKind valuekind:actual ; sdmx-measure:obsValue 12 ;
  sdmx-dimension:refPeriod ex:year .
"""


def test_an_imported_activity_keeps_its_identifier_reporter_and_figures(schema):
    store = ox.Store()
    store.load(IMPORTED.encode(), ox.RdfFormat.TURTLE)
    graph = EmbeddedGraph(store)
    (activity,), _ = read_activities(graph, programmes(graph), None)  # no settings needed: the data names the reporter
    root = ET.fromstring(activities_document([activity]))
    schema.validate(ET.tostring(root, encoding="unicode"))
    element = root.find("iati-activity")
    assert element.findtext("iati-identifier") == "XM-DAC-1-42"
    # The source's narratives (dct:title, foaf:name), never the labels coopkg adds for display.
    assert _narratives(element.find("title")) == {("Water for Abomey", "en"), ("Wells", None)}
    assert _narratives(element.find("reporting-org")) == {("Donor agency", "en")}
    reporting = element.find("reporting-org")
    assert (reporting.get("ref"), reporting.get("type"), reporting.get("secondary-reporter")) == (
        "XM-DAC-1",
        "10",
        None,
    )
    assert [(p.get("role"), p.get("ref")) for p in element.findall("participating-org")] == [("1", "XM-DAC-1")]
    assert element.find("activity-status").get("code") == "2"
    assert sorted((d.get("type"), d.get("iso-date")) for d in element.findall("activity-date")) == [
        ("2", "2019-03-01"),
        ("3", "2021-12-31"),
    ]
    assert [c.get("code") for c in element.findall("recipient-country")] == ["BJ"]
    budget = element.find("budget")
    assert (
        budget.get("type"),
        budget.find("period-start").get("iso-date"),
        budget.find("period-end").get("iso-date"),
    ) == (
        "1",
        "2019-01-01",
        "2019-12-31",
    )
    assert (budget.findtext("value"), budget.find("value").get("currency")) == ("1000.5", "EUR")
    assert element.find("planned-disbursement/value").text == "400"
    transaction = element.find("transaction")
    assert transaction.find("transaction-type").get("code") == "3"
    assert transaction.find("provider-org").get("ref") == "XM-DAC-1"
    result = element.find("result")
    assert result.get("type") == "1"
    indicator = result.find("indicator")
    assert indicator.get("measure") == "1"
    assert (indicator.find("baseline").get("year"), indicator.find("baseline").get("value")) == ("2018", "0")
    assert indicator.find("period/actual").get("value") == "12"


# --- coopkg export iati ---------------------------------------------------------------------------


def test_the_command_writes_a_valid_document(runner, release_dir, tmp_path, schema):
    out = tmp_path / "zou.xml"
    env = {**ENVIRONMENT, "COOPKG_RELEASE_DIR": str(release_dir)}
    result = runner.invoke(
        main, ["export", "iati", "--check", "--out", str(out), "programme/zou-agricultural-development"], env=env
    )
    assert result.exit_code == 0, result.output
    schema.validate(str(out))
    assert ET.parse(out).getroot().find("iati-activity/iati-identifier").text.endswith("zou-agricultural-development")
    to_stdout = runner.invoke(main, ["export", "iati"], env=env)  # every programme, on stdout
    assert to_stdout.exit_code == 0
    assert ET.fromstring(to_stdout.stdout_bytes).find("iati-activity").get("linked-data-uri") == ZOU


def test_the_command_refuses_clearly(runner, release_dir):
    env = {"COOPKG_RELEASE_DIR": str(release_dir)}
    unset = runner.invoke(main, ["export", "iati"], env=env)
    assert unset.exit_code == 2 and "iati_reporting_org" in unset.output
    not_programme = runner.invoke(main, ["export", "iati", "id/organisation/cc-zou"], env={**env, **ENVIRONMENT})
    assert not_programme.exit_code == 2 and "is not a programme" in not_programme.output
    assert "Traceback" not in unset.output + not_programme.output


# --- the .iati.xml representation -----------------------------------------------------------------


@pytest.fixture(scope="module")
def iati_client(published, release_dir):
    app = create_app({"release_dir": release_dir, **REPORTER}, published=published)
    app.config["TESTING"] = True
    return app.test_client()


def test_a_programme_page_links_its_iati_representation(iati_client, schema):
    page = iati_client.get(ZOU_PATH)
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    assert soup.find("link", rel="alternate", type="application/xml")["href"] == ZOU_PATH + ".iati.xml"
    assert soup.find("a", type="application/xml")["href"] == ZOU_PATH + ".iati.xml"
    assert f'<{ZOU_PATH}.iati.xml>; rel="alternate"; type="application/xml"' in page.headers["Link"]
    answer = iati_client.get(ZOU_PATH + ".iati.xml")
    assert (answer.status_code, answer.mimetype) == (200, "application/xml")
    assert answer.headers["ETag"]
    schema.validate(answer.get_data(as_text=True))


def test_accept_xml_asks_a_programme_for_iati(iati_client):
    answer = iati_client.get(ZOU_PATH, headers={"Accept": "application/xml"})
    assert (answer.status_code, answer.mimetype) == (200, "application/xml")
    assert answer.headers["Content-Location"] == ZOU_PATH + ".iati.xml"
    assert "Accept" in answer.headers["Vary"]
    assert ET.fromstring(answer.get_data()).find("iati-activity").get("linked-data-uri") == ZOU
    # text/xml stays RDF/XML's alias, as on every entity (the first offer that names it wins).
    assert iati_client.get(ZOU_PATH, headers={"Accept": "text/xml"}).mimetype == "application/rdf+xml"


def test_other_entities_have_no_iati_representation(iati_client):
    answer = iati_client.get("/id/organisation/cc-zou.iati.xml")
    assert answer.status_code == 404 and "not a programme" in answer.get_data(as_text=True)
    assert (
        iati_client.get("/id/organisation/cc-zou", headers={"Accept": "application/xml"}).mimetype
        == "application/rdf+xml"
    )
    page = BeautifulSoup(iati_client.get("/id/organisation/cc-zou").get_data(as_text=True), "html.parser")
    assert page.find("link", rel="alternate", type="application/xml") is None


def test_without_the_settings_no_page_offers_iati(client):
    page = BeautifulSoup(client.get(ZOU_PATH).get_data(as_text=True), "html.parser")
    assert page.find("a", type="application/xml") is None
    answer = client.get(ZOU_PATH + ".iati.xml")
    assert answer.status_code == 404 and "iati_reporting_org" in answer.get_data(as_text=True)


# --- the round trip: a real IATI file imported, then exported ----------------------------------


PUBLISHED = PROJECT_ROOT / "reference" / "iati" / "published"


ROUND_TRIPS = [
    "dfid-benin.xml",
    "maec-spain-indonesia.xml",
    "11-11-11-koepel-activities.xml",
]


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_a_real_file_survives_import_and_export(tmp_path, schema, name):
    """A real file imported with `python -m server import iati` into a temporary root, then
    exported: the elements coopkg models come back the same."""
    for folder in ("ontology", "shapes", "catalog", "queries", "graph"):  # the import checks against the data
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    original, into = PUBLISHED / name, tmp_path / "imported"
    imported = subprocess.run(
        [sys.executable, "-m", "server", "import", "iati", str(original), "--into", str(into)],
        env={"COOPKG_ROOT": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    store = ox.Store()
    for turtle in [*(tmp_path / "ontology").glob("*.ttl"), *into.rglob("*.ttl")]:
        store.load(path=str(turtle), format=ox.RdfFormat.TURTLE)
    graph = EmbeddedGraph(store)
    source = ET.parse(original).getroot()
    activities, left_out = read_activities(graph, programmes(graph), None)  # the file names its reporter
    assert not left_out, left_out
    exported = ET.fromstring(activities_document(activities))
    schema.validate(ET.tostring(exported, encoding="unicode"))
    by_id = {a.findtext("iati-identifier"): a for a in exported.findall("iati-activity")}
    for activity in source.findall("iati-activity"):
        again = by_id[activity.findtext("iati-identifier").strip()]
        assert _modelled(again) == _modelled(activity), activity.findtext("iati-identifier")


def _modelled(activity: ET.Element) -> dict:
    """Return the elements of an activity coopkg models, as comparable values."""

    # A narrative without xml:lang is in its element's language, else the activity's; a value
    # without currency is in the activity's default currency.
    default, currency = activity.get(XML_LANG), activity.get("default-currency")

    def texts(element):
        lang = element.get(XML_LANG, default)
        return sorted((" ".join((n.text or "").split()), n.get(XML_LANG, lang)) for n in element.findall("narrative"))

    def value(element):
        v = element.find("value")
        return (float(v.text), v.get("currency", currency), v.get("value-date"))

    def organisation(element):
        # An organisation with an identifier is one IRI for every file and element that names it,
        # so it gathers every spelling of its name: it is compared by identifier.
        return element.get("ref") or str(texts(element))

    return {
        "reporting-org": organisation(activity.find("reporting-org")),
        "title": texts(activity.find("title")),
        "participating-org": sorted((p.get("role"), organisation(p)) for p in activity.findall("participating-org")),
        "activity-status": activity.find("activity-status").get("code"),
        "activity-date": sorted((d.get("type"), d.get("iso-date")) for d in activity.findall("activity-date")),
        "recipient-country": sorted(c.get("code") for c in activity.findall("recipient-country")),
        "sector": sorted((s.get("vocabulary") or "1", s.get("code")) for s in activity.findall("sector")),
        "budget": sorted(
            (b.find("period-start").get("iso-date"), b.find("period-end").get("iso-date"), value(b))
            for b in activity.findall("budget")
        ),
        "planned-disbursement": sorted(
            (d.find("period-start").get("iso-date"), value(d)) for d in activity.findall("planned-disbursement")
        ),
        "transaction": sorted(
            (t.find("transaction-type").get("code"), t.find("transaction-date").get("iso-date"), value(t))
            for t in activity.findall("transaction")
        ),
        "result": sorted(
            (r.get("type"), str(texts(r.find("title"))), len(r.findall("indicator")))
            for r in activity.findall("result")
        ),
    }


# --- on an external engine ------------------------------------------------------------------------


@pytest.fixture(params=["oxigraph", "virtuoso"])
def engine_url(request, published, tmp_path):
    """The SPARQL endpoint of each engine in turn, holding the session's release (its N-Quads dump)."""
    dump = published.release.folder / "dumps" / "coopkg.nq"
    if request.param == "oxigraph":
        if oxigraph_command() is None:
            pytest.fail("needs the `oxigraph` command (pip install oxigraph)")
        with oxigraph_server(tmp_path, load(tmp_path, dump)) as running:
            yield running.url
    else:
        if virtuoso_command() is None:
            pytest.fail("needs virtuoso-t and isql-vt (Debian's virtuoso-opensource)")
        with virtuoso_server(tmp_path, dump) as running:
            yield running.url


def test_an_engine_gives_the_same_activities(engine_url, published, graph, reporter):
    """The export reads through the read seam: Oxigraph server and Virtuoso, loaded with the
    release, give the same activities as the embedded store."""
    remote = SparqlHttpGraph(engine_url, sorted(g.value for g in published.store.named_graphs()))
    try:
        over_http = read_activities(remote, programmes(remote), reporter, today=date(2026, 12, 2))
    finally:
        remote.close()
    assert over_http == read_activities(graph, programmes(graph), reporter, today=date(2026, 12, 2))
    assert over_http[0]
