"""Browsing many partnerships: the latency of /explore, /map and the profiles on a generated graph.

    python bench/browse.py --triples 1000000 --duration 10 --connections 4 [--out docs/benchmarks-browse.md]

Generates a seeded cooperation graph with bench/generate.py (about 500 triples a partnership:
1M triples is about 2,000 partnerships, 5M about 10,000), builds a release of it with
`python -m server release` (validation included) in a temporary root, starts `coopkg serve`
on a free loopback port, times the first /explore (which builds the facets' index), then loads
each page with `wrk` for a fixed duration and number of connections: /explore unfiltered and
filtered by a country and a year, its CSV of every row, /map, a country's and an
authority's profile. Prints a Markdown table (req/s, p50, p99, load average) and writes it to
--out when given.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))

import generate  # noqa: E402  (bench/generate.py, beside this file)
from harness import free_port, markdown_table  # noqa: E402
from run import COPIED, Server, loadavg, machine, run_wrk, start  # noqa: E402

ORGANISATION = re.compile(r"^organisation:(\S+) a coop:LocalAuthority", re.M)
COUNTRY = "https://w3id.org/coopkg/id/country/benin"


def measure(args: argparse.Namespace) -> tuple[list[list], dict]:
    work = Path(tempfile.mkdtemp(prefix="coopkg-browse-"))
    server = None
    try:
        root, releases = work / "root", work / "releases"
        for name in COPIED:
            shutil.copytree(ROOT / name, root / name)
        (root / "graph").mkdir()
        graph = root / "graph" / "synthetic.ttl"
        with graph.open("w", encoding="utf-8", newline="\n") as out:
            triples = generate.generate(out, args.triples, args.seed)
        text = graph.read_text(encoding="utf-8")
        partnerships = text.count(" a coop:Partnership")
        authority = ORGANISATION.search(text).group(1)
        del text
        env = {**os.environ, "COOPKG_ROOT": str(root), "COOPKG_RELEASE_DIR": str(releases)}
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        env.pop("COOPKG_CONFIG", None)
        t0 = time.perf_counter()
        built = subprocess.run([sys.executable, "-m", "server", "release"], cwd=root, env=env, capture_output=True)
        release_s = time.perf_counter() - t0
        if built.returncode != 0:
            raise SystemExit(f"release failed: {built.stderr.decode()[-800:]}")
        port = free_port()
        server = Server("coopkg", f"http://127.0.0.1:{port}/sparql")
        serve = [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)]
        start(server, serve, env, work / "coopkg.log", args.startup_limit)
        base = f"http://127.0.0.1:{port}"
        t0 = time.perf_counter()
        with urllib.request.urlopen(base + "/explore", timeout=600) as answer:
            answer.read()
        first_explore_s = time.perf_counter() - t0
        country_and_year = urllib.parse.urlencode({"country": COUNTRY, "year": "2015"})
        pages = [
            ("/explore", "/explore"),
            ("/explore?country=…&year=2015", "/explore?" + country_and_year),
            ("/explore.csv (every row)", "/explore.csv"),
            ("/map", "/map"),
            ("country profile (Benin)", "/id/country/benin"),
            ("authority profile", f"/id/organisation/{authority}"),
        ]
        table = []
        for name, path in pages:
            figures = run_wrk(base + path, args.duration, args.connections, None)
            table.append(
                [
                    name,
                    f"{figures.get('rps', 0):.1f}",
                    f"{figures.get('p50', 0):.1f}",
                    f"{figures.get('p99', 0):.1f}",
                    str(figures.get("errors", 0)),
                    f"{figures['load']:.2f}",
                ]
            )
            print(" | ".join(table[-1]), file=sys.stderr)
        facts = {
            "triples": triples,
            "partnerships": partnerships,
            "release_s": release_s,
            "first_explore_s": first_explore_s,
            "peak_mb": server.peak_mb,
        }
        return table, facts
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


def report(table: list[list], facts: dict, args: argparse.Namespace) -> str:
    header = ["page", "req/s", "p50 ms", "p99 ms", "non-2xx", "load avg"]
    return (
        f"### Browsing at {facts['partnerships']:,} partnerships ({facts['triples']:,} triples)\n\n"
        f"Machine: {machine()}. `wrk`, {args.connections} connections, {args.duration} s a page, seed {args.seed}. "
        f"Release built in {facts['release_s']:.1f} s (validation included); the first /explore, which builds the "
        f"facets' index, took {facts['first_explore_s']:.2f} s; peak memory of the server's process tree "
        f"{facts['peak_mb']:.0f} MB.\n\n"
        + markdown_table(header, table)
        + f"\n\nReproduce: `python bench/browse.py --triples {args.triples} --duration {args.duration} "
        f"--connections {args.connections}`\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--startup-limit", type=float, default=3600)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    before = loadavg()
    table, facts = measure(args)
    text = report(table, facts, args)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(f"load average before: {before:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
