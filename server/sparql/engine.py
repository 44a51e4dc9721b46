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

This module is the pool itself (QueryPool: a query in, its Answer out, every way it can fail);
answer.py holds Answer and QueryFailed, admission.py the bound on queries in flight,
crashes.py the queries refused as crashing, workers.py the worker processes and their healing.
"""

from __future__ import annotations

import atexit
import logging
import math
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..release_cache import ReleaseCache
from .admission import Admission
from .answer import Answer, QueryFailed
from .crashes import CRASHING, CrashRegistry, query_hash
from .exits import exit_code, exit_status
from .isolation import METHODS
from .worker import NICENESS, OUT_OF_MEMORY, Head, Job, memory_limit_message
from .workers import RETRY_DELAYS, Worker, Workers

log = logging.getLogger("coopkg.sparql")


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


class QueryPool:
    """`size` worker processes answering queries on the store at `store_path`.

    At most `size + queue` queries are in at once (answered or waiting; `queue` defaults to
    twice `size`), each waiting at most `wait` seconds for a free worker; a worker may grow by
    `memory_mb` MB for a query (0: no limit). `isolation` names the ways a worker may cut
    itself off from the network, tried in order (isolation.METHODS); `retry_delays` the
    seconds between attempts to start a replacement. The last answers given, `cache_mb` MB of
    them at most (0: none), are given again without a worker (server/release_cache.py): the
    store never changes. Workers run `niceness` steps below the web server's CPU priority.
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
        cache_mb: int = 0,
        niceness: int = NICENESS,
    ):
        self.store_path, self.size, self.timeout = str(store_path), max(1, size), timeout
        self.isolation, self.retry_delays = tuple(isolation), tuple(retry_delays)
        self.limit = self.size + (2 * self.size if queue is None else max(0, queue))
        self.wait, self.memory_mb = min(wait, timeout), max(0, memory_mb)
        self.retry_after = max(1, math.ceil(self.wait))
        self._lock = threading.Lock()
        self._started = False
        self._workers = Workers(
            self.store_path, self.size, self.isolation, self.memory_mb, self.retry_delays, niceness=niceness
        )
        self._admission = Admission(self.limit, self.retry_after)
        self._crashes = CrashRegistry()
        self.cache = ReleaseCache(max(0, cache_mb) * 1024 * 1024)

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
        self._workers.start()

    def stop(self) -> None:
        """Kill every worker (at exit); replacements are no longer started."""
        self._workers.stop()

    def status(self) -> PoolStatus:
        """Return how many workers are alive and busy, how they are isolated, what went wrong."""
        live = self._workers.live()
        return PoolStatus(
            configured=self.size,
            alive=len(live),
            busy=sum(1 for w in live if w.query is not None),
            started=self._started,
            isolation=tuple(sorted({w.isolation for w in live})),
            last_failure=self._workers.last_failure,
            refused_queries=len(self._crashes),
            crashes=self._crashes.crashes,
            restarts=self._workers.restarts,
            queries_limit=self.limit,
            queries_in=self._admission.queries_in,
            queries_turned_away=self._admission.turned_away,
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
        kept = self.cache.get(job)
        if kept is not None:
            return Answer(kept[0], self, None, _admitted=False, body=kept[1])
        name = query_hash(job.query)
        self._crashes.refuse_if_crashing(self.store_path, name)
        self._admission.enter(name)
        try:
            worker = self._workers.take(name, self.wait)
            if worker is None:
                raise self._admission.no_worker_free(name, self.wait)
            try:
                # it may have crashed another worker while this one waited
                self._crashes.refuse_if_crashing(self.store_path, name)
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
            if kind == "whole":  # the common case: head and body in one message, the worker free again
                self._give_back(worker)
                head, body = payload
                self.cache.keep(job, head, body)
        except BaseException:
            self._leave()
            raise
        if kind == "whole":
            self._leave()
            return Answer(head, self, None, _admitted=False, body=body)
        return Answer(payload, self, worker, _job=job if self.cache.limit_bytes else None)

    def _keep(self, job: Job, head: Head, body: bytes) -> None:
        self.cache.keep(job, head, body)

    def _leave(self) -> None:
        self._admission.leave()

    def _give_back(self, worker: Worker) -> None:
        self._workers.give_back(worker)

    def _receive(self, worker: Worker, deadline: float) -> tuple[str, object]:
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
        self._workers.replace(worker)
        raise QueryFailed(503, f"query stopped: it ran longer than the limit of {self.timeout:g} seconds") from None

    def _ended(self, worker: Worker) -> None:
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
        self._workers.replace(worker)
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
        self._crashes.record(self.store_path, name)
        log.error(
            "%s: crashed (pid %s, %s) during query %s; that query is refused from now on",
            worker,
            worker.process.pid,
            exit_status(code),
            name,
        )
        raise QueryFailed(400, CRASHING) from None
