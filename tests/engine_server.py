"""A real SPARQL engine for the tests: Oxigraph server (PyPI `oxigraph`, its `oxigraph` command)
loaded with a release's N-Quads dump, serving read-only on a free loopback port, stopped by its
process id when the test is done."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from sparql_server import PORT_ATTEMPTS, free_port

START_TIMEOUT = 30.0


@dataclass
class EngineServer:
    url: str  # the SPARQL query endpoint
    process: subprocess.Popen
    log: Path

    @property
    def store_url(self) -> str:
        """The Graph Store Protocol endpoint."""
        return self.url.removesuffix("query") + "store"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Stop the server by its process id (and wait for it)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def oxigraph_command() -> str | None:
    return shutil.which("oxigraph")


def load(folder: Path, dump: Path) -> Path:
    """Load the N-Quads `dump` into a new Oxigraph database in `folder`; return its location."""
    location = folder / "oxigraph"
    done = subprocess.run(
        [oxigraph_command(), "load", "--location", str(location), "--file", str(dump)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"oxigraph load failed: {done.stderr.strip()}")
    return location


@contextmanager
def oxigraph_server(
    folder: Path, location: Path, writable: bool = False, port: int | None = None
) -> Iterator[EngineServer]:
    """Serve the Oxigraph database at `location` (read-only unless `writable`: then its Graph
    Store Protocol endpoint, `store_url`, takes writes) on 127.0.0.1 and a free port (or
    `port`); yield it once it answers a query; stop it when the block ends.

    Raises RuntimeError (with the server's output) if it does not come up.
    """
    log = folder / "oxigraph.log"
    chosen = port
    for _ in range(PORT_ATTEMPTS if chosen is None else 1):
        port = chosen or free_port()
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    oxigraph_command(),
                    "serve" if writable else "serve-read-only",
                    "--location",
                    str(location),
                    "--bind",
                    f"127.0.0.1:{port}",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = EngineServer(f"http://127.0.0.1:{port}/query", process, log)
        if answers_sparql(server.process, server.url, START_TIMEOUT):
            break
        server.stop()
    else:
        raise RuntimeError(f"oxigraph serve did not come up:\n{log.read_text(errors='replace')}")
    try:
        yield server
    finally:
        server.stop()


def answers_sparql(process: subprocess.Popen, url: str, seconds: float, pause: float = 0.1) -> bool:
    """Return True once the SPARQL endpoint at `url` answers `ASK {}`, False when `process`
    stops or `seconds` pass first (polling every `pause` seconds)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if requests.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(pause)
    return False


def coopkg_load(release_dir: Path, url: str, store_url: str, user: tuple[str, str] | None = None) -> str:
    """Load the current release of `release_dir` into the engine at `url` (Graph Store Protocol
    at `store_url`) with `python -m server load`, as a publisher does; return its output.

    Raises RuntimeError with the output when it fails.
    """
    import os
    import sys

    env = {
        **os.environ,
        "COOPKG_RELEASE_DIR": str(release_dir),
        "COOPKG_ENGINE_URL": url,
        "COOPKG_ENGINE_STORE_URL": store_url,
    }
    if user:
        env["COOPKG_ENGINE_USER"], env["COOPKG_ENGINE_PASSWORD"] = user
    done = subprocess.run(
        [sys.executable, "-m", "server", "load"], capture_output=True, text=True, timeout=600, env=env
    )
    if done.returncode != 0:
        raise RuntimeError(f"coopkg load failed:\n{done.stdout}{done.stderr}")
    return done.stdout


class EngineStore:
    """An engine read like a pyoxigraph Store's `query` (SELECT only): free SPARQL text, such as
    the competency questions, sent as it is to the SparqlHttpGraph `graph` (with the release's
    graphs as dataset); rows read by variable name or position, as pyoxigraph's are."""

    def __init__(self, graph):
        self.graph = graph

    def query(self, text: str, use_default_graph_as_union: bool = True) -> EngineSolutions:
        results = self.graph._json(text)
        return EngineSolutions(results["head"]["vars"], self.graph._rows(results))


class EngineSolutions:
    def __init__(self, names: list[str], rows: list[dict]):
        import pyoxigraph as ox

        self.variables = [ox.Variable(name) for name in names]
        self._rows = iter([EngineRow(names, row) for row in rows])

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._rows)


class EngineRow:
    def __init__(self, names: list[str], row: dict):
        self._names, self._row = names, row

    def __getitem__(self, key):
        return self._row[self._names[key] if isinstance(key, int) else key]
