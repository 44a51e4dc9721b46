"""Helpers shared by the page tests: parse answers, ask the store what a page should show."""

from __future__ import annotations

import warnings

import pyoxigraph as ox
import rdflib
from bs4 import BeautifulSoup

from server.namespaces import PREFIXES

BASE = "https://w3id.org/coopkg/"
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


def html(response) -> BeautifulSoup:
    """Return the parsed HTML of a response (asserting it is HTML)."""
    assert response.mimetype == "text/html", response.mimetype
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def rdf(response) -> rdflib.Graph:
    """Return the RDF graph of a response, parsed by rdflib in the format its Content-Type names."""
    with warnings.catch_warnings():
        # rdflib's own JSON-LD parser builds a ConjunctiveGraph, which rdflib itself deprecates.
        warnings.filterwarnings("ignore", "ConjunctiveGraph is deprecated", DeprecationWarning)
        return rdflib.Graph().parse(data=response.get_data(), format=RDFLIB_FORMATS[response.mimetype])


def select(store: ox.Store, query: str) -> list[dict]:
    """Return the rows of a SELECT over the union of the store's graphs, as {name: value}.

    The query may use the prefixes rdfs, skos, prov, dct, dcat and org."""
    prefixes = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("rdfs", "skos", "prov", "dct", "dcat", "org"))
    rows = store.query(prefixes + query, use_default_graph_as_union=True)
    names = [v.value for v in rows.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in rows]


def labels(store: ox.Store, iri: str, lang: str) -> set[str]:
    """Return the rdfs:label / skos:prefLabel texts of `iri` in `lang`."""
    found = select(
        store,
        f"""SELECT ?l WHERE {{ <{iri}> <http://www.w3.org/2000/01/rdf-schema#label>
        |<http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(lang(?l) = "{lang}") }}""",
    )
    return {row["l"] for row in found}


def path_of(iri: str) -> str:
    """Return the local path of a graph IRI (data, vocabulary or shapes)."""
    assert iri.startswith(BASE), iri
    return "/" + iri[len(BASE) :]


def text(node) -> str:
    return " ".join(node.get_text(" ").split())
