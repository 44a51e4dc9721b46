"""Faults under a `coopkg serve` on loopback: what clients saw, and that nothing was lost.

Usage: python bench/faults.py [--seconds S]   (from the project root)

1. Query workers killed with SIGKILL, one every second, while clients loop queries and pages.
2. The store of the served release corrupted, then removed, under a running server (and its
   workers killed, so that replacements must open it); then a server started on a release
   folder whose current release's store is corrupted, and one whose store is missing (an
   earlier intact release is there).
3. Release files (a dump, the catalogue) removed or truncated while serving.
4. `python -m server release --force` killed with SIGKILL at points spread over its build, on
   the folder a server is serving, while clients download: `current` must not move, the
   served dumps must stay byte-identical, the next build must succeed.
Prints Markdown tables of statuses counted per phase. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

from harness import (
    ROOT,
    Server,
    cli_env,
    commit,
    markdown_table,
    prepare_releases,
    scratch,
    stop_on_sigterm,
    tracebacks,
)

CHEAP = "/sparql?" + urllib.parse.urlencode({"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 20", "format": "json"})
SLOWISH = "/sparql?" + urllib.parse.urlencode(
    {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f } ", "format": "json"}
)
PAGES = ["/", "/id/organisation/cc-zou", "/catalog", "/dumps/coopkg.ttl.gz", "/health"]


class Clients:
    """Threads looping GETs over `paths` until stopped; statuses counted per path."""

    def __init__(self, server: Server, paths: list[str], threads: int = 4, timeout: float = 10.0):
        self.server, self.paths, self.timeout = server, paths, timeout
        self.counts: dict[str, Counter] = {path: Counter() for path in paths}
        self.reasons: Counter = Counter()  # the first words of each 5xx answer
        self.slowest = 0.0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(i,)) for i in range(threads)]

    def _loop(self, offset: int) -> None:
        i = offset
        while not self._stop.is_set():
            path = self.paths[i % len(self.paths)]
            answer = self.server.request("GET", path, timeout=self.timeout)
            self.counts[path][str(answer.status)] += 1
            if isinstance(answer.status, int) and answer.status >= 500:
                text = re.sub(r"\s+", " ", answer.body.decode("utf-8", "replace"))
                retry = f" [Retry-After: {answer.headers['Retry-After']}]" if answer.headers.get("Retry-After") else ""
                self.reasons[f"{answer.status} {text[:70].strip()}{retry}"] += 1
            self.slowest = max(self.slowest, answer.seconds)
            i += 1

    def __enter__(self) -> Clients:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def summary(self) -> str:
        parts = []
        for path, counts in self.counts.items():
            label = "sparql " + ("slowish" if path == SLOWISH else "cheap") if path.startswith("/sparql") else path
            parts.append(f"{label}: " + ", ".join(f"{s}×{n}" for s, n in sorted(counts.items())))
        reasons = "; ".join(f"{n}× “{reason}”" for reason, n in self.reasons.most_common(3))
        return "; ".join(parts) + f" (slowest {self.slowest:.1f} s)" + (f". 5xx said: {reasons}" if reasons else "")


def health(server: Server) -> str:
    answer = server.request("GET", "/health", timeout=5)
    found = {
        k: re.search(rf'"{k}":(\d+|"[a-z]+"|null)', answer.body.decode("utf-8", "replace"))
        for k in ("status", "alive", "crashes", "restarts")
    }
    return f"/health {answer.status} " + ", ".join(f"{k} {m.group(1).strip(chr(34))}" for k, m in found.items() if m)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def workers_killed(releases: Path, seconds: float) -> list:
    with Server(releases) as server:
        killed = 0
        with Clients(server, [CHEAP, SLOWISH, "/", "/id/organisation/cc-zou", CHEAP]) as clients:
            stop = time.monotonic() + seconds
            while time.monotonic() < stop:
                time.sleep(1)
                pids = server.worker_pids()
                if pids:  # live workers only (a killed one not reaped yet is a zombie, skipped)
                    os.kill(random.choice(pids), signal.SIGKILL)
                    killed += 1
        time.sleep(2)
        state = health(server)
        log = server.log()
    kills_logged = log.count("killed from outside") + log.count("died while idle")
    starting = len(re.findall(r"failed to start \([^)]*signal SIGKILL", log))
    return [
        f"{killed} query workers SIGKILLed, one a second for {seconds:.0f} s, 4 clients looping",
        clients.summary(),
        f"{state}; deaths logged: {kills_logged} of running workers, {starting} of replacements while starting; "
        f"in the log: {tracebacks(log)}",
    ]


def corrupt_store(store: Path) -> int:
    """Overwrite the start of every file of an Oxigraph (RocksDB) store with garbage; return how many."""
    files = [p for p in store.iterdir() if p.is_file()]
    for path in files:
        with path.open("r+b") as stream:
            stream.write(os.urandom(min(4096, max(1, path.stat().st_size))))
    return len(files)


def store_under_server(releases: Path, seconds: float) -> list[list]:
    rows = []
    store = releases / "current" / "store"
    saved = releases.parent / "store-saved"
    shutil.copytree(store, saved)
    for fault in ("corrupted", "removed"):
        with Server(releases) as server:
            with Clients(server, [CHEAP, "/", "/id/organisation/cc-zou", "/health"]) as clients:
                time.sleep(1)
                if fault == "corrupted":
                    corrupt_store(store)
                else:
                    shutil.rmtree(store)
                time.sleep(seconds / 2)
                for pid in server.worker_pids():
                    os.kill(pid, signal.SIGKILL)  # replacements must open the store
                time.sleep(seconds / 2)
            state = health(server)
            log = server.log()
            running = server.running
        failures = re.findall(r"failed to start \(([^)]{0,160})", log)
        rows.append(
            [
                f"the served store {fault} under a running server, then its workers killed",
                clients.summary(),
                f"{state}; server still running: {running}; in the log: "
                f"{tracebacks(log)}; first start failure logged: "
                f"{failures[0] if failures else 'none'}",
            ]
        )
        shutil.rmtree(store, ignore_errors=True)
        shutil.copytree(saved, store)
    return rows


def store_at_start(releases: Path) -> list[list]:
    """Start a server on a folder whose current release's store is corrupted / missing."""
    rows = []
    build = subprocess.run(
        [sys.executable, "-m", "server", "release", "--force"],
        cwd=ROOT,
        env=cli_env(releases),
        capture_output=True,
        text=True,
    )
    if build.returncode != 0:
        return [["a second release for the start-up faults", f"exit {build.returncode}", build.stderr[-300:]]]
    versions = sorted(p.name for p in releases.iterdir() if re.fullmatch(r"\d{4}\.\d\d\.\d\d\.\d+", p.name))
    current = os.readlink(releases / "current")
    store = releases / current / "store"
    saved = releases.parent / "store-saved-2"
    shutil.copytree(store, saved)
    for fault in ("corrupted", "missing"):
        if fault == "corrupted":
            corrupt_store(store)
        else:
            shutil.rmtree(store)
        server = Server(releases, start_timeout=60).start()
        try:
            if server.running:
                home = server.request("GET", "/", timeout=10)
                query = server.request("GET", CHEAP, timeout=10)
                version = re.search(r"coopkg: release (\S+)", server.log())
                outcome = (
                    f"started, serving {version.group(1) if version else '?'}; / {home.status}, "
                    f"cheap query {query.status}; {health(server)}"
                )
            else:
                outcome = f"exited with code {server.process.returncode}"
            log = server.log()
        finally:
            server.stop()
        said = [line for line in log.splitlines() if re.search(r" (WARNING|ERROR|CRITICAL) coopkg", line)]
        last = said[:2] or [line for line in log.strip().splitlines() if line.strip()][-1:] or [""]
        rows.append(
            [
                f"start with the current release's store {fault} (releases {', '.join(versions)}; current {current})",
                outcome,
                f"{tracebacks(log)}; log: " + "; ".join(f"`{line[:200]}`" for line in last),
            ]
        )
        shutil.rmtree(store, ignore_errors=True)
        shutil.copytree(saved, store)
    return rows


