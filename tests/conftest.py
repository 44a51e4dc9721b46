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

SOURCES = PROJECT_ROOT.parent / "shared" / "sources"
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
    """The primary source, when the shared folder is beside the checkout (it is on CI)."""
    if not PRESS_RELEASE.is_file():
        pytest.fail(f"the primary source is missing: {PRESS_RELEASE}")
    return PRESS_RELEASE.read_text(encoding="utf-8")


@pytest.fixture()
def project_copy(tmp_path) -> Path:
    """A copy of ontology/, shapes/, graph/, queries/ and catalog/ that a test may break."""
    import shutil

    for folder in ("ontology", "shapes", "graph", "queries", "catalog"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return tmp_path
