"""IRIs and prefixes shared by every part of coopkg.

The Turtle in ontology/, shapes/ and graph/ is written under one canonical base,
CANONICAL_BASE. A deployment may publish its data under another base: the store then
holds the same triples with the data IRIs (id/...) moved under it (see knowledge.rebase);
the vocabulary (def/) and the shapes (shapes/) keep their canonical, stable IRIs.
"""

from __future__ import annotations

from pathlib import PurePosixPath

CANONICAL_BASE = "https://w3id.org/coopkg/"

PREFIXES: dict[str, str] = {
    "coop": CANONICAL_BASE + "def/",
    "coopsh": CANONICAL_BASE + "shapes/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "time": "http://www.w3.org/2006/time#",
    "qb": "http://purl.org/linked-data/cube#",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
    "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "sdmx-measure": "http://purl.org/linked-data/sdmx/2009/measure#",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "sdg": "http://metadata.un.org/sdg/",
}

# The three parts of the knowledge base: folder name -> name of the part. The ontology and
# the shapes are one named graph each ({base}graph/ontology, {base}graph/shapes); the data is
# one named graph per source (DATA_FOLDERS, data_graph_name).
PARTS: dict[str, str] = {"ontology": "ontology", "shapes": "shapes", "graph": "data"}
# The folders whose Turtle is data: graph/ (written by hand) and imports/ (by `coopkg import`).
DATA_FOLDERS = ("graph", "imports")
# Graph names the data may not take: the parts' own graphs and the engine's record.
RESERVED_GRAPH_NAMES = ("ontology", "shapes", "data", "release")


def data_prefixes(base: str) -> dict[str, str]:
    """Return PREFIXES plus `id:` for the data IRIs under `base`."""
    return {**PREFIXES, "id": base + "id/"}


def graph_iri(base: str, part: str) -> str:
    """Return the IRI of the named graph that holds one part ('ontology', 'shapes', 'data')."""
    return f"{base}graph/{part}"


def data_graph_name(relative: PurePosixPath) -> str:
    """Return the name of the source graph a data file belongs to, from its path under graph/
    or imports/: its first component, without `.ttl` ('press-release/actors.ttl' and
    'press-release.ttl' are both in 'press-release'). The graph is {base}graph/<name> and the
    source it describes, when it does, {base}id/source/<name>."""
    first = relative.parts[0]
    return first[: -len(".ttl")] if first.endswith(".ttl") else first


def source_iri(base: str, graph_name: str) -> str:
    """Return the IRI of the source document a source graph is named after."""
    return f"{base}id/source/{graph_name}"


def shorten(iri: str, prefixes: dict[str, str]) -> str:
    """Return `iri` as a prefixed name when a prefix covers it, else `<iri>`."""
    best = max((ns for ns in prefixes.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return f"<{iri}>"
    name = next(p for p, ns in prefixes.items() if ns == best)
    return f"{name}:{iri[len(best) :]}"
