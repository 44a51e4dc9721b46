"""`coopkg load`: push a release into the configured SPARQL engine through the Graph Store
Protocol (setting `engine_store_url`, for instance Oxigraph server's `/store`).

Each graph of the release is PUT under a new name (`{graph}/{version}/{stamp}`) while the
pages keep reading the release the engine held; then a graph describing the new release
(current) and the one it replaces (previous), each with the name each of its graphs is stored
as, is PUT under a new name too, and one PUT of the one-triple record graph
(`{base}graph/release`, server/engine_release.py) switches to that description. An app
reads the graphs of the release it serves (server.engine_graph.SparqlHttpGraph.follow), so no
page is answered from a mix of releases, and replicas still on the previous release keep
reading its whole graphs until they restart. Last, the graphs of the release before the
previous one are dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from .engine_graph import SparqlHttpGraph, engine_credentials
from .engine_release import description_graph, read_record, switch_graph
from .graphs import RECORD_PART, EngineError
from .namespaces import graph_iri
from .release_folder import Release

NTRIPLES = "application/n-triples"


@dataclass(frozen=True)
class Loaded:
    """What `load_release` did: the version loaded, each graph's stored name and triple count,
    the graphs it dropped (those of the release before the previous one), how long it took,
    and the version of the release it kept as previous (None: the engine held none)."""

    version: str
    stored: dict[str, str]
    triples: dict[str, int]
    dropped: tuple[str, ...]
    seconds: float
    previous: str | None = None


def load_release(
    release: Release,
    settings,
    environ: dict | None = None,
    progress: Callable[[str], None] | None = None,
) -> Loaded:
    """Load `release` into the engine at settings.engine_store_url (read back through
    settings.engine_url), switch the engine's record to it (the release it held kept as
    previous), drop the graphs of the release before that.

    Raises EngineError when the engine refuses or cannot be reached (nothing is switched then:
    the previous release stays the one the pages read).
    """
    started = time.monotonic()
    say = progress or (lambda line: None)
    base, version = settings.base_iri, release.version
    auth = engine_credentials(environ)
    reader = SparqlHttpGraph(settings.engine_url, [], timeout=(3.0, settings.engine_timeout), auth=auth)
    record = graph_iri(base, RECORD_PART)
    try:
        held = read_record(reader, record)
        previous = held.current
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        store = ox.Store.read_only(str(release.store_path))
        stored, triples = {}, {}
        for own in sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)):
            name = f"{own}/{version}/{stamp}"
            body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(own))
            _put(reader, settings.engine_store_url, name, body)
            stored[own], triples[own] = name, body.count(b"\n")
            say(f"loaded {own} as {name}: {triples[own]} triples")
        described = f"{record}/{version}/{stamp}"
        _put(reader, settings.engine_store_url, described, description_graph(described, version, stored, previous))
        _put(reader, settings.engine_store_url, record, switch_graph(record, described))
        say(
            f"switched the engine to release {version}"
            + (f" (keeping {previous.version} as previous)" if previous else "")
        )
        kept = set(stored.values()) | (set(previous.graphs.values()) if previous else set())
        dropped = tuple(sorted(held.stored_names() - kept))
        for name in dropped:
            _delete(reader, settings.engine_store_url, name)
            say(f"dropped {name}")
        if held.name and held.name != described:
            _delete(reader, settings.engine_store_url, held.name)  # its content is in the new one
    finally:
        reader.close()
    return Loaded(version, stored, triples, dropped, time.monotonic() - started, previous and previous.version)


def _put(engine: SparqlHttpGraph, url: str, graph: str, body: bytes) -> None:
    _call(engine, "PUT", url, graph, body)


def _delete(engine: SparqlHttpGraph, url: str, graph: str) -> None:
    _call(engine, "DELETE", url, graph, None, missing_ok=True)


def _call(engine: SparqlHttpGraph, method: str, url: str, graph: str, body, missing_ok: bool = False) -> None:
    """Send one Graph Store Protocol request; raise EngineError unless the engine did it."""
    headers = {"Content-Type": NTRIPLES} if body is not None else {}
    try:
        answer = engine.session.request(
            method, url, params={"graph": graph}, data=body, headers=headers, timeout=(3.0, 600.0)
        )
    except engine.requests.exceptions.RequestException as error:
        raise EngineError(f"the graph store at {url} cannot be reached: {type(error).__name__}", 503) from error
    if answer.status_code in (200, 201, 204) or (missing_ok and answer.status_code == 404):
        return
    reason = answer.text[:200].strip().replace("\n", " ")
    raise EngineError(f"the graph store at {url} answered {method} {graph} with {answer.status_code}: {reason}")
