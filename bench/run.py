"""Benchmark coopkg against `oxigraph serve` and rdflib-endpoint on one synthetic graph, in one run.

    python bench/run.py --triples 100000 --duration 10 --connections 4 [--seed 1] [--out docs/benchmarks.md]
                        [--reuse-release DIR] [--profile]
    python bench/run.py --triples 10000 --engines embedded,oxigraph-server,virtuoso

It generates a graph with bench/generate.py, lays out a temporary coopkg root (ontology/,
shapes/, catalog/, sources/, queries/ copied, the graph as graph/synthetic.ttl) and a temporary
release folder, then on 127.0.0.1 and free ports:

- starts `python -m server serve` (which builds and validates the release) and times it to
  its first answer, then restarts it on the existing release and times that too;
- loads the release's dumps/coopkg.nq with `oxigraph load` and starts `oxigraph serve-read-only
  --union-default-graph`, timed to first answer (load included);
- starts rdflib-endpoint (an rdflib Dataset with the union default graph, under uvicorn) on the
  same N-Quads, timed to first answer (parsing included);
- sends the same five SPARQL queries to each with `wrk` (GET /sparql?query=..., fixed duration,
  fixed connections); to coopkg once more with a new text each time (a comment with a counter
  appended by a wrk script), which no answer kept for the release can serve: the cost of
  evaluating; then coopkg's own text search (/search.json, its index of labels) beside the
  peers' FILTER CONTAINS query, and our entity page (also with a new URL each time), search
  page, a full dump and the catalogue;
- samples the resident memory of each process tree (the server and its children) all along.

It prints the table and writes it, with the machine, the load average during each run and the
command, to --out (default: docs/benchmarks.md beside this folder, between markers, so the
hand-written parts of that file stay). Needs `wrk` (Debian package) and PyPI `oxigraph`,
`rdflib-endpoint`, `uvicorn`. `--reuse-release DIR` copies a release folder built before for
the same --triples and --seed (the generator is deterministic; `--keep` keeps one) instead of
building it: the fresh start-up is then not measured, which saves its minutes at 1M triples.
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
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # noqa: E402  (bench/engines.py: --engine, coopkg on an external engine)
import generate  # noqa: E402  (bench/generate.py, beside this file)
from harness import free_port  # noqa: E402

COPIED = ("ontology", "shapes", "catalog", "sources", "queries")
PREFIXES = """PREFIX coop: <https://w3id.org/coopkg/def/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
"""
ENTITY = "https://w3id.org/coopkg/id/organisation/{}"
QUERIES = {
    "describe one entity": "SELECT ?p ?o WHERE {{ <{entity}> ?p ?o }}",
    "class list, one language, ordered, paged": """SELECT ?s ?label WHERE {{
  ?s a qb:Observation ; rdfs:label ?label . FILTER (LANG(?label) = "fr")
}} ORDER BY ?label LIMIT 20 OFFSET 100""",
    "aggregate of observation values per country and year": """SELECT ?country ?year (SUM(?v) AS ?total)
  (COUNT(?o) AS ?n)
WHERE {{
  ?o coop:indicator/coop:indicatorOf/coop:country ?country ;
     sdmx-dimension:refPeriod/dcat:startDate ?start ; sdmx-measure:obsValue ?v .
  BIND (STR(?start) AS ?year)
}} GROUP BY ?country ?year ORDER BY ?country ?year""",
    "text search on labels": """SELECT ?s ?label WHERE {{
  ?s rdfs:label ?label . FILTER (CONTAINS(LCASE(STR(?label)), "soja"))
}} LIMIT 50""",
    "property path": """SELECT ?later ?earlier WHERE {{ ?later coop:renews+ ?earlier }} LIMIT 1000""",
}
ACCEPT_RESULTS = "application/sparql-results+json"
QUERY_WORKERS = 4  # coopkg's query workers in the benchmark: one per connection
QUERY_TIMEOUT = 30  # seconds coopkg lets a query run or wait for a worker, as long as wrk waits
# A new request each time: a counter appended (a SPARQL comment, or a query parameter no page reads).
NEW_TEXT_LUA = """local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  counter = 0
  run = os.time()
