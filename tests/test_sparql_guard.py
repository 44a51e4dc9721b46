"""The guard parses (never evaluates) a query to refuse SERVICE and graphs the store does not hold."""

from __future__ import annotations

import pytest

from server.sparql.guard import QueryDataset, Refused, Unchecked, check_graphs, check_query

HELD = frozenset({"https://w3id.org/coopkg/graph/data", "https://w3id.org/coopkg/graph/shapes"})


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * { optional { service silent <http://example.org/sparql> { ?s ?p ?o } } }",
        "SELECT * { ?a ?b ?c MINUS { SERVICE ?where { ?s ?p ?o } } }",
        "ASK { FILTER EXISTS { SERVICE <http://example.org/sparql> { ?s ?p ?o } } }",
        "SELECT * { { SELECT ?s { SERVICE <http://example.org/sparql> { ?s ?p ?o } } } }",
        "SELECT * { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT*{SERVICE<http://example.org/sparql>{?s ?p ?o}}",
    ],
)
def test_service_anywhere_is_refused(query):
    with pytest.raises(Refused, match="SERVICE"):
        check_query(query, HELD)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <http://example.org/remote.ttl> { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://example.org/remote.ttl> { GRAPH ?g { ?s ?p ?o } }",
        "PREFIX g: <https://w3id.org/coopkg/graph/> SELECT * FROM g:data FROM g:ontology { ?s ?p ?o }",
        "BASE <http://example.org/> SELECT * FROM <remote.ttl> { ?s ?p ?o }",
        "SELECT*FROM<http://example.org/g>{?s ?p ?o}",
    ],
)
def test_from_a_graph_not_held_is_refused(query):
    with pytest.raises(Refused, match="not held"):
        check_query(query, HELD)


def test_from_held_graphs_is_read_with_prefixes_resolved():
    query = "PREFIX g: <https://w3id.org/coopkg/graph/> SELECT * FROM g:data FROM NAMED g:shapes { ?s ?p ?o }"
    assert check_query(query, HELD) == QueryDataset(
        ("https://w3id.org/coopkg/graph/data",), ("https://w3id.org/coopkg/graph/shapes",)
    )


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { ?s ?p ?o }",
        "PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?x { ?x prov:wasDerivedFrom ?y }",
        "SELECT * { ?s <http://example.org/service> ?o }",
        "SELECT ?from { ?from ?p 'SERVICE' }",
        "SELECT ?x { ?x <http://example.org/from> <http://example.org/service> }",
    ],
)
def test_queries_without_dataset_or_service_pass(query):
    assert check_query(query, HELD) == QueryDataset()


def test_a_query_rdflib_cannot_parse_is_unchecked():
    with pytest.raises(Unchecked):
        check_query("SELECT * FROM WHERE", HELD)


def test_protocol_graphs_need_not_be_held_but_must_be_iris():
    check_graphs([*sorted(HELD), "http://example.org/g"], HELD)  # not held: an empty graph
    with pytest.raises(Refused, match="not an absolute IRI"):
        check_graphs(["not an iri"], HELD)
