"""Releases: one immutable folder per version, built only from data that passes the shapes.

    releases/
      current -> 2026.11.26.1        a symbolic link, switched atomically (rename)
      2026.11.26.1/
        manifest.json                version, dates, counts, size and SHA-256 of every file,
                                     the store's included (checked when a release is opened)
        store/                       the Oxigraph store the server queries (read-only)
        dumps/coopkg.{ttl,nt,nq,trig,jsonld,rdf}[.gz]
        catalog.ttl                  DCAT-AP 3.0.1 } URLs under RELEASE_ROOT, resolved against
        void.ttl                     VoID          } `public_url` when served (state.Published),
        sitemap.xml                                } so that the port is not part of a release
        sources/                     the files the release was built from: ontology/, shapes/,
                                     graph/, catalog/dataset.ttl and the archived sources/

A release is written into a hidden sibling folder (.building-VERSION), synced to disk, renamed
to its version, and only then does `current` point to it. A build that fails or is killed
leaves `current` and every earlier release untouched; the next build removes its debris.

What a release depends on is its sources, `base_iri` and RELEASE_SCHEMA, never the host,
port or public URL it is served at; the same sources give byte-identical dumps.

A release is served only once checked against its manifest (server/integrity.py): when the
current one is damaged, the server serves the newest intact earlier release (or builds one).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from .dumps import source_prefixes, write_dumps
from .graphs import EmbeddedGraph
from .integrity import DamagedRelease, ReleaseFiles, check_release, file_table, sha256_file, store_table
from .knowledge import UnreadableSource, load_knowledge
from .links import RELEASE_ROOT, PublicLinks
from .namespaces import PARTS
from .sitemap import write_sitemap
from .store import build_store
from .validation import ValidationReport, validate
from .void import dataset_statistics, void_graph

MANIFEST, CURRENT, LOCK, UNFINISHED = "manifest.json", "current", ".lock", ".building-"
# The layout of a release (its files and their form): bump it when it changes, so that a
# server or `coopkg release` builds a new release instead of serving an old layout.
RELEASE_SCHEMA = 3  # 3: the manifest lists the store's files
ARCHIVE = Path("sources")  # the documents the graph cites, archived with every release

log = logging.getLogger(__name__)
release_log = logging.getLogger("coopkg.release")


class DataDoesNotConform(Exception):
    """The data fails the shapes: it must not be published."""

    def __init__(self, report: ValidationReport):
        super().__init__(f"the data does not conform to the shapes ({len(report.violations)} violations)")
        self.report = report


@dataclass(frozen=True)
class Release:
    """A finished release folder and its manifest."""

    folder: Path
    manifest: dict

    @property
    def version(self) -> str:
        return self.manifest["version"]

    @property
    def store_path(self) -> Path:
        return self.folder / "store"

    @property
    def sources(self) -> Path:
        return self.folder / "sources"

    def file(self, name: str) -> Path | None:
        """Return the path of a published file ('dumps/coopkg.ttl'), or None if the release has none."""
        return self.folder / name if name in self.manifest["files"] else None

    def archived(self, name: str) -> Path | None:
        """Return the release's copy of the archived source document `name` ('000_….txt'), or None."""
        return None if "/" in name else self.file(f"sources/{ARCHIVE.as_posix()}/{name}")

    def is_up_to_date(self, settings: Settings) -> bool:
        """Return True when the release was built, in this code's layout, from the current
        sources with the same base IRI (the host, port and public URL do not matter)."""
        return (
            self.manifest.get("schema") == RELEASE_SCHEMA
            and self.manifest.get("settings") == build_settings(settings)
            and self.manifest["sources"] == source_digests(settings.root)
        )


def build_settings(settings: Settings) -> dict:
    """Return the settings a release depends on: only `base_iri`, the base of the data IRIs.

    The public URL is not one of them: the catalogue, VoID and sitemap are resolved against
    it when served, so changing the host or port never builds a new release.
    """
    return {"base_iri": settings.base_iri}


def source_files(root: Path) -> list[Path]:
    """Return the source files a release is built from, relative to `root`, sorted: the Turtle
    of ontology/, shapes/ and graph/, the catalogue's description, every archived document."""
    files = [p.relative_to(root) for folder in PARTS for p in sorted((root / folder).rglob("*.ttl"))]
    archive = sorted(p.relative_to(root) for p in (root / ARCHIVE).rglob("*") if p.is_file())
    return [*files, DESCRIPTION_FILE, *archive]


def source_digests(root: Path) -> dict[str, str]:
    """Return the SHA-256 of every source file under `root` by relative path ('' if missing)."""
    return {path.as_posix(): sha256_file(root / path) if (root / path).is_file() else "" for path in source_files(root)}


