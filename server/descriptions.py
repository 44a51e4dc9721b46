"""Small RDF descriptions of a release (the DCAT-AP catalogue, VoID).

A release keeps each as one Turtle file whose URLs lie under RELEASE_ROOT. A server reads it
once, with its own public root in place of RELEASE_ROOT, and renders it in every format it
negotiates: the address a release is served at is not part of the release.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import rdflib

from .knowledge import stable_blank_nodes, to_rdflib
from .links import RELEASE_ROOT
from .rdf_syntaxes import RdfSyntax, syntaxes

# The formats /catalog and /.well-known/void answer in, the first being the default.
DESCRIPTION_FORMATS: tuple[RdfSyntax, ...] = syntaxes("ttl", "jsonld", "rdf", "nt")
XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")


def write_description(graph: rdflib.Graph, path: Path) -> None:
    """Write `graph` to `path` as Turtle (sorted by rdflib: the same graph gives the same bytes).

    Raises OSError when the file cannot be written.
    """
    graph.serialize(destination=path, format="turtle", encoding="utf-8")


def read_description(path: Path, root: str) -> rdflib.Graph:
    """Return the graph of a release's description with `root` in place of RELEASE_ROOT.

    Every IRI under RELEASE_ROOT, and every plain string that starts with it (an identifier),
    moves under `root`. Blank nodes are named in the order they appear, so that what is
    served, and its ETag, stays the same from one start to the next.
    Raises OSError or SyntaxError when the file cannot be read.
    """
    parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    triples = list(stable_blank_nodes(quad.triple for quad in parser))
    graph = rdflib.Graph(bind_namespaces="core")
    for prefix, namespace in parser.prefixes.items():
        graph.bind(prefix, namespace)
    for triple in triples:
        graph.add(tuple(to_rdflib(_under(term, root)) for term in (triple.subject, triple.predicate, triple.object)))
    return graph


def _under(term, root: str):
    if isinstance(term, ox.NamedNode) and term.value.startswith(RELEASE_ROOT):
        return ox.NamedNode(root + term.value.removeprefix(RELEASE_ROOT))
    if isinstance(term, ox.Literal) and term.datatype == XSD_STRING and term.value.startswith(RELEASE_ROOT):
        return ox.Literal(root + term.value.removeprefix(RELEASE_ROOT))
    return term


def render_description(graph: rdflib.Graph) -> dict[str, bytes]:
    """Return `graph` in every description format, by suffix ('ttl', 'jsonld', 'rdf', 'nt'),
    the same bytes for the same graph in every process (rdflib's own N-Triples, RDF/XML and
    JSON-LD follow the order of Python's sets, which changes from one start to the next).
    The JSON-LD is compacted with the graph's prefixes."""
    context = dict(sorted((prefix, str(namespace)) for prefix, namespace in graph.namespaces() if prefix))
    triples = sorted((ox.Triple(*map(_oxigraph_term, triple)) for triple in graph), key=str)
    compacted = graph.serialize(format="json-ld", encoding="utf-8", context=context, auto_compact=True)
    return {
        "ttl": graph.serialize(format="turtle", encoding="utf-8"),  # rdflib sorts subjects and objects
        "jsonld": _sorted_json(json.loads(compacted)),
        "rdf": ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=context),
        "nt": ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES),
    }


def _sorted_json(document) -> bytes:
    """Return a JSON-LD document with its keys and its unordered arrays sorted (@list kept)."""

    def tidy(value, ordered=False):
        if isinstance(value, dict):
            return {key: tidy(item, key == "@list") for key, item in value.items()}
        if isinstance(value, list):
            items = [tidy(item) for item in value]
            return items if ordered else sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
        return value

    return (json.dumps(tidy(document), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _oxigraph_term(term):
    """Return the pyoxigraph term equal to an rdflib term."""
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(term.datatype) if term.datatype else None)
    return ox.NamedNode(str(term))
