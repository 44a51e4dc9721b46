"""A release folder: its layout, its manifest, the sources it is built from, its version.

    releases/
      current -> 2026.11.26.1        a symbolic link, switched atomically (rename)
      2026.11.26.1/
        manifest.json                version, dates, counts, size and SHA-256 of every file,
                                     the store's included (checked when a release is opened)
        store/                       the Oxigraph store the server queries (read-only)
        dumps/coopkg.{ttl,nt,nq,trig,jsonld,rdf}[.gz]
        catalog.ttl                  DCAT-AP 3.0.1 } URLs under RELEASE_ROOT, resolved against
        void.ttl                     VoID          } `public_url` when served (state.Published),
        sitemap.xml [sitemap-N.xml]                } so that the port is not part of a release
        sources/                     the files the release was built from: ontology/, shapes/,
                                     graph/, catalog/dataset.ttl and the archived sources/

What a release depends on is its sources, `base_iri` and RELEASE_SCHEMA, never the host,
port or public URL it is served at (Release.is_up_to_date). Building one is server/release.py;
writing it to disk safely is server/release_disk.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .catalog import DESCRIPTION_FILE
from .config import Settings
from .integrity import DamagedRelease, sha256_file
from .namespaces import DATA_FOLDERS, PARTS

MANIFEST, CURRENT, LOCK, UNFINISHED = "manifest.json", "current", ".lock", ".building-"
# The layout of a release (its files and their form): bump it when it changes, so that a
# server or `coopkg release` builds a new release instead of serving an old layout.
RELEASE_SCHEMA = 4  # 3: the manifest lists the store's files; 4: one named graph per source
ARCHIVE = Path("sources")  # the documents the graph cites, archived with every release


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
        """Return the release's copy of the archived source document `name` ('000_….txt', or
        'imported/<slug>.<ext>' for an imported file's original), or None."""
        folder, _, file = name.rpartition("/")
        if folder not in ("", "imported") or "/" in file:
            return None
        return self.file(f"sources/{ARCHIVE.as_posix()}/{name}")

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
    of ontology/, shapes/, graph/ and imports/, the catalogue's description, every archived document."""
    folders = dict.fromkeys([*PARTS, *DATA_FOLDERS])
    files = [p.relative_to(root) for folder in folders for p in sorted((root / folder).rglob("*.ttl"))]
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


def earlier_releases(releases: Path, version: str | None = None) -> list[Path]:
    """Return the release folders under `releases`, newest first; only those older than
    `version` when it is a version ('2026.11.26.1')."""

    def key(name: str) -> tuple[int, ...] | None:
        parts = name.split(".")
        return tuple(int(p) for p in parts) if len(parts) == 4 and all(p.isdigit() for p in parts) else None

    limit = key(version) if version else None
    found = [(key(p.name), p) for p in releases.iterdir() if p.is_dir() and not p.is_symlink() and key(p.name)]
    return [p for k, p in sorted(found, reverse=True) if limit is None or k < limit]


def next_version(releases: Path, now: datetime) -> str:
    """Return the next version for `now`: the date as YYYY.MM.DD, then a counter from 1."""
    day = now.strftime("%Y.%m.%d")
    taken = [p.name.removeprefix(day + ".") for p in releases.glob(day + ".*")]
    counters = [int(n) for n in taken if n.isdigit()]
    return f"{day}.{max(counters, default=0) + 1}"
