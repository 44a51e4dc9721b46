"""Releases: one immutable folder per version, built only from data that passes the shapes.

build_release validates the sources and writes a new release folder (server/release_folder.py
says what it holds) the safe way (server/release_disk.py): a build that fails or is killed
leaves `current` and every earlier release untouched. The same sources give byte-identical
dumps.

A release is served only once checked against its manifest (server/integrity.py): when the
current one is damaged, ensure_release serves the newest intact earlier release (or builds one).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from .catalog import (
    DESCRIPTION_FILE,
    PublishedDump,
    ReleaseFacts,
    catalog_graph,
    check_description,
    temporal_coverage,
)
from .config import Settings
from .descriptions import write_description
from .dumps import Dump, source_prefixes, write_dumps
from .graphs import EmbeddedGraph
from .integrity import DamagedRelease, ReleaseFiles, check_release, file_table, sha256_file, store_table
from .knowledge import UnreadableSource, knowledge_files, load_knowledge
from .links import RELEASE_ROOT, PublicLinks
from .memory import give_back_freed_memory
from .namespaces import DATA_FOLDERS, PARTS
from .release_disk import locked, point_current, remove_unfinished, sync_folder, sync_tree
from .release_folder import (
    CURRENT,
    MANIFEST,
    RELEASE_SCHEMA,
    UNFINISHED,
    Release,
    build_settings,
    earlier_releases,
    next_version,
    read_release,
    source_digests,
    source_files,
)
from .sitemap import write_sitemap
from .source_graphs import source_graphs
from .store import build_store, copy_store
from .validation import ValidationReport, start_check_store, validate
from .void import dataset_statistics, void_graph

release_log = logging.getLogger("coopkg.release")


class DataDoesNotConform(Exception):
    """The data fails the shapes: it must not be published."""

    def __init__(self, report: ValidationReport):
        super().__init__(f"the data does not conform to the shapes ({len(report.violations)} violations)")
        self.report = report


def current_release(releases: Path) -> Release | None:
    """Return the release `current` points to, or None when there is none (or its manifest is
    unreadable); its files are not checked."""
    try:
        return read_release(releases / os.readlink(releases / CURRENT))
    except (OSError, DamagedRelease):
        return None


@dataclass(frozen=True)
class Serving:
    """The release ensure_release chose, its files as checked when it was opened, why newer
    sources were not released (`refused`, or None) and why the release `current` points to is
    not the one served (`damaged`, or None)."""

    release: Release
    files: ReleaseFiles
    refused: Exception | None = None
    damaged: DamagedRelease | None = None


def ensure_release(settings: Settings, progress: Callable[[str], None] | None = None) -> Serving:
    """Return the release to serve, checked against its manifest (server/integrity.py).

    Builds a release when there is none or the sources (or settings) changed. If that build
    is refused or fails (disk full...) and the current release is intact, it is served. When
    the current release is damaged, the newest intact earlier release is served (logged, and
    `current` left as it is), or when none is intact a new release is built. Raises
    DataDoesNotConform, UnreadableSource, OSError or DamagedRelease when there is nothing good
    to serve. `progress` is passed to build_release.
    """
    releases = settings.releases
    if not (releases / CURRENT).is_symlink():
        return _built(settings, progress)
    try:
        current = read_release(releases / os.readlink(releases / CURRENT))
        files = check_release(current.folder, current.manifest)
    except DamagedRelease as damage:
        return _instead_of(damage, settings, progress)
    if current.is_up_to_date(settings):
        return Serving(current, files)
    try:
        return _built(settings, progress)
    except (DataDoesNotConform, UnreadableSource, OSError, DamagedRelease) as error:
        return Serving(current, files, refused=error)


def _instead_of(damage: DamagedRelease, settings: Settings, progress) -> Serving:
    """Return the newest intact release earlier than the damaged one, or a new one built."""
    for folder in earlier_releases(settings.releases, damage.folder.name):
        try:
            release = read_release(folder)
            files = check_release(folder, release.manifest)
        except DamagedRelease as other:
            release_log.info("%s", other)
            continue
        release_log.warning(
            "%s; serving the earlier release %s (`current` still points to %s; see `coopkg release --check`)",
            damage,
            release.version,
            damage.version,
        )
        return Serving(release, files, damaged=damage)
    release_log.warning("%s, and no earlier release is intact: building a new one", damage)
    return replace(_built(settings, progress, force=True), damaged=damage)


def _built(settings: Settings, progress, force: bool = False) -> Serving:
    release = build_release(settings, force=force, progress=progress)
    return Serving(release, check_release(release.folder, release.manifest))


def build_release(settings: Settings, force: bool = False, progress: Callable[[str], None] | None = None) -> Release:
    """Validate the sources and build a new release, then make it current; return it.

    Without `force`, returns the current release when it is already up to date. `progress`
    is called with the name of each step ('validate', 'store', 'dumps', ..., 'switch').
    Raises UnreadableSource or DataDoesNotConform (nothing is written), OSError on disk errors.
    """
    step = progress or (lambda name: None)
    releases = settings.releases
    releases.mkdir(parents=True, exist_ok=True)
    with locked(releases):
        current = current_release(releases)
        if current is not None and not force and current.is_up_to_date(settings) and _intact(current):
            return current
        step("validate")
        digests = source_digests(settings.root)
        check_description(settings.root / DESCRIPTION_FILE, RELEASE_ROOT)
        layout = knowledge_files(settings.root)
        filling = start_check_store(layout)  # Oxigraph fills the check's store while Python reads
        knowledge = load_knowledge(settings.root, layout=layout)
        report = validate(knowledge, filling)
        del filling
        give_back_freed_memory()  # what the check's threads freed (server/memory.py)
        if not report.conforms:
            raise DataDoesNotConform(report)
        remove_unfinished(releases)
        now = datetime.now(UTC)
        version = next_version(releases, now)
        issued = current.manifest["issued"] if current else now.date().isoformat()
        building = releases / (UNFINISHED + version)
        building.mkdir()
        try:
            facts = {"version": version, "issued": issued, "now": now}
            held = [knowledge]  # the build lets go of it once its store is built
            del knowledge
            manifest = _build(held, settings, building, facts, digests, step)
            step("sync")
            sync_tree(building)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        folder = releases / version
        building.rename(folder)
        sync_folder(releases)
        step("switch")
        point_current(releases, version)
        return Release(folder, manifest)


def _build(held: list, settings: Settings, building: Path, facts: dict, digests: dict[str, str], step) -> dict:
    """Write the release of the knowledge base in `held` (taken out of it) into the folder
    `building`; return its manifest (written)."""
    _copy_sources(settings.root, building / "sources", digests)
    step("store")
    knowledge = held.pop()
    memory = build_store(knowledge, settings.base_iri)
    facts["graphs"] = source_graphs(knowledge, settings.root, settings.base_iri)
    sources = [settings.root / path for path in source_files(settings.root) if path.parts[0] in (*PARTS, *DATA_FOLDERS)]
    facts["prefixes"] = source_prefixes((knowledge.prefixes.get(path, {}) for path in sources), settings.base_iri)
    del knowledge  # the release is read from `memory` from here on
    copies: list = []

    def written(dump: Dump, path: Path) -> None:  # the on-disk store is filled from the N-Quads dump
        if dump.format.rdf_format == ox.RdfFormat.N_QUADS:
            copies.append(copy_store(path, building / "store"))

    try:
        manifest = _write_files(memory, settings, building, facts, step, written)
        del memory
        copies[0].result()
    finally:
        for copy in copies:  # nothing may still write into the folder once this returns
            copy.exception()
    manifest["store"] = store_table(building / "store")  # once closed: its files no longer change
    (building / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _write_files(store: ox.Store, settings: Settings, folder: Path, release: dict, step, written) -> dict:
    """Write the dumps, VoID, sitemap and catalogue of `store` into `folder`; return the manifest."""
    base, links = settings.base_iri, PublicLinks(RELEASE_ROOT)
    today = release["now"].date().isoformat()
    step("dumps")
    dumps = write_dumps(store, base, folder / "dumps", release["prefixes"], written)
    step("void")
    graph = EmbeddedGraph(store)
    stats = dataset_statistics(graph, base)
    write_description(void_graph(stats, links, [d.name for d in dumps], base, release["graphs"]), folder / "void.ttl")
    step("sitemap")
    write_sitemap(graph, base, RELEASE_ROOT, folder, today)
    step("catalog")
    published = []
    for dump in dumps:
        path = folder / "dumps" / dump.name
        published.append(PublishedDump(dump, path.stat().st_size, sha256_file(path)))
    facts = ReleaseFacts(release["version"], release["issued"], today, temporal_coverage(graph, base))
    catalog = catalog_graph(folder / "sources" / DESCRIPTION_FILE, links, facts, published, release["graphs"])
    write_description(catalog, folder / "catalog.ttl")
    return {
        "schema": RELEASE_SCHEMA,
        "version": release["version"],
        "date": today,
        "created": release["now"].isoformat(timespec="seconds"),
        "issued": release["issued"],
        "settings": build_settings(settings),
        "counts": stats.as_json(),
        "sources": source_digests(folder / "sources"),
        "files": file_table(folder, skip="store/", known={f"dumps/{d.dump.name}": d.sha256 for d in published}),
    }


def _intact(release: Release) -> bool:
    """Return True when `release` passes the check made when it is opened (else log why not)."""
    try:
        check_release(release.folder, release.manifest)
    except DamagedRelease as damage:
        release_log.warning("%s: building a new release", damage)
        return False
    return True


def _copy_sources(root: Path, target: Path, digests: dict[str, str]) -> None:
    """Copy the sources into the release; raise UnreadableSource if they changed since `digests`
    were taken (an edit during the build: the copy would not be what was validated)."""
    for relative in source_files(root):
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, target / relative)
    if source_digests(target) != digests:
        raise UnreadableSource(root, "the sources changed during the build; run it again")
