"""Releases: built only from valid data, written atomically, never losing the last good one."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest

from server import create_app
from server.cli import main
from server.config import PROJECT_ROOT, ConfigError, Settings
from server.knowledge import UnreadableSource, load_knowledge
from server.links import RELEASE_ROOT
from server.namespaces import graph_iri
from server.release import build_release, current_release
from server.state import DataDoesNotConform, Published

BAD_PARTNERSHIP = """@prefix coop: <https://w3id.org/coopkg/def/> .
<https://w3id.org/coopkg/id/partnership/lonely> a coop:Partnership .
"""


@pytest.fixture()
def settings(project_copy, tmp_path) -> Settings:
    return Settings.load(
        {"root": project_copy, "release_dir": tmp_path / "releases", "public_url": "http://coopkg.test/"},
        environ={},
    )


def digests(folder: Path) -> dict[str, str]:
    """Every file below `folder` (store included) and its SHA-256, computed here."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_release_writes_manifest_matching_its_files(settings):
    release = build_release(settings)
    manifest = json.loads((release.folder / "manifest.json").read_text())
    assert re.fullmatch(r"\d{4}\.\d{2}\.\d{2}\.1", manifest["version"])
    assert manifest["date"] == datetime.now(UTC).date().isoformat() == manifest["issued"]
    assert os.readlink(settings.releases / "current") == manifest["version"]
    on_disk = digests(release.folder)
    listed = {name for name in on_disk if not name.startswith("store/") and name != "manifest.json"}
    assert set(manifest["files"]) == listed
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == on_disk[name]
        assert entry["bytes"] == (release.folder / name).stat().st_size
    assert {
        f"dumps/coopkg.{s}{gz}" for s in ("ttl", "nt", "nq", "trig", "jsonld", "rdf") for gz in ("", ".gz")
    } <= listed


def test_release_counts_each_graph_of_its_store(settings):
    release = build_release(settings)
    store = ox.Store.read_only(str(release.store_path))
    sources = ("press-release-zou-delegation", "hds-page-benin", "links")
    assert len(release.manifest["counts"]["graphs"]) == len(list(store.named_graphs()))
    for part in ("ontology", "shapes", *sources):
        name = graph_iri(settings.base_iri, part)
        quads = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(name)))
        assert release.manifest["counts"]["graphs"][name] == quads > 0


def test_unchanged_sources_reuse_the_release_and_force_builds_another(settings):
    first = build_release(settings)
    assert build_release(settings).folder == first.folder
    before = digests(first.folder)
    second = build_release(settings, force=True)
    assert second.version.endswith(".2") and second.version != first.version
    assert current_release(settings.releases).folder == second.folder
    assert digests(first.folder) == before, "a new release must not touch the previous one"
    assert second.manifest["issued"] == first.manifest["issued"]


def test_published_opens_the_current_release_and_rebuilds_when_sources_change(settings, project_copy):
    published = Published.open(settings)
    assert published.store_path == published.release.store_path
    assert len(published.store) == sum(published.manifest["counts"]["graphs"].values())
    assert Published.open(settings).version == published.version
    label = project_copy / "graph" / "press-release-zou-delegation" / "actors.ttl"
    label.write_text(label.read_text(encoding="utf-8").replace('"Benin"@en', '"Benin (country)"@en'), "utf-8")
    renewed = Published.open(settings)
    assert renewed.version != published.version
    assert renewed.refused is None
    benin = ox.Literal("Benin (country)", language="en")
    assert any(True for _ in renewed.store.quads_for_pattern(None, None, benin))


