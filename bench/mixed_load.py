"""A bounded mixed load on a `coopkg serve` on loopback: 32 connections for 60 s over six routes.

Usage: python bench/mixed_load.py [--connections 32] [--seconds 60]   (from the project root)
Needs wrk (Debian: apt-get install -y wrk).

One wrk per route runs at the same time, the connections split between them (32 over six
routes: 6, 6, 5, 5, 5, 5), each with one thread, a 10 s timeout and --latency. Prints, per
route, requests/s, p50, p99 and errors (non-2xx/3xx answers, socket errors, timeouts), the
load average sampled during the run, and the 5xx and tracebacks of the server log.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse

from harness import Server, commit, markdown_table, prepare_releases, scratch, stop_on_sigterm

CHEAP_QUERY = "SELECT ?c WHERE { ?c a <https://w3id.org/coopkg/def/Convention> } LIMIT 10"
ROUTES = [
    ("home", "/"),
    ("entity page", "/id/organisation/cc-zou"),
    ("/sparql (cheap SELECT)", "/sparql?" + urllib.parse.urlencode({"query": CHEAP_QUERY, "format": "json"})),
    ("/catalog", "/catalog"),
    ("/search?q=zou", "/search?q=zou"),
    ("dump coopkg.ttl.gz", "/dumps/coopkg.ttl.gz"),
]
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def split(connections: int, parts: int) -> list[int]:
    return [connections // parts + (1 if i < connections % parts else 0) for i in range(parts)]


def milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> dict:
    """Return requests, requests/s, p50, p99 (ms) and errors from wrk --latency's output."""
    figures = {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": milliseconds(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "p99": milliseconds(re.search(r"\s99%\s+(\S+)", output).group(1)),
        "non2xx": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0,
    }
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    figures["socket"] = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, sockets.groups()), strict=False)) if sockets else {}
    )
    return figures


def run(connections: int, seconds: int) -> int:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install -y wrk)")
    work = scratch("load")
    try:
        releases = prepare_releases(work / "releases")
        with Server(releases) as server:
            for _, path in ROUTES:  # warm up every route once
                server.request("GET", path)
            loads: list[float] = []
            done = threading.Event()

            def sample() -> None:
                while not done.wait(5):
                    loads.append(os.getloadavg()[0])

            sampler = threading.Thread(target=sample)
            before = os.getloadavg()
            sampler.start()
            runs = [
                subprocess.Popen(
                    [
                        "wrk",
                        "-t1",
                        f"-c{n}",
                        f"-d{seconds}s",
                        "--timeout",
                        "10s",
                        "--latency",
                        f"http://127.0.0.1:{server.port}{path}",
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
                for n, (_, path) in zip(split(connections, len(ROUTES)), ROUTES, strict=False)
            ]
            outputs = [process.communicate(timeout=seconds + 60)[0] for process in runs]
            done.set()
            sampler.join()
            after = os.getloadavg()
            health = server.request("GET", "/health")
            log = server.log()
        rows, total_rps, failed = [], 0.0, 0
        for n, (name, _), output in zip(split(connections, len(ROUTES)), ROUTES, outputs, strict=False):
            try:
                f = parse_wrk(output)
            except AttributeError:
                rows.append([name, n, "wrk output not understood: " + output[-200:], "", "", "", ""])
                failed += 1
                continue
            errors = f["non2xx"] + sum(f["socket"].values())
            failed += errors
            total_rps += f["rps"]
            socket_errors = ", ".join(f"{k} {v}" for k, v in f["socket"].items() if v) or "none"
            rows.append(
                [
                    name,
                    n,
                    f["requests"],
                    f"{f['rps']:.1f}",
                    f"{f['p50']:.1f}",
                    f"{f['p99']:.1f}",
                    f"{f['non2xx']} non-2xx/3xx; socket errors: {socket_errors}",
                ]
            )
        print(f"## Mixed load ({commit()}, {connections} connections, {seconds} s, {os.cpu_count()} cores)\n")
        print(markdown_table(["route", "connections", "requests", "requests/s", "p50 ms", "p99 ms", "errors"], rows))
        print(
            f"\nAll routes: {total_rps:.1f} requests/s. Load average (1 min): {before[0]:.2f} before, "
            f"{', '.join(f'{x:.2f}' for x in loads)} every 5 s during the run, {after[0]:.2f} after."
        )
        lines_5xx = [line for line in log.splitlines() if re.search(r"coopkg\.request \S+ \S+ 5\d\d ", line)]
        print(
            f"Server log: {log.count('Traceback (most recent call last)')} tracebacks, {len(lines_5xx)} answers 5xx. "
            f"/health after the run: {health.status}."
        )
        for line in lines_5xx[:5]:
            print(f"- `{line[:200]}`")
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=60)
    arguments = parser.parse_args()
    sys.exit(run(arguments.connections, arguments.seconds))
