"""Shared fixtures: the project's knowledge base read once, one release built once per session
(in a temporary folder) for the in-process app and for every live server, and the servers.

Nothing here writes into the checkout: releases, server logs and the working directory are
temporary folders; browser tests write their artifacts outside it (browser_support.ARTIFACTS,
named at the end of the run).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, chromium, missing
from click.testing import CliRunner
from engine_server import coopkg_load, oxigraph_command, oxigraph_server
from sparql_server import LiveServer, live_server
from virtuoso_server import DBA, virtuoso_command, virtuoso_server

from server import create_app
from server.config import PROJECT_ROOT, Settings
from server.engine_graph import open_graph
from server.graphs import EmbeddedGraph
from server.knowledge import load_knowledge
from server.release import build_release
from server.state import Published
from server.store import build_store

SOURCES = PROJECT_ROOT / "sources"
PRESS_RELEASE = SOURCES / "000_e304bfd7c8cccc77.txt"
STARTED = time.time()


def pytest_xdist_auto_num_workers(config) -> int:
    """Workers for `-n auto` (pyproject.toml): for the suite or a folder of it, one per core, at
    most four (the longest files set the pace); none when given files (starting workers costs
    more than it saves on a few files)."""
    if all(Path(arg.split("::")[0]).is_file() for arg in config.args):
        return 0
    return min(4, os.cpu_count() or 1)


# --- engines ---------------------------------------------------------------------------------
# The page, negotiation, search, catalogue and competency-question tests run on every engine:
# the release's own store, and the same release loaded by `coopkg load` into a real Oxigraph
# server and a real Virtuoso 7, each started once per test process (docs/engines.md, "Tested
# on every engine"). What a test expects of the pages stays the embedded store's answer.
ENGINES = ("embedded", "oxigraph", "virtuoso")
ENGINE_TESTS = frozenset(
    {
        "test_pages_domain",
        "test_pages_entity",
        "test_pages_index",
        "test_pages_negotiation",
        "test_pages_search",
        "test_negotiation",
        "test_catalog",
        "test_competency_queries",
        "test_explore",
        "test_profiles",
    }
)


def pytest_addoption(parser):
    parser.addoption(
        "--engines",
        default=",".join(ENGINES),
        help=f"the engines the page tests run on, comma-separated (default: all of {', '.join(ENGINES)})",
    )


def pytest_generate_tests(metafunc):
    """Run each test of ENGINE_TESTS that reads the app or the graph once per engine."""
    if "engine_kind" in metafunc.fixturenames and metafunc.module.__name__.rsplit(".", 1)[-1] in ENGINE_TESTS:
        chosen = [name.strip() for name in metafunc.config.getoption("engines").split(",") if name.strip()]
        unknown = set(chosen) - set(ENGINES)
        if unknown:
            raise pytest.UsageError(
                f"--engines: unknown engine {', '.join(sorted(unknown))} (known: {', '.join(ENGINES)})"
            )
        metafunc.parametrize("engine_kind", chosen, indirect=True, scope="session")


@pytest.fixture(scope="session")
def engine_kind(request) -> str:
    """The engine the app and `graph` read: 'embedded' unless the test is run on each engine."""
    return getattr(request, "param", "embedded")


@pytest.fixture(scope="session")
def oxigraph_engine(tmp_path_factory, release_dir):
    """A real Oxigraph server (`oxigraph serve`, writable) on loopback, the session's release
    loaded into it by `coopkg load`; stopped by its PID at the end of the session."""
    if oxigraph_command() is None:
        pytest.fail("needs the `oxigraph` command (pip install oxigraph)")
    folder = tmp_path_factory.mktemp("oxigraph-engine")
    with oxigraph_server(folder, folder / "database", writable=True) as running:
        coopkg_load(release_dir, running.url, running.store_url)
        yield running


@pytest.fixture(scope="session")
def virtuoso_engine(tmp_path_factory, release_dir):
    """A real Virtuoso 7 (`virtuoso-t`, a private database) on loopback, the session's release
    loaded into it by `coopkg load` through its Graph Store Protocol (digest, as dba); stopped
    by its PID at the end of the session."""
    if virtuoso_command() is None:
        pytest.fail("needs virtuoso-t and isql-vt (scripts/install-test-system-deps: virtuoso-opensource)")
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso-engine")) as running:
        coopkg_load(release_dir, running.url, running.url + "-graph-crud-auth", DBA)
        running.text_index()
        yield running


@pytest.fixture(scope="session")
def engine_server(request, engine_kind):
    """The running engine of `engine_kind` (None for the embedded store)."""
    return None if engine_kind == "embedded" else request.getfixturevalue(f"{engine_kind}_engine")


def pytest_terminal_summary(terminalreporter):
    if ARTIFACTS.is_dir() and ARTIFACTS.stat().st_mtime >= STARTED:
        terminalreporter.write_line(f"browser test artifacts (screenshots, axe results): {ARTIFACTS}")


@pytest.fixture(scope="session", autouse=True)
def _hermetic(tmp_path_factory) -> Iterator[None]:
    """Run every test as on a fresh machine: in an empty working directory (no coopkg.toml is
    read, nothing relative is written into the checkout), without the caller's COOPKG_* settings,
    and with this checkout's code first on the path of every subprocess."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("cwd"))
        for name in ["COOPKG_CONFIG", *("COOPKG_" + field.name.upper() for field in fields(Settings))]:
            patch.delenv(name, raising=False)
        patch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])))
        yield


