"""What the reliability scripts share: a `coopkg serve` of this checkout on a free loopback port
with a temporary release folder of its own, and a bounded HTTP client.

Nothing here talks to any address but 127.0.0.1. Every process started is stopped, by its pid
(a server is started in a session of its own so that its query workers are stopped with it).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_VARIABLE = "COOPKG_BENCH_SEED"  # a release folder built once, copied by every script
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/')


def stop_on_sigterm() -> None:
    """Make SIGTERM exit through Python's cleanup, so that a script's servers are stopped too."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def commit() -> str:
    """Return what was measured: the last commit that changed server/ (and '+dirty' when
    server/ has uncommitted changes), and the checkout's HEAD when it is another commit."""

    def git(*arguments: str) -> str:
        return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    server, head = git("log", "-1", "--format=%h", "--", "server"), git("rev-parse", "--short", "HEAD")
    dirty = "+dirty" if git("status", "--porcelain", "server") else ""
    return f"server/ at {server}{dirty}" + (f", checkout {head}" if head != server else "")


def cli_env(release_dir: Path, **extra: str) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "COOPKG_RELEASE_DIR": str(release_dir),
        "COOPKG_LOG_LEVEL": "info",
        **extra,
    }


def build_release(release_dir: Path) -> None:
    """Build a release into `release_dir` with `python -m server release` (exit on failure)."""
    done = subprocess.run(
        [sys.executable, "-m", "server", "release"], cwd=ROOT, env=cli_env(release_dir), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"cannot build a release: {done.stderr.strip()[-500:]}")


def prepare_releases(target: Path) -> Path:
    """Fill `target` with a release: a copy of $COOPKG_BENCH_SEED if set, else a fresh build."""
    seed = os.environ.get(SEED_VARIABLE)
    if seed and Path(seed, "current").exists():
        shutil.copytree(seed, target, symlinks=True)
    else:
        build_release(target)
    return target


def scratch(name: str) -> Path:
    """Return a new temporary folder (removed by the caller with shutil.rmtree)."""
    return Path(tempfile.mkdtemp(prefix=f"coopkg-{name}-"))


@dataclass
class Answer:
    status: int | str  # an HTTP status, or 'timeout', 'reset', 'refused', 'error'
    body: bytes = b""
    headers: Mapping = field(default_factory=dict)
    seconds: float = 0.0


def request(
    port: int, method: str, target: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 10.0
) -> Answer:
    """Send one request to 127.0.0.1:port and return its answer; never raises for network errors."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.putrequest(method, target, skip_host="Host" in (headers or {}), skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None and not any(k.lower() == "content-length" for k in (headers or {})):
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        data = response.read()
        return Answer(response.status, data, response.headers, time.perf_counter() - started)  # case-insensitive
    except TimeoutError:
        return Answer("timeout", seconds=time.perf_counter() - started)
    except ConnectionRefusedError:
        return Answer("refused", seconds=time.perf_counter() - started)
    except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
        return Answer("reset", seconds=time.perf_counter() - started)
    except (OSError, http.client.HTTPException) as error:
        return Answer(f"error:{type(error).__name__}", seconds=time.perf_counter() - started)
    finally:
        connection.close()


def has_traceback(text: bytes | str) -> bool:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return any(marker in text for marker in TRACEBACK_MARKERS)


def tracebacks(log: str) -> str:
    """Return how many tracebacks `log` holds and, if any, the last line of the first (the error)."""
    count = log.count("Traceback (most recent call last)")
    if not count:
        return "0 tracebacks"
    tail = log[log.index("Traceback (most recent call last)") :].splitlines()[1:]
    tail = [line.partition(" stderr: ")[2] if " stderr: " in line else line for line in tail]  # a worker's stderr
    logged = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d |Process |coopkg: ")  # lines written meanwhile
    error = next((line for line in tail if line and not line.startswith((" ", "\t")) and not logged.match(line)), "?")
    return f"{count} traceback(s), the first ending `{error.strip()[:160]}`"


class Server:
    """`python -m server serve` of this checkout on a free port, serving `release_dir`.

    Use as a context manager; `log()` returns what it wrote to stderr so far.
    """

    def __init__(self, release_dir: Path, env: dict | None = None, start_timeout: float = 90.0):
        self.release_dir = release_dir
        self.port = free_port()
        self.env = {**cli_env(release_dir), **(env or {})}
        self.start_timeout = start_timeout
        self.log_path: Path | None = None
        self.process: subprocess.Popen | None = None
        self._final_log: str | None = None

    def start(self) -> Server:
        descriptor, name = tempfile.mkstemp(prefix="coopkg-serve-", suffix=".log")
        os.close(descriptor)
        self.log_path = Path(name)
        self._log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=self._log_file,
            stderr=self._log_file,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return self  # exited: the caller reads the exit code and the log
            if "serving on" in self.log() or self._answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise SystemExit(f"the server did not start in {self.start_timeout} s:\n{self.log()[-2000:]}")

    def _answers(self) -> bool:
        """True once the port answers HTTP (for a server that does not print 'serving on')."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                pass
        except OSError:
            return False
        return isinstance(request(self.port, "GET", "/health", timeout=5).status, int)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        if self._final_log is not None or self.log_path is None:
            return self._final_log or ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def worker_pids(self) -> list[int]:
        """Return the pids of the server's query workers (its children)."""
        found = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        pids = []
        for pid in map(int, found.stdout.split()):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
            except (OSError, IndexError):
                continue
            if b"resource_tracker" not in command and state not in "ZX":  # no helper, no dead worker
                pids.append(pid)
        return pids

    def stop(self) -> int | None:
        """Stop the server (SIGINT, then SIGKILL to its session after 20 s); return its exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # workers left by a server that died (session id = its pid)
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log_file.close()
        if self._final_log is None:
            self._final_log = self.log()
            self.log_path.unlink(missing_ok=True)
        return self.process.returncode

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def request(self, method: str, target: str, **kwargs) -> Answer:
        return request(self.port, method, target, **kwargs)


def status_counts(answers) -> str:
    """Return 'status: count' pairs sorted by status, as one line."""
    counts = Counter(str(a.status if isinstance(a, Answer) else a) for a in answers)
    return ", ".join(f"{status}: {n}" for status, n in sorted(counts.items()))


def markdown_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| " + " | ".join(str(cell).replace("|", "\\|").replace("\n", " ") for cell in row) + " |" for row in rows
    ]
    return "\n".join(lines)
