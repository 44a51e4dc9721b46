"""The external engine of `bench/run.py --engine KIND`: coopkg measured reading its pages from a
real SPARQL engine (setting engine_url) instead of its own store, with the same query shapes.

    python bench/run.py --triples 10000 --engine oxigraph-server
    python bench/run.py --triples 10000 --engine virtuoso

`external` builds the release (`python -m server release`), starts the engine on 127.0.0.1 and
a free port with the set-up the tests use (tests/engine_server.py: `oxigraph serve`, writable;
tests/virtuoso_server.py: Debian's `virtuoso-t` with a private database, its text index on),
loads the release into it with `python -m server load`, and points the environment coopkg
serve is started with at it (COOPKG_ENGINE_URL; on Virtuoso COOPKG_ENGINE_TEXT_INDEX too). The
"fresh release" start-up figure is then a start on that existing release. The engine is
stopped by its process id when the run ends (`close()` of what `external` returns).
"""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the engines' set-up, shared with the tests

KINDS = ("oxigraph-server", "virtuoso")


def external(kind: str, work: Path, env: dict, build: bool = True) -> ExitStack:
    """Start the engine `kind` (one of KINDS) in `work`, load the release coopkg builds under
    `env` into it (built first unless `build` is False), and set `env` so that coopkg reads
    from it; return what stops it, its `engine` attribute the running engine.

    Raises SystemExit with the reason when the engine or a step cannot run.
    """
    from engine_server import oxigraph_command, oxigraph_server
    from virtuoso_server import DBA, virtuoso_command, virtuoso_server

    if build:
        _run([sys.executable, "-m", "server", "release"], env, "coopkg release")
    stack = ExitStack()
    folder = work / "engine"
    folder.mkdir(parents=True)
    try:
        if kind == "oxigraph-server":
            if oxigraph_command() is None:
                raise SystemExit("--engine oxigraph-server needs the `oxigraph` command (pip install oxigraph)")
            engine = stack.enter_context(oxigraph_server(folder, folder / "database", writable=True))
            load = {"COOPKG_ENGINE_URL": engine.url, "COOPKG_ENGINE_STORE_URL": engine.store_url}
        elif kind == "virtuoso":
            if virtuoso_command() is None:
                raise SystemExit("--engine virtuoso needs virtuoso-t and isql-vt (apt-get install virtuoso-opensource)")
            engine = stack.enter_context(virtuoso_server(folder))
            load = {
                "COOPKG_ENGINE_URL": engine.url,
                "COOPKG_ENGINE_STORE_URL": engine.url + "-graph-crud-auth",
                "COOPKG_ENGINE_USER": DBA[0],
                "COOPKG_ENGINE_PASSWORD": DBA[1],
            }
        else:
            raise SystemExit(f"--engine: unknown engine {kind!r} (known: {', '.join(KINDS)})")
        _run([sys.executable, "-m", "server", "load"], {**env, **load}, "coopkg load")
        if kind == "virtuoso":  # after the load: literals loaded after the rule wait for the next batch
            engine.text_index()
    except BaseException:
        stack.close()
        raise
    env["COOPKG_ENGINE_URL"] = engine.url
    if kind == "virtuoso":
        env["COOPKG_ENGINE_TEXT_INDEX"] = "virtuoso"
    print(f"{kind}: serving the release at {engine.url} for coopkg", file=sys.stderr)
    stack.engine = engine
    return stack


def _run(command: list[str], env: dict, what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"{what} failed (exit {done.returncode}): {tail[0]}")


# --- coopkg on each engine, side by side: bench/run.py --engines embedded,oxigraph-server,virtuoso ---

SIDE_BY_SIDE = ("embedded", *KINDS)
NAMES = {"embedded": "embedded store", "oxigraph-server": "Oxigraph server", "virtuoso": "Virtuoso"}


