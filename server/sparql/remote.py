"""Queries forwarded to the SPARQL engine at engine_url, with our guard, limits and formats in front.

When the pages read from an engine (engine_graph.SparqlHttpGraph), /sparql answers from it too, so
that the endpoint and the pages say the same. A query is read by the same protocol code
(protocol.py) and checked by the same guard (guard.py: SERVICE refused, FROM graphs held)
before anything is sent, and more strictly than there: the engine may evaluate SERVICE (Oxigraph
server does) with no network isolation of ours around it, and a parser of ours cannot read
every text as the engine does, so any query holding the word 'service' (in any case, anywhere)
or a \\u escape is refused (MAY_SPELL_SERVICE); then:

- the dataset is always the release's graphs as the engine stores them: the client's
  default-graph-uri / named-graph-uri and the query's FROM / FROM NAMED name the graphs by
  their own IRIs, which are sent as the protocol's dataset under their stored names (a graph
  the release does not hold is refused with a 400); without either, the default graph is the
  union of the release's graphs, as in the embedded store. The engine's other graphs are never
  named, and an empty side of the dataset is sent as NO_GRAPH, which no release holds;
- the time limit is the read timeout of the request (and a deadline for the whole answer);
- the engine is asked for SPARQL JSON (SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE), by the
  query's form (query_forms.query_form; Virtuoso answers a CONSTRUCT asked for both as a table), which
  are parsed as they arrive; at most max_rows rows are kept, then serialized in the client's
  format by pyoxigraph, as the query workers do, the stored graph names back to their own;
- at most `limit` queries are forwarded at once; past that a query is answered 503 at once,
  with a Retry-After;
- what goes wrong becomes a QueryFailed: 400 for a query the engine refuses as malformed or
  cannot evaluate (by its status and its error code, engine_errors.py: Virtuoso answers 500
  "Virtuoso 37000 Error TR...: transitive start not given" for a path with both ends unbound;
  its message, one line cleaned of markup), 503 when it cannot be reached, 504 past the time
  limit, 502 for any other failure or an answer we cannot read.

This runs in the web process, which has the network (it must reach the engine): unlike the
query workers, nothing here is cut off from it. The guard's SERVICE refusal and the engine's
own configuration are the defence (docs/sandbox.md, docs/engines.md).
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import threading
import time
from dataclasses import dataclass

import pyoxigraph as ox
from urllib3.exceptions import HTTPError

from ..engine_errors import engine_failure, incomplete_answer
from ..engine_graph import MAX_GET_QUERY, SparqlHttpGraph
from ..namespaces import PREFIXES
from .answer import QueryFailed
from .crashes import query_hash
from .guard import SERVICE_REFUSED, Refused, Unchecked, check_graphs, check_query
from .query_forms import query_form
from .worker import PREFIXED_FORMATS, RDF_FORMATS, RESULTS_FORMATS, Head, Job, tsv_term

log = logging.getLogger("coopkg.sparql")

# The graph name sent for an empty side of a dataset (no default graph, no named graphs): an
# engine given no graph name at all would use its own default graph or all its graphs.
NO_GRAPH = "urn:coopkg:no-graph"
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
# By the query's form when it is known: Virtuoso answers a CONSTRUCT or a DESCRIBE in the first
# type of ACCEPT it can give, SPARQL JSON results (a table of ?s ?p ?o), not as a graph.
ACCEPT_BY_FORM = {
    "SELECT": "application/sparql-results+json",
    "ASK": "application/sparql-results+json",
    "CONSTRUCT": "application/n-triples",
    "DESCRIBE": "application/n-triples",
}
# What could spell SERVICE to the engine: the word anywhere (in any case; in a comment or a
# string too, since two parsers may disagree on where those end), or a \u or \U escape.
_MAY_SPELL_SERVICE = re.compile(r"service|\\u", re.IGNORECASE)
MAY_SPELL_SERVICE = (
    f"{SERVICE_REFUSED}; a query forwarded to the SPARQL engine may not hold the word 'service' anywhere "
    "(in a string or a comment either) nor a \\u escape: write such a string another way, "
    'for example REGEX(?label, "servic[e]", "i")'
)
_PARSED = {
    "application/sparql-results+json": ("results", ox.QueryResultsFormat.JSON),
    "application/json": ("results", ox.QueryResultsFormat.JSON),
    "application/sparql-results+xml": ("results", ox.QueryResultsFormat.XML),
    "application/n-triples": ("graph", ox.RdfFormat.N_TRIPLES),
    "text/plain": ("graph", ox.RdfFormat.N_TRIPLES),
    "text/turtle": ("graph", ox.RdfFormat.TURTLE),
}


@dataclass
class ForwardedAnswer:
    """A forwarded query's answer, whole (at most max_rows rows): its Head, then its body."""

    head: Head
    body: bytes

    def __iter__(self):
        yield self.body

    def read(self) -> bytes:
        return self.body

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class ForwardingStatus:
    """What /health says of the forwarding: the engine, the queries in and turned away."""

    engine: str
    queries_limit: int
    queries_in: int
    queries_turned_away: int
    degraded: bool = False  # the engine's health is the engine's: the pages say when it fails

    def as_dict(self) -> dict:
        return {
            "engine": self.engine,
            "network_isolation": [],  # this process has the network: docs/sandbox.md
            "queries": {"limit": self.queries_limit, "in": self.queries_in, "turned_away": self.queries_turned_away},
        }


