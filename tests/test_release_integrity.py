"""Releases that defend themselves: a damaged current release is not served (the newest intact
earlier one is, and the log says why), and a file that goes missing or changes while a release
is served is answered 503 with a message, never under the intact file's ETag."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib
import requests

from server import create_app
from server.cli import EXIT_DAMAGED, main
from server.config import Settings
from server.integrity import FileProblem, check_release
from server.release import build_release, current_release
from server.release_folder import Release, earlier_releases, read_release
from server.state import Published

DUMP = "dumps/coopkg.nt"
ARCHIVED = "000_e304bfd7c8cccc77.txt"


def settings_for(releases: Path) -> Settings:
    return Settings.load({"release_dir": releases, "public_url": "http://coopkg.test/"}, environ={})


@pytest.fixture(scope="module")
def two_releases(release_dir, tmp_path_factory) -> Path:
    """A releases folder holding the session's release and a later one, built once per module."""
    folder = tmp_path_factory.mktemp("two-releases") / "releases"
    shutil.copytree(release_dir, folder, symlinks=True)
    build_release(settings_for(folder), force=True)
    return folder


@pytest.fixture()
def releases(two_releases, tmp_path) -> Path:
    """A copy of the two releases that a test may break."""
    folder = tmp_path / "releases"
    shutil.copytree(two_releases, folder, symlinks=True)
    return folder


def current_and_previous(releases: Path) -> tuple[Release, Release]:
    current = current_release(releases)
    return current, read_release(earlier_releases(releases, current.version)[0])


def largest(folder: Path, pattern: str) -> Path:
    return max(folder.glob(pattern), key=lambda path: path.stat().st_size)


