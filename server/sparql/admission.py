"""The bound on queries in flight: at most `limit` answered or waiting at once.

Each query in holds one of the web server's threads; past the bound, or when no worker is
free in time, a query is answered 503 at once with a Retry-After, so that queries can never
hold every thread that pages need.
"""

from __future__ import annotations

import logging
import threading

from .answer import QueryFailed

log = logging.getLogger("coopkg.sparql")


class Admission:
    """Counts the queries in (at most `limit`) and those turned away; `retry_after` is the
    number of seconds a turned-away client is told to wait."""

    def __init__(self, limit: int, retry_after: int):
        self.limit, self.retry_after = limit, retry_after
        self.queries_in = 0
        self.turned_away = 0
        self._lock = threading.Lock()

    def enter(self, name: str) -> None:
        """Count query `name` in, or raise QueryFailed(503) at once if `limit` queries are in."""
        with self._lock:
            if self.queries_in < self.limit:
                self.queries_in += 1
                return
            self.turned_away += 1
        log.info("query %s turned away: %d queries are answered or waiting already", name, self.limit)
        raise QueryFailed(
            503,
            f"too many queries at once ({self.limit} are being answered or waiting); try again in a moment",
            retry_after=self.retry_after,
        )

    def leave(self) -> None:
        """Count one query out (answered, failed, or its answer closed)."""
        with self._lock:
            self.queries_in -= 1

    def no_worker_free(self, name: str, wait: float) -> QueryFailed:
        """Count query `name` turned away for want of a free worker within `wait` s; return the 503 to raise."""
        with self._lock:
            self.turned_away += 1
        log.info("query %s turned away: no worker was free within %g s", name, wait)
        return QueryFailed(503, "every query worker is busy; try again in a moment", retry_after=self.retry_after)
