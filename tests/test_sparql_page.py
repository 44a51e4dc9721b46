"""The query page at /sparql, read with an HTML parser from a real server: the editor form
works without JavaScript, the competency questions run in one click, results are a table whose
IRIs link to their pages here, with download links in every format and a shareable link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
import rdflib
import requests
from bs4 import BeautifulSoup
from sparql_answers import store_rows, variables

from server.config import PROJECT_ROOT, Settings
from server.iris import local_url
from server.queries import competency_queries

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
QUESTIONS = competency_queries(PROJECT_ROOT / "queries")
BASE = Settings().base_iri
RESULT_FORMATS = {"json", "xml", "csv", "tsv"}
GRAPH_FORMATS = {"turtle", "ntriples", "rdfxml", "jsonld", "nquads", "trig"}


def page(url: str, **params) -> tuple[requests.Response, BeautifulSoup]:
    response = requests.get(url, params=params, headers=BROWSER, timeout=60)
    assert response.headers["Content-Type"].startswith("text/html")
    return response, BeautifulSoup(response.text, "html.parser")


def test_page_without_query_is_an_accessible_form(server):
    response, html = page(server.sparql)
    assert response.status_code == 200
    assert len(html.find_all("h1")) == 1
    form = html.find("form")
    assert form["method"] == "get" and urlsplit(form["action"]).path == "/sparql"
    for field in form.find_all(["textarea", "select"]):
        assert html.find("label", attrs={"for": field["id"]}), f"{field['id']} has no label"
    assert form.find("textarea")["name"] == "query"
    options = {o["value"] for o in form.find("select", attrs={"name": "format"}).find_all("option")}
    assert options == {"html"} | RESULT_FORMATS | GRAPH_FORMATS
    assert html.find("table") is None


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_competency_question_is_a_one_click_example(server, lang):
    _, html = page(server.sparql, lang=lang)
    assert html.find("html")["lang"] == lang
    links = html.select(".sparql-examples a")
    assert [a.get_text(strip=True) for a in links] == [q.question[lang] for q in QUESTIONS]
    for link, question in zip(links, QUESTIONS, strict=True):
        assert parse_qs(urlsplit(link["href"]).query)["query"] == [question.text_in(lang)]  # labels in `lang`


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.slug for q in QUESTIONS])
def test_example_results_are_a_table_linking_our_iris_here(server, store, question):
    _, html = page(server.sparql, query=question.text, format="html")
    table = html.find("table")
    header = [th.get_text(strip=True) for th in table.find("thead").find_all("th")]
    assert header == variables(store, question.text)
    expected = store_rows(store, question.text)
    assert len(table.find("tbody").find_all("tr")) == len(expected)
    ours = {t[1] for row in expected for t in row if t[0] == "iri" and local_url(t[1], BASE, server.url)}
    hrefs = {a["href"] for a in table.find_all("a")}
    assert ours, "a competency question answers with some of our IRIs"
    assert {local_url(iri, BASE, server.url) for iri in ours} <= hrefs


def test_download_links_give_the_results_in_every_format(server, store):
    question = QUESTIONS[0]
    _, html = page(server.sparql, query=question.text)
    links = {a.get_text(strip=True): a["href"] for a in html.select(".sparql-links a")}
    assert set(links) == RESULT_FORMATS
    parsers = {
        "json": ox.QueryResultsFormat.JSON,
        "xml": ox.QueryResultsFormat.XML,
        "tsv": ox.QueryResultsFormat.TSV,
    }
    for name, results_format in parsers.items():
        body = requests.get(links[name], timeout=60).content
        solutions = ox.parse_query_results(body, format=results_format)
        assert len(list(solutions)) == len(store_rows(store, question.text))
    assert requests.get(links["csv"], timeout=60).headers["Content-Type"].startswith("text/csv")


def test_share_link_opens_the_same_results(server):
    question = QUESTIONS[1]
    _, html = page(server.sparql, query=question.text, format="html")
    share = html.find("input", id="sparql-share-url")
    assert html.find("label", attrs={"for": "sparql-share-url"})
    assert parse_qs(urlsplit(share["value"]).query)["query"] == [question.text]
    _, shared = page(share["value"])
    assert str(shared.find("table")) == str(html.find("table"))


def test_construct_results_are_a_triple_table(server):
    query = "CONSTRUCT WHERE { ?c a <https://w3id.org/coopkg/def/Convention> }"
    _, html = page(server.sparql, query=query)
    header = [th.get_text(strip=True) for th in html.find("table").find_all("th")]
    assert header == ["subject", "predicate", "object"]
    assert {a.get_text(strip=True) for a in html.select(".sparql-links a")} == GRAPH_FORMATS


def test_only_web_iris_become_links(server):
    query = "SELECT ?x { VALUES ?x { <javascript:alert(1)> <data:text/html,hi> <https://example.org/x> } }"
    _, html = page(server.sparql, query=query)
    assert [a["href"] for a in html.find("table").find_all("a")] == ["https://example.org/x"]
    assert "javascript:alert(1)" in html.find("table").get_text()


def test_ask_result_is_shown(server):
    _, html = page(server.sparql, query="ASK { ?s ?p ?o }", lang="en")
    assert html.select_one(".sparql-boolean").get_text(strip=True) == "true"


def test_errors_are_shown_on_the_page_with_their_status(server):
    response, html = page(server.sparql, query="SELECT * WHERE { ?s ?p }")
    assert response.status_code == 400
    assert "malformed query" in html.find(attrs={"role": "alert"}).get_text()
    assert html.find("textarea").get_text() == "SELECT * WHERE { ?s ?p }"


def test_service_description_for_rdf_clients(server, store):

    answer = requests.get(server.sparql, headers={"Accept": "text/turtle"}, timeout=60)
    graph = rdflib.Graph().parse(data=answer.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = rdflib.URIRef(server.sparql)
    assert (service, rdflib.RDF.type, sd.Service) in graph
    assert (service, sd.endpoint, service) in graph
    assert (service, sd.feature, sd.UnionDefaultGraph) in graph
    names = set(graph.objects(None, sd.name))
    # The ontology's graph, the shapes' and one graph per source.
    assert names == {rdflib.URIRef(g.value) for g in store.named_graphs()}
    assert {rdflib.URIRef(f"{BASE}graph/{part}") for part in ("ontology", "shapes", "hds-page-benin")} <= names
    formats = {str(f) for f in graph.objects(service, sd.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats and len(formats) == 10
    void_triples = rdflib.URIRef("http://rdfs.org/ns/void#triples")
    for named in graph.subjects(sd.name, None):
        name = graph.value(named, sd.name)
        size = graph.value(graph.value(named, sd.graph), void_triples).toPython()
        in_store = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
        assert size == int(next(iter(store.query(in_store)))["n"].value) > 0


@pytest.mark.parametrize("accept", ["application/rdf+xml", "application/ld+json", "application/n-triples"])
def test_service_description_in_other_rdf_formats(server, accept):
    answer = requests.get(server.sparql, headers={"Accept": accept}, timeout=60)
    assert answer.headers["Content-Type"].split(";")[0] == accept
    parsed = [q.triple for q in ox.parse(answer.content, format=ox.RdfFormat.from_media_type(accept))]
    assert (
        ox.Triple(
            ox.NamedNode(server.sparql),
            ox.NamedNode(str(rdflib.RDF.type)),
            ox.NamedNode("http://www.w3.org/ns/sparql-service-description#Service"),
        )
        in parsed
    )
