"""The integrity of a release: its files checked against its manifest when it is opened, and
watched while it is served.

The manifest lists every file of a release with its byte size and SHA-256 (`files`), and the
files of its Oxigraph store (`store`). Opening a release (check_release) checks that each is
there with its size, hashes them (the dumps and the store's files only while their total stays
under HASHED_AT_OPEN, smallest first; the others when first served, or by `coopkg release
--check`), opens the store read-only and asks it a trivial query. A release that fails is
DamagedRelease, with a one-line reason.

While a release is served, ReleaseFiles answers for its files: one that went missing, or whose
size or modification time differs from what was checked at open, or whose bytes do not hash to
the manifest's SHA-256, is a FileProblem (the web layer answers 503), never the intact file's
bytes or ETag.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import pyoxigraph as ox

from . import query_files

# Bytes of dumps and store files hashed when a release is opened (measured: SHA-256 runs at
# about 1 GB/s here, so 256 MiB costs a quarter of a second with the files in the page cache).
# Beyond, a dump is hashed when it is first asked for; the store's files are checked by
# RocksDB's own block checksums as they are read, and fully by `coopkg release --check`.
HASHED_AT_OPEN = 256 * 2**20
DEFERRABLE = ("dumps/", "store/")  # every other file (sources, catalogue, VoID, sitemap) is always hashed

log = logging.getLogger("coopkg.release")


class DamagedRelease(Exception):
    """A release that cannot be served: a file is missing, has another size or SHA-256 than its
    manifest says, the manifest cannot be read, or the store cannot be opened or queried."""

    def __init__(self, folder: Path, reason: str):
        super().__init__(f"release {folder.name} is damaged: {reason}")
        self.folder, self.reason = folder, reason

    @property
    def version(self) -> str:
        return self.folder.name


class FileProblem(Exception):
    """A file of the served release that can no longer be served as it was checked (str: why)."""


@dataclass(frozen=True)
class Seen:
    """A file as checked when its release was opened: its size and modification time."""

    bytes: int
    mtime_ns: int

    @classmethod
    def of(cls, stat: os.stat_result) -> Seen:
        return cls(stat.st_size, stat.st_mtime_ns)

    @property
    def mtime(self) -> float:
        return self.mtime_ns / 1e9


def sha256_file(path: Path) -> str:
    """Return the SHA-256 of a file in hex, read in chunks."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def file_table(folder: Path, skip: str | None = None, known: dict[str, str] | None = None) -> dict[str, dict]:
    """Return {relative path: {'bytes', 'sha256'}} for every file below `folder`, sorted, but
    those under `skip` ('store/'); `known` gives the SHA-256 of files hashed already (by
    relative path), which are not read again."""
    table, known = {}, known or {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and not (skip and relative.startswith(skip)):
            digest = known.get(relative) or sha256_file(path)
            table[relative] = {"bytes": path.stat().st_size, "sha256": digest}
    return table


def store_table(store: Path) -> dict[str, dict]:
    """Return the file table of a closed store folder, but RocksDB's text log (LOG*) and its
    LOCK, which opening the store may write; names are relative to the release ('store/...')."""
    table = file_table(store)
    return {f"store/{name}": entry for name, entry in table.items() if not name.startswith(("LOG", "LOCK"))}


class ReleaseFiles:
    """The files of an opened release as checked when it was opened, by manifest name."""

    def __init__(self, folder: Path, version: str, table: dict[str, dict], seen: dict[str, Seen], verified: set[str]):
        self.folder, self.version, self.table, self.seen = folder, version, table, seen
        self._verified = set(verified)
        self._problems: dict[str, str] = {}
        self._lock = threading.RLock()

    @property
    def hashed(self) -> frozenset[str]:
        """The names whose SHA-256 was checked (at open, or since when first served)."""
        return frozenset(self._verified)

    def open(self, name: str) -> tuple[BinaryIO, Seen]:
        """Return the file `name` opened for reading, and its size and time as checked at open.

        Raises FileProblem when it is missing, changed since (size or modification time) or does
        not hash to the manifest's SHA-256 (hashed on first use when it was not at open).
        """
        if name in self._problems:
            raise FileProblem(self._problems[name])
        seen = self.seen[name]
        try:
            stream = (self.folder / name).open("rb")
        except OSError as error:
            raise self._problem(name, f"it cannot be read ({error.strerror or error})") from None
        if Seen.of(os.fstat(stream.fileno())) != seen:
            stream.close()
            raise self._problem(name, "it changed since the release was opened")
        if name not in self._verified:
            self._verify(name, stream)
        return stream, seen

    def _verify(self, name: str, stream: BinaryIO) -> None:
        with self._lock:  # one request hashes a large dump; the others wait for its answer
            if name in self._verified or name in self._problems:
                return
            digest = hashlib.file_digest(stream, "sha256").hexdigest()
            stream.seek(0)
            if digest != self.table[name]["sha256"]:
                stream.close()
                raise self._problem(name, "its SHA-256 differs from the manifest's")
            self._verified.add(name)
        if name in self._problems:
            stream.close()
            raise FileProblem(self._problems[name])

    def _problem(self, name: str, why: str) -> FileProblem:
        with self._lock:
            if name not in self._problems:  # logged once; every later request gets the same answer
                self._problems[name] = f"{name} of release {self.version} cannot be served: {why}"
                log.warning("%s", self._problems[name])
            return FileProblem(self._problems[name])


def check_release(folder: Path, manifest: dict, hash_limit: int | None = HASHED_AT_OPEN) -> ReleaseFiles:
    """Check the release in `folder` against its `manifest`; return its files as checked.

    Every file listed must be there with its size; each is hashed but, when `hash_limit` is not
    None, the dumps and store files past `hash_limit` bytes in all (smallest first). Then the
    store is opened read-only and queried. Raises DamagedRelease with the first problem found.
    """
    table = _listed(folder, manifest, "files")
    store = _listed(folder, manifest, "store") if "store" in manifest else {}
    seen = {}
    for name, entry in {**table, **store}.items():
        try:
            stat = (folder / name).stat()
        except OSError as error:
            reason = "is missing" if isinstance(error, FileNotFoundError) else f"cannot be read ({error.strerror})"
            raise DamagedRelease(folder, f"{name} {reason}") from None
        if stat.st_size != entry["bytes"]:
            raise DamagedRelease(folder, f"{name} has {stat.st_size} bytes, the manifest says {entry['bytes']}")
        seen[name] = Seen.of(stat)
    verified = set()
    budget = hash_limit
    for name, entry in sorted({**table, **store}.items(), key=lambda item: (item[1]["bytes"], item[0])):
        if hash_limit is not None and name.startswith(DEFERRABLE):
            if entry["bytes"] > budget:
                continue
            budget -= entry["bytes"]
        try:
            digest = sha256_file(folder / name)
        except OSError as error:
            raise DamagedRelease(folder, f"{name} cannot be read ({error.strerror})") from None
        if digest != entry["sha256"]:
            raise DamagedRelease(folder, f"{name} does not have the SHA-256 the manifest lists")
        verified.add(name)
    check_store(folder, manifest)
    return ReleaseFiles(
        folder, str(manifest["version"]), table, {n: s for n, s in seen.items() if n in table}, verified
    )


def check_store(folder: Path, manifest: dict) -> None:
    """Open the store of the release in `folder` read-only and ask it whether it holds a triple.

    Raises DamagedRelease when it cannot be opened or answers no (or not what its counts say).
    """
    try:
        store = ox.Store.read_only(str(folder / "store"))
        holds = query_files.ask(store, "store_holds_triples")
    except (OSError, RuntimeError, SyntaxError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DamagedRelease(folder, f"the store cannot be opened ({first})") from None
    graphs = manifest.get("counts", {}).get("graphs")
    if not isinstance(graphs, dict) or not all(isinstance(n, int) for n in graphs.values()):
        raise DamagedRelease(folder, "manifest.json has no valid counts of the graphs")
    expected = sum(graphs.values())
    if holds != (expected > 0):
        raise DamagedRelease(
            folder, f"the store holds {'some' if holds else 'no'} triples, the manifest counts {expected}"
        )


def _listed(folder: Path, manifest: dict, key: str) -> dict[str, dict]:
    """Return manifest[key], a file table, once checked to be one (names inside the release)."""
    table = manifest.get(key)
    if not isinstance(table, dict) or (key == "files" and not table):
        raise DamagedRelease(folder, f"manifest.json has no table of {key}")
    for name, entry in table.items():
        path = PurePosixPath(name)
        inside = name and not path.is_absolute() and ".." not in path.parts and "\\" not in name
        valid = isinstance(entry, dict) and isinstance(entry.get("bytes"), int) and isinstance(entry.get("sha256"), str)
        if not (inside and valid):
            raise DamagedRelease(folder, f"manifest.json lists a bad entry {name!r}")
    return table
