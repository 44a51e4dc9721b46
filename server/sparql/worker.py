"""What runs inside a query worker process: check, evaluate and serialize one query at a time.

A worker first cuts itself off from the network (isolation.py), then opens the published
store read-only and answers jobs sent over a pipe. It says ("ready", isolation method) or,
if it cannot start, ("failed", reason). The parent (engine.QueryPool) can kill it at any
moment: that is how a time limit really stops the work.
Messages sent back for a job: an answer that fits in one chunk (CHUNK_BYTES) as a single
("whole", (Head, bytes)), the common case, so that a small query costs one message each way;
a longer one as ("head", Head) then ("chunk", bytes)... then ("end", None); or a single
("error", Failure); or, if writing fails after the head, ("abort", message).

A worker runs at a lower CPU priority (NICENESS) than the web server, so that pages keep their
latency while queries take every core. Once the store is open, the worker limits its own
address space (RLIMIT_AS) to what it uses at rest plus the memory a query may take: a query
that needs more fails to allocate. Python then raises MemoryError (answered with
memory_limit_message); Oxigraph (Rust) aborts the process after writing "memory allocation of
N bytes failed" on stderr, which the parent reads (engine.QueryPool) to give the same answer.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import resource
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection

import pyoxigraph as ox

from ..namespaces import PREFIXES
from .formats import GRAPHS, RESULTS
from .guard import SERVICE_REFUSED, Refused, Unchecked, check_graphs, check_query
from .isolation import METHODS, NotIsolated, isolate_from_network
from .query_forms import malformed_query_message

CHUNK_BYTES = 64 * 1024
NICENESS = 10  # workers yield the CPU to the web server's threads: pages before queries
RESULTS_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}
PREFIXED_FORMATS = ("turtle", "trig", "rdfxml")
# What Oxigraph says when a SERVICE cannot reach its service from an isolated worker:
# no network (netns), socket() denied (seccomp), no name resolution, a port or scheme it refuses.
_NO_NETWORK = re.compile(
    r"os error (?:101|13|1|99)\)|lookup address|not allowed for HTTP|URL scheme|unreachable|Permission denied",
    re.IGNORECASE,
)
# A FROM clause (or a \u escape that could spell one) that rdflib could not read for us.
_MAY_HAVE_FROM = re.compile(r"\bfrom\b|\\u", re.IGNORECASE)
# What says that an allocation failed: Rust's abort message, Python's MemoryError, ENOMEM.
OUT_OF_MEMORY = re.compile(r"memory allocation of \d+ bytes failed|MemoryError|Cannot allocate memory|os error 12\b")


def memory_limit_message(megabytes: int) -> str:
    """Return what a client is told when its query needs more than the memory limit."""
    return f"query stopped: it needed more memory than the limit of {megabytes} MB per query"


@dataclass(frozen=True)
class Job:
    """One query to answer: the protocol's dataset and the formats the client accepts."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    results_format: str | None = "json"  # for SELECT and ASK; None: the client accepts none
    graph_format: str | None = "turtle"  # for CONSTRUCT and DESCRIBE
    max_rows: int = 10_000


@dataclass(frozen=True)
class Head:
    """What the answer is, known once the rows are read: its form, format and whether it was cut."""

    form: str  # "select", "ask" or "graph"
    format_name: str
    truncated: bool = False


@dataclass(frozen=True)
class Failure:
    """Why a job got no answer, as an HTTP status and a message for the client."""

    status: int
    message: str


class _Pipe:
    """A binary writer that sends what pyoxigraph serializes to the parent in chunks.

    The head is held back with the first chunk: an answer that ends within one chunk goes as a
    single "whole" message (finish()), and one whose writing fails before then gets an "error".
    """

    def __init__(self, connection: Connection):
        self.connection, self.buffer, self.head, self.head_sent = connection, bytearray(), None, False

    def send_head(self, head: Head) -> None:
        self.head = head

    def write(self, data) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK_BYTES:
            self.send_chunk()
        return len(data)

    def flush(self) -> None:
        """Do nothing: pyoxigraph's serializers flush when they end, and the end is finish()'s."""

    def send_chunk(self) -> None:
        if not self.head_sent:
            self.connection.send(("head", self.head))
            self.head_sent = True
        if self.buffer:
            self.connection.send(("chunk", bytes(self.buffer)))
            self.buffer.clear()

    def finish(self) -> None:
        """Send what is left: the whole answer in one message, or its last chunk and the end."""
        if self.head_sent:
            self.send_chunk()
            self.connection.send(("end", None))
        else:
            self.connection.send(("whole", (self.head, bytes(self.buffer))))
            self.buffer.clear()


