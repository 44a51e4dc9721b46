"""How a query worker process ended: its exit status, and what it wrote on stderr before.

The pool (engine.QueryPool) reads a worker's stderr through a pipe, logs it, and keeps its
last lines: they tell an engine panic from an allocation refused under the memory limit.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from collections import deque
from multiprocessing.connection import Connection

log = logging.getLogger("coopkg.sparql")

STDERR_LINE_BYTES = 4096  # longer stderr lines are logged in pieces


def relay_stderr(worker: str, pid: int | None, stderr: Connection, kept: deque[str]) -> None:
    """Log what `worker` (process `pid`) writes on `stderr` (an engine panic, a failed
    allocation), line by line, appending each line to `kept`; return when the process has ended."""
    pending = b""
    with stderr:
        while True:
            try:
                data = os.read(stderr.fileno(), 65536)
            except OSError:
                data = b""
            lines = (pending + data).split(b"\n")
            pending = lines.pop() if data and len(lines[-1]) < STDERR_LINE_BYTES else b""
            for line in filter(None, (raw.decode("utf-8", "replace").rstrip() for raw in lines)):
                kept.append(line)
                log.warning("%s (pid %s) stderr: %s", worker, pid, line)
            if not data:
                return


def exit_code(process: multiprocessing.process.BaseProcess, timeout: float = 5.0) -> int | None:
    """Return the exit code of `process`, which has ended or is ending (None if it goes on running).

    Starting a process reaps finished children in that thread: while it does, join() here can
    see no exit code for a process that has ended, so wait for the other thread to record it.
    """
    deadline = time.monotonic() + timeout
    process.join(timeout=timeout)
    while process.exitcode is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return process.exitcode


def exit_status(code: int | None) -> str:
    """Return how a process ended, as the log says it: 'exit code 1', 'signal SIGABRT'..."""
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"