def overwrite_middle(path: Path) -> None:
    """Change bytes in the middle of `path`, keeping its size."""
    size = path.stat().st_size
    with path.open("r+b") as stream:
        stream.seek(size // 2)
        stream.write(bytes(b ^ 0xFF for b in path.read_bytes()[size // 2 : size // 2 + 64]))


def truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def without_store_table(release: Path) -> None:
    """Make `release` look like one of schema 2 (no table of the store's files), then remove its store."""
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    del manifest["store"]
    (release / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    shutil.rmtree(release / "store")


# How each breakage is done to the current release, and what the reason logged must name.
BREAKAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated store file": (lambda r: truncate(largest(r / "store", "*.sst")), "store/"),
    "overwritten store file": (lambda r: overwrite_middle(largest(r / "store", "*.sst")), "SHA-256"),
    "store removed": (lambda r: shutil.rmtree(r / "store"), "store/"),
    "store emptied": (lambda r: [p.unlink() for p in (r / "store").iterdir()], "store/"),
    "store removed, no store table": (lambda r: without_store_table(r), "the store cannot be opened"),
    "truncated dump": (lambda r: truncate(r / DUMP), DUMP),
    "overwritten dump": (lambda r: overwrite_middle(r / DUMP), DUMP),
    "removed dump": (lambda r: (r / DUMP).unlink(), DUMP),
    "removed catalogue": (lambda r: (r / "catalog.ttl").unlink(), "catalog.ttl"),
    "nonsense manifest": (lambda r: (r / "manifest.json").write_text("{nonsense", encoding="utf-8"), "manifest.json"),
    "manifest without files": (lambda r: (r / "manifest.json").write_text('{"version": 1}', "utf-8"), "manifest.json"),
}


# --- at start ------------------------------------------------------------------------------


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_damaged_current_release_falls_back_to_the_previous_one(releases, breakage, caplog):
    current, previous = current_and_previous(releases)
    damage, named = BREAKAGES[breakage]
    damage(current.folder)
    caplog.set_level(logging.INFO, logger="coopkg.release")
    published = Published.open(settings_for(releases))
    assert published.version == previous.version
    assert published.damaged is not None and published.damaged.version == current.version
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert current.version in warnings[0] and named in warnings[0] and previous.version in warnings[0]
    assert os.readlink(releases / "current") == current.version, "the current link is left as it was"
    assert len(published.store) == sum(previous.manifest["counts"]["graphs"].values())
    client = create_app({}, published=published).test_client()
    with client.get(f"/{DUMP}") as response:
        assert response.status_code == 200
        body = response.get_data()
    assert response.headers["ETag"].strip('"') == previous.manifest["files"][DUMP]["sha256"]
    assert hashlib.sha256(body).hexdigest() == previous.manifest["files"][DUMP]["sha256"]


def test_with_no_intact_release_a_new_one_is_built(releases, caplog):
    current, previous = current_and_previous(releases)
    truncate(current.folder / DUMP)
    shutil.rmtree(previous.store_path)
    caplog.set_level(logging.WARNING, logger="coopkg.release")
    published = Published.open(settings_for(releases))
    assert published.version not in (current.version, previous.version)
    assert os.readlink(releases / "current") == published.version
    assert "no earlier release is intact" in caplog.text
    check_release(published.release.folder, published.manifest, hash_limit=None)


def test_an_intact_current_release_is_served_and_is_fully_checkable(releases):
    current, _ = current_and_previous(releases)
    published = Published.open(settings_for(releases))
    assert (published.version, published.damaged) == (current.version, None)
    assert set(current.manifest["store"]) and all(name.startswith("store/") for name in current.manifest["store"])
    check_release(current.folder, current.manifest, hash_limit=None)


def test_nothing_to_serve_exits_4_with_one_line(tmp_path, runner):
    not_a_folder = tmp_path / "releases"
    not_a_folder.write_text("", encoding="utf-8")
    result = runner.invoke(main, ["serve", "--port", "0"], env={"COOPKG_RELEASE_DIR": str(not_a_folder)})
    assert result.exit_code == EXIT_DAMAGED, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("coopkg:")]
    assert len(lines) == 1 and lines[0].startswith("coopkg: nothing to serve"), result.output


def test_release_check_hashes_everything_and_names_the_damage(releases, runner):
    current, previous = current_and_previous(releases)
    env = {"COOPKG_RELEASE_DIR": str(releases)}
    intact = runner.invoke(main, ["release", "--check"], env=env)
    assert intact.exit_code == 0, intact.output
    assert f"{current.version} (current): intact" in intact.output and f"{previous.version}: intact" in intact.output
    overwrite_middle(current.folder / DUMP)
    damaged = runner.invoke(main, ["release", "--check"], env=env)
    assert damaged.exit_code == EXIT_DAMAGED
    assert f"{current.version} (current): damaged: {DUMP}" in damaged.output
    assert os.readlink(releases / "current") == current.version, "--check builds and switches nothing"


def test_release_rebuilds_a_damaged_current_release(releases, runner):
    current, _ = current_and_previous(releases)
    (current.folder / "void.ttl").unlink()
    result = runner.invoke(main, ["release"], env={"COOPKG_RELEASE_DIR": str(releases)})
    assert result.exit_code == 0, result.output
    assert "void.ttl is missing" in result.output
    assert os.readlink(releases / "current") != current.version


# --- while serving -------------------------------------------------------------------------


@pytest.fixture()
def serving(releases):
    """An app serving the current release of a copy, and that release, for a test to break."""
    published = Published.open(settings_for(releases))
    app = create_app({}, published=published)
    return app.test_client(), published.release


RUN_TIME_BREAKAGES = {
    "truncated": (truncate, "changed since"),
    "removed": (Path.unlink, "cannot be read"),
    "rewritten with the same size": (overwrite_middle, "changed since"),
}


@pytest.mark.parametrize("breakage", RUN_TIME_BREAKAGES)
def test_a_dump_broken_while_served_is_a_503_without_its_etag(serving, breakage, caplog):
    client, release = serving
    with client.get(f"/{DUMP}") as response:
        assert response.status_code == 200
        intact = response.headers["ETag"]
    damage, why = RUN_TIME_BREAKAGES[breakage]
    damage(release.folder / DUMP)
    caplog.set_level(logging.WARNING, logger="coopkg.release")
    for method, headers in (
        ("GET", {}),
        ("HEAD", {}),
        ("GET", {"If-None-Match": intact}),
        ("GET", {"Range": "bytes=0-9"}),
    ):
        with client.open(f"/{DUMP}", method=method, headers=headers) as response:
            assert response.status_code == 503, (method, headers)
            assert "ETag" not in response.headers and "Last-Modified" not in response.headers
            assert response.mimetype == "text/plain"
            if method == "GET":
                message = response.get_data(as_text=True)
                assert DUMP in message and release.version in message and why in message
    assert [r.name for r in caplog.records if DUMP in r.getMessage()].count("coopkg.release") == 1, "logged once"
    with client.get("/dumps/coopkg.ttl") as other:
        assert other.status_code == 200, "the other dumps are still served"


def test_an_archived_source_removed_while_served_is_a_503(serving):
    client, release = serving
    release.archived(ARCHIVED).unlink()
    with client.get(f"/sources/{ARCHIVED}") as response:
        assert response.status_code == 503 and "ETag" not in response.headers
        assert ARCHIVED in response.get_data(as_text=True)


def test_the_catalogue_is_served_as_checked_at_open_whatever_its_file_becomes(serving):
    client, release = serving
    with client.get("/catalog", headers={"Accept": "text/turtle"}) as response:
        before, etag = response.get_data(), response.headers["ETag"]
    for name in ("catalog.ttl", "void.ttl", "sitemap.xml"):
        (release.folder / name).unlink()
    with client.get("/catalog", headers={"Accept": "text/turtle"}) as response:
        assert response.status_code == 200 and response.headers["ETag"] == etag
        assert response.get_data() == before
        assert len(rdflib.Graph().parse(data=response.get_data(), format="turtle")) > 0
    for path in ("/.well-known/void", "/sitemap.xml"):
        with client.get(path) as response:
            assert response.status_code == 200, path


def test_a_dump_not_hashed_at_open_is_hashed_before_it_is_first_served(releases):
    current, _ = current_and_previous(releases)
    files = check_release(current.folder, current.manifest, hash_limit=0)
    path = current.folder / DUMP
    stat = path.stat()
    overwrite_middle(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same time: only the hash tells
    with pytest.raises(FileProblem, match="SHA-256"):
        files.open(DUMP)
    stream, seen = files.open("dumps/coopkg.ttl")
    with stream:
        assert hashlib.sha256(stream.read()).hexdigest() == current.manifest["files"]["dumps/coopkg.ttl"]["sha256"]
    assert seen.bytes == current.manifest["files"]["dumps/coopkg.ttl"]["bytes"]


# --- a live server -------------------------------------------------------------------------


def test_a_live_server_on_a_broken_current_store_serves_the_previous_release(releases, serve):
    current, previous = current_and_previous(releases)
    truncate(largest(current.store_path, "*.sst"))
    with serve(release_dir=releases) as server:
        response = requests.get(server.url + DUMP, timeout=30)
        assert response.status_code == 200
        assert response.headers["ETag"].strip('"') == previous.manifest["files"][DUMP]["sha256"]
        answer = requests.post(
            server.sparql,
            data={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        assert answer.status_code == 200
        count = int(answer.json()["results"]["bindings"][0]["n"]["value"])
        assert count == sum(previous.manifest["counts"]["graphs"].values())
        output = server.output()
    assert "Traceback" not in output
    warning = next(line for line in output.splitlines() if "WARNING" in line and "damaged" in line)
    assert current.version in warning and previous.version in warning and "store/" in warning
