"""The pyoxigraph store that the server queries: one named graph for the ontology, one for the
shapes and one per source graph of the data ({base}graph/<name>); SPARQL queries see their
union as the default graph."""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor
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


def copy_store(nquads: Path, path: Path) -> Future:
    """Start writing an on-disk store at `path` (a new folder) holding the quads of the N-Quads
    file `nquads`, in a process of its own; return the Future of its end (None, or the error).

    A release is built in memory, where its dumps and statistics are read about four times
    faster than from RocksDB (docs/validation-speed.md); this writes the copy it is served
    from, from the release's own N-Quads dump, with the same blank node labels (Oxigraph's
    own loaders would rename them). Filling the store from Python holds the GIL for the
    whole copy (12 s at a million triples), which a process of its own keeps off the build.
    """
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_die_with_parent)
    copied = pool.submit(_write_store, str(nquads), str(path))
    pool.shutdown(wait=False)  # the process ends with its one task
    return copied


def _write_store(nquads: str, path: str) -> None:
    store = ox.Store(path)
    store.bulk_extend(ox.parse(path=nquads, format=ox.RdfFormat.N_QUADS))
    store.optimize()
    store.flush()


def _die_with_parent() -> None:
    """Ask Linux to kill this process when the build that started it dies (a killed build
    leaves only its unfinished folder, which nothing writes into any more)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
