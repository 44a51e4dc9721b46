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
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # the engines' set-up, shared with the tests

KINDS = ("oxigraph-server", "virtuoso")


def external(kind: str, work: Path, env: dict) -> ExitStack:
    """Start the engine `kind` (one of KINDS) in `work`, load the release coopkg builds under
    `env` into it, and set `env` so that coopkg reads from it; return what stops it.

    Raises SystemExit with the reason when the engine or a step cannot run.
    """
    from engine_server import oxigraph_command, oxigraph_server
    from virtuoso_server import DBA, virtuoso_command, virtuoso_server

    _run([sys.executable, "-m", "server", "release"], env, "coopkg release")
    stack = ExitStack()
    folder = work / "engine"
    folder.mkdir()
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
            engine.text_index()
            load = {
                "COOPKG_ENGINE_URL": engine.url,
                "COOPKG_ENGINE_STORE_URL": engine.url + "-graph-crud-auth",
                "COOPKG_ENGINE_USER": DBA[0],
                "COOPKG_ENGINE_PASSWORD": DBA[1],
            }
        else:
            raise SystemExit(f"--engine: unknown engine {kind!r} (known: {', '.join(KINDS)})")
        _run([sys.executable, "-m", "server", "load"], {**env, **load}, "coopkg load")
    except BaseException:
        stack.close()
        raise
    env["COOPKG_ENGINE_URL"] = engine.url
    if kind == "virtuoso":
        env["COOPKG_ENGINE_TEXT_INDEX"] = "virtuoso"
    print(f"{kind}: serving the release at {engine.url} for coopkg", file=sys.stderr)
    return stack


def _run(command: list[str], env: dict, what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"{what} failed (exit {done.returncode}): {tail[0]}")