@pytest.fixture(scope="session")
def knowledge():
    return load_knowledge(PROJECT_ROOT)


@pytest.fixture(scope="session")
def store(knowledge):
    """The store as `coopkg serve` builds it, under the canonical base."""
    return build_store(knowledge, Settings().base_iri)


@pytest.fixture(scope="session")
def engine_graph(engine_server):
    """The engine the test runs on as the pages read it (SparqlHttpGraph), None for the
    embedded store."""
    if engine_server is None:
        yield None
        return
    remote = open_graph(Settings.load({"engine_url": engine_server.url, "engine_timeout": 60.0}, environ={}), None)
    yield remote
    remote.close()


@pytest.fixture(scope="session")
def graph(store, engine_graph):
    """The `store` as the pages read it (server.graphs): in process, or on the engine the
    test runs on (the same release loaded there)."""
    return engine_graph or EmbeddedGraph(store)


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory) -> Path:
    """A releases folder holding one release of the project's sources, built once per session;
    the in-process app and the live servers all serve it."""
    folder = tmp_path_factory.mktemp("releases")
    build_release(Settings.load({"release_dir": folder}, environ={}))
    return folder


@pytest.fixture(scope="session")
def published(release_dir):
    """The release `coopkg serve` would publish (the session's release)."""
    return Published.open(Settings.load({"release_dir": release_dir}, environ={}))


@pytest.fixture(scope="session")
def app(published, release_dir, engine_server):
    """The app serving the session's release, reading the engine the test runs on."""
    settings = {"release_dir": release_dir}
    if engine_server is not None:  # a generous time limit: the machine running the tests may be busy
        settings.update(engine_url=engine_server.url, engine_timeout=60.0)
    app = create_app(settings, published=published)
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner():
    return CliRunner()


@pytest.fixture(scope="session")
def press_release_text() -> str:
    """The primary source, archived in sources/."""
    if not PRESS_RELEASE.is_file():
        pytest.fail(f"the primary source is missing: {PRESS_RELEASE}")
    return PRESS_RELEASE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sources_readme_text() -> str:
    """sources/notes-web-pages.md: the further sources, described in our own words."""
    readme = SOURCES / "notes-web-pages.md"
    if not readme.is_file():
        pytest.fail(f"the sources' README is missing: {readme}")
    return readme.read_text(encoding="utf-8")


@pytest.fixture()
def project_copy(tmp_path) -> Path:
    """A copy of ontology/, shapes/, graph/, queries/ and catalog/ that a test may break."""
    for folder in ("ontology", "shapes", "graph", "queries", "catalog"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return tmp_path


# --- live servers ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def serve(tmp_path_factory, release_dir):
    """Start `python -m server serve` on a free loopback port: `with serve(**settings) as server:`.

    Settings are given by name (query_workers=2, ...) and passed as COOPKG_* variables. The server
    serves the session's release unless `release_dir` names another folder (an empty one: the
    server builds its first release there). It is stopped when the `with` block ends.
    """

    def start(release_dir: Path | None = release_dir, **settings):
        return live_server(tmp_path_factory.mktemp("server"), release_dir=release_dir, **settings)

    return start


@pytest.fixture(scope="session")
def server(serve) -> Iterator[LiveServer]:
    """One server with the default settings, shared by the tests that only read from it."""
    with serve() as running:
        yield running


@pytest.fixture(scope="session")
def coopkg_server(serve, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """`coopkg serve` started on an empty releases folder, as on a fresh clone: it builds the
    first release itself. Yields (root URL, releases folder)."""
    releases = tmp_path_factory.mktemp("served-releases")
    with serve(release_dir=releases) as running:
        yield running.url, releases


# --- browsers ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright, launched once per session. When it, Playwright or
    the front-end assets are missing, the tests that need it fail and say what to install."""
    needs = missing()
    if needs:
        pytest.fail("the browser tests need: " + "; ".join(needs), pytrace=False)
    with chromium() as launched:
        yield launched