def side_by_side(args, kinds: list[str]) -> dict:
    """Measure coopkg's query shapes and pages on each engine of `kinds` in turn, on one
    generated graph and one release (built once, then loaded into each engine); return the
    figures for `side_by_side_report`. Only coopkg and the engine under it run at a time."""
    import shutil
    import tempfile

    import run

    work = Path(tempfile.mkdtemp(prefix="coopkg-bench-"))
    try:
        laid = run.lay_out(args, work)
        started = time.perf_counter()
        _run([sys.executable, "-m", "server", "release"], laid.env, "coopkg release")
        built_s = time.perf_counter() - started
        print(f"coopkg release: built in {built_s:.1f} s", file=sys.stderr)
        columns = {kind: _one_engine(run, kind, work, laid, args) for kind in kinds}
        return {"laid": laid, "built_s": built_s, "columns": columns}
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _one_engine(run, kind: str, work: Path, laid, args) -> dict:
    """Serve coopkg on engine `kind` (started and loaded first, unless embedded) and measure it."""
    from harness import free_port

    env = dict(laid.env)
    stack = external(kind, work / kind, env, build=False) if kind != "embedded" else ExitStack()
    with stack:
        engine = None
        if kind != "embedded":
            engine = run.Server(kind, stack.engine.url, process=stack.engine.process)
            engine.watch()  # its memory; stopped by the stack, not by us
        port = free_port()
        coopkg = run.Server(f"coopkg on {kind}", f"http://127.0.0.1:{port}/sparql")
        serve = [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)]
        try:
            run.start(coopkg, serve, env, work / f"coopkg-{kind}.log", args.startup_limit)
            print(f"coopkg on {kind}: first answer {coopkg.startup_s:.1f} s", file=sys.stderr)
            figures = _shapes_and_pages(run, coopkg, work, laid.organisation, args)
        finally:
            coopkg.stop()
            if engine is not None:
                engine._stop.set()
        figures["startup"] = (coopkg.startup_s, coopkg.startup_load)
        figures["coopkg_mb"] = coopkg.peak_mb
        figures["engine_mb"] = engine.peak_mb if engine is not None else None
        return figures


def _shapes_and_pages(run, coopkg, work: Path, organisation: str, args) -> dict:
    new_text, new_url, new_param = work / "new-text.lua", work / "new-url.lua", work / "new-param.lua"
    new_text.write_text(run.NEW_TEXT_LUA.replace("{separator}", "%0A%23"), encoding="utf-8")
    new_url.write_text(run.NEW_TEXT_LUA.replace("{separator}", "?n="), encoding="utf-8")
    new_param.write_text(run.NEW_TEXT_LUA.replace("{separator}", "&n="), encoding="utf-8")  # after ?q=
    results, answers = {}, {}
    for shape, template in run.QUERIES.items():
        url = run.sparql_url(coopkg, template.format(entity=run.ENTITY.format(organisation)))
        answers[shape], alone = _answer(url, run.ACCEPT_RESULTS)
        results[shape] = run.run_wrk(url, args.duration, args.connections, run.ACCEPT_RESULTS)
        results[shape + run.NEW_TEXT] = run.run_wrk(url, args.duration, args.connections, run.ACCEPT_RESULTS, new_text)
        results[shape + run.NEW_TEXT]["alone_s"] = alone  # the first time this text was asked
        print(f"{shape} / {coopkg.name}: {answers[shape]} {results[shape]}", file=sys.stderr)
    base = coopkg.url.removesuffix("/sparql")
    organisation_url = f"{base}/id/organisation/{organisation}"
    pages = {
        "text search, coopkg's own index or Virtuoso's (`/search.json?q=soja`)": (
            f"{base}/search.json?q=soja",
            "application/json",
            None,
        ),
        "entity page (HTML)": (organisation_url, "text/html", None),
        "entity page (HTML)" + run.NEW_TEXT: (organisation_url, "text/html", new_url),
        "search page (HTML)" + run.NEW_TEXT: (f"{base}/search?q=soja", "text/html", new_param),
        "classes index (HTML)" + run.NEW_TEXT: (f"{base}/classes", "text/html", new_url),
        "catalogue (Turtle)": (f"{base}/catalog", "text/turtle", None),
    }
    for page, (url, accept, script) in pages.items():
        if page.removesuffix(run.NEW_TEXT) not in answers:  # asked once first: the first time, timed
            answers[page.removesuffix(run.NEW_TEXT)], alone = _answer(url, accept)
        results[page] = run.run_wrk(url, args.duration, args.connections, accept, script)
        if script is not None:
            results[page]["alone_s"] = alone
        print(f"{page} / {coopkg.name}: {answers[page.removesuffix(run.NEW_TEXT)]} {results[page]}", file=sys.stderr)
    return {"results": results, "answers": answers, "pages": list(pages)}


def _answer(url: str, accept: str) -> tuple[str, float | None]:
    """Return what one GET of `url` answers (its status and its solutions or hits, SPARQL JSON
    or /search.json, or the first line of its error) and its seconds when it was answered."""
    import json
    import urllib.error
    import urllib.request

    started = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=60) as answer:
            body = answer.read()
            status, what = answer.status, ""
    except urllib.error.HTTPError as error:
        line = error.read().decode("utf-8", "replace").strip().splitlines()[:1] or [""]
        return f"{error.code}: {line[0][:160]}", None
    except (urllib.error.URLError, TimeoutError) as error:
        return f"failed: {error}"[:120], None
    seconds = time.perf_counter() - started
    if accept in ("application/sparql-results+json", "application/json"):
        found = json.loads(body)
        what = f"{found['count']} hits" if "count" in found else f"{len(found['results']['bindings'])} rows"
    return f"{status}, {what + ', ' if what else ''}{seconds * 1000:.0f} ms the first time", seconds


