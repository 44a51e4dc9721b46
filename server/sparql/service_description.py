"""The SPARQL 1.1 Service Description of the endpoint (https://www.w3.org/TR/sparql11-service-description/).

Served at /sparql to an RDF client that gives no query: what the endpoint speaks, the formats
it answers in, and its dataset: the default graph (the union of the named graphs,
hence sd:UnionDefaultGraph) and each named graph with its size.
"""

from __future__ import annotations

import pyoxigraph as ox

from ..namespaces import PREFIXES
from ..query_files import select
from .formats import GRAPHS, RESULTS
from .worker import RDF_FORMATS

SD = PREFIXES["sd"]
VOID = PREFIXES["void"]
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
RDFS_LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
FORMATS = "http://www.w3.org/ns/formats/"
# The W3C's IRI for each format of formats.py (https://www.w3.org/ns/formats/).
FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "rdfxml": "RDF_XML",
    "jsonld": "JSON-LD",
    "nquads": "N-Quads",
    "trig": "TriG",
}


def graph_sizes(store: ox.Store) -> dict[str, int]:
    """Return the number of triples in each named graph of `store`, by graph IRI."""
    counts = select(store, "triples_per_graph")
    return {row["g"].value: int(row["n"].value) for row in counts}


def service_description(endpoint: str, sizes: dict[str, int]) -> list[ox.Triple]:
    """Return the triples describing the endpoint at URL `endpoint` whose graphs have `sizes`."""
    service = ox.NamedNode(endpoint)
    triples = [
        _t(service, RDF_TYPE, _sd("Service")),
        _t(service, _sd("endpoint"), service),
        _t(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        _t(service, _sd("feature"), _sd("UnionDefaultGraph")),
        _t(service, RDFS_LABEL, ox.Literal("coopkg SPARQL endpoint", language="en")),
    ]
    triples += [
        _t(service, _sd("resultFormat"), ox.NamedNode(FORMATS + FORMAT_IRIS[f.name])) for f in (*RESULTS, *GRAPHS)
    ]
    dataset, default = ox.BlankNode(), ox.BlankNode()
    triples += [
        _t(service, _sd("defaultDataset"), dataset),
        _t(dataset, RDF_TYPE, _sd("Dataset")),
        _t(dataset, _sd("defaultGraph"), default),
        _t(default, RDF_TYPE, _sd("Graph")),
    ]
    for iri, size in sorted(sizes.items()):
        named, graph = ox.BlankNode(), ox.BlankNode()
        triples += [
            _t(dataset, _sd("namedGraph"), named),
            _t(named, RDF_TYPE, _sd("NamedGraph")),
            _t(named, _sd("name"), ox.NamedNode(iri)),
            _t(named, _sd("graph"), graph),
            _t(graph, RDF_TYPE, _sd("Graph")),
            _t(graph, ox.NamedNode(VOID + "triples"), _integer(size)),
        ]
    return triples


def serialize_description(triples: list[ox.Triple], format_name: str) -> bytes:
    """Return `triples` in the RDF format named `format_name` (a name of formats.GRAPHS)."""
    return ox.serialize(triples, format=RDF_FORMATS[format_name], prefixes={"sd": SD, "void": VOID})


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))


def _t(subject, predicate, obj) -> ox.Triple:
    return ox.Triple(subject, predicate, obj)