def serve_jobs(
    connection: Connection,
    store_path: str,
    isolation: tuple[str, ...] = METHODS,
    memory_mb: int = 0,
    stderr: Connection | None = None,
    niceness: int = NICENESS,
) -> None:
    """Answer jobs from `connection` until the parent closes it (the worker process's main).

    Before anything else, the process cuts itself off from the network with the first of the
    `isolation` methods that works; if none does, it says why and stops without reading a query.
    Once the store is open, a query may make the process's address space grow by at most
    `memory_mb` MB (0: no limit). What the process writes on its stderr goes to `stderr`. It runs
    `niceness` steps below the web server's CPU priority.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole group: the parent stops us
    os.nice(niceness)
    if stderr is not None:
        os.dup2(stderr.fileno(), 2)  # Rust's panic and allocation messages too
        stderr.close()
    try:
        method = isolate_from_network(isolation)
    except NotIsolated as error:
        connection.send(("failed", f"the worker cannot be cut off from the network: {error}"))
        return
    try:
        store = ox.Store.read_only(store_path)
        held = frozenset(graph.value for graph in store.named_graphs() if isinstance(graph, ox.NamedNode))
    except (OSError, RuntimeError) as error:  # RuntimeError: RocksDB finds the store corrupted
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        connection.send(("failed", f"the store {store_path} cannot be opened: {reason}"))
        return
    limit_memory(memory_mb)
    connection.send(("ready", method))
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        answer_job(store, held, job, connection, memory_mb)


def limit_memory(memory_mb: int) -> int | None:
    """Limit this process's address space to its present size plus `memory_mb` MB (RLIMIT_AS).

    Returns the limit in bytes (None when `memory_mb` is 0: no limit). RLIMIT_AS counts virtual
    memory, so the size at rest (the interpreter, pyoxigraph's mappings of the store, the
    allocator's reserved arenas: 400-800 MB measured) is taken as it is, and only what a query
    adds is limited.
    """
    if memory_mb <= 0:
        return None
    with open("/proc/self/statm", encoding="ascii") as statm:
        at_rest = int(statm.read().split()[0]) * resource.getpagesize()
    limit = at_rest + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return limit


def answer_job(store: ox.Store, held: frozenset[str], job: Job, connection: Connection, memory_mb: int = 0) -> None:
    """Evaluate `job` on `store` and send its answer (or its Failure) over `connection`."""
    pipe = _Pipe(connection)
    try:
        results = evaluate(store, held, job)
        _send_results(results, job, pipe)
    except Failed as failure:
        connection.send(("error", failure.failure))
    except MemoryError:  # Python's own allocations (the rows kept before the head)
        del pipe.buffer[:]
        _send_memory_failure(connection, pipe, memory_mb)
    except (OSError, ValueError, SyntaxError, RuntimeError) as error:  # pyoxigraph reading or writing
        if memory_mb and OUT_OF_MEMORY.search(str(error)):  # a mapping or a thread refused under the limit
            _send_memory_failure(connection, pipe, memory_mb)
            return
        failure = _evaluation_failure(error)
        if failure is not None and not pipe.head_sent:
            connection.send(("error", failure))
        elif pipe.head_sent:
            connection.send(("abort", f"the answer could not be completed: {error}"))
        else:
            connection.send(("error", Failure(500, f"the query could not be answered: {error}")))


class Failed(Exception):
    """A job fails with `failure` (an HTTP status and a message); raised inside the worker."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.failure = Failure(status, message)


def evaluate(store: ox.Store, held: frozenset[str], job: Job):
    """Return pyoxigraph's (lazy) results for a query, in this network-isolated process.

    Raises Failed(400) for a malformed query (Oxigraph's own parser says so), a SERVICE the
    guard sees, or a FROM graph not held.
    """
    try:
        check_graphs([*job.default_graphs, *job.named_graphs], held)
        dataset = check_query(job.query, held)
    except Refused as refusal:
        raise Failed(400, str(refusal)) from refusal
    except Unchecked as unchecked:  # rdflib cannot read it (SPARQL 1.2 syntax...): Oxigraph decides
        dataset = None
        if _MAY_HAVE_FROM.search(job.query):
            _raise_syntax_error(job.query)
            raise Failed(400, f"the query's FROM clauses could not be read: {unchecked}") from None
    options: dict = {}
    if job.default_graphs or job.named_graphs:
        options["default_graph"] = [ox.NamedNode(iri) for iri in job.default_graphs]
        options["named_graphs"] = [ox.NamedNode(iri) for iri in job.named_graphs]
    elif dataset is None or not dataset.given:
        options["use_default_graph_as_union"] = True
    try:
        return store.query(job.query, **options)
    except SyntaxError as error:
        raise Failed(400, malformed_query_message(job.query, str(error))) from error


def _raise_syntax_error(query: str) -> None:
    """Raise Failed(400) with Oxigraph's parser message if `query` is not valid SPARQL.

    The query is prepared on an empty in-memory store, in this isolated process: whatever it
    holds, it reaches nothing.
    """
    try:
        ox.Store().query(query)
    except SyntaxError as error:
        raise Failed(400, malformed_query_message(query, str(error))) from error
    except (OSError, ValueError, RuntimeError):
        return


def _send_memory_failure(connection: Connection, pipe: _Pipe, memory_mb: int) -> None:
    message = memory_limit_message(memory_mb)
    connection.send(("abort", message) if pipe.head_sent else ("error", Failure(503, message)))


def _evaluation_failure(error: Exception) -> Failure | None:
    """Return the 400 for an evaluation error the query causes (None for a store or write error)."""
    if isinstance(error, SyntaxError):
        return Failure(400, f"malformed query: {error}")
    if isinstance(error, OSError) and _NO_NETWORK.search(str(error)):
        return Failure(400, f"{SERVICE_REFUSED} (the query engine has no network access: {error})")
    if isinstance(error, RuntimeError):
        return Failure(400, f"the query could not be evaluated: {error}")
    return None


def _send_results(results, job: Job, pipe: _Pipe) -> None:
    if isinstance(results, ox.QueryBoolean):
        head = Head("ask", _chosen(job.results_format, RESULTS_FORMATS))
        pipe.send_head(head)
        results.serialize(pipe, RESULTS_FORMATS[head.format_name])
    elif isinstance(results, ox.QuerySolutions):
        _send_solutions(results, job, pipe)
    else:
        _send_triples(results, job, pipe)
    pipe.finish()


def _send_solutions(solutions: ox.QuerySolutions, job: Job, pipe: _Pipe) -> None:
    """Read at most max_rows solutions, then serialize them with pyoxigraph's serializer.

    pyoxigraph writes the rows as SPARQL TSV (one line a row, terms in N-Triples syntax), kept
    up to max_rows of them, then parses them back and writes the chosen format: every step in
    Rust, none a Python object per term.
    """
    format_name = _chosen(job.results_format, RESULTS_FORMATS)
    if not solutions.variables:  # no variable: TSV cannot count rows, and there is no row to cut
        pipe.send_head(Head("select", format_name))
        solutions.serialize(pipe, RESULTS_FORMATS[format_name])
        return
    kept = _TsvRows(job.max_rows)
    with contextlib.suppress(_Enough):
        solutions.serialize(kept, ox.QueryResultsFormat.TSV)
    tsv, truncated = kept.rows()
    pipe.send_head(Head("select", format_name, truncated))
    rows = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    rows.serialize(pipe, RESULTS_FORMATS[format_name])


class _Enough(Exception):
    """More rows than the cap were written: stop the serializer."""


class _TsvRows:
    """A binary writer keeping the head line and the first `limit` rows of a SPARQL TSV answer."""

    def __init__(self, limit: int):
        self.data, self.lines, self.limit = bytearray(), 0, limit

    def write(self, data) -> int:
        self.data += data
        self.lines += data.count(b"\n")
        if self.lines > self.limit + 1:  # the head line, `limit` rows and one more: the answer is cut
            raise _Enough
        return len(data)

    def flush(self) -> None:
        return None

    def rows(self) -> tuple[bytes, bool]:
        """Return the TSV of the rows kept, and whether there were more."""
        if self.lines <= self.limit + 1:
            return bytes(self.data), False
        end = -1
        for _ in range(self.limit + 1):
            end = self.data.index(b"\n", end + 1)
        return bytes(self.data[: end + 1]), True


def tsv_term(term) -> str:
    """Return `term` as SPARQL TSV writes it (N-Triples syntax; triple terms as <<( s p o )>>)."""
    if term is None:
        return ""
    if isinstance(term, ox.Triple):
        return f"<<( {tsv_term(term.subject)} {tsv_term(term.predicate)} {tsv_term(term.object)} )>>"
    return str(term)


def _send_triples(triples: ox.QueryTriples, job: Job, pipe: _Pipe) -> None:
    format_name = _chosen(job.graph_format, RDF_FORMATS)
    kept = list(itertools.islice(triples, job.max_rows + 1))
    pipe.send_head(Head("graph", format_name, len(kept) > job.max_rows))
    prefixes = PREFIXES if format_name in PREFIXED_FORMATS else None
    ox.serialize(kept[: job.max_rows], pipe, RDF_FORMATS[format_name], prefixes=prefixes)


def _chosen(format_name: str | None, formats: dict) -> str:
    if format_name not in formats:
        offered = RESULTS if formats is RESULTS_FORMATS else GRAPHS
        kind = "SELECT and ASK" if formats is RESULTS_FORMATS else "CONSTRUCT and DESCRIBE"
        media_types = ", ".join(f.media_type for f in offered)
        raise Failed(406, f"no acceptable format: {kind} queries answer in {media_types}")
    return format_name
