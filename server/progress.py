"""What a long task (validation, a release) says while it runs: one log line per step with its
duration and, when stderr is a terminal, a progress line redrawn in place."""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

RELEASE_STEPS = ("validate", "store", "dumps", "void", "sitemap", "catalog", "sync", "switch")
VALIDATE_STEPS = ("read", "validate")
IMPORT_STEPS = ("read", "check", "map", "validate", "write")
BAR_WIDTH = 20


class Steps:
    """A progress callback for named steps: `steps("store")` ends the running step and starts
    the next. Each step that ends is logged as 'store… 0.4 s'. Use as a context manager so
    that the last step is logged and the progress line is cleared.

    `first` is logged when the first step starts. `terminal` is the stream to draw the
    progress line on (default: stderr when it is a TTY).
    """

    def __init__(self, task: str, names: tuple[str, ...], log: logging.Logger, *, first: str = "", terminal=None):
        self.task, self.names, self.log, self.first = task, names, log, first
        self.terminal: TextIO | None = terminal if terminal is not None else _terminal()
        self.started = time.monotonic()
        self.running: tuple[str, float] | None = None
        self.count = 0
        self.done = ""  # what the running step has got through ('5000 rows'), if it says
        self.drawn = 0.0

    def __call__(self, name: str) -> None:
        self._end_step()
        if self.count == 0 and self.first:
            self.log.info("%s", self.first)
        self.count += 1
        self.running = (name, time.monotonic())
        self.done = ""
        self._draw()

    def advance(self, done: int, unit: str = "rows") -> None:
        """Say how far the running step has got (`done` rows read); redrawn at most 10 times a second."""
        self.done = f"{done} {unit}"
        if time.monotonic() - self.drawn >= 0.1:
            self._draw()

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if error is None:
            self._end_step()
        elif self.running is not None:
            name, since = self.running
            self.log.debug("%s… stopped after %.1f s: %s", name, time.monotonic() - since, error)
        self.running = None
        self._clear()

    @property
    def elapsed(self) -> float:
        """Seconds since the task started."""
        return time.monotonic() - self.started

    def _end_step(self) -> None:
        if self.running is not None:
            name, since = self.running
            self._clear()
            if self.done:
                self.log.info("%s… %.1f s (%s)", name, time.monotonic() - since, self.done)
            else:
                self.log.info("%s… %.1f s", name, time.monotonic() - since)
            self.running = None

    def _draw(self) -> None:
        if self.terminal is None or self.running is None:
            return
        total = max(len(self.names), self.count)
        filled = BAR_WIDTH * (self.count - 1) // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        done = f" {self.done}" if self.done else ""
        self.terminal.write(
            f"\r\033[K{self.task} [{bar}] {self.count}/{total} {self.running[0]}…{done} ({self.elapsed:.1f} s)"
        )
        self.drawn = time.monotonic()
        self.terminal.flush()

    def _clear(self) -> None:
        if self.terminal is not None:
            self.terminal.write("\r\033[K")
            self.terminal.flush()


def _terminal() -> TextIO | None:
    stream = sys.stderr
    return stream if hasattr(stream, "isatty") and stream.isatty() else None


def log_release(before, release, refused: Exception | None = None, seconds: float | None = None) -> None:
    """Log what asking for a release did: reused the current one, switched to a new one, or
    refused the sources (`refused`) and kept serving `release`. `before` was current before."""
    log = logging.getLogger("coopkg.release")
    if refused is not None:
        log.warning("refused: %s; serving release %s", refused, release.version)
    elif before is not None and before.folder == release.folder:
        log.info("reused current release %s (the sources did not change)", release.version)
    else:
        counts = release.manifest["counts"]
        took = f" in {seconds:.1f} s" if seconds is not None else ""
        log.info(
            "switched to version %s (%s triples, %s entities)%s",
            release.version,
            counts["triples"],
            counts["entities"],
            took,
        )
