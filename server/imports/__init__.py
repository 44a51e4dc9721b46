"""`coopkg import KIND FILE...`: source files in, through a declarative mapping (mappings/),
checked, validated with the project's data, and written where a release picks them up
(docs/imports.md, docs/imports-iati.md; contracts C1 and C2).

One pipeline for every kind (server/imports/batch.py): each input file is checked and
prepared by its kind, mapped by morph-kgc (server/imports/mapping.py), traced to the file and
described as a source (server/imports/source.py); the whole batch is validated against the
shapes with the project's data, then each file is moved in, all or nothing:
imports/<slug>.ttl and the original in sources/imported/, which a release serves at
/sources/imported/<name>.

A kind plugs in with one entry in KINDS (server/imports/kind.py: ImportKind): its mapping
file, the input names it accepts, its media type, and either `check(path) -> list[Problem]`
(the mapping then reads the input file itself) or `prepare(path, project, folder, tick) ->
Prepared` (it checks and hands the mapping other files). `sheet` (server/imports/sheet.py) is a
team's spreadsheet; `iati` (server/imports/iati.py) is IATI activity XML.
"""

from __future__ import annotations

from ..config import PROJECT_ROOT
from . import iati, sheet
from .kind import ImportKind, Prepared, Problem, Project

MAPPINGS = PROJECT_ROOT / "mappings"

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
        prepare=iati.prepare,
        media_type=lambda path: "application/xml",
        traced_by_mapping=False,  # morph-kgc does not know which file the parts came from
        publisher=iati.REPORTING_ORGANISATION,
    ),
}

__all__ = ["KINDS", "ImportKind", "Prepared", "Problem", "Project"]
