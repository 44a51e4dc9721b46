"""Small RDF descriptions of a release (the DCAT-AP catalogue, VoID), written once per
release in every format the server negotiates, then served as files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import rdflib


@dataclass(frozen=True)
class DescriptionFormat:
    suffix: str
    media_type: str
    rdflib_format: str


# The formats /catalog and /.well-known/void answer in, the first being the default.
DESCRIPTION_FORMATS: tuple[DescriptionFormat, ...] = (
    DescriptionFormat("ttl", "text/turtle", "turtle"),
    DescriptionFormat("jsonld", "application/ld+json", "json-ld"),
    DescriptionFormat("rdf", "application/rdf+xml", "xml"),
    DescriptionFormat("nt", "application/n-triples", "nt11"),
)


def write_description(graph: rdflib.Graph, folder: Path, stem: str) -> list[Path]:
    """Write `graph` as `stem`.ttl, .jsonld (compacted with the graph's prefixes), .rdf, .nt.

    Returns the paths written; raises OSError when a file cannot be written.
    """
    context = {prefix: str(namespace) for prefix, namespace in graph.namespaces() if prefix}
    paths = []
    for fmt in DESCRIPTION_FORMATS:
        path = folder / f"{stem}.{fmt.suffix}"
        options = {"context": context, "auto_compact": True} if fmt.suffix == "jsonld" else {}
        graph.serialize(destination=path, format=fmt.rdflib_format, encoding="utf-8", **options)
        paths.append(path)
    return paths
