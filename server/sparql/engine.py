"""Queries run in a small pool of worker processes, so that a time limit really stops the work.

pyoxigraph cannot interrupt a query. Each worker process cuts itself off from the network,
then opens the published store read-only (worker.serve_jobs); a query waits at most
`timeout` seconds for its worker, which is killed and replaced when it overruns. Meanwhile
the other workers (and every request that needs no query) go on being answered.

The pool heals: a worker that dies (a crash of the engine, a kill from outside) is replaced,
and a replacement that cannot start is tried again with backoff until it can. A query during
which a worker crashed is refused at once for as long as the release is served, rather than
crash more workers. Every worker event is one line of the "coopkg.sparql" log.

The pool bounds what it lets wait: at most `size + queue` queries are answered or waiting at
once (each holds one of the web server's threads), and a query waits at most `wait` seconds
for a free worker. Past either bound it is answered 503 at once, with a Retry-After, so that
queries can never hold every thread that pages need. A worker may grow by at most
`memory_mb` MB for a query (worker.limit_memory); one that dies for want of memory is
replaced and its query answered 503 naming the limit, like a query past the time limit.
"""

from __future__ import annotations

import atexit
import hashlib
import itertools
import logging
import math
import multiprocessing
import queue as queues
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

from .exits import exit_code, exit_status, relay_stderr
from .isolation import METHODS
from .worker import OUT_OF_MEMORY, Failure, Head, Job, memory_limit_message, serve_jobs

log = logging.getLogger("coopkg.sparql")

START_TIMEOUT = 60.0  # seconds a new worker may take to import its libraries and open the store
STDERR_LINES = 50  # lines of a worker's stderr kept, to tell why it died
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)  # between attempts to start a replacement
CRASH_DOC = "docs/oxigraph-order-by-panic.md"
CRASHING = (
    "this query crashes the query engine (an Oxigraph bug, such as the known panic of an ORDER BY over "
    f"numbers and strings, see {CRASH_DOC}); it is refused from now on for this release: change the query "
    "(for example ORDER BY STR(?x), or sort numbers and strings apart)"
)


