"""What a query gets from the pool (engine.QueryPool): an Answer streamed from its worker, or QueryFailed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .worker import Failure, Head, Job

if TYPE_CHECKING:
    from .engine import QueryPool
    from .workers import Worker


class QueryFailed(Exception):
    """A query got no answer; `failure` holds the HTTP status and the message for the client,
    `retry_after` the seconds after which the same query may succeed (None: not by waiting)."""

    def __init__(self, status: int, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.failure = Failure(status, message)
        self.retry_after = retry_after


@dataclass
class Answer:
    """A query's answer: its Head, then its body, whole already (`body`: a small answer, or one
    from the pool's cache) or read chunk by chunk from the worker.

    Iterate it (or call read()) once; close() it if it is not read to the end (a HEAD
    request, a client gone). Each chunk must come within the time limit (rows are all read
    before the head, so only their serialization remains); if one does not, the worker is
    killed and iteration raises QueryFailed, which aborts the HTTP response.
    """

    head: Head
    _pool: QueryPool
    _worker: Worker | None
    _admitted: bool = True  # holds one of the pool's places until the worker is given back
    body: bytes | None = None  # the whole body, when it came in one message (no worker held then)
    _job: Job | None = None  # what it answers, to keep it in the pool's cache once whole

    def __iter__(self) -> Iterator[bytes]:
        if self.body is not None:
            yield self.body
            return
        kept: list[bytes] | None = [] if self._job is not None else None
        size = 0
        try:
            while self._worker is not None:
                kind, payload = self._next_message()
                if kind == "end":
                    self._pool._give_back(self._take_worker())
                    if kept is not None:
                        self._pool._keep(self._job, self.head, b"".join(kept))
                    return
                if kind == "abort":  # the head is sent: only an aborted response can say so
                    self._pool._give_back(self._take_worker())
                    raise QueryFailed(500, payload)
                size += len(payload)
                if kept is not None and size <= self._pool.cache.entry_bytes:
                    kept.append(payload)
                else:
                    kept = None  # too long to keep
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

    def _take_worker(self) -> Worker:
        worker, self._worker = self._worker, None
        self._leave()
        return worker

    def _leave(self) -> None:
        if self._admitted:
            self._admitted = False
            self._pool._leave()
