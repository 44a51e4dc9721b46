"""The read seam on an external SPARQL 1.1 engine (docs/engines.md), and `open_graph`, which
picks the graph the pages read: the release's own store, or the engine at `engine_url`.

`SparqlHttpGraph` sends the query files of server/rq/ (their portable text,
`query_files.bound_text`) and names the release's graphs in every request
(`default-graph-uri` and `named-graph-uri`), so an engine's own default graph is never read.
A connection pool, connect and read timeouts, a form POST for long queries; SPARQL JSON
results and N-Triples graphs are parsed into pyoxigraph terms. What Virtuoso 7.2 forces is
absorbed here (the bound end of a `*` or `+` path written into it, durations answered as
numbers written back as durations, basic or digest credentials). Whatever goes wrong raises
`graphs.EngineError`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph as ox

from . import query_files
from .engine_auth import basic_or_digest, engine_credentials
from .engine_errors import engine_failure, incomplete_answer
from .engine_release import RECORD_CHECK, ReleaseMismatch, read_record
from .engine_terms import binding_term, repaired
from .graphs import (
    LABELS_PER_QUERY,
    RECORD_PART,
    EmbeddedGraph,
    EngineError,
    ReadGraph,
    Row,
    label_order,
    labels_by_iri,
)
from .namespaces import PARTS, graph_iri
from .query_files import Binding
from .source_graphs import data_graphs

log = logging.getLogger(__name__)

# The longest query sent in a GET URL; longer ones go as a form POST (some engines, Virtuoso
# among them, answer long GET URLs wrongly). application/sparql-query POST is never used:
# Virtuoso 7.2 never answers it.
MAX_GET_QUERY = 2000
# The variables of the query files that name a graph (GRAPH ?graph, GRAPH ?g).
GRAPH_VARIABLES = frozenset({"graph", "g"})
# A property path of any length (`*`, `+`) between two variables. Virtuoso 7.2 refuses one
# whose end is bound only by VALUES ("transitive start not given"): the end is written in.
_TRANSITIVE = re.compile(r"\?(\w+)(\s+[^\s?]\S*[*+]\s+)\?(\w+)")
# Virtuoso's text search takes no variable: a bound literal is written in (text_search.rq).
_TEXT_SEARCH = re.compile(r"(<bif:contains>\s+)\?(\w+)")


class SparqlHttpGraph:
    """A SPARQL 1.1 endpoint over HTTP, reading the release's named graphs `graphs`.

    `timeout` is (connect, read) in seconds; `auth` is (user, password) or None, kept out of
    every log line and message; `pool` is the number of connections kept open.
    """

    def __init__(
        self,
        url: str,
        graphs: Sequence[str] | Mapping[str, str],
        *,
        timeout: tuple[float, float] = (3.0, 10.0),
        auth: tuple[str, str] | None = None,
        pool: int = 8,
    ):
        import requests
        from requests.adapters import HTTPAdapter

        self.url = self.name = url
        self.use_graphs(graphs if isinstance(graphs, Mapping) else {g: g for g in graphs})
        self._record: str | None = None  # the record graph followed (follow), its last reading
        self._follow_lock = threading.Lock()
        self._checked: float | None = None
        self.holds: str | None = None  # the engine's current release, as last read
        self.timeout = timeout
        self.requests = requests
        self.session = requests.Session()
        self.session.auth = basic_or_digest(*auth) if auth else None
        self.session.trust_env = False  # no proxy from the environment between us and the engine
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __repr__(self) -> str:
        return f"SparqlHttpGraph({self.url!r})"

    def close(self) -> None:
        self.session.close()

    def use_graphs(self, graphs: Mapping[str, str]) -> None:
        """Read the release's graphs under the names the engine stores them as: `graphs` maps
        each graph's own IRI to its stored name (`coopkg load` loads a release under new names,
        then switches). Queries and answers keep the graphs' own IRIs."""
        graphs = dict(graphs)
        own_names = {stored: own for own, stored in graphs.items() if stored != own}
        self._own_names, self._graphs = own_names, graphs

    @property
    def graphs(self) -> dict[str, str]:
        """The release's graphs: own IRI -> the name the engine stores it as (record re-read
        first when it is due)."""
        self._ensure()
        return self._graphs

    def follow(self, record: str, version: str | None, every: float = 5.0) -> None:
        """Read the graphs of release `version` (any: the current one) under the names the
        engine's record graph `record` gives, re-read at most every `every` seconds before a
        query (server/engine_release.py). Nothing is read yet: see `check`."""
        self._record, self._version, self._every, self._seen = record, version, every, False
        self.discover = None  # called with this graph when the engine has no record (open_graph sets it)
        self._checked = None

    def check(self):
        """Read the record now and use the names it gives; return it (engine_release.Record).

        Raises ReleaseMismatch when the engine holds neither as current nor as previous
        release the one followed, EngineError when it cannot be read. A missing record after
        one was read (a load replacing it) keeps the names last read; none ever read: the
        graphs' own names (a dump loaded by hand).
        """
        with self._follow_lock:
            found = read_record(self, self._record)
            current = found.current
            if current is None:
                if not self._seen:
                    self.use_graphs({own: own for own in self._graphs})
                    if self.discover is not None:  # no record: the graphs under their own names
                        self.discover(self)
            else:
                self._seen, self.holds = True, current.version
                names = found.graphs_for(self._version) if self._version else current.graphs
                if names is None:
                    raise ReleaseMismatch(self.url, current.version, self._version)
                self.use_graphs(names or {own: own for own in self._graphs})
            self._checked = time.monotonic()
            return found

    def _ensure(self) -> None:
        if self._record is not None and (self._checked is None or time.monotonic() - self._checked >= self._every):
            self.check()

    # --- HTTP ---------------------------------------------------------------------------

    def _send(self, text: str, accept: str, named: Sequence[str] | None = None) -> bytes:
        stored = list(self._graphs.values())
        params = [("named-graph-uri", g) for g in named] if named is not None else []
        if named is None:
            params = [("default-graph-uri", g) for g in stored] + [("named-graph-uri", g) for g in stored]
        headers = {"Accept": accept}
        requests = self.requests
        try:
            if len(text) <= MAX_GET_QUERY:
                answer = self.session.get(
                    self.url, params=[("query", text), *params], headers=headers, timeout=self.timeout
                )
            else:
                answer = self.session.post(
                    self.url, data=[("query", text), *params], headers=headers, timeout=self.timeout
                )
        except requests.exceptions.ConnectTimeout as error:
            raise EngineError(f"the SPARQL engine at {self.url} did not accept a connection in time", 503) from error
        except requests.exceptions.Timeout as error:
            raise EngineError(
                f"the SPARQL engine at {self.url} did not answer within {self.timeout[1]} s", 504
            ) from error
        except requests.exceptions.ConnectionError as error:
            raise EngineError(f"the SPARQL engine at {self.url} cannot be reached", 503) from error
        except requests.exceptions.RequestException as error:
            raise EngineError(f"the SPARQL engine at {self.url} failed: {type(error).__name__}", 502) from error
        if answer.status_code != 200:
            raise self._failure(answer)
        if incomplete := incomplete_answer(answer.headers):
            raise EngineError(
                f"the SPARQL engine at {self.url} stopped a query at its own time limit: {incomplete}", 504
            )
        return answer.content

    def _failure(self, answer) -> EngineError:
        """Return the EngineError of an error answer (engine_failure): 503, 504, else 502 (a
        query of ours it refuses included), with the engine's one line."""
        failure = engine_failure(answer.status_code, answer.text[: 16 * 1024], answer.headers.get("Content-Type", ""))
        status = {"unavailable": 503, "timeout": 504}.get(failure.kind, 502)
        if failure.kind == "query":
            return EngineError(f"the SPARQL engine at {self.url} refused a query of the pages: {failure.message}")
        return EngineError(f"the SPARQL engine at {self.url} answered {answer.status_code}: {failure.message}", status)

    def _json(self, text: str, named: Sequence[str] | None = None) -> dict:
        body = self._send(text, "application/sparql-results+json", named)
        try:
            return json.loads(body)
        except ValueError as error:
            raise EngineError(f"the SPARQL engine at {self.url} sent results that are not JSON", 502) from error

    # --- the protocol -------------------------------------------------------------------

    def _text(self, query: str, limit=None, offset=None, **bindings) -> str:
        """Return the text of query file `query`, a graph variable bound to a graph's stored name,
        the bound end of a `*` or `+` path written into it (`_fixed_path_ends`)."""
        self._ensure()
        if self._own_names:
            for name in GRAPH_VARIABLES & bindings.keys():
                bindings[name] = self._stored(bindings[name])
        text = _fixed_path_ends(query_files.bound_text(query, limit=limit, offset=offset, **bindings), bindings)
        return _TEXT_SEARCH.sub(lambda m: m[1] + str(bindings.get(m[2], "?" + m[2])), text)

    def _stored(self, value: Binding) -> Binding:
        if isinstance(value, str | ox.NamedNode):
            iri = value if isinstance(value, str) else value.value
            return self._graphs.get(iri, iri)
        if isinstance(value, Iterable):
            return [self._stored(v) for v in value]
        return value

    def _rows(self, results: dict, stored_names: bool = False) -> list[Row]:
        """Return the rows of SPARQL JSON `results`, the graphs' stored names read back as their
        own (unless `stored_names`)."""
        term = binding_term if stored_names else self._term
        try:
            names = results["head"]["vars"]
            return [
                {name: term(binding[name]) if name in binding else None for name in names}
                for binding in results["results"]["bindings"]
            ]
        except (KeyError, TypeError, ValueError) as error:
            raise EngineError(f"the SPARQL engine at {self.url} sent results we cannot read: {error}", 502) from error

    def _term(self, value: dict):
        term = binding_term(value)
        if self._own_names and isinstance(term, ox.NamedNode) and term.value in self._own_names:
            return ox.NamedNode(self._own_names[term.value])
        return term

    def select(self, query, /, *, limit=None, offset=None, **bindings) -> list[Row]:
        return self._rows(self._json(self._text(query, limit, offset, **bindings)))

    def construct(self, query, /, **bindings) -> list[ox.Triple]:
        body = self._send(self._text(query, **bindings), "application/n-triples")
        try:
            return [repaired(q.triple) for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
        except (SyntaxError, ValueError) as error:
            raise EngineError(f"the SPARQL engine at {self.url} sent a graph we cannot read: {error}", 502) from error

    def ask(self, query, /, **bindings) -> bool:
        results = self._json(self._text(query, **bindings))
        if "boolean" in results:
            return bool(results["boolean"])
        rows = results.get("results", {}).get("bindings", [])  # an engine answering ASK as a row
        return bool(rows) and all(str(v.get("value")) in ("1", "true") for v in rows[0].values())

    def count(self, query, /, **bindings) -> int:
        rows = self.select(query, **bindings)
        return int(rows[0]["n"].value) if rows and rows[0].get("n") is not None else 0

    def labels(self, iris, predicates):
        return labels_by_iri(self.label_triples(iris, predicates))

    def label_triples(self, iris, predicates) -> list[ox.Triple]:
        keys = [iri for iri in dict.fromkeys(iris) if not iri.startswith("_:")]
        found: dict[ox.Triple, None] = {}
        for start in range(0, len(keys), LABELS_PER_QUERY):
            for row in self.select("labels", s=keys[start : start + LABELS_PER_QUERY], p=list(predicates)):
                if isinstance(row["label"], ox.Literal):
                    found[ox.Triple(row["s"], row["p"], row["label"])] = None
        return sorted(found, key=label_order(predicates))

    def description(self, key: str) -> list[ox.Triple]:
        if key.startswith("_:"):
            raise ValueError(f"a remote engine cannot be asked about the blank node {key}: describe its holder")
        near = list(dict.fromkeys(self.construct("description_near", iri=key)))
        described = {t.subject for t in near}
        if any(isinstance(t.object, ox.BlankNode) and t.object not in described for t in near):
            return list(dict.fromkeys(self.construct("description", iri=key)))  # deeper blank nodes
        return near

    def objects(self, subject: str, predicate: str):
        return [row["o"] for row in self.select("objects", s=subject, p=predicate)]

    def subjects(self, predicate: str, obj: str):
        return [row["s"] for row in self.select("subjects", p=predicate, o=obj)]

    def mentions(self, iri: str) -> bool:
        return self.ask("mentions", iri=iri)


def open_graph(settings, store: ox.Store, version: str | None = None, environ: dict | None = None) -> ReadGraph:
    """Return the graph the pages read under `settings`: the release's `store`, or the engine
    at settings.engine_url, with the credentials of COOPKG_ENGINE_USER and
    COOPKG_ENGINE_PASSWORD when the environment sets them (`engine_credentials`).

    The engine reads the release's named graphs, under the names `coopkg load` recorded
    in it when it did (else under their own), following the record while it runs
    (SparqlHttpGraph.follow). An engine that cannot be read at start is logged, not fatal:
    the pages answer 503 until it can. Raises ReleaseMismatch (503) when the engine holds
    neither as current nor as previous release `version`.
    """
    if not settings.engine_url:
        return EmbeddedGraph(store)
    auth = engine_credentials(environ)
    graphs = [graph_iri(settings.base_iri, part) for part in PARTS.values() if part != "data"]
    timeout = (min(3.0, settings.engine_timeout), settings.engine_timeout)
    graph = SparqlHttpGraph(settings.engine_url, graphs, timeout=timeout, auth=auth, pool=max(settings.threads, 1))
    graph.follow(graph_iri(settings.base_iri, RECORD_PART), version, every=RECORD_CHECK)
    # no record (a dump loaded by hand): each source graph under its own name, found when the
    # engine answers, at start or later
    graph.discover = lambda g: _read_own_names(g, settings.engine_url, timeout, auth, settings.base_iri)
    try:
        graph.check()
    except ReleaseMismatch:
        raise
    except EngineError as error:  # the app starts; its pages answer 503 until the engine answers
        log.warning("the SPARQL engine cannot be read yet (%s): pages answer %d until it can", error, error.status)
    else:
        log.info(
            "pages read from the SPARQL engine at %s (it holds release %s)%s",
            settings.engine_url,
            graph.holds or "not recorded",
            " as an authenticated user" if auth else "",
        )
    return graph


def _fixed_path_ends(text: str, bindings: Mapping[str, Binding]) -> str:
    """Return `text` with each end of a `*` or `+` property path that is bound to one value
    written as that value (VALUES still binds it: the answers are the same on any engine).
    The query files put such paths in the group that VALUES binds (see query_files)."""

    def one(name: str) -> str:
        value = bindings.get(name)
        if isinstance(value, ox.NamedNode | ox.Literal):
            return str(value)
        if isinstance(value, str):
            return str(ox.NamedNode(value))
        return "?" + name

    return _TRANSITIVE.sub(lambda m: one(m[1]) + m[2] + one(m[3]), text)


def _read_own_names(graph: SparqlHttpGraph, url: str, timeout, auth, base: str) -> None:
    """Read, besides the ontology's and the shapes' graphs, every source graph the engine holds
    under its own name ({base}graph/<name>), as an engine loaded without `coopkg load` holds them."""
    everywhere = SparqlHttpGraph(url, [], timeout=timeout, auth=auth)
    try:
        sources = data_graphs(everywhere, base)
    finally:
        everywhere.close()
    graph.use_graphs({g: g for g in [*graph._graphs, *sources]})  # not .graphs: called while the record is read
