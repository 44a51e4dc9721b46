"""A real coopkg server for the SPARQL tests: `python3 -m server serve` on a free loopback port."""

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


@dataclass
class LiveServer:
    url: str  # root URL, ending in '/'
    process: subprocess.Popen
    log: Path

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


@contextmanager
def live_server(folder: Path, **settings) -> Iterator[LiveServer]:
    """Start a server with COOPKG_<NAME> settings, wait for /health, yield it, stop it.

    Raises RuntimeError (with the server's output) if it does not come up.
    """
    port = free_port()
    env = {**os.environ, "COOPKG_STORE_PATH": str(folder / "store"), "PYTHONPATH": str(PROJECT_ROOT)}
    env.update({f"COOPKG_{name.upper()}": str(value) for name, value in settings.items()})
    log = folder / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}/", process, log)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(server: LiveServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server stopped:\n{server.output()}")
        try:
            if requests.get(server.url + "health", timeout=2).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /health in time:\n{server.output()}")
