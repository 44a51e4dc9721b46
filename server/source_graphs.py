"""The source graphs of a release: the data is one named graph per source document.

A hand-written source is a folder (or one file) under graph/, an imported one a file under
imports/; the graph is {base}graph/<name> (namespaces.data_graph_name) and, when the graph
describes it, the document is {base}id/source/<name>. A fact's source is the graph it is
in: a fact two sources state is in both graphs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .graphs import ReadGraph
from .knowledge import KnowledgeBase
from .namespaces import CANONICAL_BASE, PREFIXES, graph_iri, source_iri

PROV, DCT = PREFIXES["prov"], PREFIXES["dct"]
# The graphs of a store that are not data: the ontology's, the shapes', the engine's record.
NOT_DATA = ("ontology", "shapes", "release")
# What a graph's description says of it, read from its source document in the graph:
# property of the document -> the key of SourceGraph.about.
DOCUMENT_FACTS = {
    DCT + "title": "title",
    DCT + "license": "license",
    PROV + "generatedAtTime": "generated",
    PROV + "hadPrimarySource": "origin",
    DCT + "source": "origin",
    PREFIXES["schema"] + "url": "origin",
    PREFIXES["coop"] + "sha256": "sha256",
    DCT + "format": "format",
    PREFIXES["schema"] + "archivedAt": "archived",
}
SPDX = "http://spdx.org/rdf/terms#"
# Where the release's copy of a source document is: schema:archivedAt {canonical}sources/<file>.
ARCHIVED = CANONICAL_BASE + "sources/"


def data_graphs(graph: ReadGraph, base: str) -> list[str]:
    """Return the IRIs of the source graphs `graph` holds, sorted (not the ontology's, the
    shapes', or the engine's record): the embedded store's own, the graphs a remote engine
    was told to read (engine_graph.SparqlHttpGraph.graphs), else what named_graphs.rq finds."""
    store, named = getattr(graph, "store", None), getattr(graph, "graphs", None)
    if isinstance(store, ox.Store):
        return [g.value for g in store_data_graphs(store, base)]
    if isinstance(named, dict) and named:
        found = sorted(named)
    else:
        found = sorted(row["g"].value for row in graph.select("named_graphs") if isinstance(row["g"], ox.NamedNode))
    prefix, reserved = base + "graph/", {graph_iri(base, name) for name in NOT_DATA}
    return [g for g in found if g.startswith(prefix) and g not in reserved and "/" not in g[len(prefix) :]]


def store_data_graphs(store: ox.Store, base: str) -> list[ox.NamedNode]:
    """Return the source graphs of a release's store, sorted by IRI (no query parsing)."""
    prefix, reserved = base + "graph/", {graph_iri(base, name) for name in NOT_DATA}
    names = (g for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    return sorted((g for g in names if g.value.startswith(prefix) and g.value not in reserved), key=lambda g: g.value)


def graph_name(base: str, iri: str) -> str:
    """Return the name of the source graph `iri` ({base}graph/<name>)."""
    return iri[len(base + "graph/") :] if iri.startswith(base + "graph/") else iri.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class SourceGraph:
    """One source graph as the catalogue and VoID describe it."""

    name: str
    iri: str
    source: str | None  # the document the graph is named after, when the graph describes it
    files: tuple[str, ...]  # the Turtle it is read from, relative to the project's root
    sha256: str  # of those files' bytes, in this order
    about: dict  # DOCUMENT_FACTS keys -> the literal or IRI the graph gives (first found)
    document_sha256: str | None = None  # of the source document: as its import states, or of its archived copy


def source_graphs(knowledge: KnowledgeBase, root: Path, base: str) -> list[SourceGraph]:
    """Return every source graph of `knowledge` with what its Turtle says of its document."""
    found = []
    for name, triples in sorted(knowledge.data_graphs().items()):
        files = knowledge.graph_files.get(name, [])
        digest = hashlib.sha256()
        for file in files:
            digest.update(file.read_bytes())
        document = source_iri(CANONICAL_BASE, name)
        about: dict = {}
        described = False
        for t in triples:
            if t.subject.value != document:
                continue
            described = True
            key = DOCUMENT_FACTS.get(t.predicate.value)
            if key and key not in about:
                about[key] = t.object
        found.append(
            SourceGraph(
                name,
                graph_iri(base, name),
                source_iri(base, name) if described else None,
                tuple(_relative(file, root) for file in files),
                digest.hexdigest(),
                about,
                _document_sha256(triples, document, about, root),
            )
        )
    return found


def _document_sha256(triples, document: str, about: dict, root: Path) -> str | None:
    """Return the SHA-256 of the source document: coop:sha256 or spdx:checksum's value as the
    graph states it (an import), else that of its archived copy under sources/ (hand-written)."""
    stated = about.get("sha256")
    if isinstance(stated, ox.Literal):
        return stated.value
    checksums = {t.object for t in triples if t.subject.value == document and t.predicate.value == SPDX + "checksum"}
    for t in triples:
        if t.subject in checksums and t.predicate.value == SPDX + "checksumValue":
            return t.object.value
    archived = about.get("archived")
    if isinstance(archived, ox.NamedNode) and archived.value.startswith(ARCHIVED):
        copy = root / "sources" / archived.value[len(ARCHIVED) :]
        if "/" not in archived.value[len(ARCHIVED) :] and copy.is_file():
            return hashlib.sha256(copy.read_bytes()).hexdigest()
    return None


def _relative(file: Path, root: Path) -> str:
    try:
        return file.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return file.name


def describe_source_graphs(graph, dataset, sources: Iterable[SourceGraph], licence=None, in_catalogue: bool = True):
    """Add to the rdflib `graph` one description per source graph, a part of `dataset`:
    what it is (its name, the document it is named after, its title), where it came from
    (the document's address or primary source), the SHA-256 of the Turtle it was read from and
    (on the source document) the document's own (source_graphs: stated, or of the archived copy),
    when it was imported (when its source says) and its licence (its source's, else `licence`).

    The node is the VoID subset of the graph (void.links_subset), so the catalogue and VoID
    describe the same resource: a prov:Entity and void:Dataset whose sd:name is the graph, with
    the terms DCAT-AP gives datasets and files (dct:title, dct:description, dct:identifier,
    dct:license, spdx:checksum). It is not typed dcat:Dataset: the catalogue's one dataset
    is the release, these are its parts (dct:hasPart).
    """
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import DCTERMS, PROV, RDF, VOID, XSD

    sd = "http://www.w3.org/ns/sparql-service-description#"
    spdx = "http://spdx.org/rdf/terms#"
    for source in sources:
        node = URIRef(subset_iri(str(dataset), source.iri))
        graph.add((dataset, DCTERMS.hasPart if in_catalogue else VOID.subset, node))
        for kind in (PROV.Entity, VOID.Dataset):
            graph.add((node, RDF.type, kind))
        graph.add((node, URIRef(sd + "name"), URIRef(source.iri)))
        graph.add((node, DCTERMS.identifier, Literal(source.name)))
        title = source.about.get("title")
        name = title.value if title is not None else source.name
        graph.add((node, DCTERMS.title, Literal(f"Graphe de la source « {name} »", lang="fr")))
        graph.add((node, DCTERMS.title, Literal(f'Graph of the source "{name}"', lang="en")))
        files = ", ".join(source.files)
        graph.add((node, DCTERMS.description, Literal(f"Les faits que la source énonce, lus de {files}.", lang="fr")))
        graph.add((node, DCTERMS.description, Literal(f"The facts the source states, read from {files}.", lang="en")))
        if source.source is not None:
            graph.add((node, PROV.wasDerivedFrom, URIRef(source.source)))
        origin = source.about.get("origin")
        if isinstance(origin, ox.NamedNode):
            graph.add((node, PROV.hadPrimarySource, URIRef(origin.value)))
        described = [(node, source.sha256, "sha256")]
        if source.source is not None and source.document_sha256:
            described.append((URIRef(source.source), source.document_sha256, "document-sha256"))
        for subject, value, label in described:
            checksum = BNode(f"{label}-{source.name}")
            graph.add((subject, URIRef(spdx + "checksum"), checksum))
            graph.add((checksum, RDF.type, URIRef(spdx + "Checksum")))
            graph.add((checksum, URIRef(spdx + "algorithm"), URIRef(spdx + "checksumAlgorithm_sha256")))
            graph.add((checksum, URIRef(spdx + "checksumValue"), Literal(value, datatype=XSD.hexBinary)))
        generated = source.about.get("generated")
        if isinstance(generated, ox.Literal):
            graph.add((node, PROV.generatedAtTime, Literal(generated.value, datatype=XSD.dateTime)))
        stated = source.about.get("license")
        if isinstance(stated, ox.NamedNode):
            graph.add((node, DCTERMS.license, URIRef(stated.value)))
        elif licence is not None:
            graph.add((node, DCTERMS.license, licence))


def subset_iri(dataset: str, graph_iri_: str) -> str:
    """Return the IRI of the dataset's part that is the named graph `graph_iri_` ('...#dataset-<name>')."""
    return f"{dataset}-{graph_iri_.rstrip('/').rsplit('/', 1)[-1]}"


# --- which source graphs hold an entity's facts (its page shows them on each row) ----------


def fact_graphs(graph: ReadGraph, iri: str) -> dict[tuple[str, str], list[str]]:
    """Return, for each triple of `iri`, the source graphs that hold it, by (property, value
    key): the value's IRI or `repr` of its literal, '_:' for every blank node of the property
    (a blank node's label is only good within one answer)."""
    found: dict[tuple[str, str], list[str]] = {}
    for row in graph.select("fact_graphs", s=iri):
        graphs = found.setdefault((row["p"].value, value_key(row["o"])), [])
        if row["g"].value not in graphs:
            graphs.append(row["g"].value)
    return found


def value_key(term) -> str:
    if isinstance(term, ox.BlankNode):
        return "_:"
    return term.value if isinstance(term, ox.NamedNode) else repr(term)


def graph_sources(graph: ReadGraph, base: str, graphs: Iterable[str]) -> dict[str, str]:
    """Return, for each source graph IRI, the IRI shown as its source: the document it is
    named after ({base}id/source/<name>) when the graph mentions it, else the graph itself."""
    shown = {}
    for iri in graphs:
        name = iri[len(base + "graph/") :] if iri.startswith(base + "graph/") else None
        document = f"{base}id/source/{name}" if name else None
        shown[iri] = document if document and graph.mentions(document) else iri
    return shown
