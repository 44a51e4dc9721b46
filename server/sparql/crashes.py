"""The queries that crashed a worker, refused at once for as long as the release is served.

A query goes by the short hash of its text (query_hash), in the log and in this registry,
which is kept in memory only: keyed on the release's store, it is forgotten with the pool.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from .answer import QueryFailed

log = logging.getLogger("coopkg.sparql")

CRASH_DOC = "docs/oxigraph-order-by-panic.md"
CRASHING = (
    "this query crashes the query engine (an Oxigraph bug, such as the known panic of an ORDER BY over "
    f"numbers and strings, see {CRASH_DOC}); it is refused from now on for this release: change the query "
    "(for example ORDER BY STR(?x), or sort numbers and strings apart)"
)


def query_hash(query: str) -> str:
    """Return the short name a query goes by in the log: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class CrashRegistry:
    """The (store path, query hash) pairs that crashed a worker, and how many crashes there were."""

    def __init__(self) -> None:
        self.crashes = 0
        self._crashing: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._crashing)

    def refuse_if_crashing(self, store_path: str, name: str) -> None:
        """Raise QueryFailed(400) if query `name` crashed a worker on `store_path` before."""
        if (store_path, name) in self._crashing:
            log.info("query %s refused: it crashed a worker before", name)
            raise QueryFailed(400, CRASHING)

    def record(self, store_path: str, name: str) -> None:
        """Count a crash during query `name` on `store_path`, which is refused from now on."""
        with self._lock:
            self.crashes += 1
            self._crashing.add((store_path, name))
