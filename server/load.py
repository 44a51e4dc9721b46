"""`coopkg load`: push a release into the configured SPARQL engine through the Graph Store
Protocol (setting `engine_store_url`, for instance Oxigraph server's `/store`).

Each graph of the release is PUT under a new name (`{graph}/{version}/{stamp}`) while the
pages keep reading the previous release's; then one PUT of the record graph
(`{base}graph/release`) switches: it states the release's version and the name each of its
graphs is stored as, and the app reads the graphs it names (server.engine_graph.open_graph), so
no page is answered from a mix of releases; then the previous release's graphs are dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from .engine_graph import SparqlHttpGraph, engine_credentials
from .graphs import RECORD_PART, EngineError
from .namespaces import PREFIXES, graph_iri
from .release_folder import Release

DCT = PREFIXES["dct"]
NTRIPLES = "application/n-triples"


@dataclass(frozen=True)
class Loaded:
    """What `load_release` did: the version loaded, each graph's stored name and triple count,
    the previous release's graphs it dropped, and how long it took."""

    version: str
    stored: dict[str, str]
    triples: dict[str, int]
    dropped: tuple[str, ...]
    seconds: float


def load_release(
    release: Release,
    settings,
    environ: dict | None = None,
    progress: Callable[[str], None] | None = None,
) -> Loaded:
    """Load `release` into the engine at settings.engine_store_url (read back through
    settings.engine_url), switch the engine's record to it, drop the previous release's graphs.

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
        _, previous = reader.release_record(record)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        store = ox.Store.read_only(str(release.store_path))
        stored, triples = {}, {}
        for own in sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)):
            name = f"{own}/{version}/{stamp}"
            body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(own))
            _put(reader, settings.engine_store_url, name, body)
            stored[own], triples[own] = name, body.count(b"\n")
            say(f"loaded {own} as {name}: {triples[own]} triples")
        _put(reader, settings.engine_store_url, record, _record(record, version, stored))
        say(f"switched the engine to release {version}")
        dropped = tuple(name for name in previous.values() if name not in stored.values())
        for name in dropped:
            _delete(reader, settings.engine_store_url, name)
            say(f"dropped {name}")
    finally:
        reader.close()
    return Loaded(version, stored, triples, dropped, time.monotonic() - started)


def _record(record: str, version: str, stored: dict[str, str]) -> bytes:
    """Return the record graph, N-Triples: the release's version and its graphs' stored names."""
    subject = ox.NamedNode(record)
    triples = [ox.Triple(subject, ox.NamedNode(DCT + "hasVersion"), ox.Literal(version))]
    for own, name in stored.items():
        triples.append(ox.Triple(subject, ox.NamedNode(DCT + "hasPart"), ox.NamedNode(name)))
        triples.append(ox.Triple(ox.NamedNode(name), ox.NamedNode(DCT + "isVersionOf"), ox.NamedNode(own)))
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


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