def test_release_of_invalid_data_is_refused_and_previous_still_serves(settings, project_copy, runner):
    good = build_release(settings)
    before = digests(good.folder)
    (project_copy / "graph" / "lonely.ttl").write_text(BAD_PARTNERSHIP, encoding="utf-8")
    env = {"COOPKG_ROOT": str(project_copy), "COOPKG_RELEASE_DIR": str(settings.releases)}
    result = runner.invoke(main, ["release"], env={**env, "COOPKG_PUBLIC_URL": "http://coopkg.test/"})
    assert result.exit_code == 1
    assert "partnership/lonely" in result.output
    assert "release refused" in result.output
    assert current_release(settings.releases).folder == good.folder
    assert sorted(p.name for p in settings.releases.iterdir() if not p.name.startswith(".")) == sorted(
        [good.version, "current"]
    )
    assert digests(good.folder) == before
    published = Published.open(settings)
    assert published.version == good.version
    assert isinstance(published.refused, DataDoesNotConform)
    client = create_app(settings.__dict__, published=published).test_client()
    with client.get("/dumps/coopkg.nt") as response:
        assert response.status_code == 200
        assert response.headers["ETag"].strip('"') == good.manifest["files"]["dumps/coopkg.nt"]["sha256"]


def test_the_on_disk_store_holds_what_the_n_quads_dump_holds_with_its_blank_node_labels(settings):
    """The store is filled from the release's N-Quads dump in a process of its own."""
    release = build_release(settings)
    dumped = set(ox.parse(path=str(release.folder / "dumps" / "coopkg.nq"), format=ox.RdfFormat.N_QUADS))
    store = ox.Store.read_only(str(release.folder / "store"))
    stored = set(store)
    assert stored == dumped
    assert any(isinstance(q.subject, ox.BlankNode) for q in stored)
    assert not [p for p in settings.releases.iterdir() if p.name.startswith(".building-")]


def test_data_pyshacl_must_decide_on_is_released_once_it_conforms(settings, project_copy, caplog):
    """A number not written in canonical form ("051" for 51): the whole-graph check cannot tell
    (the store would write it "51"), so pyshacl decides: the data conforms and is released."""
    figures = project_copy / "graph" / "hds-page-benin" / "benin-figures.ttl"
    text = figures.read_text(encoding="utf-8")
    assert '"51"^^xsd:decimal' in text
    figures.write_text(text.replace('"51"^^xsd:decimal', '"051"^^xsd:decimal'), encoding="utf-8")
    caplog.set_level(logging.INFO, logger="server")
    steps: list[str] = []
    release = build_release(settings, progress=steps.append)
    assert "not written in canonical form" in caplog.text
    assert steps[-2:] == ["sync", "switch"]
    assert current_release(settings.releases).folder == release.folder


def test_invalid_data_without_any_release_is_not_served(settings, project_copy):
    (project_copy / "graph" / "lonely.ttl").write_text(BAD_PARTNERSHIP, encoding="utf-8")
    with pytest.raises(DataDoesNotConform):
        Published.open(settings)
    assert not (settings.releases / "current").exists()


@pytest.mark.parametrize("broken", ["graph/broken.ttl", "catalog/dataset.ttl"])
def test_unreadable_source_exits_2_and_keeps_the_release(settings, project_copy, runner, broken):
    good = build_release(settings)
    (project_copy / broken).write_text("<a> <b> .", encoding="utf-8")
    env = {"COOPKG_ROOT": str(project_copy), "COOPKG_RELEASE_DIR": str(settings.releases)}
    result = runner.invoke(main, ["release"], env={**env, "COOPKG_PUBLIC_URL": "http://coopkg.test/"})
    assert result.exit_code == 2
    assert f"{broken}:1" in result.output
    assert current_release(settings.releases).folder == good.folder


def test_missing_catalogue_description_is_refused(settings, project_copy):
    (project_copy / "catalog" / "dataset.ttl").unlink()
    with pytest.raises(UnreadableSource):
        build_release(settings)
    assert not (settings.releases / "current").exists()


KILL_AT = """
import os, signal, sys
from server.config import Settings
from server.release import build_release
settings = Settings.load({"root": sys.argv[1], "release_dir": sys.argv[2], "public_url": "http://coopkg.test/"},
                         environ={})
def die(step):
    if step == sys.argv[3]:
        os.kill(os.getpid(), signal.SIGKILL)
build_release(settings, force=True, progress=die)
"""