def files_removed(releases: Path) -> list[list]:
    rows = []
    folder = releases / os.readlink(releases / "current")
    with Server(releases) as server:
        intact = server.request("GET", "/dumps/coopkg.ttl")
        dump = folder / "dumps" / "coopkg.ttl"
        data = dump.read_bytes()
        dump.write_bytes(data[: len(data) // 2])
        truncated = server.request("GET", "/dumps/coopkg.ttl")
        same_etag = truncated.headers.get("ETag") == intact.headers.get("ETag")
        rows.append(
            [
                "a dump truncated to half while serving (/dumps/coopkg.ttl)",
                f"{intact.status} then **{truncated.status}**",
                f"{len(intact.body)} then {len(truncated.body)} bytes; ETag unchanged: {same_etag} "
                f"({truncated.headers.get('ETag', '(none)')[:20]}…)",
            ]
        )
        dump.write_bytes(data)
        for name, path, headers in (
            ("dumps/coopkg.ttl.gz", "/dumps/coopkg.ttl.gz", {}),
            ("catalog.ttl", "/catalog", {"Accept": "text/turtle"}),
            ("void.ttl", "/.well-known/void", {"Accept": "text/turtle"}),
            ("manifest.json", "/dumps/coopkg.nt", {}),
        ):
            target = folder / name
            saved = target.read_bytes()
            before = server.request("GET", path, headers=headers)
            target.unlink()
            after = server.request("GET", path, headers=headers)
            target.write_bytes(saved)
            restored = server.request("GET", path, headers=headers)
            body = after.body.decode("utf-8", "replace").strip().replace("\n", " ")[:110]
            rows.append(
                [
                    f"{name} removed while serving (GET {path})",
                    f"{before.status} → **{after.status}** → {restored.status} once restored",
                    body or "(empty body)",
                ]
            )
        log = server.log()
    answers_5xx = len(re.findall(r"coopkg.request \S+ \S+ 5\d\d ", log))
    rows.append(["server log after the files faults", "", f"{tracebacks(log)}; 5xx: {answers_5xx}"])
    return rows


def tree_digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): digest(p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "store" not in p.relative_to(folder).parts
    }


def build_killed(releases: Path, kills: int) -> list[list]:
    rows = []
    current = os.readlink(releases / "current")
    files_before = tree_digests(releases / current)
    with Server(releases) as server:
        served_before = {p: digest(server.request("GET", p).body) for p in ("/dumps/coopkg.ttl", "/dumps/coopkg.nq.gz")}
        timing = time.monotonic()
        full = subprocess.run(
            [sys.executable, "-m", "server", "release", "--force"],
            cwd=ROOT,
            env=cli_env(releases),
            capture_output=True,
            text=True,
        )
        build_seconds = time.monotonic() - timing
        if full.returncode != 0:
            return [["a timed release build", f"exit {full.returncode}", full.stderr[-300:]]]
        current = os.readlink(releases / "current")
        files_before = tree_digests(releases / current)
        served_before = {
            p: digest(server.request("GET", p).body) for p in served_before
        }  # a server serves the one it opened
        moved, stamps = 0, []
        with Clients(server, ["/dumps/coopkg.ttl", "/dumps/coopkg.nq.gz", "/catalog", CHEAP]) as clients:
            for i in range(kills):
                delay = build_seconds * (0.05 + 0.9 * i / max(1, kills - 1))
                process = subprocess.Popen(
                    [sys.executable, "-m", "server", "release", "--force"],
                    cwd=ROOT,
                    env=cli_env(releases),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                time.sleep(delay)
                process.send_signal(signal.SIGKILL)
                process.wait()
                stamps.append(f"{delay:.2f}")
                moved += os.readlink(releases / "current") != current
        debris = sorted(p.name for p in releases.iterdir() if p.name.startswith(".building-"))
        served_after = {p: digest(server.request("GET", p).body) for p in served_before}
        files_after = tree_digests(releases / os.readlink(releases / "current"))
        state = health(server)
    then = subprocess.run(
        [sys.executable, "-m", "server", "release", "--force"],
        cwd=ROOT,
        env=cli_env(releases),
        capture_output=True,
        text=True,
    )
    left = sorted(p.name for p in releases.iterdir() if p.name.startswith(".building-"))
    rows.append(
        [
            f"`release --force` SIGKILLed {kills} times, at {', '.join(stamps)} s of a {build_seconds:.1f} s build",
            clients.summary(),
            f"`current` moved: {moved} times; files of the current release byte-identical: "
            f"{files_before == files_after} ({len(files_after)} files); served dumps identical: "
            f"{served_before == served_after}; debris left: {len(debris)} `.building-*`; {state}",
        ]
    )
    rows.append(
        [
            "then one more `release --force`, not killed",
            f"exit {then.returncode}",
            f"current → {os.readlink(releases / 'current')}; debris left: {len(left)}",
        ]
    )
    return rows


def run(seconds: float, kills: int) -> None:
    work = scratch("faults")
    try:
        releases = prepare_releases(work / "releases")
        print(f"## Faults ({commit()})\n")
        rows = [workers_killed(releases, seconds)]
        rows += store_under_server(releases, seconds / 2)
        rows += files_removed(releases)
        rows += build_killed(releases, kills)
        rows += store_at_start(releases)
        print(markdown_table(["fault", "what clients saw (status×count)", "afterwards"], rows))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--kills", type=int, default=8)
    arguments = parser.parse_args()
    random.seed(10)
    run(arguments.seconds, arguments.kills)
