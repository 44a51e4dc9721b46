"""Browsing many partnerships: the latency of /explore, /map and the profiles on a generated graph.

    python bench/browse.py --triples 1000000 --duration 10 --connections 4 [--out FILE] [--work DIR]

Generates a seeded cooperation graph with bench/generate.py (about 500 triples a partnership:
1M triples is about 1,900 partnerships, 5M about 9,300; the count is read from the graph and
printed), builds a release of it with `python -m server release` (validation included; its
output in release.log, stopped past --max-mb of memory) in a temporary root, or in --work,
where a release built before is reused. Then starts `coopkg serve` on a free loopback port
and, for each page (/explore unfiltered and filtered by a country and a year, its CSV of every
row, /map, a country's and an authority's profile), times its first rendering (its queries
evaluated; the first /explore also builds the facets' index), the same request asked again
(the answer kept for the release), then loads it with `wrk` for a fixed duration and number
of connections. Prints a Markdown table (both times, req/s, p50, p99 against the 20 ms target,
load average) and writes it to --out when given.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
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
from run import COPIED, Server, loadavg, machine, run_wrk, start, tree_rss_mb  # noqa: E402

ORGANISATION = re.compile(r"^organisation:(\S+) a coop:LocalAuthority", re.M)
COUNTRY = "https://w3id.org/coopkg/id/country/benin"
INDEX_BUILT = re.compile(r"facets' index of \d+ programmes built in ([\d.]+) s")  # server/explore.py's log line
TARGET_P99_MS = 20  # issue #12: an entity page's p99 under 20 ms at 4 connections


def count_graph(graph: Path) -> tuple[int, str]:
    """The partnerships a generated graph holds and one local authority of it, read line by line."""
    partnerships, authority = 0, None
    with graph.open(encoding="utf-8") as lines:
        for line in lines:
            if " a coop:Partnership" in line:
                partnerships += 1
            elif authority is None and (found := ORGANISATION.match(line)):
                authority = found.group(1)
    return partnerships, authority


def build_release(root: Path, env: dict, log: Path, max_mb: float) -> tuple[float, float]:
    """`coopkg release` in `root`, its output in `log`; its process tree's peak memory sampled.

    Stops it (and the benchmark) when its tree goes over `max_mb`."""
    t0 = time.perf_counter()
    peak = 0.0
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "server", "release"], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        while process.poll() is None:
            peak = max(peak, tree_rss_mb(process.pid))
            if peak > max_mb:
                process.send_signal(signal.SIGINT)
                process.wait(60)
                raise SystemExit(f"release stopped: its processes took {peak:.0f} MB (limit {max_mb:.0f} MB)")
            time.sleep(1)
    if process.returncode != 0:
        raise SystemExit(f"release failed (exit {process.returncode}): see {log}")
    return time.perf_counter() - t0, peak


def timed_get(url: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=3600) as answer:
        size = len(answer.read())
    return time.perf_counter() - t0, size


def measure(args: argparse.Namespace) -> tuple[list[list], dict]:
    work = args.work or Path(tempfile.mkdtemp(prefix="coopkg-browse-"))
    work.mkdir(parents=True, exist_ok=True)
    server = None
    try:
        root, releases = work / "root", work / "releases"
        graph = root / "graph" / "synthetic.ttl"
        env = {**os.environ, "COOPKG_ROOT": str(root), "COOPKG_RELEASE_DIR": str(releases)}
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        env.pop("COOPKG_CONFIG", None)
        facts_file = work / "release.json"
        if facts_file.exists():  # built before in this --work folder: reuse it
            facts = json.loads(facts_file.read_text())
            print(f"reusing the release built in {work}", file=sys.stderr)
        else:
            for name in COPIED:
                shutil.copytree(ROOT / name, root / name, dirs_exist_ok=True)
            graph.parent.mkdir(exist_ok=True)
            with graph.open("w", encoding="utf-8", newline="\n") as out:
                triples = generate.generate(out, args.triples, args.seed)
            partnerships, authority = count_graph(graph)
            print(f"{triples} triples, {partnerships} partnerships; building the release", file=sys.stderr)
            release_s, release_mb = build_release(root, env, work / "release.log", args.max_mb)
            facts = {
                "triples": triples,
                "partnerships": partnerships,
                "authority": authority,
                "release_s": release_s,
                "release_peak_mb": release_mb,
            }
            facts_file.write_text(json.dumps(facts))
            print(f"release built in {release_s:.1f} s, peak {release_mb:.0f} MB", file=sys.stderr)
        port = free_port()
        server = Server("coopkg", f"http://127.0.0.1:{port}/sparql")
        serve = [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)]
        start(server, serve, env, work / "coopkg.log", args.startup_limit)
        facts["startup_s"] = server.startup_s
        base = f"http://127.0.0.1:{port}"
        country_and_year = urllib.parse.urlencode({"country": COUNTRY, "year": "2015"})
        pages = [
            ("/explore", "/explore"),
            ("/explore?country=…&year=2015", "/explore?" + country_and_year),
            ("/explore.csv (every row)", "/explore.csv"),
            ("/map", "/map"),
            ("country profile (Benin)", "/id/country/benin"),
            ("authority profile", f"/id/organisation/{facts['authority']}"),
        ]
        # one entity page without a profile first, so that no page's first rendering includes compiling
        # the templates (a server that has shown any page has done that)
        facts["warm_up_s"], _ = timed_get(f"{base}/id/post/president-{facts['authority']}")
        # and a search, which waits for the search index built in the background from start-up:
        # the pages are then measured without that build beside them
        facts["search_wait_s"], _ = timed_get(f"{base}/search.json?q=soja")
        table = []
        for name, path in pages:
            # the first rendering evaluates the page's queries (the first /explore also builds the
            # facets' index); the second is answered from what the release kept
            load = loadavg()
            cold_s, size = timed_get(base + path)
            again_s, _ = timed_get(base + path)
            figures = run_wrk(base + path, args.duration, args.connections, None)
            p99 = figures.get("p99", 0)
            table.append(
                [
                    name,
                    f"{cold_s * 1000:,.0f}",
                    f"{again_s * 1000:,.1f}",
                    f"{figures.get('rps', 0):,.1f}",
                    f"{figures.get('p50', 0):.1f}",
                    f"{p99:.1f}",
                    "yes" if figures.get("rps", 0) and p99 < TARGET_P99_MS else "no",
                    f"{size / 1000:,.0f} kB",
                    str(figures.get("errors", 0)),
                    f"{max(load, figures['load']):.2f}",
                ]
            )
            print(" | ".join(table[-1]), file=sys.stderr)
        facts["peak_mb"] = server.peak_mb
        built = INDEX_BUILT.findall((work / "coopkg.log").read_text(encoding="utf-8", errors="replace"))
        facts["index_s"] = float(built[-1]) if built else None
        return table, facts
    finally:
        if server is not None:
            server.stop()
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


def report(table: list[list], facts: dict, args: argparse.Namespace) -> str:
    header = [
        "page",
        "first rendering, ms",
        "asked again, ms",
        "req/s (wrk)",
        "p50 ms",
        "p99 ms",
        f"p99 < {TARGET_P99_MS} ms met?",
        "size",
        "non-2xx",
        "load avg",
    ]
    return (
        f"### Browsing at {facts['partnerships']:,} partnerships ({facts['triples']:,} triples)\n\n"
        f"Machine: {machine()}. `wrk`, {args.connections} connections, {args.duration} s a page, seed {args.seed}. "
        f"Release built in {facts['release_s']:.1f} s (validation included; peak memory of its processes "
        f"{facts['release_peak_mb']:.0f} MB); serve answered its first query {facts['startup_s']:.1f} s after "
        f'launch; peak memory of the server\'s process tree {facts["peak_mb"]:.0f} MB. "First rendering" is one '
        "request on a server just started that has shown one other entity page (so the templates are compiled: "
        f"{facts.get('warm_up_s', 0) * 1000:,.0f} ms) and answered a search (so the search index, built in the "
        f"background from start-up, is there: {facts.get('search_wait_s', 0):,.1f} s): its queries evaluated, and "
        'the first /explore waits for the facets\' index if it is not built yet; "asked again" the same request '
        "right after (the answer the release kept); wrk then asks it again and again. "
        + (
            f"The facets' index was built in the background from start-up in {facts['index_s']:.1f} s "
            "(the server's log).\n\n"
            if facts.get("index_s") is not None
            else "\n\n"
        )
        + markdown_table(header, table)
        + f"\n\nReproduce: `python bench/browse.py --triples {args.triples} --duration {args.duration} "
        f"--connections {args.connections} --seed {args.seed}`\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--startup-limit", type=float, default=3600)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--work", type=Path, help="keep the generated root and release here; a release built there before is reused"
    )
    parser.add_argument("--max-mb", type=float, default=12_288, help="stop the release past this much memory")
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
