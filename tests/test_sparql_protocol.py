"""The SPARQL 1.1 Protocol against a real server on loopback, case by case after the W3C test
suite (https://w3c.github.io/rdf-tests/sparql/sparql11/protocol/): query via GET, POST form and
POST direct; dataset parameters; content negotiation; the bad requests."""

from __future__ import annotations

import json
import warnings

import pyoxigraph as ox
import pytest
import rdflib
import requests
from rdflib.compare import isomorphic
from sparql_answers import results_rows, store_rows
from SPARQLWrapper import N3, SPARQLWrapper

from server.config import Settings
from server.namespaces import graph_iri

BASE = Settings().base_iri
# DATA: one source graph (the data is one named graph per source).
DATA, SHAPES, ONTOLOGY = (graph_iri(BASE, part) for part in ("press-release-zou-delegation", "shapes", "ontology"))
JSON = "application/sparql-results+json"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def solutions(response: requests.Response) -> ox.QuerySolutions:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith(JSON)
    return ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)


def count(response: requests.Response) -> int:
    return int(next(iter(solutions(response)))["n"].value)


def store_count(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)


# -- query operation: the three ways of sending a query ---------------------------------------


def test_query_get(server, store):
    answer = requests.get(server.sparql, params={"query": COUNT}, headers={"Accept": JSON})
    assert results_rows(solutions(answer)) == store_rows(store, COUNT)


def test_query_post_form(server, store):
    answer = requests.post(server.sparql, data={"query": COUNT}, headers={"Accept": JSON})
    assert results_rows(solutions(answer)) == store_rows(store, COUNT)


def test_query_post_direct(server, store):
    headers = {"Content-Type": "application/sparql-query", "Accept": JSON}
    answer = requests.post(server.sparql, data=COUNT.encode(), headers=headers)
    assert results_rows(solutions(answer)) == store_rows(store, COUNT)


# -- dataset: default-graph-uri, named-graph-uri, FROM ------------------------------------------


def test_default_graph_is_the_union_of_the_named_graphs(server, store):
    every = " ".join(f"FROM <{g.value}>" for g in store.named_graphs())
    union = f"SELECT (COUNT(*) AS ?n) {every} WHERE {{ ?s ?p ?o }}"
    answer = requests.get(server.sparql, params={"query": COUNT}, headers={"Accept": JSON})
    assert count(answer) == store_count(store, union) > 0


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_dataset_default_graph(server, store, method):
    params = {"query": COUNT, "default-graph-uri": SHAPES}
    answer = _send(server, method, params)
    expected = store_count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{SHAPES}> {{ ?s ?p ?o }} }}")
    assert count(answer) == expected > 0


def test_dataset_default_graphs_are_merged(server, store):
    params = [("query", COUNT), ("default-graph-uri", SHAPES), ("default-graph-uri", ONTOLOGY)]
    answer = requests.get(server.sparql, params=params, headers={"Accept": JSON})
    merged = f"SELECT (COUNT(*) AS ?n) FROM <{SHAPES}> FROM <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}"
    assert count(answer) == store_count(store, merged)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_dataset_named_graphs(server, method):
    answer = _send(server, method, {"query": GRAPHS, "named-graph-uri": SHAPES})
    assert [row["g"].value for row in solutions(answer)] == [SHAPES]


def test_dataset_named_graphs_only_leaves_the_default_graph_empty(server):
    params = {"query": "ASK { ?s ?p ?o }", "named-graph-uri": DATA}
    answer = requests.get(server.sparql, params=params, headers={"Accept": JSON})
    assert json.loads(answer.text)["boolean"] is False


def test_dataset_full(server, store):
    params = {"query": f"{COUNT[:-1]} GRAPH ?g {{ ?x ?y ?z }} }}", "default-graph-uri": SHAPES}
    params["named-graph-uri"] = DATA
    answer = requests.get(server.sparql, params=params, headers={"Accept": JSON})
    cross = f"SELECT (COUNT(*) AS ?n) FROM <{SHAPES}> FROM NAMED <{DATA}> WHERE {{ ?s ?p ?o GRAPH ?g {{ ?x ?y ?z }} }}"
    assert count(answer) == store_count(store, cross) > 0


def test_from_a_held_graph_is_honoured(server, store):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{SHAPES}> WHERE {{ ?s ?p ?o }}"
    answer = requests.get(server.sparql, params={"query": query}, headers={"Accept": JSON})
    assert count(answer) == store_count(store, query) > 0


