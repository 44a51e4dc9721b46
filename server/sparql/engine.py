"""Queries run in a small pool of worker processes, so that a time limit really stops the work.

pyoxigraph cannot interrupt a query. Each worker process opens the published store
read-only (worker.serve_jobs); a query waits at most `timeout` seconds for its worker, which
is killed and replaced when it overruns. Meanwhile the other workers (and every request that
needs no query) go on being answered.
"""

from __future__ import annotations

import atexit
import multiprocessing
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from .worker import Failure, Head, Job, serve_jobs

START_TIMEOUT = 60.0  # seconds a new worker may take to import its libraries and open the store


class QueryFailed(Exception):
    """A query got no answer; `failure` holds the HTTP status and the message for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.failure = Failure(status, message)


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: Connection


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
            raise

    def _take_worker(self) -> _Worker:
        worker, self._worker = self._worker, None
        return worker


class QueryPool:
    """`size` worker processes answering queries on the store at `store_path`."""

    def __init__(self, store_path: Path, size: int = 2, timeout: float = 5.0):
        self.store_path, self.size, self.timeout = str(store_path), max(1, size), timeout
        self._context = multiprocessing.get_context("spawn")  # fork is unsafe in a threaded server
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = False
        self._workers: set[_Worker] = set()

    def start(self) -> None:
        """Start the workers (once) and return when they are ready; later calls do nothing.

        Raises QueryFailed(503) when a worker cannot start.
        """
        with self._lock:
            if self._started:
                return
            self._started = True
            atexit.register(self.stop)
            starting = [self._spawn() for _ in range(self.size)]
        failures = []
        for worker in starting:
            try:
                self._wait_ready(worker)
                self._idle.put(worker)
            except QueryFailed as failure:
                failures.append(failure)
        if failures:
            raise failures[0]

    def stop(self) -> None:
        """Kill every worker (at exit)."""
        for worker in list(self._workers):
            self._kill(worker)

    def run(self, job: Job) -> Answer:
        """Send `job` to a free worker and return its Answer once evaluation has produced a head.

        Raises QueryFailed: 503 when no worker is free in time or the query runs past the
        time limit (its worker is then killed), or the job's own Failure (400, 406...).
        """
        self.start()
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise QueryFailed(503, "every query worker is busy; try again in a moment") from None
        deadline = time.monotonic() + self.timeout
        try:
            worker.connection.send(job)
        except (OSError, ValueError):
            self._replace(worker)
            raise QueryFailed(503, "a query worker stopped; try again") from None
        kind, payload = self._receive(worker, deadline)
        if kind == "error":
            self._give_back(worker)
            raise QueryFailed(payload.status, payload.message)
        return Answer(payload, self, worker)

    def _receive(self, worker: _Worker, deadline: float) -> tuple[str, object]:
        try:
            if worker.connection.poll(max(0.0, deadline - time.monotonic())):
                return worker.connection.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise QueryFailed(503, "a query worker stopped unexpectedly; try again") from None
        self._replace(worker)
        raise QueryFailed(503, f"query stopped: it ran longer than the limit of {self.timeout:g} seconds") from None

    def _give_back(self, worker: _Worker) -> None:
        self._idle.put(worker)

    def _replace(self, worker: _Worker) -> None:
        """Kill `worker` now; start its successor in the background."""
        self._kill(worker)
        threading.Thread(target=self._restart, daemon=True, name="coopkg-query-worker-restart").start()

    def _restart(self) -> None:
        try:
            worker = self._spawn()
            self._wait_ready(worker)
        except QueryFailed:
            return
        self._idle.put(worker)

    def _spawn(self) -> _Worker:
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=serve_jobs, args=(child_end, self.store_path), daemon=True, name="coopkg-query-worker"
        )
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        self._workers.add(worker)
        return worker

    def _wait_ready(self, worker: _Worker) -> None:
        try:
            if worker.connection.poll(START_TIMEOUT) and worker.connection.recv()[0] == "ready":
                return
        except (EOFError, OSError):
            pass
        self._kill(worker)
        raise QueryFailed(503, "a query worker could not start")

    def _kill(self, worker: _Worker) -> None:
        self._workers.discard(worker)
        worker.process.kill()
        worker.process.join()
        worker.connection.close()
