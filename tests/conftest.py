"""Shared fixtures: the project's knowledge base, read and validated once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from server import create_app
from server.config import PROJECT_ROOT, Settings
from server.knowledge import load_knowledge
from server.state import Published
from server.store import build_store

SOURCES = PROJECT_ROOT / "sources"
PRESS_RELEASE = SOURCES / "000_e304bfd7c8cccc77.txt"


@pytest.fixture(scope="session")
def knowledge():
    return load_knowledge(PROJECT_ROOT)


@pytest.fixture(scope="session")
def store(knowledge):
    """The store as `coopkg serve` builds it, under the canonical base."""
    return build_store(knowledge, Settings().base_iri)


@pytest.fixture(scope="session")
def published(tmp_path_factory):
    """The release `coopkg serve` would publish, built in a temporary releases folder."""
    releases = tmp_path_factory.mktemp("releases")
    return Published.open(Settings.load({"release_dir": releases}, environ={}))


@pytest.fixture(scope="session")
def app(published):
    app = create_app({}, published=published)
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
    import shutil

    for folder in ("ontology", "shapes", "graph", "queries", "catalog"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return tmp_path


@pytest.fixture(scope="module")
def coopkg_server(tmp_path_factory):
    """`coopkg serve` in a subprocess on a free loopback port, with its own releases folder.

    Yields (root URL, releases folder); the server is stopped at the end of the module.
    """
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    releases = tmp_path_factory.mktemp("served-releases")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPKG_")}
    env.update(COOPKG_RELEASE_DIR=str(releases), COOPKG_PORT=str(port))
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "serve"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    root = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(root + "health", timeout=5):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("coopkg serve did not start: " + server.stderr.read().decode())
            time.sleep(0.3)
    yield root, releases
    server.terminate()
    server.wait(timeout=30)
    server.stderr.close()
