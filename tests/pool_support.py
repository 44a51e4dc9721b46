"""Helpers of the query pool's tests: the pool's log lines, and waiting for it to heal."""

from __future__ import annotations

import time


def messages(caplog) -> list[str]:
    """Return the lines the "coopkg.sparql" logger wrote."""
    return [record.getMessage() for record in caplog.records if record.name == "coopkg.sparql"]


def wait_for(condition, seconds: float = 60.0) -> None:
    """Return once `condition()` is true; fail the test after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)
