"""What an import kind gives the framework (contract C2), what a problem in an input file is
reported as, and the slug an input is written under (contract C1)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..knowledge import KnowledgeBase

FRAME = {
    "fr": ("attendu", "trouvé", "vide"),
    "en": ("expected", "found", "empty"),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file, found before the mapping runs: a spreadsheet's cell or
    an XML file's element or attribute.

    `row` is the spreadsheet row or XML line (None: the whole file), `column` the column's
    header or an XPath; `expected` is one text, or a (French, English) pair; `found` is what
    the cell or attribute holds as written ('' for an empty one).
    """

    file: str
    row: int | None
    column: str | None
    expected: str | tuple[str, str]
    found: str

    def render(self, lang: str = "en") -> str:
        """Return 'file:row:column: expected …, found …' in `lang` ('fr' or 'en')."""
        expected_word, found_word, empty = FRAME.get(lang, FRAME["en"])
        where = ":".join(str(part) for part in (self.file, self.row, self.column) if part not in (None, ""))
        expected = self.expected if isinstance(self.expected, str) else self.expected[0 if lang == "fr" else 1]
        found = f"« {self.found} »" if lang == "fr" else f'"{self.found}"'
        return f"{where}: {expected_word} {expected}, {found_word} {found if self.found != '' else empty}"


@dataclass(frozen=True)
class Project:
    """What an import is checked against: the project's ontology, shapes and data (graph/ and
    the imports not replaced by this batch)."""

    root: Path
    knowledge: KnowledgeBase


@dataclass
class Prepared:
    """What a kind's `prepare` made of one input file: the files the mapping reads (source key
    -> path), the problems found, and where each entity the mapping will make comes from
    (entity IRI -> 'file:row'), to report a violation of the shapes at its row."""

    sources: dict[str, Path] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportKind:
    """One kind of source file `coopkg import KIND` reads.

    `mapping` is its mapping file (mappings/<kind>.yml, YARRRML, or RML in Turtle). `check`, if
    given, reads an input file and returns its problems; the mapping then reads the input file
    itself under every source key. `prepare(path, project, folder, tick)` does both and may
    hand the mapping other files (the checked tables of a spreadsheet, the parts of an IATI
    file); it calls `tick(done)` or `tick(done, unit)` now and then as it reads. `suffixes` are
    the input names accepted ('' for a folder).

    What the framework writes of each file (server/imports/source.py) depends on two more:
    `traced_by_mapping` says whether the mapping itself gives each entity its
    `prov:wasDerivedFrom` the file (else the framework gives it to every typed entity of the
    data), `publisher` is the property whose objects published the file (IATI's reporting
    organisations; None: an unnamed agent).
    """

    mapping: Path
    suffixes: tuple[str, ...]
    check: Callable[[Path], list[Problem]] | None = None
    prepare: Callable[..., Prepared] | None = None
    media_type: Callable[[Path], str] = lambda path: "application/octet-stream"
    traced_by_mapping: bool = True
    publisher: str | None = None


def slug_of(path: Path) -> str:
    """The slug of an input file (contract C1): its name's stem, lower-case, [a-z0-9-]."""
    stem = path.name if path.is_dir() else path.stem
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", stem.lower())).strip("-") or "import"
