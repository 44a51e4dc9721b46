"""The rolling switch on an external engine (docs/engines.md, "The rolling switch"): `coopkg
load` loads a release under new graph names, switches the record, drops the release before the
previous one; an app keeps reading whole graphs of the release it serves while others load,
says which release the engine holds, refuses (503) once its release is gone, and recovers when
it is loaded again. Run on a real Oxigraph server and a real Virtuoso 7, each a new database."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from engine_server import oxigraph_command, oxigraph_server
from virtuoso_server import DBA, virtuoso_command, virtuoso_server

from server import create_app
from server.cli import main
from server.config import Settings
from server.engine_release import ReleaseMismatch
from server.load import load_release

PAGES = ("/", "/classes", "/id/organisation/cc-zou", "/search?q=zou", "/def/")


@dataclass(frozen=True)
class OtherRelease:
    """The session's release under another version: what a later `coopkg release` gives."""

    version: str
    store_path: Path


@pytest.fixture(params=["oxigraph", "virtuoso"])
def writable_engine(request, tmp_path):
    """A new, empty engine that takes writes: (its SPARQL URL, its COOPKG_* load settings)."""
    if request.param == "oxigraph":
        if oxigraph_command() is None:
            pytest.fail("needs the `oxigraph` command (pip install oxigraph)")
        with oxigraph_server(tmp_path, tmp_path / "empty", writable=True) as engine:
            yield engine.url, {"COOPKG_ENGINE_URL": engine.url, "COOPKG_ENGINE_STORE_URL": engine.store_url}
    else:
        if virtuoso_command() is None:
            pytest.fail("needs virtuoso-t and isql-vt (scripts/install-test-system-deps: virtuoso-opensource)")
        with virtuoso_server(tmp_path) as engine:
            yield (
                engine.url,
                {
                    "COOPKG_ENGINE_URL": engine.url,
                    "COOPKG_ENGINE_STORE_URL": engine.url + "-graph-crud-auth",
                    "COOPKG_ENGINE_USER": DBA[0],
                    "COOPKG_ENGINE_PASSWORD": DBA[1],
                },
            )


def _main_text(answer) -> str:
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    return BeautifulSoup(answer.data, "html.parser").select_one("main").get_text(" ", strip=True)


def _load_other(published, env: dict, version: str):
    settings = Settings.load(
        {
            "release_dir": published.settings.release_dir,
            "engine_url": env["COOPKG_ENGINE_URL"],
            "engine_store_url": env["COOPKG_ENGINE_STORE_URL"],
        },
        environ={},
    )
    return load_release(OtherRelease(version, published.release.store_path), settings, environ=env)


def test_pages_read_during_loads_come_from_one_whole_release_then_a_mismatch_is_refused(
    writable_engine, runner, published, release_dir, client
):
    url, env = writable_engine
    mine = published.version
    first = runner.invoke(main, ["load"], env={"COOPKG_RELEASE_DIR": str(release_dir), **env})
    assert first.exit_code == 0, first.output
    expected = {path: _main_text(client.get(path)) for path in PAGES}

    app = create_app({"release_dir": release_dir, "engine_url": url, "engine_timeout": 60.0}, published=published)
    app.extensions["coopkg"].graph._every = 0.0  # re-read the record before every query: the worst case
    on_engine = app.test_client()
    assert on_engine.get("/health").json["engine"] == {"url": url, "serves": mine, "holds": mine}

    # Pages read without pause while two later releases are loaded: each answer is whole and ours.
    answers: list[tuple[str, int, str]] = []
    stop = threading.Event()

    def read() -> None:
        reader = app.test_client()
        while not stop.is_set():
            for path in PAGES:
                answer = reader.get(path)
                text = _main_text(answer) if answer.status_code == 200 else answer.get_data(as_text=True)
                answers.append((path, answer.status_code, text))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        loaded = _load_other(published, env, "9999.01.01.1")
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join()
    assert loaded.previous == mine and loaded.dropped == ()
    assert len(answers) >= len(PAGES)
    for path, status, text in answers:
        assert (status, text) == (200, expected[path]), path

    health = on_engine.get("/health")  # still on its own release, kept as the previous one
    assert health.status_code == 200 and health.json["engine"]["holds"] == "9999.01.01.1"
    second = create_app({"release_dir": release_dir, "engine_url": url}, published=published)
    assert _main_text(second.test_client().get("/id/organisation/cc-zou")) == expected["/id/organisation/cc-zou"]

    # A second later release drops ours: refused with one clear line, /health degraded.
    dropped = _load_other(published, env, "9999.01.01.2")
    assert dropped.previous == "9999.01.01.1" and len(dropped.dropped) == len(list(published.store.named_graphs()))
    refused = on_engine.get("/id/organisation/cc-zou")
    assert refused.status_code == 503 and refused.mimetype == "text/plain"
    assert f"holds release 9999.01.01.2, this server serves {mine}" in refused.get_data(as_text=True)
    health = on_engine.get("/health")
    assert health.status_code == 503 and health.json["status"] == "degraded"
    assert "holds release 9999.01.01.2" in health.json["engine"]["error"]
    with pytest.raises(ReleaseMismatch):
        create_app({"release_dir": release_dir, "engine_url": url}, published=published)

    # Loaded again: the running app reads it again.
    again = runner.invoke(main, ["load"], env={"COOPKG_RELEASE_DIR": str(release_dir), **env})
    assert again.exit_code == 0, again.output
    for path in PAGES:
        assert _main_text(on_engine.get(path)) == expected[path], path
    assert on_engine.get("/health").json["engine"]["holds"] == mine