class QueryFailed(Exception):
    """A query got no answer; `failure` holds the HTTP status and the message for the client,
    `retry_after` the seconds after which the same query may succeed (None: not by waiting)."""

    def __init__(self, status: int, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.failure = Failure(status, message)
        self.retry_after = retry_after


def query_hash(query: str) -> str:
    """Return the short name a query goes by in the log: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(eq=False)
class _Worker:
    number: int
    process: multiprocessing.process.BaseProcess
    connection: Connection
    isolation: str = ""
    ready: bool = False
    query: str | None = None  # the hash of the query it is answering; None when idle
    retired: bool = False  # killed or found dead: never to be given a query again
    stderr: deque[str] = field(default_factory=lambda: deque(maxlen=STDERR_LINES))  # its last lines
    relay: threading.Thread | None = None  # logs its stderr; ends when the process does

    def __str__(self) -> str:
        return f"worker {self.number}"


@dataclass(frozen=True)
class PoolStatus:
    """What /health says of the pool."""

    configured: int
    alive: int
    busy: int
    started: bool
    isolation: tuple[str, ...]  # the methods the live workers isolate themselves with
    last_failure: str | None  # why the latest replacement could not start, while one is missing
    refused_queries: int  # queries refused because they crashed a worker
    crashes: int
    restarts: int
    queries_limit: int = 0  # queries answered or waiting at once, at most
    queries_in: int = 0  # queries answered or waiting now
    queries_turned_away: int = 0  # answered 503 at once: too many in, or no worker free in time
    memory_mb: int = 0  # what a worker may grow by for a query (0: no limit)

    @property
    def degraded(self) -> bool:
        return self.started and self.alive < self.configured

    def as_dict(self) -> dict:
        return {
            "workers": {"configured": self.configured, "alive": self.alive, "busy": self.busy},
            "started": self.started,
            "network_isolation": list(self.isolation),
            "last_failure": self.last_failure,
            "crashes": self.crashes,
            "restarts": self.restarts,
            "queries_refused_as_crashing": self.refused_queries,
            "queries": {"limit": self.queries_limit, "in": self.queries_in, "turned_away": self.queries_turned_away},
            "memory_limit_mb": self.memory_mb or None,
        }


@dataclass
class Answer:
    """A query's answer: its Head, then its body read chunk by chunk from the worker.

    Iterate it (or call read()) once; close() it if it is not read to the end (a HEAD
    request, a client gone). Each chunk must come within the time limit (rows are all read
    before the head, so only their serialization remains); if one does not, the worker is
    killed and iteration raises QueryFailed, which aborts the HTTP response.
    """

    head: Head
    _pool: QueryPool
    _worker: _Worker | None
    _admitted: bool = True  # holds one of the pool's places until the worker is given back

    def __iter__(self) -> Iterator[bytes]:
        try:
            while self._worker is not None:
                kind, payload = self._next_message()
                if kind == "end":
                    self._pool._give_back(self._take_worker())
                    return
                if kind == "abort":  # the head is sent: only an aborted response can say so
                    self._pool._give_back(self._take_worker())
                    raise QueryFailed(500, payload)
                yield payload
        finally:
            self.close()

    def read(self) -> bytes:
        """Return the whole body (the HTML page reads it; HTTP clients get it streamed)."""
        return b"".join(self)

    def close(self) -> None:
        """Read what is left of the body and give the worker back (kill it if that fails)."""
        while self._worker is not None:
            try:
                kind, _ = self._next_message()
            except QueryFailed:
                return
            if kind in ("end", "abort"):
                self._pool._give_back(self._take_worker())

    def _next_message(self) -> tuple[str, object]:
        try:
            return self._pool._receive(self._worker, time.monotonic() + self._pool.timeout)
        except QueryFailed:
            self._worker = None  # _receive has replaced it
            self._leave()
            raise

    def _take_worker(self) -> _Worker:
        worker, self._worker = self._worker, None
        self._leave()
        return worker

    def _leave(self) -> None:
        if self._admitted:
            self._admitted = False
            self._pool._leave()


@dataclass
class _Counts:
    crashes: int = 0
    restarts: int = 0
    last_failure: str | None = None
    crashing: set[tuple[str, str]] = field(default_factory=set)  # (store path, query hash)
    queries_in: int = 0
    turned_away: int = 0


class QueryPool:
    """`size` worker processes answering queries on the store at `store_path`.

    At most `size + queue` queries are in at once (answered or waiting; `queue` defaults to
    twice `size`), each waiting at most `wait` seconds for a free worker; a worker may grow by
    `memory_mb` MB for a query (0: no limit). `isolation` names the ways a worker may cut
    itself off from the network, tried in order (isolation.METHODS); `retry_delays` the
    seconds between attempts to start a replacement.
    """

    def __init__(
        self,
        store_path: Path,
        size: int = 2,
        timeout: float = 5.0,
        isolation: tuple[str, ...] = METHODS,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        *,
        queue: int | None = None,
        wait: float = 1.0,
        memory_mb: int = 0,
    ):
        self.store_path, self.size, self.timeout = str(store_path), max(1, size), timeout
        self.isolation, self.retry_delays = tuple(isolation), tuple(retry_delays)
        self.limit = self.size + (2 * self.size if queue is None else max(0, queue))
        self.wait, self.memory_mb = min(wait, timeout), max(0, memory_mb)
        self.retry_after = max(1, math.ceil(self.wait))
        self._context = multiprocessing.get_context("spawn")  # fork is unsafe in a threaded server
        self._idle: queues.Queue[_Worker] = queues.Queue()
        self._lock = threading.Lock()
        self._started = False
        self._stopping = threading.Event()
        self._workers: set[_Worker] = set()
        self._numbers = itertools.count(1)
        self._counts = _Counts()

    def start(self) -> None:
        """Start the workers (once) and return when they are ready; later calls do nothing.

        Raises QueryFailed(503) when a worker cannot start (it is then tried again in the
        background, with backoff).
        """
        with self._lock:
            if self._started:
                return
            self._started = True
        atexit.register(self.stop)
        starting = [self._spawn() for _ in range(self.size)]
        threading.Thread(target=self._watch, daemon=True, name="coopkg-query-pool-watch").start()
        failures = []
        for worker in starting:
            try:
                self._wait_ready(worker)
                self._idle.put(worker)
            except QueryFailed as failure:
                failures.append(failure)
                delay = self._retry_delay(0)
                log.error("%s: failed to start (%s); retry in %g s", worker, failure.failure.message, delay)
                self._start_replacement(worker, wait_first=delay)
        if failures:
            raise failures[0]

    def stop(self) -> None:
        """Kill every worker (at exit); replacements are no longer started."""
        self._stopping.set()
        for worker in list(self._workers):
            self._kill(worker)

    def status(self) -> PoolStatus:
        """Return how many workers are alive and busy, how they are isolated, what went wrong."""
        with self._lock:
            live = [w for w in self._workers if w.ready and not w.retired]
            return PoolStatus(
                configured=self.size,
                alive=len(live),
                busy=sum(1 for w in live if w.query is not None),
                started=self._started,
                isolation=tuple(sorted({w.isolation for w in live})),
                last_failure=self._counts.last_failure,
                refused_queries=len(self._counts.crashing),
                crashes=self._counts.crashes,
                restarts=self._counts.restarts,
                queries_limit=self.limit,
                queries_in=self._counts.queries_in,
                queries_turned_away=self._counts.turned_away,
                memory_mb=self.memory_mb,
            )

    def run(self, job: Job) -> Answer:
        """Send `job` to a free worker and return its Answer once evaluation has produced a head.

        Raises QueryFailed: 400 for a query known to crash the engine (or that just did), 503
        (with retry_after) at once when `limit` queries are in already, or when no worker is
        free within `wait`; 503 when the query runs past the time limit or the memory limit
        (its worker is then killed), or the job's own Failure (400, 406...).
        """
        self.start()
        name = query_hash(job.query)
        self._refuse_if_crashing(name)
        self._enter(name)
        try:
            worker = self._take_idle(name)
            try:
                self._refuse_if_crashing(name)  # it may have crashed another worker while this one waited
            except QueryFailed:
                self._give_back(worker)
                raise
            deadline = time.monotonic() + self.timeout
            try:
                worker.connection.send(job)
            except (OSError, ValueError):
                self._ended(worker)
            kind, payload = self._receive(worker, deadline)
            if kind == "error":
                self._give_back(worker)
                raise QueryFailed(payload.status, payload.message)
        except BaseException:
            self._leave()
            raise
        return Answer(payload, self, worker)

    def _enter(self, name: str) -> None:
        """Count query `name` in, or raise QueryFailed(503) at once if `limit` queries are in."""
        with self._lock:
            if self._counts.queries_in < self.limit:
                self._counts.queries_in += 1
                return
            self._counts.turned_away += 1
        log.info("query %s turned away: %d queries are answered or waiting already", name, self.limit)
        raise QueryFailed(
            503,
            f"too many queries at once ({self.limit} are being answered or waiting); try again in a moment",
            retry_after=self.retry_after,
        )

    def _leave(self) -> None:
        with self._lock:
            self._counts.queries_in -= 1

    def _refuse_if_crashing(self, name: str) -> None:
        if (self.store_path, name) in self._counts.crashing:
            log.info("query %s refused: it crashed a worker before", name)
            raise QueryFailed(400, CRASHING)

    def _take_idle(self, name: str) -> _Worker:
        """Return an idle live worker, marked busy with query `name`, within `wait` seconds."""
        deadline = time.monotonic() + self.wait
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queues.Empty:
                with self._lock:
                    self._counts.turned_away += 1
                log.info("query %s turned away: no worker was free within %g s", name, self.wait)
                raise QueryFailed(
                    503, "every query worker is busy; try again in a moment", retry_after=self.retry_after
                ) from None
            with self._lock:
                if worker.retired:
                    continue
                if worker.process.is_alive():
                    worker.query = name
                    return worker
            self._found_dead(worker)

    def _receive(self, worker: _Worker, deadline: float) -> tuple[str, object]:
        try:
            if worker.connection.poll(max(0.0, deadline - time.monotonic())):
                return worker.connection.recv()
        except (EOFError, OSError):
            self._ended(worker)
        log.warning(
            "%s: killed for timeout (pid %s): query %s ran past %g s",
            worker,
            worker.process.pid,
            worker.query,
            self.timeout,
        )
        self._replace(worker)
        raise QueryFailed(503, f"query stopped: it ran longer than the limit of {self.timeout:g} seconds") from None

    def _ended(self, worker: _Worker) -> None:
        """`worker` stopped while answering a query: log why, replace it, raise QueryFailed.

        A worker killed by SIGKILL was stopped from outside (an operator, the kernel's
        out-of-memory killer): the client may try again (503). One that said an allocation
        failed hit the memory limit: 503 naming it, the query not remembered (like the time
        limit). Any other end (SIGABRT of an engine panic, SIGSEGV, an exit) was the query's
        doing: it is refused from now on (400).
        """
        code, name = exit_code(worker.process), worker.query
        out_of_memory = False
        if code is not None and code != -signal.SIGKILL:
            if worker.relay is not None:
                worker.relay.join(timeout=5.0)  # its last words, which say whether memory ran out
            out_of_memory = any(OUT_OF_MEMORY.search(line) for line in worker.stderr)
        self._replace(worker)
        if out_of_memory:
            log.warning(
                "%s: stopped at the memory limit (pid %s, %s): query %s needed more than %d MB",
                worker,
                worker.process.pid,
                exit_status(code),
                name,
                self.memory_mb,
            )
            raise QueryFailed(503, memory_limit_message(self.memory_mb)) from None
        if code is None or code == -signal.SIGKILL:  # None: its pipe broke, it did not stop by itself
            log.warning(
                "%s: killed from outside (pid %s, %s) during query %s",
                worker,
                worker.process.pid,
                exit_status(code),
                name,
            )
            raise QueryFailed(503, "a query worker stopped unexpectedly; try again", retry_after=1) from None
        with self._lock:
            self._counts.crashes += 1
            self._counts.crashing.add((self.store_path, name))
        log.error(
            "%s: crashed (pid %s, %s) during query %s; that query is refused from now on",
            worker,
            worker.process.pid,
            exit_status(code),
            name,
        )
        raise QueryFailed(400, CRASHING) from None

    def _found_dead(self, worker: _Worker) -> None:
        """`worker` died while idle: log it and replace it (once, whoever finds it first)."""
        with self._lock:
            if worker.retired or worker.query is not None:
                return
            worker.retired = True
        log.warning(
            "%s: died while idle (pid %s, %s)", worker, worker.process.pid, exit_status(exit_code(worker.process))
        )
        self._replace(worker)

    def _watch(self) -> None:
        """Replace workers that die while idle, without waiting for a query to find them."""
        while not self._stopping.is_set():
            with self._lock:  # a busy worker that dies is the business of the request it serves
                watched = {
                    w.process.sentinel: w for w in self._workers if w.ready and not w.retired and w.query is None
                }
            if not watched:
                self._stopping.wait(0.5)
                continue
            for sentinel in wait(list(watched), timeout=0.5):
                if not self._stopping.is_set():
                    self._found_dead(watched[sentinel])

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            worker.query = None
            if worker.retired:
                return
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        """Kill `worker` now; start its successor in the background."""
        self._kill(worker)
        self._start_replacement(worker)

    def _start_replacement(self, worker: _Worker, wait_first: float = 0.0) -> None:
        if self._stopping.is_set():
            return
        thread = threading.Thread(
            target=self._restart, args=(worker, wait_first), daemon=True, name="coopkg-query-worker-restart"
        )
        thread.start()

    def _restart(self, replaced: _Worker, wait_first: float) -> None:
        """Start a successor to `replaced` (after `wait_first` s), trying again with backoff until one starts."""
        if self._stopping.wait(wait_first):
            return
        for attempt in itertools.count(1 if wait_first else 0):
            if self._stopping.is_set():
                return
            worker = None
            try:
                worker = self._spawn()
                self._wait_ready(worker, replacing=replaced)
            except QueryFailed as failure:
                if self._stopping.is_set():  # stop() killed it while it started
                    return
                delay = self._retry_delay(attempt)
                who = worker or f"the successor of {replaced}"
                log.error("%s: failed to start (%s); retry in %g s", who, failure.failure.message, delay)
                if self._stopping.wait(delay):
                    return
                continue
            with self._lock:
                self._counts.restarts += 1
                self._counts.last_failure = None
            self._idle.put(worker)
            return

    def _retry_delay(self, attempt: int) -> float:
        return self.retry_delays[min(attempt, len(self.retry_delays) - 1)]

    def _spawn(self) -> _Worker:
        """Start a worker process. Raises QueryFailed(503) if the system refuses a new process."""
        parent_end, child_end = self._context.Pipe(duplex=True)
        stderr_in, stderr_out = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=serve_jobs,
            args=(child_end, self.store_path, self.isolation, self.memory_mb, stderr_out),
            daemon=True,
            name="coopkg-query-worker",
        )
        try:
            process.start()
        except OSError as error:
            parent_end.close()
            stderr_in.close()
            raise QueryFailed(503, f"a query worker could not start: {error}") from error
        finally:
            child_end.close()
            stderr_out.close()
        worker = _Worker(next(self._numbers), process, parent_end)
        worker.relay = threading.Thread(
            target=relay_stderr,
            args=(str(worker), process.pid, stderr_in, worker.stderr),
            daemon=True,
            name="coopkg-query-worker-stderr",
        )
        worker.relay.start()
        with self._lock:
            self._workers.add(worker)
        return worker

    def _wait_ready(self, worker: _Worker, replacing: _Worker | None = None) -> None:
        """Wait for `worker` to say it is ready; log it. Raises QueryFailed(503) if it cannot start."""
        reason = f"no word within {START_TIMEOUT:g} s"
        try:
            if worker.connection.poll(START_TIMEOUT):
                kind, payload = worker.connection.recv()
                if kind == "ready":
                    with self._lock:
                        worker.isolation, worker.ready = payload, True
                    instead = f", replacing {replacing}" if replacing else ""
                    log.info(
                        "%s: started (pid %s, network isolated: %s)%s", worker, worker.process.pid, payload, instead
                    )
                    return
                reason = str(payload)
        except (EOFError, OSError):
            reason = f"it stopped ({exit_status(exit_code(worker.process))})"
        self._kill(worker)
        with self._lock:
            self._counts.last_failure = reason
        raise QueryFailed(503, f"a query worker could not start: {reason}")

    def _kill(self, worker: _Worker) -> None:
        with self._lock:
            worker.retired = True
            self._workers.discard(worker)
        worker.process.kill()
        worker.process.join()
        worker.connection.close()
