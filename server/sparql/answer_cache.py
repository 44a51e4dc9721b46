"""Answers kept in memory for the release they come from: the same query, asked again, is
answered without a worker.

A release's store never changes, so a query's answer (for the same dataset, formats and row
cap) cannot change while the release is served: the pool (engine.QueryPool) keeps the last
answers it gave, most recently used first, up to `limit_bytes` in all and `entry_bytes` each,
and forgets them with the pool. Only whole answers are kept (an answer whose worker was
killed, stopped at a limit or failed is not); nothing is evaluated to replay one, so the
sandbox and the limits (docs/sandbox.md) are untouched: every answer kept was first computed
in a network-isolated worker within the time and memory limits.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from .worker import Head, Job

ENTRY_BYTES = 1024 * 1024  # an answer longer than this is not kept


class AnswerCache:
    """The last answers given, at most `limit_bytes` of bodies in all (0: none kept)."""

    def __init__(self, limit_bytes: int, entry_bytes: int = ENTRY_BYTES):
        self.limit_bytes, self.entry_bytes = max(0, limit_bytes), min(entry_bytes, max(0, limit_bytes))
        self.size = 0
        self.hits = 0
        self._answers: OrderedDict[Job, tuple[Head, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, job: Job) -> tuple[Head, bytes] | None:
        """Return the head and body given to `job` before, or None."""
        if not self.limit_bytes:
            return None
        with self._lock:
            found = self._answers.get(job)
            if found is not None:
                self._answers.move_to_end(job)
                self.hits += 1
            return found

    def keep(self, job: Job, head: Head, body: bytes) -> None:
        """Remember `body` as the whole answer to `job`, forgetting the least recently used past the limit."""
        if not self.limit_bytes or len(body) > self.entry_bytes:
            return
        with self._lock:
            previous = self._answers.pop(job, None)
            if previous is not None:
                self.size -= len(previous[1])
            self._answers[job] = (head, body)
            self.size += len(body)
            while self.size > self.limit_bytes:
                _, (_, dropped) = self._answers.popitem(last=False)
                self.size -= len(dropped)
