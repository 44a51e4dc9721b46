"""A real coopkg server for the tests: `python -m server serve` on a free loopback port.

Tests get servers from the `serve` and `server` fixtures (tests/conftest.py), which point them
at a release built once per session; `live_server` is what those fixtures run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from server.config import PROJECT_ROOT

START_TIMEOUT = 120.0
PORT_ATTEMPTS = 3  # another process may take the probed port before the server binds it


@dataclass
class LiveServer:
    url: str  # root URL, ending in '/'
    process: subprocess.Popen
    log: Path
    releases: Path

    @property
    def sparql(self) -> str:
        return self.url + "sparql"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def children(self) -> set[int]:
        """Return the process ids of the server's query workers (multiprocessing's spawned
        children; its resource tracker is not one)."""
        pids: set[int] = set()
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            pids.update(int(pid) for pid in (task / "children").read_text().split())
        return {pid for pid in pids if b"spawn_main" in _command_line(pid)}


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # gone meanwhile
        return b""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(**settings) -> dict[str, str]:
    """Return the environment of a server subprocess: this checkout's code, none of the caller's
    COOPKG_* settings, then `settings` as COOPKG_<NAME> variables."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("COOPKG_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    env.update({f"COOPKG_{name.upper()}": str(value) for name, value in settings.items()})
    return env


@contextmanager
def live_server(
    folder: Path, release_dir: Path | None = None, port: int | None = None, **settings
) -> Iterator[LiveServer]:
    """Start a server in `folder` (its working directory and log) on the releases in
    `release_dir` (default: a new folder/releases, which the server builds), on `port` (default:
    a free one), with COOPKG_<NAME> settings; wait for /health, yield it, stop it.

    Raises RuntimeError (with the server's output) if it does not come up.
    """
    releases = release_dir or folder / "releases"
    env = server_environment(release_dir=releases, **settings)
    attempts = PORT_ATTEMPTS if port is None else 1
    chosen = port
    for attempt in range(1, attempts + 1):
        port = chosen or free_port()
        log = folder / f"server-{port}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=folder,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = LiveServer(f"http://127.0.0.1:{port}/", process, log, releases)
        try:
            _wait_until_healthy(server, last_attempt=attempt == attempts)
        except _PortTaken:
            continue
        except BaseException:
            _stop(process)
            raise
        break
    try:
        yield server
    finally:
        _stop(process)


class _PortTaken(Exception):
    pass


def _wait_until_healthy(server: LiveServer, last_attempt: bool) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            if "in use" in server.output() and not last_attempt:
                raise _PortTaken
            raise RuntimeError(f"the server stopped:\n{server.output()}")
        try:
            if requests.get(server.url + "health", timeout=2).ok and server.process.poll() is None:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the server did not answer /health in {START_TIMEOUT:.0f} s:\n{server.output()}")


def _stop(process: subprocess.Popen) -> None:
    """Stop the server as Ctrl+C does (its query workers with it); kill it if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