end
function request()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "{separator}" .. run .. "-" .. id .. "-" .. counter)
end
"""  # each wrk thread its own counter: the thread's number and the time make every text new
NEW_TEXT = " (a new text each time: nothing kept)"
OWN_INDEX = "text search, coopkg's own index (`/search.json?q=soja`) against the peers' FILTER CONTAINS"
WRK = re.compile(r"Requests/sec:\s+([\d.]+)")
TRANSFER = re.compile(r"Transfer/sec:\s+([\d.]+)([KMG]?B)")
PERCENTILE = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
BYTES = {"B": 1e-6, "KB": 1024 / 1e6, "MB": 1024**2 / 1e6, "GB": 1024**3 / 1e6}


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def tree_rss_mb(pid: int) -> float:
    """Resident memory of the process `pid` and all its descendants, in MB."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, todo = set(), [pid]
    while todo:
        current = todo.pop()
        tree.add(current)
        todo.extend(child for child, parent in parents.items() if parent == current and child not in tree)
    total = 0
    for member in tree:
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


@dataclass
class Server:
    name: str
    url: str  # the SPARQL endpoint
    process: subprocess.Popen | None = None
    startup_s: float | None = None
    startup_load: float = 0.0
    peak_mb: float = 0.0
    results: dict[str, dict] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def watch(self) -> None:
        def sample() -> None:
            while not self._stop.is_set() and self.process and self.process.poll() is None:
                self.peak_mb = max(self.peak_mb, tree_rss_mb(self.process.pid))
                self._stop.wait(0.25)

        threading.Thread(target=sample, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_for_answer(server: Server, started: float, limit: float) -> float:
    probe = server.url + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    while time.perf_counter() - started < limit:
        if server.process is not None and server.process.poll() is not None:
            code = server.process.returncode
            raise SystemExit(f"{server.name} stopped before answering (exit {code}); --keep keeps its log")
        try:
            request = urllib.request.Request(probe, headers={"Accept": ACCEPT_RESULTS})
            with urllib.request.urlopen(request, timeout=10) as answer:
                if answer.status == 200:
                    return time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    raise SystemExit(f"{server.name} gave no answer within {limit:.0f} s")


def start(server: Server, command: list[str], env: dict, log: Path, limit: float, already: float = 0.0) -> None:
    started = time.perf_counter() - already
    with log.open("ab") as out:
        server.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=log.parent)
    server.watch()
    server.startup_s = wait_for_answer(server, started, limit)
    server.startup_load = loadavg()