def side_by_side_report(figures: dict, args, kinds: list[str], machine: str) -> str:
    """Return the Markdown section of a side-by-side run: a column per engine."""
    import run

    laid, columns = figures["laid"], figures["columns"]
    head = " | ".join(f"coopkg on {NAMES[k]}" for k in kinds)
    lines = [
        f"### {laid.triples:,} triples, coopkg on {', '.join(NAMES[k] for k in kinds)} "
        f"({args.duration} s per figure, {args.connections} connections)",
        "",
        "Throughput in requests/s (p50 / p99 latency), the same requests to coopkg served on each engine "
        f"in turn (release built once, in {figures['built_s']:.1f} s, then loaded with `coopkg load`).",
        "",
        f"| figure | {head} | load avg |",
        "|---" * (len(kinds) + 2) + "|",
    ]

    def row(label: str, cells: list[str], load: float | None) -> None:
        lines.append(f"| {label} | {' | '.join(cells)} | {'' if load is None else f'{load:.2f}'} |")

    starts = [columns[k]["startup"] for k in kinds]
    row("start-up to first answer, existing release", [f"{s:.1f} s" for s, _ in starts], max(ld for _, ld in starts))
    row("peak memory, coopkg's process tree", [f"{columns[k]['coopkg_mb']:.0f} MB" for k in kinds], None)
    row(
        "peak memory, the engine's process",
        ["in coopkg's" if columns[k]["engine_mb"] is None else f"{columns[k]['engine_mb']:.0f} MB" for k in kinds],
        None,
    )
    shapes = [s for q in run.QUERIES for s in (q, q + run.NEW_TEXT)] + columns[kinds[0]]["pages"]
    for shape in shapes:
        figures_of = [columns[k]["results"].get(shape) for k in kinds]
        said = [columns[k]["answers"].get(shape.removesuffix(run.NEW_TEXT)) for k in kinds]
        cells = [_cell(run, f, answer) for f, answer in zip(figures_of, said, strict=True)]
        row(shape, cells, max((f or {}).get("load", 0) for f in figures_of))
    answered = [
        f"{shape}: " + ", ".join(f"{NAMES[k]} {columns[k]['answers'][shape]}" for k in kinds)
        for shape in columns[kinds[0]]["answers"]
    ]
    lines += [
        "",
        "What one request answered, on each engine, before its figure: " + "; ".join(answered) + ".",
        "",
        f"Rows marked{run.NEW_TEXT} send a new query text (a comment with a counter) or a new URL (an "
        "unread parameter) each time, so that no answer kept for the release serves them: the query goes "
        "to the engine (or to a query worker on the embedded store) and the page is rendered again.",
        "",
        f"Generated in {laid.generated_s:.1f} s. Machine: {machine}.",
        "",
        f"Reproduce: `python bench/run.py --triples {args.triples} --duration {args.duration} "
        f"--connections {args.connections} --seed {args.seed} --engines {','.join(kinds)}`",
        "",
    ]
    return "\n".join(lines)


def _cell(run, figures: dict | None, answer: str | None) -> str:
    if not figures or "rps" not in figures:
        return "—" if not figures else "failed"
    if answer and not answer.startswith("200") and figures.get("errors"):
        return f"refused every time ({answer.split(':')[0]}, {figures['rps']:,.1f} answers/s)"
    if not figures["rps"] and figures.get("alone_s"):
        return f"none within the {figures['duration']} s; the first one alone: {figures['alone_s']:.1f} s"
    return run._rps(figures)


def write_side_by_side(out: Path, section: str, triples: int) -> None:
    """Put `section` in `out` between markers named after the size; a new one goes just before
    "## Next steps" (in the section "## Engines side by side"), the rest kept."""
    begin, end = f"<!-- bench/run.py {triples} engines begin -->", f"<!-- bench/run.py {triples} engines end -->"
    text = out.read_text(encoding="utf-8")
    block = f"{begin}\n{section}{end}\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1].lstrip("\n")
    elif "\n## Next steps" in text:
        head, rest = text.split("\n## Next steps", 1)
        text = head.rstrip("\n") + "\n\n" + block + "\n## Next steps" + rest
    else:
        text = text.rstrip("\n") + "\n\n" + block
    out.write_text(text, encoding="utf-8")
