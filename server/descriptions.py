"""Small RDF descriptions of a release (the DCAT-AP catalogue, VoID), written once per
release in every format the server negotiates, then served as files."""

from __future__ import annotations

from pathlib import Path

import rdflib

from .rdf_syntaxes import RdfSyntax, syntaxes

# The formats /catalog and /.well-known/void answer in, the first being the default.
DESCRIPTION_FORMATS: tuple[RdfSyntax, ...] = syntaxes("ttl", "jsonld", "rdf", "nt")


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