@pytest.mark.parametrize("step", ["store", "dumps", "catalog", "sync", "switch"])
def test_build_killed_half_way_leaves_the_previous_release_intact(settings, step):
    good = build_release(settings)
    before = digests(good.folder)
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AT, str(settings.root), str(settings.releases), step],
        cwd=PROJECT_ROOT,
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr.decode()
    left = {p.name for p in settings.releases.iterdir()} - {".lock", "current", good.version}
    assert left, "the killed build should have left its unfinished folder behind"
    assert current_release(settings.releases).folder == good.folder
    assert digests(good.folder) == before
    assert Published.open(settings).version == good.version
    following = build_release(settings, force=True)
    assert not any(p.name.startswith(".building-") for p in settings.releases.iterdir())
    assert current_release(settings.releases).folder == following.folder != good.folder


def test_cli_release_lists_files_with_size_and_checksum(settings, project_copy, runner):
    env = {
        "COOPKG_ROOT": str(project_copy),
        "COOPKG_RELEASE_DIR": str(settings.releases),
        "COOPKG_PUBLIC_URL": "http://coopkg.test/",
    }
    result = runner.invoke(main, ["release"], env=env)
    assert result.exit_code == 0, result.output
    release = current_release(settings.releases)
    listed = {line.split()[2]: line.split()[:2] for line in result.stdout.splitlines()[2:]}
    assert "dumps/coopkg.ttl.gz" in listed
    for name, (size, sha256) in listed.items():
        assert int(size) == (release.folder / name).stat().st_size
        assert sha256 == hashlib.sha256((release.folder / name).read_bytes()).hexdigest()
    again = runner.invoke(main, ["release"], env=env)
    assert again.exit_code == 0 and "did not change" in again.output
    assert current_release(settings.releases).folder == release.folder


@pytest.mark.parametrize("value", ["ftp://example.org/", "http://example.org"])
def test_public_url_must_be_an_http_url_ending_in_slash(value):
    with pytest.raises(ConfigError):
        Settings.load({"public_url": value}, environ={})


def test_serve_on_a_fresh_clone_builds_a_release_then_serves_it(coopkg_server):
    root, releases = coopkg_server
    release = current_release(releases)
    assert release is not None, "coopkg serve should have built the first release"
    with urllib.request.urlopen(root + "robots.txt", timeout=30) as response:
        assert f"Sitemap: {root}sitemap.xml" in response.read().decode().splitlines()
    with urllib.request.urlopen(root + "dumps/coopkg.nq", timeout=30) as response:
        body = response.read()
    assert hashlib.sha256(body).hexdigest() == release.manifest["files"]["dumps/coopkg.nq"]["sha256"]


def test_an_app_without_a_release_answers_503(published, settings):
    bare = Published(settings, published.knowledge, published.store, published.store_path)
    client = create_app({}, published=bare).test_client()
    for path in ("/catalog", "/dumps/coopkg.ttl", "/.well-known/void", "/sitemap.xml", "/robots.txt"):
        with client.get(path) as response:
            assert response.status_code == 503, path
            assert b"coopkg release" in response.data


def test_build_failing_with_an_error_cleans_up_and_keeps_the_previous_release(settings):
    good = build_release(settings)

    def disk_full(step):
        if step == "catalog":
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        build_release(settings, force=True, progress=disk_full)
    assert {p.name for p in settings.releases.iterdir()} == {".lock", "current", good.version}
    assert current_release(settings.releases).folder == good.folder


# --- a release is its data ---------------------------------------------------------------

PRESS_RELEASE = "000_e304bfd7c8cccc77.txt"


