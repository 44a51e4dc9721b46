"""What one app serves, built once by the app factory (server/__init__.py create_app) and kept
on the app as `app.extensions["coopkg"]`: the settings, the published release, its search
index and the SPARQL endpoint's state. Views reach it through server.web.site.service()."""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, field

import pyoxigraph as ox

from .config import Settings
from .engine_graph import SparqlHttpGraph, open_graph
from .explore import ExploreIndex
from .graphs import EngineError, ReadGraph
from .queries import CompetencyQuery, competency_queries
from .search import IndexInTheMaking, SearchIndex
from .sparql.engine import QueryPool
from .sparql.remote import RemoteEndpoint
from .sparql.service_description import graph_sizes
from .state import Published
from .text_search import EngineTextSearch

log = logging.getLogger(__name__)


@dataclass
class SparqlEndpoint:
    """The endpoint's state: its pool of query workers (started by `coopkg serve`, else on the
    first query) or, when the pages read from an engine, the forwarding to that engine; the
    competency questions it offers as examples, the named graphs' sizes."""

    pool: QueryPool | RemoteEndpoint
    examples: list[CompetencyQuery]
    _graph_sizes: dict[str, int] | None = field(default=None, repr=False)

    def graph_sizes(self, store: ox.Store) -> dict[str, int]:
        """Return the size of each named graph, counted on first use (the store never changes)."""
        if self._graph_sizes is None:
            self._graph_sizes = graph_sizes(store)
        return self._graph_sizes


@dataclass
class Service:
    """The state of one app. `settings` is the one place the web layer reads settings from;
    `graph` is what every page reads (the release's store, or the engine at engine_url).

    The search index is built from `graph` on first use (`search`): an app on an engine that
    is down starts all the same, and its search answers 503 until the engine answers."""

    settings: Settings
    published: Published
    sparql: SparqlEndpoint
    graph: ReadGraph
    _search: SearchIndex | IndexInTheMaking | None = field(default=None, repr=False)
    _search_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _explore: ExploreIndex | None = field(default=None, repr=False)
    _explore_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def explore_index(self) -> ExploreIndex:
        """Return the facets' index of the graph, built once (the release never changes under a
        service): on the embedded store from the start, in the background; else on first use.
        Requests asking for it meanwhile wait for that one build."""
        if self._explore is None:
            with self._explore_lock:
                if self._explore is None:
                    self._explore = ExploreIndex.build(self.graph, self.settings.base_iri)
        return self._explore

    @property
    def search(self) -> SearchIndex:
        """The search index (built on first use; raises EngineError while the engine cannot be read)."""
        if self._search is None:
            with self._search_lock:
                if self._search is None:
                    self._search = _search(self.settings, self.graph)
        return self._search

    def engine_status(self) -> tuple[bool, dict | None]:
        """Return (healthy, what /health says of the engine): None on the embedded store; else
        the engine's URL, the release it holds and the one served, or why it cannot be read."""
        if not isinstance(self.graph, SparqlHttpGraph):
            return True, None
        said = {"url": self.graph.url, "serves": self.published.version}
        try:
            self.graph.check()
        except EngineError as error:
            return False, {**said, "holds": self.graph.holds, "error": str(error)}
        return True, {**said, "holds": self.graph.holds}

    @classmethod
    def open(cls, settings: Settings, published: Published | None = None) -> Service:
        """Return the service of `published` (by default the current release, opened, or built
        first, under `settings`), its query pool ready to start. On the embedded store the
        search index is being built from the start, in the background (a search waits for it);
        on an engine, on first use.

        Raises UnreadableSource or DataDoesNotConform when there is no good release to serve,
        ReleaseMismatch when the engine holds another release.
        """
        published = published or Published.open(settings)
        examples = competency_queries(settings.root / "queries", settings.base_iri)
        graph = open_graph(settings, published.store, published.version)
        service = cls(settings, published, SparqlEndpoint(_query_pool(settings, published, graph), examples), graph)
        if not isinstance(graph, SparqlHttpGraph):
            service._search = IndexInTheMaking(lambda: SearchIndex.build(graph, settings.base_iri))
            threading.Thread(target=_build_explore_index, args=(service,), daemon=True, name="coopkg-explore").start()
        return service


def _build_explore_index(service: Service) -> None:
    """Build the facets' index ahead of the first /explore or profile; a failure is logged and
    the first request that needs the index tries again (and answers with what it raises)."""
    try:
        service.explore_index()
    except Exception as error:  # reported here, raised again to the request that needs the index
        log.warning("the facets' index could not be built at start: %s", error)


def _search(settings: Settings, graph: ReadGraph) -> SearchIndex:
    """Return the search: through the engine's text index (setting engine_text_index), else
    the index of every label, read from `graph` once (one query any engine answers)."""
    if settings.engine_text_index and isinstance(graph, SparqlHttpGraph):
        return EngineTextSearch(graph, settings.base_iri)
    return SearchIndex.build(graph, settings.base_iri)


def _query_pool(settings: Settings, published: Published, graph: ReadGraph) -> QueryPool | RemoteEndpoint:
    """Return what answers /sparql: the engine the pages read (forwarded to), else the query
    workers on the release's store."""
    if isinstance(graph, SparqlHttpGraph):
        return RemoteEndpoint(
            graph, settings.query_timeout, settings.queries_in_flight, retry_after=math.ceil(settings.query_wait)
        )
    return QueryPool(
        published.store_path,
        settings.query_workers,
        settings.query_timeout,
        queue=settings.queries_in_flight - settings.query_workers,
        wait=settings.query_wait,
        memory_mb=settings.query_memory_mb,
        cache_mb=settings.query_cache_mb,
        niceness=settings.query_niceness,
    )
