"""The representations of an entity: one table of media types, the triples that describe an
entity, and their serialization with pyoxigraph. The web layer negotiates over this table
(server/web/negotiation.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .entities import LABEL_PREDICATES, RDF_TYPE
from .graphs import ReadGraph
from .namespaces import PREFIXES
from .rdf_syntaxes import syntaxes


@dataclass(frozen=True)
class Representation:
    suffix: str  # the file extension of its own URL ('ttl' -> /id/x/y.ttl)
    media_type: str
    rdf_format: ox.RdfFormat | None  # None: the HTML page
    name: str
    aliases: tuple[str, ...] = ()  # other names clients send for the same format


# The first row is the one the server sends by default; the RDF rows come from the shared table.
REPRESENTATIONS = (
    Representation("html", "text/html", None, "HTML", ("application/xhtml+xml",)),
    *(
        Representation(s.suffix, s.media_type, s.rdf_format, s.label, s.aliases)
        for s in syntaxes("ttl", "jsonld", "nt", "rdf")
    ),
)
BY_SUFFIX = {r.suffix: r for r in REPRESENTATIONS}
HTML = BY_SUFFIX["html"]
# A programme's IATI 2.03 activity (server/iati_xml.py), offered by programmes only: its own
# media type comes before RDF/XML's alias, so `Accept: application/xml` asks a programme for it.
IATI_XML = Representation("iati.xml", "application/xml", None, "IATI 2.03 (XML)")


def representation_for(media_type: str | None) -> Representation | None:
    """Return the representation a media type (its own or an alias) stands for, or None."""
    own = next((r for r in REPRESENTATIONS if r.media_type == media_type), None)
    return own or next((r for r in REPRESENTATIONS if media_type in r.aliases), None)


def split_suffix(path: str) -> tuple[str, Representation | None]:
    """Return (`path` without a known representation suffix, that representation), or (path, None)."""
    if path.endswith("." + IATI_XML.suffix):
        return path[: -len(IATI_XML.suffix) - 1], IATI_XML
    stem, dot, suffix = path.rpartition(".")
    if dot and suffix in BY_SUFFIX and "/" not in suffix:
        return stem, BY_SUFFIX[suffix]
    return path, None


def description(graph: ReadGraph, iri: str) -> list[ox.Triple]:
    """Return the triples that describe `iri`: those it is the subject of, the blank nodes it
    holds (graphs.DESCRIPTION_DEPTH deep), and the labels (rdfs:label, skos:prefLabel) of the
    resources it links to."""
    triples = graph.description(iri)
    linked = {t.object.value for t in triples if isinstance(t.object, ox.NamedNode) and t.predicate.value != RDF_TYPE}
    linked.discard(iri)
    return triples + graph.label_triples(sorted(linked), LABEL_PREDICATES[:2])


def serialize(triples: list[ox.Triple], representation: Representation) -> bytes:
    """Return `triples` in the representation's RDF format (prefixes where the format has them).

    Raises ValueError when the representation is not an RDF format.
    """
    if representation.rdf_format is None:
        raise ValueError(f"{representation.name} is not an RDF format")
    prefixes = PREFIXES if representation.rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    return ox.serialize(triples, format=representation.rdf_format, prefixes=prefixes)