def read_release(folder: Path) -> Release:
    """Return the release in `folder` with its manifest; raise DamagedRelease when the manifest
    is missing, unreadable or lacks what a release is served with (its files are not checked)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DamagedRelease(folder, f"{MANIFEST} is missing") from None
    except (OSError, ValueError) as error:
        raise DamagedRelease(folder, f"{MANIFEST} cannot be read ({error})") from None
    shapes = {
        "version": str,
        "created": str,
        "issued": str,
        "date": str,
        "sources": dict,
        "counts": dict,
        "files": dict,
    }
    wrong = [
        key for key, kind in shapes.items() if not isinstance(manifest, dict) or not isinstance(manifest.get(key), kind)
    ]
    if wrong:
        raise DamagedRelease(folder, f"{MANIFEST} has no valid {', '.join(wrong)}")
    return Release(folder, manifest)


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


def earlier_releases(releases: Path, version: str | None = None) -> list[Path]:
    """Return the release folders under `releases`, newest first; only those older than
    `version` when it is a version ('2026.11.26.1')."""

    def key(name: str) -> tuple[int, ...] | None:
        parts = name.split(".")
        return tuple(int(p) for p in parts) if len(parts) == 4 and all(p.isdigit() for p in parts) else None

    limit = key(version) if version else None
    found = [(key(p.name), p) for p in releases.iterdir() if p.is_dir() and not p.is_symlink() and key(p.name)]
    return [p for k, p in sorted(found, reverse=True) if limit is None or k < limit]


def build_release(settings: Settings, force: bool = False, progress: Callable[[str], None] | None = None) -> Release:
    """Validate the sources and build a new release, then make it current; return it.

    Without `force`, returns the current release when it is already up to date. `progress`
    is called with the name of each step ('validate', 'store', 'dumps', ..., 'switch').
    Raises UnreadableSource or DataDoesNotConform (nothing is written), OSError on disk errors.
    """
    step = progress or (lambda name: None)
    releases = settings.releases
    releases.mkdir(parents=True, exist_ok=True)
    with _locked(releases):
        current = current_release(releases)
        if current is not None and not force and current.is_up_to_date(settings) and _intact(current):
            return current
        step("validate")
        digests = source_digests(settings.root)
        check_description(settings.root / DESCRIPTION_FILE, RELEASE_ROOT)
        knowledge = load_knowledge(settings.root)
        report = validate(knowledge)
        if not report.conforms:
            raise DataDoesNotConform(report)
        _remove_unfinished(releases)
        now = datetime.now(UTC)
        version = next_version(releases, now)
        issued = current.manifest["issued"] if current else now.date().isoformat()
        building = releases / (UNFINISHED + version)
        building.mkdir()
        try:
            _copy_sources(settings.root, building / "sources", digests)
            step("store")
            store = build_store(knowledge, settings.base_iri, building / "store")
            facts = {"version": version, "issued": issued, "now": now}
            manifest = _write_files(store, settings, building, facts, step)
            store.flush()
            del store
            manifest["store"] = store_table(building / "store")  # once closed: its files no longer change
            (building / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            step("sync")
            _sync_tree(building)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        folder = releases / version
        building.rename(folder)
        _sync_folder(releases)
        step("switch")
        _point_current(releases, version)
        return Release(folder, manifest)


def _write_files(store: ox.Store, settings: Settings, folder: Path, release: dict, step) -> dict:
    """Write the dumps, VoID, sitemap and catalogue of `store` into `folder`; return the manifest."""
    base, links = settings.base_iri, PublicLinks(RELEASE_ROOT)
    today = release["now"].date().isoformat()
    step("dumps")
    sources = folder / "sources"
    turtle = (sources / path for path in source_files(sources) if path.parts[0] in PARTS)
    dumps = write_dumps(store, base, folder / "dumps", source_prefixes(turtle, base))
    step("void")
    graph = EmbeddedGraph(store)
    stats = dataset_statistics(graph, base)
    write_description(void_graph(stats, links, [d.name for d in dumps], base), folder / "void.ttl")
    step("sitemap")
    write_sitemap(graph, base, RELEASE_ROOT, folder / "sitemap.xml", today)
    step("catalog")
    published = []
    for dump in dumps:
        path = folder / "dumps" / dump.name
        published.append(PublishedDump(dump, path.stat().st_size, sha256_file(path)))
    facts = ReleaseFacts(release["version"], release["issued"], today, temporal_coverage(graph, base))
    catalog = catalog_graph(folder / "sources" / DESCRIPTION_FILE, links, facts, published)
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
        "files": file_table(folder, skip="store/"),
    }


def _intact(release: Release) -> bool:
    """Return True when `release` passes the check made when it is opened (else log why not)."""
    try:
        check_release(release.folder, release.manifest)
    except DamagedRelease as damage:
        release_log.warning("%s: building a new release", damage)
        return False
    return True


def next_version(releases: Path, now: datetime) -> str:
    """Return the next version for `now`: the date as YYYY.MM.DD, then a counter from 1."""
    day = now.strftime("%Y.%m.%d")
    taken = [p.name.removeprefix(day + ".") for p in releases.glob(day + ".*")]
    counters = [int(n) for n in taken if n.isdigit()]
    return f"{day}.{max(counters, default=0) + 1}"


def _copy_sources(root: Path, target: Path, digests: dict[str, str]) -> None:
    """Copy the sources into the release; raise UnreadableSource if they changed since `digests`
    were taken (an edit during the build: the copy would not be what was validated)."""
    for relative in source_files(root):
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, target / relative)
    if source_digests(target) != digests:
        raise UnreadableSource(root, "the sources changed during the build; run it again")


def _remove_unfinished(releases: Path) -> None:
    """Remove what killed builds left (called while holding the lock)."""
    for debris in releases.glob(UNFINISHED + "*"):
        shutil.rmtree(debris, ignore_errors=True)
    for link in releases.glob(CURRENT + ".*"):
        link.unlink(missing_ok=True)


def _point_current(releases: Path, version: str) -> None:
    """Make `current` point to `version` in one atomic rename of a new symbolic link."""
    link = releases / f"{CURRENT}.{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(version)
    link.replace(releases / CURRENT)
    _sync_folder(releases)


def _sync_tree(folder: Path) -> None:
    """fsync every file and folder below `folder`, so a crash cannot leave a file half-written."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            with path.open("rb") as stream:
                os.fsync(stream.fileno())
        elif path.is_dir():
            _sync_folder(path)
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def _locked(releases: Path) -> Iterator[None]:
    """Hold an exclusive lock on the releases folder: one build at a time, across processes.

    The kernel drops the lock when its process dies, so a killed build never blocks the next.
    """
    with (releases / LOCK).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("waiting for another build of a release in %s to finish", releases)
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