def run_wrk(url: str, duration: int, connections: int, accept: str | None, script: Path | None = None) -> dict:
    command = ["wrk", "--latency", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{duration}s"]
    command += ["--timeout", f"{QUERY_TIMEOUT}s"]
    if script is not None:
        command += ["-s", str(script)]
    if accept:
        command += ["-H", f"Accept: {accept}"]
    before = loadavg()
    output = subprocess.run([*command, url], capture_output=True, text=True, check=False).stdout
    figures = {"load": max(before, loadavg()), "duration": duration}
    if match := WRK.search(output):
        figures["rps"] = float(match.group(1))
    if match := TRANSFER.search(output):
        figures["mbps"] = float(match.group(1)) * BYTES[match.group(2)]
    for pct, value, unit in PERCENTILE.findall(output):
        figures[f"p{pct}"] = float(value) * UNITS[unit]
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        figures["errors"] = int(match.group(1))
    if match := re.search(r"(\d+) requests in", output):
        figures["requests"] = int(match.group(1))
    if "rps" not in figures:
        figures["raw"] = output[-400:]
    return figures


def rows(url: str) -> int | str:
    """How many solutions one GET of a SELECT query gives (to check every server answers alike),
    or how many hits one GET of /search.json gives."""
    try:
        request = urllib.request.Request(url, headers={"Accept": ACCEPT_RESULTS})
        with urllib.request.urlopen(request, timeout=60) as answer:
            found = json.load(answer)
            return found["count"] if "count" in found else len(found["results"]["bindings"])
    except (urllib.error.URLError, ValueError, KeyError, TimeoutError) as error:
        return f"error: {error}"[:80]


def read_speed(path: Path, times: int = 3) -> float:
    """MB/s of reading `path` whole, in 1 MiB blocks, the best of `times` (the disk, or the page cache)."""
    best = 0.0
    for _ in range(times):
        started = time.perf_counter()
        with path.open("rb") as dump:
            while dump.read(1024 * 1024):
                pass
        best = max(best, path.stat().st_size / 1e6 / (time.perf_counter() - started))
    return best


def sparql_url(server: Server, text: str) -> str:
    return server.url + "?" + urllib.parse.urlencode({"query": PREFIXES + text})


def profile(server: Server, url: str, args: argparse.Namespace, out: Path) -> str:
    """Sample `server`'s process tree with py-spy while wrk sends `url`; return the top frames."""
    if shutil.which("py-spy") is None or server.process is None:
        return "py-spy not found: no profile"
    command = ["py-spy", "record", "--pid", str(server.process.pid), "--subprocesses", "--rate", "200"]
    command += ["--duration", str(args.duration), "--format", "raw", "--output", str(out), "--nonblocking"]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    run_wrk(url, args.duration, args.connections, ACCEPT_RESULTS)
    spy.wait(timeout=args.duration + 60)
    if not out.exists():
        return "py-spy wrote no profile (ptrace not allowed?)"
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in out.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]
        total += int(count)
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + int(count)
        own[frames[-1]] = own.get(frames[-1], 0) + int(count)
    if not total:
        return "empty profile"

    def top(table: dict[str, int], n: int) -> list[str]:
        ranked = sorted(table.items(), key=lambda item: -item[1])[:n]
        return [f"| {100 * c / total:.0f}% | `{frame[:110]}` |" for frame, c in ranked]

    lines = [
        f"{total} samples of the process tree (py-spy, 200 Hz, its default filter of idle threads;"
        " a thread blocked in a pipe write may still count).",
        "",
    ]
    lines += ["Own time (the frame on top of the stack):", "", "| share | frame |", "|---|---|", *top(own, 12)]
    lines += ["", "Inclusive time (the frame anywhere on the stack):", "", "| share | frame |", "|---|---|"]
    lines += top({k: v for k, v in inclusive.items() if "threading.py" not in k}, 25)
    return "\n".join(lines) + "\n"


def first_organisation(path: Path) -> str:
    with path.open(encoding="utf-8") as graph:
        for line in graph:
            if line.startswith("organisation:") and "coop:LocalAuthority" in line:
                return line.split()[0].split(":", 1)[1]
    raise SystemExit("no organisation in the generated graph")


