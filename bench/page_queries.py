"""The queries a page sends to each engine, by query file, each timed: what docs/benchmarks.md's
"Engines side by side" counts to explain its figures.

    python bench/page_queries.py --triples 10000

On the graph bench/run.py generates (the same --triples and --seed give the same graph), the
release is built once, then for each engine (the embedded store, Oxigraph server, Virtuoso with
its text index, started and loaded as `bench/run.py --engines` does) the app is made in process
and an entity page, the classes index and a search are asked twice each (a new URL each time),
with each `select`, `construct` and `ask` of the engine's graph counted and timed. Prints one
line a page. The engines are stopped and the temporary folder removed at the end.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engines  # bench/engines.py: the engines' set-up, shared with the tests
import run

PATHS = ("/id/organisation/{organisation}", "/classes", "/search?q=soja")


def timed(graph, calls: dict) -> None:
    """Count and time each query `graph` runs, by query file, into `calls`."""
    for method in ("select", "construct", "ask"):
        original = getattr(graph, method)

        def wrapper(name, *args, _original=original, **bindings):
            started = time.perf_counter()
            try:
                return _original(name, *args, **bindings)
            finally:
                calls[name][0] += 1
                calls[name][1] += time.perf_counter() - started

        setattr(graph, method, wrapper)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="coopkg-page-queries-"))
    try:
        laid = run.lay_out(args, work)
        engines._run([sys.executable, "-m", "server", "release"], laid.env, "coopkg release")
        os.environ.update({k: v for k, v in laid.env.items() if k.startswith("COOPKG_")})
        from server import create_app

        for kind in engines.SIDE_BY_SIDE:
            env = dict(laid.env)
            stack = engines.external(kind, work / kind, env, build=False) if kind != "embedded" else ExitStack()
            with stack:
                config = {"engine_url": env["COOPKG_ENGINE_URL"]} if kind != "embedded" else {}
                if kind == "virtuoso":
                    config["engine_text_index"] = "virtuoso"
                app = create_app(config)
                calls: dict = collections.defaultdict(lambda: [0, 0.0])
                if kind != "embedded":  # the embedded store reads by quads_for_pattern: no query to count
                    timed(app.extensions["coopkg"].graph, calls)
                client = app.test_client()
                client.get("/search?q=zzzz")  # the app's own search index built first
                for path in (p.format(organisation=laid.organisation) for p in PATHS):
                    for attempt in (1, 2):
                        calls.clear()
                        started = time.perf_counter()
                        status = client.get(f"{path}{'&' if '?' in path else '?'}n={attempt}").status_code
                        seconds = time.perf_counter() - started
                        top = sorted(calls.items(), key=lambda item: -item[1][1])[:6]
                        print(
                            f"{kind} {path} #{attempt}: {status} in {seconds * 1000:.0f} ms, "
                            f"{sum(count for count, _ in calls.values())} queries: "
                            + ", ".join(f"{name} {count}x {s * 1000:.0f} ms" for name, (count, s) in top),
                            flush=True,
                        )
                app.extensions["coopkg"].sparql.pool.stop()
        print(f"load average {run.loadavg():.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
