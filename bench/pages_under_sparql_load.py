"""Measure how pages answer while clients loop an expensive SPARQL query.

Usage: python3 bench/pages_under_sparql_load.py [--seconds 10] [--levels 0,2,8,32] [--code PATH]

Starts `python -m server serve` from the checkout at PATH (default: this one) on a free
loopback port, with its own temporary releases folder (it builds its first release there) and
the default settings; then, for each level, runs that many clients looping an expensive query
(a cross product that runs until the time limit; they do not wait for Retry-After: the worst
case) for --seconds while probers ask for `/`, an entity page, `/health` and a cheap SPARQL
query (one prober per route, each looping), and prints their p50/p99 latency, the statuses
seen and the load average. Then it stops the server. Nothing is asserted: this is
a measurement. Bounded in time: about (seconds + query_timeout) per level plus the start.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from harness import free_port

ROOT = Path(__file__).resolve().parent.parent
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = "ASK { ?s ?p ?o }"
PROBES = {
    "/": "/",
    "entity page": "/id/organisation/cc-zou",
    "/health": "/health",
    "cheap SPARQL": "/sparql?" + urllib.parse.urlencode({"query": CHEAP, "format": "json"}),
}
REQUEST_TIMEOUT = 60.0


@dataclass
class Samples:
    seconds: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)

    def add(self, started: float, status: int | str) -> None:
        self.seconds.append(time.perf_counter() - started)
        self.statuses[status] += 1


REASONS_503 = {
    b"too many queries": "503-full",
    b"every query worker is busy": "503-wait",
    b"ran longer": "503-timeout",
    b"more memory": "503-memory",
    b"degraded": "503-degraded",
}


def get(connection: http.client.HTTPConnection, path: str) -> int | str:
    """GET `path` on `connection` (reopened if it was closed), read the body; return the status
    (for a 503 from /sparql, why: "503-full", "503-wait" for a worker, "503-timeout"...)."""
    try:
        connection.request("GET", path, headers={"Accept": "text/html,application/json;q=0.9"})
        response = connection.getresponse()
        body = response.read()
        if response.status == 503:
            return next((why for words, why in REASONS_503.items() if words in body), 503)
        return response.status
    except (OSError, http.client.HTTPException):
        connection.close()
        raise


def loop(port: int, path: str, stop: threading.Event, samples: Samples) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    while not stop.is_set():
        started = time.perf_counter()
        try:
            samples.add(started, get(connection, path))
        except (OSError, http.client.HTTPException) as error:
            samples.add(started, type(error).__name__)
    connection.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def run_level(port: int, clients: int, seconds: float) -> dict[str, Samples]:
    """Run `clients` looping the expensive query and the prober for `seconds`; return the samples."""
    stop = threading.Event()
    samples = {name: Samples() for name in PROBES} | {"expensive SPARQL": Samples()}
    expensive = "/sparql?" + urllib.parse.urlencode({"query": EXPENSIVE, "format": "json"})
    threads = [
        threading.Thread(target=loop, args=(port, expensive, stop, samples["expensive SPARQL"]), daemon=True)
        for _ in range(clients)
    ]
    threads += [  # one prober per route, so that a slow route does not thin the others' samples
        threading.Thread(target=loop, args=(port, path, stop, samples[name]), daemon=True)
        for name, path in PROBES.items()
    ]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT)
    return samples


def wait_until_healthy(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped:\n" + log.read_text(errors="replace"))
        try:
            if get(http.client.HTTPConnection("127.0.0.1", port, timeout=2), "/health") == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not answer /health in 180 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per level (default 10)")
    parser.add_argument("--levels", default="0,2,8,32", help="numbers of clients looping the expensive query")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose server to run (default: this one)")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="coopkg-bench-"))
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("COOPKG_")}
    env |= {"PYTHONPATH": str(args.code.resolve()), "COOPKG_RELEASE_DIR": str(folder / "releases")}
    env |= {"COOPKG_LOG_LEVEL": "warning"}
    log = folder / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_healthy(port, server, log)
        commit = subprocess.run(
            ["git", "-C", str(args.code), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        print(f"code: {args.code.resolve()} ({commit or 'not a git checkout'}); {args.seconds:g} s per level")
        print(f"{'clients':>7}  {'route':<16} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses  load")
        for clients in levels:
            samples = run_level(port, clients, args.seconds)
            load = Path("/proc/loadavg").read_text().split()[0]
            for name, taken in samples.items():
                if not taken.seconds:
                    continue
                statuses = " ".join(f"{status}:{count}" for status, count in sorted(taken.statuses.items(), key=str))
                figures = [percentile(taken.seconds, f) * 1000 for f in (0.5, 0.99, 1.0)]
                print(
                    f"{clients:>7}  {name:<16} {len(taken.seconds):>5} "
                    + " ".join(f"{figure:>8.1f}" for figure in figures)
                    + f"  {statuses}  {load}"
                )
            sys.stdout.flush()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