RDFLIB_APP = """
import sys, logging, uvicorn, rdflib
from rdflib_endpoint import SparqlEndpoint
dataset = rdflib.Dataset(default_union=True)
dataset.parse(sys.argv[1], format="nquads")
app = SparqlEndpoint(graph=dataset, path="/sparql", public_url=f"http://127.0.0.1:{sys.argv[2]}/sparql")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


@dataclass
class Layout:
    """A temporary coopkg root holding the generated graph, and the environment coopkg runs in."""

    env: dict
    releases: Path
    organisation: str  # a local authority of the graph, whose entity page is measured
    triples: int
    generated_s: float


def lay_out(args: argparse.Namespace, work: Path) -> Layout:
    """Generate the graph and lay out coopkg's root in `work`; return it with coopkg's environment
    (the settings every run gives coopkg: workers, timeouts, niceness)."""
    root, releases = work / "root", work / "releases"
    for name in COPIED:
        shutil.copytree(ROOT / name, root / name)
    (root / "graph").mkdir()
    graph = root / "graph" / "synthetic.ttl"
    t0 = time.perf_counter()
    with graph.open("w", encoding="utf-8", newline="\n") as out:
        triples = generate.generate(out, args.triples, args.seed)
    generated_s = time.perf_counter() - t0
    print(f"generated {triples} triples in {generated_s:.1f} s; working in {work}", file=sys.stderr)
    env = {**os.environ, "COOPKG_ROOT": str(root), "COOPKG_RELEASE_DIR": str(releases)}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("COOPKG_CONFIG", None)
    # Oxigraph and rdflib-endpoint queue every query and stop none: coopkg is given the same
    # room (its defaults, 5 s per query and 1 s of waiting for a worker, turn such queries away).
    env |= {"COOPKG_QUERY_TIMEOUT": str(QUERY_TIMEOUT), "COOPKG_QUERY_WAIT": str(QUERY_TIMEOUT)}
    # On a machine others use too, workers at a lower priority (the default, pages before
    # queries) get a fraction of what the peers' threads get: they run at the same priority.
    env["COOPKG_QUERY_NICENESS"] = "0"
    # As many queries evaluated at once as there are connections, as Oxigraph's threads do
    # (4 workers + 2 waiting leave 2 of the 8 threads to pages, the rule of docs/sparql.md).
    env |= {"COOPKG_QUERY_WORKERS": str(QUERY_WORKERS), "COOPKG_QUERY_QUEUE": "2"}
    return Layout(env, releases, first_organisation(graph), triples, generated_s)


def measure(args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="coopkg-bench-"))
    servers: list[Server] = []
    engine = None
    try:
        laid = lay_out(args, work)
        env, releases, org = laid.env, laid.releases, laid.organisation
        triples, generated_s = laid.triples, laid.generated_s
        engine = engines.external(args.engine, work, env) if args.engine else None  # sets COOPKG_ENGINE_URL

        # coopkg: fresh release (built and validated by serve), then a restart on it
        port = free_port()
        coopkg = Server("coopkg", f"http://127.0.0.1:{port}/sparql")
        servers.append(coopkg)
        serve = [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)]
        fresh_s = fresh_load = fresh_peak = None
        if args.reuse_release:
            shutil.copytree(args.reuse_release, releases, symlinks=True)
            print(f"coopkg: release copied from {args.reuse_release} (fresh start-up not measured)", file=sys.stderr)
        else:
            start(coopkg, serve, env, work / "coopkg.log", args.startup_limit)
            fresh_s, fresh_load = coopkg.startup_s, coopkg.startup_load
            print(f"coopkg serve: first answer {fresh_s:.1f} s after start (fresh release)", file=sys.stderr)
            fresh_peak = coopkg.peak_mb
            coopkg.stop()
            coopkg.process, coopkg._stop = None, threading.Event()
        start(coopkg, serve, env, work / "coopkg.log", args.startup_limit)
        print(f"coopkg serve: first answer {coopkg.startup_s:.1f} s (existing release)", file=sys.stderr)
        nquads = next(releases.glob("*/dumps/coopkg.nq"))

        # oxigraph: load + serve-read-only
        oxi_port = free_port()
        oxigraph = Server("oxigraph serve", f"http://127.0.0.1:{oxi_port}/query")
        servers.append(oxigraph)
        t0 = time.perf_counter()
        with (work / "oxigraph.log").open("wb") as out:
            subprocess.run(
                ["oxigraph", "load", "--location", str(work / "oxigraph"), "--file", str(nquads)],
                stdout=out,
                stderr=subprocess.STDOUT,
                check=True,
            )
        loaded_s = time.perf_counter() - t0
        command = ["oxigraph", "serve-read-only", "--location", str(work / "oxigraph")]
        command += ["--bind", f"127.0.0.1:{oxi_port}", "--union-default-graph"]
        start(oxigraph, command, env, work / "oxigraph.log", args.startup_limit, already=loaded_s)
        print(f"oxigraph: first answer {oxigraph.startup_s:.1f} s (load {loaded_s:.1f} s)", file=sys.stderr)

        # rdflib-endpoint
        rdf_port = free_port()
        rdflib_ep = Server("rdflib-endpoint", f"http://127.0.0.1:{rdf_port}/sparql")
        servers.append(rdflib_ep)
        command = [sys.executable, "-c", RDFLIB_APP, str(nquads), str(rdf_port)]
        start(rdflib_ep, command, env, work / "rdflib-endpoint.log", args.startup_limit)
        print(f"rdflib-endpoint: first answer {rdflib_ep.startup_s:.1f} s", file=sys.stderr)

        new_text = work / "new-text.lua"
        new_text.write_text(NEW_TEXT_LUA.replace("{separator}", "%0A%23"), encoding="utf-8")
        new_url = work / "new-url.lua"
        new_url.write_text(NEW_TEXT_LUA.replace("{separator}", "?n="), encoding="utf-8")
        entity = ENTITY.format(org)
        for shape, template in QUERIES.items():
            text = template.format(entity=entity)
            for server in servers:
                url = sparql_url(server, text)
                started = time.perf_counter()
                solutions = rows(url)
                alone = time.perf_counter() - started
                server.results[shape] = run_wrk(url, args.duration, args.connections, ACCEPT_RESULTS)
                server.results[shape] |= {"rows": solutions, "alone_s": alone}
                print(f"{shape} / {server.name}: {server.results[shape]}", file=sys.stderr)
            url = sparql_url(coopkg, text)
            coopkg.results[shape + NEW_TEXT] = run_wrk(url, args.duration, args.connections, ACCEPT_RESULTS, new_text)
            # Its first asking, above, was evaluated (nothing was kept yet): the lone query's time
            # of the row where nothing is kept, when none is answered within the duration.
            first = coopkg.results[shape]
            coopkg.results[shape + NEW_TEXT] |= {"rows": first["rows"], "alone_s": first["alone_s"]}
            print(f"{shape}{NEW_TEXT} / coopkg: {coopkg.results[shape + NEW_TEXT]}", file=sys.stderr)

        base = coopkg.url.removesuffix("/sparql")
        search_url = f"{base}/search.json?q=soja"
        coopkg.results[OWN_INDEX] = run_wrk(search_url, args.duration, args.connections, "application/json")
        coopkg.results[OWN_INDEX]["rows"] = rows(search_url)
        print(f"{OWN_INDEX}: {coopkg.results[OWN_INDEX]}", file=sys.stderr)
        org_url = f"{base}/id/organisation/{org}"
        coopkg.results["entity page (HTML)" + NEW_TEXT] = run_wrk(
            org_url, args.duration, args.connections, "text/html", new_url
        )
        pages = {
            "entity page (HTML)": (org_url, "text/html"),
            "search page (HTML)": (f"{base}/search?q=soja", "text/html"),
            "full dump download, N-Triples": (f"{base}/dumps/coopkg.nt", None),
            "catalogue (Turtle)": (f"{base}/catalog", "text/turtle"),
        }
        for page, (url, accept) in pages.items():
            coopkg.results[page] = run_wrk(url, args.duration, args.connections, accept)
            print(f"{page}: {coopkg.results[page]}", file=sys.stderr)
        # the whole dataset from Oxigraph's Graph Store endpoint, the nearest peer of a dump
        oxigraph.results["full dump download, N-Triples"] = run_wrk(
            oxigraph.url.removesuffix("/query") + "/store?default",
            args.duration,
            args.connections,
            "application/n-triples",
        )
        profiled = None
        if args.profile:
            url = sparql_url(coopkg, QUERIES["describe one entity"].format(entity=entity))
            profiled = profile(coopkg, url, args, work / "describe.pyspy")
            print(profiled, file=sys.stderr)
        for server in servers:
            server.peak_mb = max(server.peak_mb, tree_rss_mb(server.process.pid) if server.process else 0)
        return {
            "triples": triples,
            "generated_s": generated_s,
            "servers": servers,
            "fresh_s": fresh_s,
            "fresh_peak": fresh_peak,
            "fresh_load": fresh_load,
            "oxigraph_load_s": loaded_s,
            "pages": list(pages),
            "profile": profiled,
            "dump_bytes": (releases / nquads.parent.parent.name / "dumps" / "coopkg.nt").stat().st_size,
            "disk_mbps": read_speed(releases / nquads.parent.parent.name / "dumps" / "coopkg.nt"),
        }
    finally:
        for server in servers:
            server.stop()
        if engine is not None:
            engine.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _ratio(ours: float | None, theirs: float | None, higher_is_better: bool = True) -> str:
    if not ours or not theirs:
        return "—"
    ratio = ours / theirs if higher_is_better else theirs / ours
    return f"{ratio:.2f}×" if ratio < 10 else f"{ratio:.0f}×"


def _speed(figures: dict) -> float | None:
    """Requests/s, or, when none was answered within the duration, one over a lone query's seconds."""
    if figures.get("rps"):
        return figures["rps"]
    return 1 / figures["alone_s"] if figures.get("alone_s") and isinstance(figures.get("rows"), int) else None


