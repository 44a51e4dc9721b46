"""What one app serves, built once by the app factory (server/__init__.py create_app) and kept
on the app as `app.extensions["coopkg"]`: the settings, the published release, its search
index and the SPARQL endpoint's state. Views reach it through server.web.site.service()."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pyoxigraph as ox

from .config import Settings
from .engine_graph import SparqlHttpGraph, open_graph
from .graphs import ReadGraph
from .queries import CompetencyQuery, competency_queries
from .search import IndexInTheMaking, SearchIndex
from .sparql.engine import QueryPool
from .sparql.remote import RemoteEndpoint
from .sparql.service_description import graph_sizes
from .state import Published


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
    `graph` is what every page reads (the release's store, or the engine at engine_url)."""

    settings: Settings
    published: Published
    search: SearchIndex | IndexInTheMaking
    sparql: SparqlEndpoint
    graph: ReadGraph

    @classmethod
    def open(cls, settings: Settings, published: Published | None = None) -> Service:
        """Return the service of `published` (by default the current release, opened, or built
        first, under `settings`), its search index being built (in the background: a search
        waits for it) and its query pool ready to start.

        Raises UnreadableSource or DataDoesNotConform when there is no good release to serve.
        """
        published = published or Published.open(settings)
        examples = competency_queries(settings.root / "queries", settings.base_iri)
        graph = open_graph(settings, published.store, published.version)
        search = IndexInTheMaking(lambda: SearchIndex.build(graph, settings.base_iri))
        return cls(
            settings, published, search, SparqlEndpoint(_query_pool(settings, published, graph), examples), graph
        )


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
