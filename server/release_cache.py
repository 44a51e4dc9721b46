"""Answers kept in memory for the release they come from, given again without being computed.

A release never changes, so neither does what is computed from it alone: a SPARQL query's
answer for the same dataset, formats and row cap (server/sparql/engine.py), an entity's page
for the same URL, representation and language (server/web/pages.py). A ReleaseCache keeps
the last answers given, most recently used first, up to `limit_bytes` of bodies in all and
`entry_bytes` each; its owner keys it on the release (or lives no longer than the release).

For SPARQL, only whole answers are kept (an answer whose worker was killed, stopped at a limit
or failed is not) and nothing is evaluated to give one again, so the sandbox and the limits
(docs/sandbox.md) are untouched: every answer kept was first computed in a network-isolated
worker within the time and memory limits.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

ENTRY_BYTES = 1024 * 1024  # an answer longer than this is not kept


class ReleaseCache:
    """The last answers given, at most `limit_bytes` of bodies in all (0: none kept), each a
    body and what goes with it (a head, headers), by a key saying what was asked."""

    def __init__(self, limit_bytes: int, entry_bytes: int = ENTRY_BYTES):
        self.limit_bytes, self.entry_bytes = max(0, limit_bytes), min(entry_bytes, max(0, limit_bytes))
        self.size = 0
        self.hits = 0
        self._answers: OrderedDict[Hashable, tuple[Any, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: Hashable) -> tuple[Any, bytes] | None:
        """Return what was kept for `key` (what goes with the body, and the body), or None."""
        if not self.limit_bytes:
            return None
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
                self.hits += 1
            return found

    def keep(self, key: Hashable, extra: Any, body: bytes) -> None:
        """Remember `body` (and `extra`) as the whole answer to `key`, forgetting the least
        recently used past the limit; a body longer than `entry_bytes` is not kept."""
        if not self.limit_bytes or len(body) > self.entry_bytes:
            return
        with self._lock:
            previous = self._answers.pop(key, None)
            if previous is not None:
                self.size -= len(previous[1])
            self._answers[key] = (extra, body)
            self.size += len(body)
            while self.size > self.limit_bytes:
                _, (_, dropped) = self._answers.popitem(last=False)
                self.size -= len(dropped)
