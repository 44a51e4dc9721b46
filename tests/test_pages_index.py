"""Index pages: home (key figures, entry points, links to the other services), the class
listing, a page per ontology term with its definitions and usage, the shapes as rules."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from pages_support import BASE, html, labels, path_of, select, text

from server.locales import format_number

# The data: every source graph (not the ontology's or the shapes').
SOURCES = f"FILTER(?g NOT IN (<{BASE}graph/ontology>, <{BASE}graph/shapes>))"
PAGES = ["/", "/classes", "/classes/foaf:Person", "/def/", "/def/Convention", "/shapes", "/search?q=zou"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_each_index_page_has_one_h1_its_language_and_the_navigation(client, path, lang):
    page = html(client.get(path, headers={"Accept-Language": lang}))
    assert page.html["lang"] == lang
    assert len(page.find_all("h1")) == 1
    nav = {a["href"].split("?")[0] for a in page.select("header nav a")}
    assert {"/", "/search", "/sparql", "/catalog"} <= nav


def test_the_home_page_counts_from_the_store(client, store):
    page = html(client.get("/"))
    triples = select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {SOURCES} }}")[0]["n"]
    figures = {text(li) for li in page.select("ul.figures li")}
    assert any(f.startswith(" ".join(format_number(int(triples), "fr").split()) + " ") for f in figures)
    conventions = select(
        store, f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ GRAPH ?g {{ ?c a <{BASE}def/Convention> }} {SOURCES} }}"
    )[0]["n"]
    assert any(f.startswith(f"{conventions} ") and "convention" in f for f in figures)
    links = {a["href"] for a in page.select("main a")}
    assert {"/sparql", "/dumps/", "/catalog"} <= links


def test_the_home_page_leads_to_the_zou(client, store):
    page = html(client.get("/"))
    zou = BASE + "id/organisation/cc-zou"
    link = next(a for a in page.select(".cards a") if urlsplit(a["href"]).path == path_of(zou))
    assert text(link) in labels(store, zou, "fr")


def test_the_class_listing_gives_every_class_with_its_count(client, store):
    page = html(client.get("/classes"))
    rows = {text(tr.th): text(tr.select("td")[-1]) for tr in page.select("tbody tr")}
    counts = select(
        store, f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?c }} {SOURCES} }} GROUP BY ?c"
    )
    assert len(rows) == len(counts)
    for row in counts:
        assert rows[next(iter(labels(store, row["c"], "fr")))] == row["n"]


def test_a_class_page_lists_its_instances(client, store):
    page = html(client.get("/classes/foaf:Person"))
    people = select(store, f"SELECT ?p WHERE {{ GRAPH ?g {{ ?p a <http://xmlns.com/foaf/0.1/Person> }} {SOURCES} }}")
    assert {urlsplit(a["href"]).path for a in page.select("ul.instances a")} == {path_of(r["p"]) for r in people}


def test_every_ontology_term_dereferences_to_its_definitions_and_usage(client, store):
    terms = select(
        store,
        f"SELECT DISTINCT ?t WHERE {{ ?t <http://www.w3.org/2000/01/rdf-schema#isDefinedBy> <{BASE}def/> }}",
    )
    assert terms
    for row in terms:
        page = html(client.get(path_of(row["t"])))
        assert text(page.h1) in labels(store, row["t"], "fr"), row["t"]
        definitions = select(
            store, f"SELECT ?d WHERE {{ <{row['t']}> <http://www.w3.org/2004/02/skos/core#definition> ?d }}"
        )
        shown = {text(dd) for dd in page.select("section.term dd")}
        assert {r["d"] for r in definitions} == shown, row["t"]
        used = select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{row['t']}> ?o }} {SOURCES} }}")[0]["n"]
        assert f"{used} " in text(page.select_one("ul.usage")), row["t"]


def test_the_ontology_page_lists_every_term(client, store):
    page = html(client.get("/def/"))
    listed = {urlsplit(a["href"]).path for a in page.select("section[aria-labelledby=terms-title] th a")}
    defined = select(
        store,
        f"""SELECT DISTINCT ?t WHERE {{ ?t <http://www.w3.org/2000/01/rdf-schema#isDefinedBy> <{BASE}def/> ;
        a ?k FILTER(?k IN (<http://www.w3.org/2002/07/owl#Class>, <http://www.w3.org/2002/07/owl#ObjectProperty>,
        <http://www.w3.org/2002/07/owl#DatatypeProperty>, <http://www.w3.org/2002/07/owl#AnnotationProperty>)) }}""",
    )
    assert {path_of(r["t"]) for r in defined} == listed


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_shapes_page_states_each_rule_in_the_readers_language(client, store, lang):
    page = html(client.get(f"/shapes?lang={lang}"))
    shapes = select(store, "SELECT ?s WHERE { ?s a <http://www.w3.org/ns/shacl#NodeShape> FILTER isIRI(?s) }")
    assert len(page.select("section.shape")) == len(shapes)
    messages = {
        r["m"]
        for r in select(
            store,
            "SELECT ?m WHERE { ?c <http://www.w3.org/ns/shacl#message>|<http://www.w3.org/ns/shacl#description> ?m "
            f'FILTER(lang(?m) = "{lang}") }}',
        )
    }
    shown = {" ".join(text(li).split(" (")[0].split()) for li in page.select("ul.rules li")}
    assert shown and all(any(m.startswith(s) or s.startswith(" ".join(m.split())) for m in messages) for s in shown)


def test_another_blueprints_page_gets_the_navigation_in_the_readers_language(app):
    from flask import render_template_string

    with app.test_request_context("/anything", headers={"Accept-Language": "en"}):
        rendered = render_template_string('{% extends "base.html" %}{% block content %}<h1>x</h1>{% endblock %}')
    from bs4 import BeautifulSoup

    page = BeautifulSoup(rendered, "html.parser")
    assert page.html["lang"] == "en"
    assert {"/sparql", "/catalog", "/dumps/"} <= {a["href"] for a in page.select("header nav a")}
    assert page.select_one("a.lang-switch")["hreflang"] == "fr"
