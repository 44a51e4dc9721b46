"""The RDF syntaxes coopkg reads and writes: one table for the endpoint, the entity pages, the
catalogue and the dumps. Each consumer picks the rows it offers, in its own order of preference."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

IANA = "http://www.iana.org/assignments/media-types/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"


@dataclass(frozen=True)
class RdfSyntax:
    suffix: str  # file extension, and the suffix of a representation's own URL
    name: str  # the value of /sparql's `format` parameter
    label: str
    media_type: str  # what a Content-Type header says
    aliases: tuple[str, ...]  # other media types clients ask for
    words: tuple[str, ...]  # other `format` values that mean it (SPARQLWrapper sends some)
    rdf_format: ox.RdfFormat
    rdflib_format: str
    file_type: str  # EU file-type authority code, for DCAT
    keeps_graphs: bool  # a dataset syntax: named graphs stay apart

    @property
    def media_type_iri(self) -> str:
        return IANA + self.media_type

    @property
    def file_type_iri(self) -> str:
        return EU_FILE_TYPE + self.file_type


SYNTAXES: tuple[RdfSyntax, ...] = (
    RdfSyntax("ttl", "turtle", "Turtle", "text/turtle", ("application/x-turtle",), ("ttl", "n3"),
              ox.RdfFormat.TURTLE, "turtle", "RDF_TURTLE", False),
    RdfSyntax("nt", "ntriples", "N-Triples", "application/n-triples", ("text/plain",), ("nt", "n-triples"),
              ox.RdfFormat.N_TRIPLES, "nt11", "RDF_N_TRIPLES", False),
    RdfSyntax("nq", "nquads", "N-Quads", "application/n-quads", (), ("nq", "n-quads"),
              ox.RdfFormat.N_QUADS, "nquads", "RDF_N_QUADS", True),
    RdfSyntax("trig", "trig", "TriG", "application/trig", (), (),
              ox.RdfFormat.TRIG, "trig", "RDF_TRIG", True),
    RdfSyntax("jsonld", "jsonld", "JSON-LD", "application/ld+json", ("application/json",), ("json-ld", "json"),
              ox.RdfFormat.JSON_LD, "json-ld", "JSON_LD", False),
    RdfSyntax("rdf", "rdfxml", "RDF/XML", "application/rdf+xml", ("application/xml", "text/xml"),
              ("rdf+xml", "rdf", "xml"), ox.RdfFormat.RDF_XML, "xml", "RDF_XML", False),
)  # fmt: skip
BY_SUFFIX = {syntax.suffix: syntax for syntax in SYNTAXES}


def syntaxes(*suffixes: str) -> tuple[RdfSyntax, ...]:
    """Return the syntaxes with these file suffixes, in the order given."""
    return tuple(BY_SUFFIX[suffix] for suffix in suffixes)