def test_same_sources_give_byte_identical_dumps_whatever_the_public_url(project_copy, tmp_path):
    shutil.copytree(PROJECT_ROOT / "sources", project_copy / "sources")
    builds = []
    for name, overrides in (("a", {"port": 8001}), ("b", {"public_url": "https://data.example.org/coopkg/"})):
        settings = Settings.load({"root": project_copy, "release_dir": tmp_path / name, **overrides}, environ={})
        builds.append(build_release(settings))
    first, second = builds
    dumps = sorted(name for name in first.manifest["files"] if name.startswith("dumps/"))
    assert len(dumps) == 12 and dumps == sorted(n for n in second.manifest["files"] if n.startswith("dumps/"))
    for name in dumps:
        assert first.file(name).read_bytes() == second.file(name).read_bytes(), name
    for name in (n for n in dumps if n.endswith(".gz")):
        header = first.file(name).read_bytes()[:10]
        assert header[3] & 0x08 == 0, "no file name in the gzip header"
        assert header[4:8] == b"\0\0\0\0", "no date in the gzip header"
    dated = {"catalog.ttl", "sitemap.xml"} if first.version != second.version else set()  # built across midnight
    others = set(first.manifest["files"]) - dated
    assert {n: first.manifest["files"][n] for n in others} == {n: second.manifest["files"][n] for n in others}
    for release in builds:
        for name in ("catalog.ttl", "void.ttl", "sitemap.xml"):
            text = release.file(name).read_text(encoding="utf-8")
            assert RELEASE_ROOT in text and "8001" not in text and "data.example.org" not in text, name


def test_blank_nodes_get_the_same_labels_at_every_reading():
    first, second = load_knowledge(PROJECT_ROOT), load_knowledge(PROJECT_ROOT)
    assert first.parts == second.parts
    labels = {
        t.subject.value for t in first.triples("ontology", "shapes", "data") if isinstance(t.subject, ox.BlankNode)
    }
    assert "b1" in labels and len(labels) > 10


def test_another_port_or_public_url_reuses_the_current_release(settings, runner):
    first = Published.open(replace(settings, port=8001, public_url=None))
    assert first.public.root == "http://127.0.0.1:8001/"
    for other in (replace(settings, port=8002, public_url=None), replace(settings, public_url="https://example.org/")):
        again = Published.open(other)
        assert (again.version, again.release.folder) == (first.version, first.release.folder)
        client = create_app(other.__dict__, published=again).test_client()
        with client.get("/robots.txt") as response:
            assert f"Sitemap: {other.public_root}sitemap.xml" in response.get_data(as_text=True).splitlines()
    env = {"COOPKG_ROOT": str(settings.root), "COOPKG_RELEASE_DIR": str(settings.releases), "COOPKG_PORT": "8003"}
    result = runner.invoke(main, ["release"], env=env)
    assert result.exit_code == 0 and "did not change" in result.output, result.output
    assert sorted(p.name for p in settings.releases.iterdir()) == sorted([".lock", "current", first.version])


def test_a_release_of_an_older_layout_is_rebuilt(settings):
    old = build_release(settings)
    manifest = {**old.manifest, "settings": {**old.manifest["settings"], "public_url": "http://coopkg.test/"}}
    del manifest["schema"]
    (old.folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    renewed = build_release(settings)
    assert renewed.version != old.version and renewed.manifest["schema"] >= 2


def test_a_build_waiting_for_another_says_so(settings, caplog):
    build_release(settings)
    caplog.set_level(logging.INFO, logger="server.release")
    waiting = threading.Thread(target=build_release, args=(settings,))
    with (settings.releases / ".lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        waiting.start()
        deadline = time.monotonic() + 60
        while "waiting for another build" not in caplog.text:
            assert time.monotonic() < deadline, "no line said the build waits"
            time.sleep(0.05)
        assert waiting.is_alive()
        fcntl.flock(held, fcntl.LOCK_UN)
    waiting.join(timeout=60)
    assert not waiting.is_alive()


def test_archived_sources_are_released_and_their_changes_make_a_new_release(settings, project_copy):
    shutil.copytree(PROJECT_ROOT / "sources", project_copy / "sources")
    first = build_release(settings)
    assert first.archived(PRESS_RELEASE).read_bytes() == (PROJECT_ROOT / "sources" / PRESS_RELEASE).read_bytes()
    assert f"sources/{PRESS_RELEASE}" in first.manifest["sources"]
    assert first.archived("../manifest.json") is None and first.archived("nothing.txt") is None
    notes = project_copy / "sources" / "notes-web-pages.md"
    notes.write_bytes(notes.read_bytes() + b"\n")
    assert not first.is_up_to_date(settings)
    assert build_release(settings).version != first.version
