"""`coopkg import KIND FILE...`: source files in, through a declarative mapping (mappings/),
checked, validated with the project's data, and written where a release picks them up
(docs/imports.md; contracts C1 and C2).

A kind plugs in with one line in KINDS: its mapping file, the input names it accepts, and
either `check(path) -> list[Problem]` (the mapping then reads the input file itself) or
`prepare(path, project, folder) -> Prepared` (it checks and hands the mapping other files).
"""

from __future__ import annotations

from ..config import PROJECT_ROOT
from . import sheet
from .kind import ImportKind, Prepared, Problem, Project

MAPPINGS = PROJECT_ROOT / "mappings"

KINDS: dict[str, ImportKind] = {
    "sheet": ImportKind(
        mapping=MAPPINGS / "sheet.ttl",
        suffixes=(".xlsx", ""),
        prepare=sheet.prepare,
        media_type=sheet.media_type,
    ),
}

__all__ = ["KINDS", "ImportKind", "Prepared", "Problem", "Project"]
