"""`coopkg import KIND FILE...`: source files in, through a declarative mapping (mappings/),
checked, validated with the project's data, and written where a release picks them up
(docs/imports.md; contracts C1 and C2).

A kind plugs in with one line in KINDS: its mapping file, the input names it accepts, and
either `check(path) -> list[Problem]` (the mapping then reads the input file itself) or
`prepare(path, project, folder) -> Prepared` (it checks and hands the mapping other files).
"""

from __future__ import annotations

from pathlib import Path

from ..config import PROJECT_ROOT
from . import iati, sheet
from .kind import ImportKind, Prepared, Problem, Project

MAPPINGS = PROJECT_ROOT / "mappings"


def _prepare_iati(path: Path, project: Project, folder: Path, tick=None) -> Prepared:
    """Check an IATI activity file and write the parts mappings/iati.rml.ttl reads
    (server/imports/iati.py). `coopkg import iati` lands them with server/imports/run.py, which
    traces each entity to its file; this entry names the kind for the command line."""
    _, problems = iati.prepare(path, folder)
    return Prepared(iati.part_sources(folder), problems)


KINDS: dict[str, ImportKind] = {
    "sheet": ImportKind(
        mapping=MAPPINGS / "sheet.ttl",
        suffixes=(".xlsx", ""),
        prepare=sheet.prepare,
        media_type=sheet.media_type,
    ),
    "iati": ImportKind(
        mapping=iati.MAPPING,
        suffixes=(".xml",),
        prepare=_prepare_iati,
        media_type=lambda path: "application/xml",
    ),
}

__all__ = ["KINDS", "ImportKind", "Prepared", "Problem", "Project"]