def _rps(figures: dict | None) -> str:
    if figures and not figures.get("rps") and figures.get("alone_s") and isinstance(figures.get("rows"), int):
        return f"none within the {figures.get('duration', '')} s; one query alone: {figures['alone_s']:.1f} s"
    if not figures or "rps" not in figures:
        return "—" if not figures else "failed"
    errors = f", {figures['errors']} errors" if figures.get("errors") else ""
    p50, p99 = figures.get("p50", 0), figures.get("p99", 0)
    return f"{figures['rps']:,.1f} ({p50:.1f} / {p99:.1f} ms{errors})"


def report(figures: dict, args: argparse.Namespace, machine: str) -> str:
    coopkg, oxigraph, rdflib_ep = figures["servers"]
    lines = [
        f"### {figures['triples']:,} triples ({args.duration} s per figure, {args.connections} connections)"
        + (f", coopkg reading from {args.engine}" if args.engine else ""),
        "",
        "Throughput in requests/s (p50 / p99 latency). Ratios are coopkg's figure over the peer's: "
        "above 1× coopkg is faster (for start-up and memory: smaller).",
        "",
        "| figure | coopkg | `oxigraph serve` | rdflib-endpoint | vs oxigraph | vs rdflib-ep | load avg |",
        "|---|---|---|---|---|---|---|",
    ]
    differ: list[str] = []
    startups = [
        (
            "start-up to first answer, fresh release (validation included)",
            figures["fresh_s"],
            figures["fresh_load"],
        ),
        ("start-up to first answer, existing release", coopkg.startup_s, coopkg.startup_load),
    ]
    for label, ours, load in startups:
        oxi, rdf = oxigraph.startup_s, rdflib_ep.startup_s
        if ours is None:
            lines.append(f"| {label} | not measured: `--reuse-release` | — | — | — | — | |")
            continue
        lines.append(
            f"| {label} | {ours:.1f} s | {oxi:.1f} s (load {figures['oxigraph_load_s']:.1f} s) | {rdf:.1f} s "
            f"| {_ratio(ours, oxi, False)} | {_ratio(ours, rdf, False)} | {load:.2f} |"
        )
    peak = max(coopkg.peak_mb, figures["fresh_peak"] or 0)
    lines.append(
        f"| peak memory of the process tree | {peak:.0f} MB | {oxigraph.peak_mb:.0f} MB | {rdflib_ep.peak_mb:.0f} MB "
        f"| {_ratio(peak, oxigraph.peak_mb, False)} | {_ratio(peak, rdflib_ep.peak_mb, False)} | |"
    )
    peers = {shape: shape for shape in QUERIES}
    peers |= {shape + NEW_TEXT: shape for shape in QUERIES}
    peers[OWN_INDEX] = "text search on labels"
    for shape in [s for q in QUERIES for s in (q, q + NEW_TEXT)] + [OWN_INDEX]:
        ours = coopkg.results.get(shape, {})
        oxi, rdf = (s.results.get(peers[shape], {}) for s in (oxigraph, rdflib_ep))
        lines.append(
            f"| {shape} | {_rps(ours)} | {_rps(oxi)} | {_rps(rdf)} "
            f"| {_ratio(_speed(ours), _speed(oxi))} | {_ratio(_speed(ours), _speed(rdf))} "
            f"| {max(f.get('load', 0) for f in (ours, oxi, rdf)):.2f} |"
        )
        if shape not in QUERIES:
            continue
        answers = {s.results[shape].get("rows") for s in (coopkg, oxigraph, rdflib_ep)}
        if len(answers) > 1:
            differ.append(
                f"{shape}: " + ", ".join(f"{s.name} {s.results[shape].get('rows')}" for s in figures["servers"])
            )
    for page in figures["pages"]:
        ours = coopkg.results[page]
        oxi = oxigraph.results.get(page)
        if "dump" in page:
            mb = f"{ours.get('mbps', 0):,.0f} MB/s (reading the file: {figures['disk_mbps']:,.0f} MB/s)"
            oxi_mb = f"{oxi.get('mbps', 0):,.0f} MB/s (`GET /store`, N-Quads)" if oxi else "—"
            lines.append(
                f"| {page} ({figures['dump_bytes'] / 1e6:.1f} MB) | {mb}, {_rps(ours)} | {oxi_mb} | — "
                f"| {_ratio(ours.get('mbps'), oxi and oxi.get('mbps'))} | — | {ours['load']:.2f} |"
            )
        else:
            lines.append(f"| {page} | {_rps(ours)} | — | — | — | — | {ours['load']:.2f} |")
        if page + NEW_TEXT in coopkg.results:
            fresh = coopkg.results[page + NEW_TEXT]
            lines.append(f"| {page}{NEW_TEXT} | {_rps(fresh)} | — | — | — | — | {fresh['load']:.2f} |")
    solutions = ", ".join(f"{shape} {coopkg.results[shape].get('rows')}" for shape in QUERIES)
    lines += [
        "",
        f"Solutions per query (checked once on each server before its run): {solutions}."
        + (" **Answers differ:** " + "; ".join(differ) + "." if differ else " Every server gave the same counts.")
        + f" `/search.json?q=soja` found {coopkg.results[OWN_INDEX].get('rows')} entities (at most 50; it"
        " matches words ignoring case and accents in every label property, where the query matches"
        " the lower-cased rdfs:label).",
        "",
        f"Rows marked{NEW_TEXT} send coopkg a new query text (a comment with a counter) or a new URL"
        " (an unread parameter) each time, so that no answer kept for the release serves them: they"
        " measure evaluation and rendering; the rows above them ask the same text again, as the peers"
        " are asked, and coopkg then gives the answer it kept for the release.",
        "",
        f"Generated in {figures['generated_s']:.1f} s. Machine: {machine}.",
        "",
        *(
            [f"Profile of `coopkg serve` under the describe load, after the figures above: {figures['profile']}", ""]
            if figures.get("profile")
            else []
        ),
        f"Reproduce: `python bench/run.py --triples {args.triples} --duration {args.duration} "
        f"--connections {args.connections} --seed {args.seed}"
        + (" --reuse-release DIR" if args.reuse_release else "")
        + (f" --engine {args.engine}" if args.engine else "")
        + "`",
        "",
    ]
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2
    return f"{os.cpu_count()} cores ({cpu}), {memory:.1f} GB of memory, Python {sys.version.split()[0]}"


