"""Measure the time from `coopkg serve` starting to its first answered SPARQL query.

Usage: python3 bench/serve_to_first_query.py [RUNS]   (from the project root)
Prints one figure per run and the median. Nothing is asserted: this is a measurement.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def one_run() -> float:
    """Return the seconds from starting `python3 -m server serve` to a 200 answer to QUERY."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": QUERY, "format": "json"})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=10) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None:
                    raise SystemExit("the server stopped before answering") from None
                time.sleep(0.02)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


if __name__ == "__main__":
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    figures = [one_run() for _ in range(runs)]
    for figure in figures:
        print(f"serve -> first answered query: {figure:.2f} s")
    print(f"median of {runs}: {statistics.median(figures):.2f} s")