def test_protocol_dataset_overrides_from(server, store):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{SHAPES}> WHERE {{ ?s ?p ?o }}"
    params = {"query": query, "default-graph-uri": ONTOLOGY}
    answer = requests.get(server.sparql, params=params, headers={"Accept": JSON})
    expected = store_count(store, f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}")
    assert count(answer) == expected != store_count(store, query)


NOT_HELD = "http://example.org/not-held"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_default_graph_not_held_is_an_empty_graph(server, method):
    assert count(_send(server, method, {"query": COUNT, "default-graph-uri": NOT_HELD})) == 0


def test_a_default_graph_not_held_adds_nothing_to_the_held_ones(server, store):
    params = [("query", COUNT), ("default-graph-uri", SHAPES), ("default-graph-uri", NOT_HELD)]
    answer = requests.get(server.sparql, params=params, headers={"Accept": JSON})
    expected = store_count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{SHAPES}> {{ ?s ?p ?o }} }}")
    assert count(answer) == expected > 0


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_named_graph_not_held_is_an_empty_graph(server, method):
    answer = _send(server, method, {"query": GRAPHS, "named-graph-uri": NOT_HELD})
    assert list(solutions(answer)) == []
    params = {"query": f"ASK {{ GRAPH <{NOT_HELD}> {{ }} }}", "named-graph-uri": NOT_HELD}
    assert json.loads(_send(server, method, params).text)["boolean"] is True  # it is there, empty


def test_a_graph_name_that_is_not_an_iri_is_a_400(server):
    answer = requests.get(server.sparql, params={"query": COUNT, "default-graph-uri": "not an iri"})
    assert answer.status_code == 400
    assert "not an absolute IRI" in answer.text


# -- content negotiation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ],
)
def test_content_type_select(server, accept, media_type):
    answer = requests.get(server.sparql, params={"query": COUNT}, headers={"Accept": accept})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].split(";")[0] == media_type
    assert "Accept" in answer.headers["Vary"]


@pytest.mark.parametrize(
    ("media_type", "results_format"),
    [
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ],
)
def test_content_type_ask(server, media_type, results_format):
    query = "PREFIX coop: <https://w3id.org/coopkg/def/> ASK { ?c a coop:Convention }"
    answer = requests.get(server.sparql, params={"query": query}, headers={"Accept": media_type})
    assert answer.headers["Content-Type"].startswith(media_type)
    assert bool(ox.parse_query_results(answer.content, format=results_format)) is True


@pytest.mark.parametrize(
    ("media_type", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
        ("application/n-quads", "nquads"),
        ("application/trig", "trig"),
    ],
)
@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
def test_content_type_construct_and_describe(server, store, media_type, rdflib_format, form):
    where = "{ ?c a <https://w3id.org/coopkg/def/Convention> ; ?p ?o }"
    query = f"CONSTRUCT {where} WHERE {where}" if form == "CONSTRUCT" else f"DESCRIBE ?c WHERE {where}"
    answer = requests.get(server.sparql, params={"query": query}, headers={"Accept": media_type})
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].split(";")[0] == media_type
    received = rdflib.Dataset() if rdflib_format in ("nquads", "trig", "json-ld") else rdflib.Graph()
    with warnings.catch_warnings():  # rdflib 7.6's quad parsers call its own deprecated Dataset API
        warnings.simplefilter("ignore", DeprecationWarning)
        received.parse(data=answer.content, format=rdflib_format)
    expected = rdflib.Graph().parse(
        data=ox.serialize(store.query(query, use_default_graph_as_union=True), format=ox.RdfFormat.N_TRIPLES),
        format="nt",
    )
    assert len(expected) > 0
    assert isomorphic(_as_graph(received), expected)


@pytest.mark.parametrize(("word", "media_type"), [("csv", "text/csv"), ("xml", "application/sparql-results+xml")])
def test_format_parameter_wins_over_accept(server, word, media_type):
    params = {"query": COUNT, "format": word}
    answer = requests.get(server.sparql, params=params, headers={"Accept": JSON})
    assert answer.headers["Content-Type"].split(";")[0] == media_type


@pytest.mark.parametrize(
    "form", ["CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5", "DESCRIBE ?s WHERE { ?s ?p ?o } LIMIT 1"]
)
def test_format_n3_answers_turtle(server, form):
    answer = requests.get(server.sparql, params={"query": form, "format": "n3"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].split(";")[0] == "text/turtle"
    assert len(rdflib.Graph().parse(data=answer.text, format="turtle")) > 0


def test_sparqlwrapper_asking_for_n3_gets_a_graph(server):
    client = SPARQLWrapper(server.sparql)
    client.setQuery("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5")
    client.setReturnFormat(N3)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) == 5


