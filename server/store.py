"""The pyoxigraph store that the server queries: one named graph for the ontology, one for the
shapes and one per source graph of the data ({base}graph/<name>); SPARQL queries see their
union as the default graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .knowledge import KnowledgeBase, rebase
from .namespaces import graph_iri


def build_store(knowledge: KnowledgeBase, base: str) -> ox.Store:
    """Return an in-memory store holding the ontology, the shapes and each source graph of
    `knowledge` in its own named graph under `base` (copy_store writes it to disk)."""
    store = ox.Store()
    graphs = {"ontology": knowledge.parts["ontology"], "shapes": knowledge.parts["shapes"], **knowledge.data_graphs()}
    for name, triples in graphs.items():
        graph = ox.NamedNode(graph_iri(base, name))
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in rebase(triples, base))
    return store


def copy_store(source: ox.Store, path: Path) -> ox.Store:
    """Return an on-disk store at `path` (a new folder) holding every quad of `source`.

    A release is built in memory, where its dumps and statistics are read about four times
    faster than from RocksDB (docs/validation-speed.md); this writes the copy it is served
    from, with the same blank node labels (Oxigraph's own loaders would rename them).
    """
    store = ox.Store(str(path))
    store.bulk_extend(source)
    store.optimize()
    return store
