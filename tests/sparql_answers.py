"""Answers in one comparable shape: a sorted list of rows, each a tuple of terms as tuples.

Blank nodes are compared as mere blank nodes: their labels differ from one store to another.
"""

from __future__ import annotations

import pyoxigraph as ox
import rdflib

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def oxigraph_term(term) -> tuple:
    if term is None:
        return ("unbound",)
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode",)
    if isinstance(term, ox.Triple):
        return (
            "triple",
            oxigraph_term(term.subject),
            oxigraph_term(term.predicate),
            oxigraph_term(term.object),
        )
    return ("literal", term.value, term.language or "", term.datatype.value)


def rdflib_term(term) -> tuple:
    if term is None:
        return ("unbound",)
    if isinstance(term, rdflib.URIRef):
        return ("iri", str(term))
    if isinstance(term, rdflib.BNode):
        return ("bnode",)
    datatype = str(term.datatype) if term.datatype else (RDF_LANG_STRING if term.language else XSD_STRING)
    return ("literal", str(term), term.language or "", datatype)


def store_rows(store: ox.Store, query: str) -> list[tuple]:
    """Return the rows the store itself answers (default graph = union, as the server does)."""
    solutions = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return sorted(tuple(oxigraph_term(s[n]) for n in names) for s in solutions)


def results_rows(solutions: ox.QuerySolutions) -> list[tuple]:
    """Return the rows of SPARQL results parsed by pyoxigraph."""
    names = [v.value for v in solutions.variables]
    return sorted(tuple(oxigraph_term(s[n]) for n in names) for s in solutions)


def variables(store: ox.Store, query: str) -> list[str]:
    return [v.value for v in store.query(query, use_default_graph_as_union=True).variables]