def test_not_acceptable(server):
    answer = requests.get(server.sparql, params={"query": COUNT}, headers={"Accept": "image/png"})
    assert answer.status_code == 406
    assert "application/sparql-results+json" in answer.text


def test_graph_format_for_a_select_is_not_acceptable(server):
    answer = requests.get(server.sparql, params={"query": COUNT, "format": "turtle"})
    assert answer.status_code == 406


def test_unknown_format_parameter(server):
    answer = requests.get(server.sparql, params={"query": COUNT, "format": "pdf"})
    assert answer.status_code == 400
    assert "pdf" in answer.text


TRICKY_TERMS = """
SELECT ?text ?tagged ?typed ?blank ?triple ?unbound WHERE {
  BIND("tab\\there\\nnew line \\"quoted\\" \\\\ é" AS ?text)
  BIND("Zou"@fr-BJ AS ?tagged)
  BIND(STRDT("12.50", <http://www.w3.org/2001/XMLSchema#decimal>) AS ?typed)
  BIND(BNODE() AS ?blank)
  BIND(<<( <https://w3id.org/coopkg/id/a> <https://w3id.org/coopkg/def/b> "c"@en )>> AS ?triple)
}"""


@pytest.mark.parametrize(
    ("media_type", "results_format"),
    [
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ],
)
def test_every_kind_of_term_survives_every_results_format(server, store, media_type, results_format):
    answer = requests.get(server.sparql, params={"query": TRICKY_TERMS}, headers={"Accept": media_type})
    assert answer.status_code == 200, answer.text
    received = results_rows(ox.parse_query_results(answer.content, format=results_format))
    assert received == store_rows(store, TRICKY_TERMS)
    assert received[0][0][1] == 'tab\there\nnew line "quoted" \\ é'  # the SPARQL string, unescaped


# -- bad requests ----------------------------------------------------------------------------------


def test_bad_query_method(server):
    assert requests.put(server.sparql, data={"query": COUNT}).status_code == 405


def test_bad_multiple_queries(server):
    answer = requests.get(server.sparql, params=[("query", COUNT), ("query", COUNT)])
    assert answer.status_code == 400
    assert "query" in answer.text


def test_bad_query_wrong_media_type(server):
    answer = requests.post(server.sparql, data=COUNT, headers={"Content-Type": "text/plain"})
    assert answer.status_code == 415


def test_bad_query_missing_form_type(server):
    answer = requests.post(server.sparql, data=b"query=" + COUNT.encode(), headers={"Content-Type": ""})
    assert answer.status_code == 415


def test_bad_query_missing_query(server):
    answer = requests.post(server.sparql, data={"default-graph-uri": DATA}, headers=FORM)
    assert answer.status_code == 400
    assert "missing query" in answer.text


def test_bad_query_missing_query_from_a_results_client(server):
    answer = requests.get(server.sparql, headers={"Accept": JSON})
    assert answer.status_code == 400
    assert "missing query" in answer.text


def test_bad_query_missing_query_with_a_dataset(server):
    assert requests.get(server.sparql, params={"default-graph-uri": DATA}).status_code == 400


def test_bad_query_non_utf8(server):
    headers = {"Content-Type": "application/sparql-query; charset=UTF-16"}
    answer = requests.post(server.sparql, data=COUNT.encode("utf-16"), headers=headers)
    assert answer.status_code == 400


@pytest.mark.parametrize("query", ["SELECT * WHERE { ?s ?p }", "ASK {", "SELEKT ?x WHERE { ?x ?y ?z }"])
def test_bad_query_syntax(server, query):
    answer = requests.get(server.sparql, params={"query": query})
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert "malformed query: error at 1:" in answer.text  # Oxigraph's parser says where


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("GET", {"params": {"update": "DROP ALL"}}),
        ("POST", {"data": {"update": "DROP ALL"}}),
        ("POST", {"data": b"DROP ALL", "headers": {"Content-Type": "application/sparql-update"}}),
    ],
)
def test_bad_update_refused(server, store, method, kwargs):
    answer = requests.request(method, server.sparql, **kwargs)
    assert answer.status_code == 403
    assert "read-only" in answer.text
    after = requests.get(server.sparql, params={"query": COUNT}, headers={"Accept": JSON})
    assert count(after) > 0


def test_a_query_in_the_url_of_a_direct_post_is_a_400(server):
    headers = {"Content-Type": "application/sparql-query", "Accept": JSON}
    answer = requests.post(server.sparql, params={"query": COUNT}, data=b"ASK {}", headers=headers)
    assert answer.status_code == 400
    assert "in its body" in answer.text


