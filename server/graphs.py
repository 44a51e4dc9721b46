"""The one seam between the pages and the engine that holds the graph.

Every page, view, statistic and index reads the knowledge graph through a `ReadGraph`: it
runs the query files of server/rq/ by name (`select`, `construct`, `ask`, `count`) and a few
reads that a page makes many times (`labels` of many IRIs at once, `description` of a node,
`objects`, `subjects`, `mentions`). What comes back is plain pyoxigraph terms (NamedNode,
Literal, BlankNode) and triples, whichever engine answered, so no page knows which one it
reads.

Two engines implement it:

- `EmbeddedGraph`: the release's own Oxigraph store, in process. Its default graph is the
  union of the named graphs; the frequent reads are served by `quads_for_pattern`, which
  costs no query parsing.
- `SparqlHttpGraph` (server/engine_graph.py): any SPARQL 1.1 endpoint over HTTP. It sends the same query files (the
  portable text of `query_files.bound_text`) and names the release's graphs in every request
  (`default-graph-uri` and `named-graph-uri`, the protocol's dataset), so that an engine's
  own default graph (Virtuoso's holds its system graphs) is never read. A connection pool,
  connect and read timeouts, a form POST for long queries; SPARQL JSON results and N-Triples
  graphs are parsed into terms. What Virtuoso 7.2 forces is absorbed here: the bound end of a
  `*` or `+` path is written into it, durations answered as numbers are written back as
  durations, credentials go as basic or digest authentication (docs/engines.md, "Virtuoso").
  Whatever goes wrong with the engine raises `EngineError`, whose `status` the web layer
  answers with (502, 503 or 504).

A blank node's label is only good within one answer: the description of a node
(`description`) therefore comes in one answer with the blank nodes it holds, never asked for
by label afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Protocol

import pyoxigraph as ox

from . import query_files
from .query_files import Binding

log = logging.getLogger(__name__)

# A row of a SELECT: every projected variable, None when the solution leaves it unbound.
Row = dict[str, "ox.NamedNode | ox.Literal | ox.BlankNode | None"]
# How many blank nodes deep a description goes (a node, the blank nodes it holds, theirs...).
DESCRIPTION_DEPTH = 8
# The graph `coopkg load` records the release an engine holds in ({base}graph/release).
RECORD_PART = "release"
# IRIs per labels query on a remote engine: VALUES holds IRIs × label properties rows.
LABELS_PER_QUERY = 200


class EngineError(RuntimeError):
    """The engine could not answer: unreachable (503), too slow (504) or a bad answer (502).

    `status` is the HTTP status the web layer answers with; the message says what happened
    without the engine's credentials.
    """

    def __init__(self, message: str, status: int = 502):
        super().__init__(message)
        self.status = status


class ReadGraph(Protocol):
    """What the pages read the knowledge graph through (see the module's text)."""

    name: str  # 'embedded' or the endpoint's URL, for logs and the health answer

    def select(
        self, query: str, /, *, limit: int | None = None, offset: int | None = None, **bindings: Binding
    ) -> list[Row]:
        """Return the rows of the SELECT query file `query`, its variables bound."""

    def construct(self, query: str, /, **bindings: Binding) -> list[ox.Triple]:
        """Return the triples of the CONSTRUCT query file `query` (blank nodes as in one answer)."""

    def ask(self, query: str, /, **bindings: Binding) -> bool:
        """Return the answer of the ASK query file `query`."""

    def count(self, query: str, /, **bindings: Binding) -> int:
        """Return the number `?n` the counting query file gives (0 when it gives no row)."""

    def labels(self, iris: Iterable[str], predicates: Sequence[str]) -> dict[str, tuple[tuple[str, str | None], ...]]:
        """Return, for each IRI that has some, its (text, language) labels through `predicates`:
        in the order of `predicates`, then by language and text; each pair once. Blank-node
        keys ('_:...') are skipped. One request for all of them (a few on a remote engine)."""

    def label_triples(self, iris: Iterable[str], predicates: Sequence[str]) -> list[ox.Triple]:
        """Return the triples that give the IRIs `iris` a literal through `predicates`, by IRI,
        then in the order of `predicates`, then by language and text."""

    def description(self, key: str) -> list[ox.Triple]:
        """Return the distinct triples about `key` (an IRI, or '_:' and a blank node's id from
        an answer of this graph) and about the blank nodes it holds, DESCRIPTION_DEPTH deep."""

    def objects(self, subject: str, predicate: str) -> list[ox.NamedNode | ox.Literal | ox.BlankNode]:
        """Return the distinct objects of `subject` through `predicate`."""

    def subjects(self, predicate: str, obj: str) -> list[ox.NamedNode | ox.BlankNode]:
        """Return the distinct subjects that link to the IRI `obj` through `predicate`."""

    def mentions(self, iri: str) -> bool:
        """Return True when the IRI `iri` is the subject or the object of some triple."""


def node(key: str) -> ox.NamedNode | ox.BlankNode:
    """Return the term for a key: '_:' and a blank node's id, else an IRI."""
    return ox.BlankNode(key[2:]) if key.startswith("_:") else ox.NamedNode(key)


def labels_by_iri(triples: Iterable[ox.Triple]) -> dict[str, tuple[tuple[str, str | None], ...]]:
    """Return the labels of label_triples' answer, by IRI: (text, language) pairs, each once."""
    found: dict[str, dict[tuple[str, str | None], None]] = {}
    for t in triples:
        found.setdefault(t.subject.value, {})[(t.object.value, t.object.language)] = None
    return {key: tuple(pairs) for key, pairs in found.items()}


def label_order(predicates: Sequence[str]):
    rank = {p: i for i, p in enumerate(predicates)}

    def key(t: ox.Triple) -> tuple:
        return (t.subject.value, rank[t.predicate.value], t.object.language or "", t.object.value)

    return key


class EmbeddedGraph:
    """The release's pyoxigraph store, read in process (default graph: the union of its graphs)."""

    name = "embedded"

    def __init__(self, store: ox.Store):
        self.store = store

    def __repr__(self) -> str:
        return "EmbeddedGraph()"

    def _solutions(self, query, limit=None, offset=None, **bindings):
        try:
            return query_files.select(self.store, query, limit=limit, offset=offset, **bindings)
        except OSError as error:  # the store's files went away under us
            raise EngineError(f"the embedded store cannot be read: {error}", 503) from error

    def select(self, query, /, *, limit=None, offset=None, **bindings) -> list[Row]:
        solutions = self._solutions(query, limit, offset, **bindings)
        names = [v.value for v in solutions.variables]
        return [{name: row[name] for name in names} for row in solutions]

    def construct(self, query, /, **bindings) -> list[ox.Triple]:
        return list(self._solutions(query, **bindings))

    def ask(self, query, /, **bindings) -> bool:
        return bool(self._solutions(query, **bindings))

    def count(self, query, /, **bindings) -> int:
        row = next(iter(self._solutions(query, **bindings)), None)
        return int(row["n"].value) if row is not None else 0

    def labels(self, iris, predicates):
        # label_triples' order without building triples: this runs for every page.
        found = {}
        pattern = self.store.quads_for_pattern
        terms = [ox.NamedNode(p) for p in predicates]
        for iri in dict.fromkeys(iris):
            if iri.startswith("_:"):
                continue
            subject, pairs = ox.NamedNode(iri), []
            for predicate in terms:
                got = []
                for quad in pattern(subject, predicate, None, None):
                    obj = quad.object
                    if isinstance(obj, ox.Literal):
                        got.append((obj.language or "", obj.value, obj.language))
                if len(got) > 1:
                    got.sort()
                for _, text, lang in got:
                    pairs.append((text, lang))
            if pairs:
                found[iri] = tuple(dict.fromkeys(pairs))
        return found

    def label_triples(self, iris, predicates) -> list[ox.Triple]:
        found: dict[ox.Triple, None] = {}
        pattern = self.store.quads_for_pattern
        terms = [ox.NamedNode(p) for p in predicates]
        for iri in dict.fromkeys(iris):
            if iri.startswith("_:"):
                continue
            subject = ox.NamedNode(iri)
            for predicate in terms:
                for quad in pattern(subject, predicate, None, None):
                    if isinstance(quad.object, ox.Literal):
                        found[quad.triple] = None
        return sorted(found, key=label_order(predicates))

    def description(self, key: str) -> list[ox.Triple]:
        seen: dict[tuple, ox.Triple] = {}
        todo, visited = [(node(key), 0)], set()
        while todo:
            subject, depth = todo.pop(0)
            if subject in visited:
                continue
            visited.add(subject)
            for quad in self.store.quads_for_pattern(subject, None, None, None):
                seen.setdefault((quad.subject, quad.predicate, quad.object), quad.triple)
                if isinstance(quad.object, ox.BlankNode) and depth < DESCRIPTION_DEPTH:
                    todo.append((quad.object, depth + 1))
        return list(seen.values())

    def objects(self, subject: str, predicate: str):
        quads = self.store.quads_for_pattern(node(subject), ox.NamedNode(predicate), None, None)
        return list(dict.fromkeys(q.object for q in quads))

    def subjects(self, predicate: str, obj: str):
        quads = self.store.quads_for_pattern(None, ox.NamedNode(predicate), ox.NamedNode(obj), None)
        return list(dict.fromkeys(q.subject for q in quads))

    def mentions(self, iri: str) -> bool:
        term = ox.NamedNode(iri)
        pattern = self.store.quads_for_pattern
        return next(iter(pattern(term, None, None, None)), None) is not None or (
            next(iter(pattern(None, None, term, None)), None) is not None
        )
