"""Validation and start-up of `coopkg serve` on a seeded synthetic graph, with each release step.

    python bench/startup.py --triples 1000000 [--seed 1] [--skip-validate]

Lays out a temporary project root (the checkout's ontology/, shapes/, catalog/, sources/,
queries/ and the generated graph as graph/synthetic.ttl), then, one after the other:

1. `coopkg validate` on it: wall time and peak resident memory;
2. `coopkg serve` on an empty release folder, to its first answer to `ASK { ?s ?p ?o }`:
   wall time, peak memory of the process tree (query workers included) and the seconds of
   each release step, as the release logs them ('validate… 12.3 s');
3. `coopkg serve` again on the release it built.

Memory is the resident set of the process tree, sampled every 0.1 s. CPU time is user plus
system time of the process (for serve, up to its first answer, the query workers not
included): on a shared machine it says more than the wall time. The 1-minute load average is
the higher of before and after each figure. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate
from harness import free_port
from run import COPIED, loadavg, tree_rss_mb

ROOT = Path(__file__).resolve().parent.parent
STEP = re.compile(r"INFO coopkg\.release (\w+)… ([0-9.]+) s")


class Sampler:
    """The peak resident memory of a process tree, sampled in a thread until stopped."""

    def __init__(self, pid: int):
        self.pid, self.peak_mb, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def timed(command: list[str], env: dict, log: Path) -> dict:
    """Run `command` to its end; return its seconds, peak memory and load average."""
    load = loadavg()
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = Sampler(process.pid)
        code, cpu = _wait(process)
    seconds = time.perf_counter() - started
    return {"s": seconds, "cpu": cpu, "mb": sampler.stop(), "load": max(load, loadavg()), "code": code}


def _wait(process: subprocess.Popen) -> tuple[int, float]:
    """Wait for `process`; return its exit status and the CPU seconds it and its children used."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_utime + usage.ru_stime


def serve(env: dict, log: Path) -> dict:
    """Start `coopkg serve`, wait for its first answer, stop it; return the figures and steps."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    command = [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)]
    load = loadavg()
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = Sampler(process.pid)
        try:
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=5) as answer:
                        if answer.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if process.poll() is not None:
                        raise SystemExit(f"coopkg serve stopped before answering; see {log}") from None
                    time.sleep(0.05)
            seconds = time.perf_counter() - started
        finally:
            cpu_before = _cpu(process.pid)
            process.terminate()
            process.wait(timeout=60)
    steps = {name: float(s) for name, s in STEP.findall(log.read_text(encoding="utf-8"))}
    return {"s": seconds, "cpu": cpu_before, "mb": sampler.stop(), "load": max(load, loadavg()), "steps": steps}


def _cpu(pid: int) -> float:
    """CPU seconds used so far by the process `pid` (its own, and its children's that ended)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-validate", action="store_true", help="only the two start-ups")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="coopkg-startup-"))
    try:
        root, releases = work / "root", work / "releases"
        for name in COPIED:
            shutil.copytree(ROOT / name, root / name)
        (root / "graph").mkdir()
        with (root / "graph" / "synthetic.ttl").open("w", encoding="utf-8", newline="\n") as out:
            triples = generate.generate(out, args.triples, args.seed)
        env = {**os.environ, "COOPKG_ROOT": str(root), "COOPKG_RELEASE_DIR": str(releases)}
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        env.pop("COOPKG_CONFIG", None)
        rows = []
        if not args.skip_validate:
            v = timed([sys.executable, "-m", "server", "validate"], env, work / "validate.log")
            if v["code"] != 0:
                raise SystemExit(f"coopkg validate exited {v['code']}; see {work / 'validate.log'}")
            rows.append(("`coopkg validate`", v))
        fresh = serve(env, work / "fresh.log")
        rows.append(("start-up to first answer, fresh release", fresh))
        existing = serve(env, work / "existing.log")
        rows.append(("start-up to first answer, existing release", existing))
        print(f"### {triples:,} triples (seed {args.seed})\n")
        print("| figure | wall time | CPU time | peak memory | load avg |\n|---|---|---|---|---|")
        for name, figure in rows:
            times = f"{figure['s']:.1f} s | {figure['cpu']:.1f} s"
            print(f"| {name} | {times} | {figure['mb']:.0f} MB | {figure['load']:.2f} |")
        steps = ", ".join(f"{name} {s:.1f} s" for name, s in fresh["steps"].items())
        print(f"\nRelease steps of the fresh start-up: {steps}.")
        print(f"\nReproduce: `python bench/startup.py --triples {args.triples} --seed {args.seed}`")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
