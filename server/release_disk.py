"""How a release reaches the disk safely: one build at a time (the lock), every file synced,
`current` switched in one atomic rename, and what killed builds left removed.

A release is written into a hidden sibling folder (.building-VERSION), synced to disk, renamed
to its version, and only then does `current` point to it. A build that fails or is killed
leaves `current` and every earlier release untouched; the next build removes its debris.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .release_folder import CURRENT, LOCK, UNFINISHED

log = logging.getLogger("server.release")  # the logger this line has always had (docs/distribution.md)


def remove_unfinished(releases: Path) -> None:
    """Remove what killed builds left (called while holding the lock)."""
    for debris in releases.glob(UNFINISHED + "*"):
        shutil.rmtree(debris, ignore_errors=True)
    for link in releases.glob(CURRENT + ".*"):
        link.unlink(missing_ok=True)


def point_current(releases: Path, version: str) -> None:
    """Make `current` point to `version` in one atomic rename of a new symbolic link."""
    link = releases / f"{CURRENT}.{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(version)
    link.replace(releases / CURRENT)
    sync_folder(releases)


def sync_tree(folder: Path) -> None:
    """fsync every file and folder below `folder`, so a crash cannot leave a file half-written."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            with path.open("rb") as stream:
                os.fsync(stream.fileno())
        elif path.is_dir():
            sync_folder(path)
    sync_folder(folder)


def sync_folder(folder: Path) -> None:
    """fsync `folder` itself, so that what was created or renamed in it survives a crash."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def locked(releases: Path) -> Iterator[None]:
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
