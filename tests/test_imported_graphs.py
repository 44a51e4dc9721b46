"""Imported files (contract C1): `imports/<slug>.ttl`, as `coopkg import` writes it, is loaded
into the release as its own named graph {base}graph/<slug>, with its facts, its source
described in the catalogue, and the pages crediting each fact to it."""

from __future__ import annotations

import hashlib
import shutil
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import rdflib
from bs4 import BeautifulSoup

from server import create_app
from server.config import Settings
from server.knowledge import UnreadableSource, load_knowledge
from server.release import build_release
from server.state import Published

ID = "https://w3id.org/coopkg/id/"
SLUG = "zou-team-sheet"
ORIGINAL = b"commune;population\nBohicon;171781\n"
IMPORTED = f"""
@prefix coop: <https://w3id.org/coopkg/def/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<{ID}source/{SLUG}> a foaf:Document , prov:Entity ;
    rdfs:label "Tableur de l'équipe coopération (essai)"@fr , "Cooperation team's spreadsheet (test)"@en ;
    dct:title "Suivi des communes"@fr ;
    dct:publisher <{ID}organisation/hauts-de-seine> ;
    prov:hadPrimarySource <https://example.org/suivi.csv> ;
    coop:sha256 "{hashlib.sha256(ORIGINAL).hexdigest()}" ;
    prov:generatedAtTime "2026-12-02T01:00:00Z"^^xsd:dateTime ;
    dct:license <https://creativecommons.org/licenses/by/4.0/> ;
    dct:format "text/csv" .

<{ID}organisation/bohicon> a org:Organization ;
    rdfs:label "Commune de Bohicon"@fr , "Bohicon commune"@en ;
    prov:wasDerivedFrom <{ID}source/{SLUG}> .

# A fact about a node the hand-written sources describe too.
<{ID}organisation/cc-zou> org:hasSubOrganization <{ID}organisation/bohicon> ;
    prov:wasDerivedFrom <{ID}source/{SLUG}> .
"""


@pytest.fixture(scope="module")
def imported_root(tmp_path_factory):
    from conftest import PROJECT_ROOT

    root = tmp_path_factory.mktemp("imported")
    for folder in ("ontology", "shapes", "graph", "queries", "catalog", "sources"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    (root / "imports").mkdir()
    (root / "imports" / f"{SLUG}.ttl").write_text(IMPORTED, encoding="utf-8")
    (root / "sources" / "imported").mkdir(parents=True, exist_ok=True)
    (root / "sources" / "imported" / f"{SLUG}.csv").write_bytes(ORIGINAL)
    return root


@pytest.fixture(scope="module")
def imported_release(imported_root, tmp_path_factory):
    settings = Settings.load({"root": imported_root, "release_dir": tmp_path_factory.mktemp("releases")}, environ={})
    build_release(settings)
    return Published.open(settings)


def test_an_imported_file_is_its_own_named_graph_with_its_facts(imported_release):
    base = imported_release.settings.base_iri
    store = imported_release.store
    graph = ox.NamedNode(f"{base}graph/{SLUG}")
    assert graph in set(store.named_graphs())
    member = ox.Quad(
        ox.NamedNode(base + "id/organisation/cc-zou"),
        ox.NamedNode("http://www.w3.org/ns/org#hasSubOrganization"),
        ox.NamedNode(base + "id/organisation/bohicon"),
        graph,
    )
    assert member in store
    # The hand-written facts stay in their own graphs, not in the imported one.
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    cc_zou = list(store.quads_for_pattern(ox.NamedNode(base + "id/organisation/cc-zou"), label, None, None))
    assert cc_zou and all(q.graph_name.value == f"{base}graph/press-release-zou-delegation" for q in cc_zou)
    assert f"imports/{SLUG}.ttl" in imported_release.release.manifest["sources"]


def test_the_catalogue_describes_the_imported_source(imported_release):
    app = create_app({"root": str(imported_release.settings.root)}, published=imported_release)
    with app.test_client().get("/catalog", headers={"Accept": "text/turtle"}) as answer:
        catalog = rdflib.Graph().parse(data=answer.get_data(), format="turtle")
    base = imported_release.settings.base_iri
    sd_name = rdflib.URIRef("http://www.w3.org/ns/sparql-service-description#name")
    prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
    part = catalog.value(None, sd_name, rdflib.URIRef(f"{base}graph/{SLUG}"))
    assert part is not None
    assert catalog.value(part, prov.wasDerivedFrom) == rdflib.URIRef(f"{base}id/source/{SLUG}")
    assert catalog.value(part, prov.hadPrimarySource) == rdflib.URIRef("https://example.org/suivi.csv")
    assert str(catalog.value(part, prov.generatedAtTime)).startswith("2026-12-02T01:00:00")
    assert catalog.value(part, rdflib.DCTERMS.license) == rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
    turtle = (imported_release.settings.root / "imports" / f"{SLUG}.ttl").read_bytes()
    checksum = catalog.value(part, rdflib.URIRef("http://spdx.org/rdf/terms#checksum"))
    value = catalog.value(checksum, rdflib.URIRef("http://spdx.org/rdf/terms#checksumValue"))
    assert str(value) == hashlib.sha256(turtle).hexdigest()
    document = catalog.value(part, prov.wasDerivedFrom)
    original = catalog.value(
        catalog.value(document, rdflib.URIRef("http://spdx.org/rdf/terms#checksum")),
        rdflib.URIRef("http://spdx.org/rdf/terms#checksumValue"),
    )
    assert str(original) == hashlib.sha256(ORIGINAL).hexdigest()


def test_the_page_credits_the_imported_fact_to_its_source(imported_release):
    app = create_app({"root": str(imported_release.settings.root)}, published=imported_release)
    with app.test_client().get("/id/organisation/cc-zou?lang=en") as answer:
        page = BeautifulSoup(answer.get_data(as_text=True), "html.parser")
    shown = {
        row["data-property"]: {urlsplit(a["href"]).path for a in row.select("td.fact-source a")}
        for row in page.select("table.facts tbody tr")
    }
    assert shown["http://www.w3.org/ns/org#hasSubOrganization"] == {f"/id/source/{SLUG}"}
    assert shown["http://www.w3.org/2000/01/rdf-schema#label"] == {"/id/source/press-release-zou-delegation"}


def test_an_import_may_not_take_a_hand_written_sources_graph_name(imported_root, tmp_path):
    root = tmp_path / "clash"
    shutil.copytree(imported_root, root)
    (root / "imports" / "hds-page-benin.ttl").write_text(IMPORTED, encoding="utf-8")
    with pytest.raises(UnreadableSource, match="already taken"):
        load_knowledge(root)
