"""What one app serves, built once by the app factory (server/__init__.py create_app) and kept
on the app as `app.extensions["coopkg"]`: the settings, the published release, its search
index and the SPARQL endpoint's state. Views reach it through server.web.site.service()."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from .config import Settings
from .graphs import ReadGraph, open_graph
from .queries import CompetencyQuery, competency_queries
from .search import SearchIndex
from .sparql.engine import QueryPool
from .sparql.service_description import graph_sizes
from .state import Published


@dataclass
class SparqlEndpoint:
    """The endpoint's state: its pool of query workers (started by `coopkg serve`, else on the
    first query), the competency questions it offers as examples, the named graphs' sizes."""

    pool: QueryPool
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
    search: SearchIndex
    sparql: SparqlEndpoint
    graph: ReadGraph

    @classmethod
    def open(cls, settings: Settings, published: Published | None = None) -> Service:
        """Return the service of `published` (by default the current release, opened, or built
        first, under `settings`), its search index built and its query pool ready to start.

        Raises UnreadableSource or DataDoesNotConform when there is no good release to serve.
        """
        published = published or Published.open(settings)
        pool = QueryPool(
            published.store_path,
            settings.query_workers,
            settings.query_timeout,
            queue=settings.queries_in_flight - settings.query_workers,
            wait=settings.query_wait,
            memory_mb=settings.query_memory_mb,
        )
        examples = competency_queries(settings.root / "queries", settings.base_iri)
        graph = open_graph(settings, published.store, published.version)
        search = SearchIndex.build(graph, settings.base_iri)
        return cls(settings, published, search, SparqlEndpoint(pool, examples), graph)
