"""The pyoxigraph store that the server queries: one named graph per part of the knowledge
base; SPARQL queries see their union as the default graph."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .knowledge import KnowledgeBase, rebase
from .namespaces import graph_iri


def build_store(knowledge: KnowledgeBase, base: str, path: Path | None = None) -> ox.Store:
    """Return a store holding each part of `knowledge` in its own named graph under `base`.

    With `path`, the store is written there (anything already stored there is cleared);
    otherwise it lives in memory.
    """
    store = ox.Store(str(path)) if path else ox.Store()
    store.clear()
    for part, triples in knowledge.parts.items():
        graph = ox.NamedNode(graph_iri(base, part))
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in rebase(triples, base))
    store.optimize()
    return store