def write(out: Path, section: str, triples: int) -> None:
    """Put `section` in `out` between markers named after the size, keeping the rest."""
    begin, end = f"<!-- bench/run.py {triples} begin -->", f"<!-- bench/run.py {triples} end -->"
    text = out.read_text(encoding="utf-8") if out.exists() else "# Benchmarks\n\n"
    block = f"{begin}\n{section}{end}\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    out.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per figure")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--startup-limit", type=float, default=1800, help="seconds a server may take to answer")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--profile", action="store_true", help="then profile coopkg under the describe load (py-spy)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, release)")
    parser.add_argument("--engine", choices=engines.KINDS, help="coopkg reads from this engine (bench/engines.py)")
    parser.add_argument("--reuse-release", type=Path, help="a release folder built for these --triples, --seed")
    parser.add_argument(
        "--engines",
        help="coopkg on each of these engines in turn, one table with a column each: "
        f"comma-separated among {', '.join(engines.SIDE_BY_SIDE)} (no peers are measured then)",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None or shutil.which("oxigraph") is None:
        raise SystemExit("needs wrk (apt-get install wrk) and oxigraph (pip install oxigraph)")
    if args.engines:
        kinds = [kind.strip() for kind in args.engines.split(",") if kind.strip()]
        unknown = [kind for kind in kinds if kind not in engines.SIDE_BY_SIDE]
        if unknown or not kinds or args.engine or args.reuse_release:
            raise SystemExit(
                f"--engines: a comma-separated list among {', '.join(engines.SIDE_BY_SIDE)}"
                f"{' (unknown: ' + ', '.join(unknown) + ')' if unknown else ''}, without --engine or --reuse-release"
            )
        section = engines.side_by_side_report(engines.side_by_side(args, kinds), args, kinds, machine())
        print(section)
        engines.write_side_by_side(args.out, section, args.triples)
        return 0
    figures = measure(args)
    section = report(figures, args, machine())
    print(section)
    write(args.out, section, f"{args.triples} {args.engine}" if args.engine else args.triples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
