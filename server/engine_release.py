"""Which release an external engine holds: the record graph `coopkg load` writes in it
({base}graph/release), and how an app follows it (docs/engines.md, "The rolling switch").

The record graph holds one triple, the switch: `<record> dct:references <{record}/V2/{stamp}>`,
which names the graph describing the engine's current release and, when there was one, the
release it replaced, each with its version and the name each of its graphs is stored as:

    <{record}/V2/{stamp}> dct:hasVersion "V2" ; dct:hasPart <{graph}/V2/{stamp}> ... ;
        dct:replaces <{record}/V2/{stamp}#previous> .
    <{record}/V2/{stamp}#previous> dct:hasVersion "V1" ; dct:hasPart <{graph}/V1/{stamp}> ... .
    <{graph}/V2/{stamp}> dct:isVersionOf <{graph}> .

That description is written whole under its own name before the switch and never changed,
and the switch is one triple: a Graph Store Protocol PUT is not atomic on every engine (it
may clear, then insert), so a reader sees the record either as it was, empty (read as "no
news": the names last read stay in use), or as it is.

An app reads the graphs of the release it serves, current or previous, and re-reads the
record every few seconds; so a replica still on the previous release keeps answering from
whole, unchanged graphs while the others switch, and refuses (503) once a later load has
dropped its release.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from . import query_files
from .graphs import EngineError
from .namespaces import PREFIXES

if TYPE_CHECKING:
    from .engine_graph import SparqlHttpGraph

DCT = PREFIXES["dct"]
# How often a running app re-reads the record (seconds): how long a page may be answered
# from a release's graphs after the record stopped naming them.
RECORD_CHECK = 5.0


class ReleaseMismatch(EngineError):
    """The engine holds neither as current nor as previous release the one this app serves."""

    def __init__(self, url: str, holds: str, serves: str):
        super().__init__(
            f"the SPARQL engine at {url} holds release {holds}, this server serves {serves} (`coopkg load` loads it)",
            503,
        )
        self.holds, self.serves = holds, serves


@dataclass(frozen=True)
class Held:
    """One release the engine holds: its version and the stored name of each graph (own IRI ->
    stored IRI); `current` for the one the record switched to."""

    version: str
    graphs: dict[str, str]
    current: bool


@dataclass(frozen=True)
class Record:
    """What the record graph says (no release at all: the record is missing)."""

    held: tuple[Held, ...]
    name: str | None = None  # the graph describing them, which the record references

    @property
    def current(self) -> Held | None:
        return next((h for h in self.held if h.current), None)

    def graphs_for(self, version: str) -> dict[str, str] | None:
        """Return the stored names of release `version`'s graphs (the current release's first:
        a release loaded twice), or None when the engine does not hold it."""
        for held in sorted(self.held, key=lambda h: not h.current):
            if held.version == version:
                return held.graphs
        return None

    def stored_names(self) -> set[str]:
        return {name for held in self.held for name in held.graphs.values()}


def read_record(graph: SparqlHttpGraph, record: str) -> Record:
    """Return the record graph `record` of the engine `graph` reads (Record(()) when none).

    Raises EngineError when the engine cannot be read.
    """
    text = query_files.bound_text("engine_release", record=record)
    rows = graph._rows(graph._json(text, named=[]), stored_names=True)  # no dataset: any graph
    found: dict[str, tuple[str, dict[str, str]]] = {}
    name = next((row["current"].value for row in rows if row["current"] is not None), None)
    for row in rows:
        which, version = row["which"], row["version"]
        if which is None or version is None:
            continue
        _, graphs = found.setdefault(which.value, (version.value, {}))
        if row["graph"] is not None and row["stored"] is not None:
            graphs[row["graph"].value] = row["stored"].value
    held = tuple(Held(version, graphs, which == "current") for which, (version, graphs) in found.items())
    return Record(held, name)


def description_graph(name: str, version: str, stored: dict[str, str], previous: Held | None) -> bytes:
    """Return the description graph `name`, N-Triples: release `version` current, its graphs'
    stored names `stored`, and the `previous` release it replaces (kept until the next load)."""
    subject = ox.NamedNode(name)
    triples = _held(subject, version, stored)
    if previous is not None:
        replaced = ox.NamedNode(name + "#previous")
        triples.append(ox.Triple(subject, ox.NamedNode(DCT + "replaces"), replaced))
        triples += _held(replaced, previous.version, previous.graphs)
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def switch_graph(record: str, name: str) -> bytes:
    """Return the record graph, N-Triples: the one triple that makes `name` the description of
    the engine's releases."""
    triple = ox.Triple(ox.NamedNode(record), ox.NamedNode(DCT + "references"), ox.NamedNode(name))
    return ox.serialize([triple], format=ox.RdfFormat.N_TRIPLES)


def _held(subject: ox.NamedNode, version: str, stored: dict[str, str]) -> list[ox.Triple]:
    triples = [ox.Triple(subject, ox.NamedNode(DCT + "hasVersion"), ox.Literal(version))]
    for own, name in stored.items():
        triples.append(ox.Triple(subject, ox.NamedNode(DCT + "hasPart"), ox.NamedNode(name)))
        triples.append(ox.Triple(ox.NamedNode(name), ox.NamedNode(DCT + "isVersionOf"), ox.NamedNode(own)))
    return triples