class RemoteEndpoint:
    """Forward jobs (worker.Job) to the engine `graph` reads, at most `limit` at once, each
    answered within `timeout` seconds. Offers what web/sparql.py and /health use of QueryPool."""

    def __init__(self, graph: SparqlHttpGraph, timeout: float = 5.0, limit: int = 6, retry_after: int = 1):
        self.graph, self.timeout, self.limit = graph, timeout, max(1, limit)
        self.retry_after = max(1, math.ceil(retry_after))
        self._lock = threading.Lock()
        self._in = self._turned_away = 0

    def start(self) -> None:
        """Nothing to start: the engine runs elsewhere."""

    def stop(self) -> None:
        """Nothing to stop (the connections belong to the pages' graph)."""

    def status(self) -> ForwardingStatus:
        with self._lock:
            return ForwardingStatus(self.graph.url, self.limit, self._in, self._turned_away)

    def run(self, job: Job) -> ForwardedAnswer:
        """Check `job`, forward it and return its answer, cut at job.max_rows.

        Raises QueryFailed: 400 for what the guard refuses, a graph the release does not hold
        or a query the engine finds malformed; 406 when the client accepts no format of the
        answer's kind; 503 (with retry_after) when `limit` queries are in already or the engine
        cannot be reached; 504 past the time limit; 502 for any other failure of the engine.
        """
        default, named = self.dataset(job)
        name = query_hash(job.query)
        self._enter(name)
        try:
            return self._forward(job, default, named)
        finally:
            with self._lock:
                self._in -= 1

    def dataset(self, job: Job) -> tuple[list[str], list[str]]:
        """Return the (default, named) graphs to send for `job`, as the engine stores them.

        Raises QueryFailed(400) for a SERVICE, a query the guard cannot read, or a graph that
        is not one of the release's.
        """
        if _MAY_SPELL_SERVICE.search(job.query.casefold()):
            raise QueryFailed(400, MAY_SPELL_SERVICE)
        own = frozenset(self.graph.graphs)
        try:
            check_graphs([*job.default_graphs, *job.named_graphs], own)
            given = check_query(job.query, own)
        except Refused as refusal:
            raise QueryFailed(400, str(refusal)) from None
        except Unchecked as unchecked:  # it names SERVICE or FROM, or holds a \u escape: unsure
            raise QueryFailed(
                400,
                "the query could not be checked for SERVICE and FROM clauses before it is sent to the SPARQL "
                f"engine (malformed, or a syntax our checker does not read): {unchecked}",
            ) from None
        if job.default_graphs or job.named_graphs:
            default, named = list(job.default_graphs), list(job.named_graphs)
        elif given.given:
            default, named = list(given.default), list(given.named)
        else:
            default = named = sorted(own)
        unknown = [iri for iri in (*default, *named) if iri not in own]
        if unknown:
            raise QueryFailed(
                400,
                "graph not held by this endpoint: "
                + ", ".join(f"<{iri}>" for iri in unknown)
                + "; graphs held: "
                + ", ".join(f"<{g}>" for g in sorted(own)),
            )
        stored = self.graph.graphs
        return [stored[g] for g in default] or [NO_GRAPH], [stored[g] for g in named] or [NO_GRAPH]

    def _enter(self, name: str) -> None:
        with self._lock:
            if self._in < self.limit:
                self._in += 1
                return
            self._turned_away += 1
        log.info("query %s turned away: %d queries are being forwarded already", name, self.limit)
        raise QueryFailed(
            503,
            f"too many queries at once ({self.limit} are being answered); try again in a moment",
            retry_after=self.retry_after,
        )

    def _forward(self, job: Job, default: list[str], named: list[str]) -> ForwardedAnswer:
        deadline = time.monotonic() + self.timeout
        answer = self._send(job.query, default, named)
        try:
            kind, parsed_as = self._kind(answer)
            reader = _Reader(answer.raw, deadline)
            try:
                if kind == "results":
                    return self._results(ox.parse_query_results(reader, format=parsed_as), job)
                return self._graph(ox.parse(reader, format=parsed_as), job)
            except (OSError, SyntaxError, ValueError) as error:
                raise self._reading_failure(reader, error) from None
        finally:
            answer.close()

    def _send(self, query: str, default: list[str], named: list[str]):
        requests, url = self.graph.requests, self.graph.url
        params = [("query", query), *(("default-graph-uri", g) for g in default)]
        params += [("named-graph-uri", g) for g in named]
        timeout = (min(3.0, self.timeout), self.timeout)
        headers = {"Accept": ACCEPT_BY_FORM.get(query_form(query), ACCEPT)}
        try:
            if len(query) <= MAX_GET_QUERY:
                answer = self.graph.session.get(url, params=params, headers=headers, timeout=timeout, stream=True)
            else:
                answer = self.graph.session.post(url, data=params, headers=headers, timeout=timeout, stream=True)
        except requests.exceptions.ConnectTimeout:
            raise QueryFailed(503, f"the SPARQL engine at {url} did not accept a connection in time", 1) from None
        except requests.exceptions.Timeout:
            raise QueryFailed(504, self._too_slow()) from None
        except requests.exceptions.ConnectionError:
            raise QueryFailed(503, f"the SPARQL engine at {url} cannot be reached", self.retry_after) from None
        except requests.exceptions.RequestException as error:
            raise QueryFailed(502, f"the SPARQL engine at {url} failed: {type(error).__name__}") from None
        if answer.status_code != 200:
            with answer:
                raise self._refusal(answer)
        if incomplete := incomplete_answer(answer.headers):  # a part of the answer, as if it were all
            answer.close()
            log.info("the SPARQL engine answered part of a query: %s", incomplete)
            raise QueryFailed(504, f"query stopped: the SPARQL engine stopped it at its own time limit: {incomplete}")
        return answer

    def _refusal(self, answer) -> QueryFailed:
        """Return the QueryFailed for an engine's error status, by what it says (engine_failure):
        400 for a query it refuses or cannot evaluate, with its message made plain."""
        try:
            text = answer.raw.read(16 * 1024, decode_content=True).decode("utf-8", "replace")
        except (OSError, HTTPError):  # its reason is lost with the connection: the status says enough
            text = ""
        failure = engine_failure(answer.status_code, text, answer.headers.get("Content-Type", ""))
        status, url, message = answer.status_code, self.graph.url, failure.message
        log.info("the SPARQL engine answered %d: %s", status, message)
        if failure.kind == "query" and status == 400:
            return QueryFailed(400, f"malformed query (the SPARQL engine says): {message}")
        if failure.kind == "query":
            return QueryFailed(400, f"the SPARQL engine cannot evaluate this query (it says): {message}")
        if failure.kind == "unavailable":
            return QueryFailed(503, f"the SPARQL engine at {url} is unavailable: {message}", self.retry_after)
        if failure.kind == "timeout":
            return QueryFailed(504, self._too_slow())
        return QueryFailed(502, f"the SPARQL engine at {url} answered {status}: {message}")

    def _kind(self, answer) -> tuple[str, object]:
        media_type = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media_type not in _PARSED:
            raise QueryFailed(
                502, f"the SPARQL engine at {self.graph.url} answered in {media_type!r}, which we do not read"
            )
        return _PARSED[media_type]

    def _reading_failure(self, reader: _Reader, error: Exception) -> QueryFailed:
        if reader.timed_out:
            return QueryFailed(504, self._too_slow())
        if reader.error is not None:
            return QueryFailed(503, f"the SPARQL engine at {self.graph.url} stopped while answering", self.retry_after)
        return QueryFailed(502, f"the SPARQL engine at {self.graph.url} sent an answer we cannot read: {error}")

    def _too_slow(self) -> str:
        return f"query stopped: the SPARQL engine did not answer within the limit of {self.timeout:g} seconds"

    def _own(self, term):
        """Return `term` with a stored graph name read back as the graph's own IRI."""
        if isinstance(term, ox.NamedNode):
            own = self.graph._own_names.get(term.value)
            return ox.NamedNode(own) if own else term
        return term

    def _results(self, results, job: Job) -> ForwardedAnswer:
        format_name = _chosen(job.results_format, RESULTS_FORMATS, "SELECT and ASK")
        out = _Buffer()
        if isinstance(results, ox.QueryBoolean):
            results.serialize(out, RESULTS_FORMATS[format_name])
            return ForwardedAnswer(Head("ask", format_name), out.bytes())
        names = [variable.value for variable in results.variables]
        if not names:
            results.serialize(out, RESULTS_FORMATS[format_name])
            return ForwardedAnswer(Head("select", format_name), out.bytes())
        lines = ["\t".join(f"?{name}" for name in names)]
        for solution in itertools.islice(results, job.max_rows + 1):
            lines.append("\t".join(tsv_term(self._own(solution[name])) for name in names))
        truncated = len(lines) > job.max_rows + 1
        tsv = "\n".join(lines[: job.max_rows + 1]) + "\n"
        rows = ox.parse_query_results(tsv.encode("utf-8"), format=ox.QueryResultsFormat.TSV)
        rows.serialize(out, RESULTS_FORMATS[format_name])
        return ForwardedAnswer(Head("select", format_name, truncated), out.bytes())

    def _graph(self, triples, job: Job) -> ForwardedAnswer:
        format_name = _chosen(job.graph_format, RDF_FORMATS, "CONSTRUCT and DESCRIBE")
        kept = [
            ox.Triple(self._own(t.subject), t.predicate, self._own(t.object))
            for t in itertools.islice(triples, job.max_rows + 1)
        ]
        out = _Buffer()
        prefixes = PREFIXES if format_name in PREFIXED_FORMATS else None
        ox.serialize(kept[: job.max_rows], out, RDF_FORMATS[format_name], prefixes=prefixes)
        return ForwardedAnswer(Head("graph", format_name, len(kept) > job.max_rows), out.bytes())


def _chosen(format_name: str | None, formats: dict, kind: str) -> str:
    if format_name not in formats:
        raise QueryFailed(406, f"no acceptable format: {kind} queries answer in {', '.join(formats)}")
    return format_name


class _Buffer:
    """A binary writer that pyoxigraph serializes into."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def bytes(self) -> bytes:
        return b"".join(self.parts)


class _Reader:
    """The engine's answer as a binary file for pyoxigraph's parsers: past `deadline` (or when
    the connection fails) a read raises OSError, and the reason is kept for the message."""

    def __init__(self, raw, deadline: float):
        self.raw, self.deadline = raw, deadline
        self.timed_out, self.error = False, None

    def read(self, size: int = -1) -> bytes:
        if time.monotonic() > self.deadline:
            self.timed_out = True
            raise OSError("past the time limit")
        try:
            return self.raw.read(size if size and size > 0 else 64 * 1024, decode_content=True)
        except (OSError, HTTPError) as error:  # urllib3's timeouts, a connection reset or cut short
            self.timed_out = "timed out" in str(error).lower() or "timeout" in type(error).__name__.lower()
            self.error = error
            raise OSError(str(error)) from error

    def readable(self) -> bool:
        return True
