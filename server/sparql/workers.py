"""The pool's worker processes as the parent sees them: a handle for each, and the set that heals.

server/sparql/worker.py is what runs inside a worker process. Here the parent starts them
(spawned, never forked), waits for each to say it is ready, hands out idle ones and takes them
back, and replaces any that dies or is killed; a replacement that cannot start is tried again
with backoff (`retry_delays`) until it can. Every event is one line of the "coopkg.sparql" log.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import queue as queues
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait

from .answer import QueryFailed
from .exits import exit_code, exit_status, relay_stderr
from .worker import NICENESS, serve_jobs

log = logging.getLogger("coopkg.sparql")

START_TIMEOUT = 60.0  # seconds a new worker may take to import its libraries and open the store
STDERR_LINES = 50  # lines of a worker's stderr kept, to tell why it died
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)  # between attempts to start a replacement


@dataclass(eq=False)
class Worker:
    """The parent's handle on one worker process: its pipe, its state, its last lines of stderr."""

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


class Workers:
    """`size` worker processes answering queries on the store at `store_path`, kept alive.

    `isolation` names the ways a worker may cut itself off from the network (isolation.METHODS),
    `memory_mb` what it may grow by for a query, `retry_delays` the seconds between attempts to
    start a replacement, `niceness` how far below the web server's CPU priority they run.
    `restarts` counts the replacements started, `last_failure` says why
    the latest one could not start (None once one has).
    """

    def __init__(
        self,
        store_path: str,
        size: int,
        isolation: tuple[str, ...],
        memory_mb: int,
        retry_delays: tuple[float, ...],
        niceness: int = NICENESS,
    ):
        self.store_path, self.size, self.isolation, self.niceness = store_path, size, isolation, niceness
        self.memory_mb, self.retry_delays = memory_mb, retry_delays
        self.restarts = 0
        self.last_failure: str | None = None
        self._context = multiprocessing.get_context("spawn")  # fork is unsafe in a threaded server
        self._idle: queues.Queue[Worker] = queues.Queue()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._workers: set[Worker] = set()
        self._numbers = itertools.count(1)

    def __iter__(self) -> Iterator[Worker]:
        """Iterate over the workers started and not yet killed (a copy, taken at once)."""
        with self._lock:
            return iter(list(self._workers))

    def live(self) -> list[Worker]:
        """Return the workers that are ready and not retired."""
        with self._lock:
            return [w for w in self._workers if w.ready and not w.retired]

    def start(self) -> None:
        """Start `size` workers and return when they are ready.

        Raises QueryFailed(503) when a worker cannot start (it is then tried again in the
        background, with backoff).
        """
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
        """Kill every worker; replacements are no longer started."""
        self._stopping.set()
        for worker in list(self._workers):
            self._kill(worker)

    def take(self, name: str, wait: float) -> Worker | None:
        """Return an idle live worker, marked busy with query `name`, or None if none is free within `wait` s."""
        deadline = time.monotonic() + wait
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queues.Empty:
                return None
            with self._lock:
                if worker.retired:
                    continue
                if worker.process.is_alive():
                    worker.query = name
                    return worker
            self._found_dead(worker)

    def give_back(self, worker: Worker) -> None:
        """Mark `worker` idle again and hand it to the next query (unless it was retired)."""
        with self._lock:
            worker.query = None
            if worker.retired:
                return
        self._idle.put(worker)

    def replace(self, worker: Worker) -> None:
        """Kill `worker` now; start its successor in the background."""
        self._kill(worker)
        self._start_replacement(worker)

    def _found_dead(self, worker: Worker) -> None:
        """`worker` died while idle: log it and replace it (once, whoever finds it first)."""
        with self._lock:
            if worker.retired or worker.query is not None:
                return
            worker.retired = True
        log.warning(
            "%s: died while idle (pid %s, %s)", worker, worker.process.pid, exit_status(exit_code(worker.process))
        )
        self.replace(worker)

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

    def _start_replacement(self, worker: Worker, wait_first: float = 0.0) -> None:
        if self._stopping.is_set():
            return
        thread = threading.Thread(
            target=self._restart, args=(worker, wait_first), daemon=True, name="coopkg-query-worker-restart"
        )
        thread.start()

    def _restart(self, replaced: Worker, wait_first: float) -> None:
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
                self.restarts += 1
                self.last_failure = None
            self._idle.put(worker)
            return

    def _retry_delay(self, attempt: int) -> float:
        return self.retry_delays[min(attempt, len(self.retry_delays) - 1)]

    def _spawn(self) -> Worker:
        """Start a worker process. Raises QueryFailed(503) if the system refuses a new process."""
        parent_end, child_end = self._context.Pipe(duplex=True)
        stderr_in, stderr_out = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=serve_jobs,
            args=(child_end, self.store_path, self.isolation, self.memory_mb, stderr_out, self.niceness),
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
        worker = Worker(next(self._numbers), process, parent_end)
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

    def _wait_ready(self, worker: Worker, replacing: Worker | None = None) -> None:
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
            self.last_failure = reason
        raise QueryFailed(503, f"a query worker could not start: {reason}")

    def _kill(self, worker: Worker) -> None:
        with self._lock:
            worker.retired = True
            self._workers.discard(worker)
        worker.process.kill()
        worker.process.join()
        worker.connection.close()