def test_a_query_in_the_url_of_a_form_post_is_a_400(server):
    answer = requests.post(server.sparql, params={"query": COUNT}, data={"query": "ASK {}"}, headers={"Accept": JSON})
    assert answer.status_code == 400


@pytest.mark.parametrize("method", ["GET", "POST form", "POST direct"])
def test_a_query_with_bytes_that_are_not_utf8_is_a_400(server, method):
    encoded = b"query=ASK%20%7B%7D%20%23%FF"
    if method == "GET":
        answer = requests.get(server.sparql + "?" + encoded.decode())
    elif method == "POST form":
        answer = requests.post(server.sparql, data=encoded, headers=FORM)
    else:
        headers = {"Content-Type": "application/sparql-query"}
        answer = requests.post(server.sparql, data=b"ASK {} #\xff", headers=headers)
    assert answer.status_code == 400
    assert "UTF-8" in answer.text


# -- length limits: the URL's, and a larger one for POST bodies ------------------------------------

LIMITS = Settings()


def _long_values_query(length: int) -> str:
    """Return an ASK with a VALUES list (as portals send) of exactly `length` characters."""
    head, tail = "ASK { VALUES ?x { ", "} ?s ?p ?o }"
    rows, n = [], 0
    while len(head) + sum(map(len, rows)) + len(tail) + 12 < length:
        rows.append(f'"v{n:08d}" ')
        n += 1
    query = head + "".join(rows) + tail
    return query + "#" * (length - len(query) - 1) if len(query) < length else query


def test_a_long_query_is_refused_in_a_url_and_answered_by_post(server):
    query = _long_values_query(64_000)
    assert len(query) > LIMITS.max_query_length
    in_url = requests.get(server.sparql, params={"query": query}, headers={"Accept": JSON})
    assert in_url.status_code == 413
    assert str(LIMITS.max_query_length) in in_url.text and "POST" in in_url.text
    form = requests.post(server.sparql, data={"query": query}, headers={"Accept": JSON})
    direct = requests.post(
        server.sparql, data=query.encode(), headers={"Content-Type": "application/sparql-query", "Accept": JSON}
    )
    assert json.loads(form.text)["boolean"] is True
    assert json.loads(direct.text)["boolean"] is True


@pytest.mark.parametrize("chunked", [False, True], ids=["Content-Length", "chunked"])
def test_a_post_body_past_its_limit_is_a_413(server, chunked):
    body = b"ASK {} #" + b"x" * LIMITS.max_post_length
    data = iter([body[i : i + 65536] for i in range(0, len(body), 65536)]) if chunked else body
    answer = requests.post(server.sparql, data=data, headers={"Content-Type": "application/sparql-query"})
    assert answer.status_code == 413
    assert str(LIMITS.max_post_length) in answer.text


def test_update_sent_as_a_query_is_a_syntax_error(server):
    answer = requests.post(server.sparql, data={"query": "INSERT DATA { <a:b> <a:c> <a:d> }"})
    assert answer.status_code == 400


def test_errors_are_never_html_for_clients(server):
    answer = requests.get(server.sparql, params={"query": "nonsense"}, headers={"Accept": JSON})
    assert answer.headers["Content-Type"].startswith("text/plain")


# -- CORS ------------------------------------------------------------------------------------------


def test_cors_on_get_and_post(server):
    origin = {"Origin": "https://portal.example"}
    get = requests.get(server.sparql, params={"query": COUNT}, headers=origin)
    post = requests.post(server.sparql, data={"query": COUNT}, headers=origin)
    assert get.headers["Access-Control-Allow-Origin"] in ("*", "https://portal.example")
    assert post.headers["Access-Control-Allow-Origin"] in ("*", "https://portal.example")


def test_cors_preflight(server):
    headers = {
        "Origin": "https://portal.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    answer = requests.options(server.sparql, headers=headers)
    assert answer.status_code == 200
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert "content-type" in answer.headers["Access-Control-Allow-Headers"].lower()


def _send(server, method: str, params: dict) -> requests.Response:
    if method == "GET":
        return requests.get(server.sparql, params=params, headers={"Accept": JSON})
    return requests.post(server.sparql, data=params, headers={"Accept": JSON})


def _as_graph(received) -> rdflib.Graph:
    if isinstance(received, rdflib.Dataset):
        graph = rdflib.Graph()
        for s, p, o, _ in received.quads((None, None, None, None)):
            graph.add((s, p, o))
        return graph
    return received
