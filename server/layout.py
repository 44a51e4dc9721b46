"""A new publisher's folder, as `coopkg init DIR` lays it out:

DIR/
  coopkg.toml        settings, `root = "."`
  ontology/ shapes/  copies of coopkg's vocabulary and rules
  graph/example.ttl  one organisation and the document that states it (conforms)
  catalog/dataset.ttl  the hand-written part of the DCAT-AP catalogue, to edit
  queries/entities.rq  a first competency question
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .config import PROJECT_ROOT

STARTER = Path(__file__).resolve().parent / "starter"
COPIED = ("ontology", "shapes")  # taken from the project as they are
RENAMED = {"gitignore": ".gitignore"}  # stored without the dot, so that packaging keeps it


class CannotLayOut(Exception):
    """The folder cannot be laid out (not empty, not a folder, or coopkg's files are missing)."""


def lay_out(target: Path, project: Path = PROJECT_ROOT) -> list[Path]:
    """Create a publisher's folder at `target` (absent or empty); return the files written,
    relative to it, sorted.

    Raises CannotLayOut when `target` is a file or a folder that is not empty, or when the
    project's ontology/ or shapes/ are not found; OSError when a file cannot be written.
    """
    if target.exists() and not target.is_dir():
        raise CannotLayOut(f"{target} is a file, not a folder")
    if target.is_dir() and any(target.iterdir()):
        raise CannotLayOut(f"{target} is not empty; init lays out a new or empty folder only")
    missing = [folder for folder in COPIED if not (project / folder).is_dir()]
    if missing:
        raise CannotLayOut(f"coopkg's {' and '.join(missing)} are not found in {project} (run init from a checkout)")
    target.mkdir(parents=True, exist_ok=True)
    for folder in COPIED:
        shutil.copytree(project / folder, target / folder, ignore=shutil.ignore_patterns("*~", ".*"))
    for source in sorted(STARTER.rglob("*")):
        if source.is_file() and "__pycache__" not in source.parts:
            relative = source.relative_to(STARTER)
            destination = target / relative.parent / RENAMED.get(relative.name, relative.name)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
    return sorted(path.relative_to(target) for path in target.rglob("*") if path.is_file())
