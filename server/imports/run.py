"""One `coopkg import KIND FILE...` run: check and map each file, then land the batch."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..validation import ValidationReport
from . import iati
from .landing import Batch, Landed, slug_of


@dataclass(frozen=True)
class ImportKind:
    """A kind of file `coopkg import` reads: its mapping (in mappings/), the input suffixes it
    accepts, and the media type of what it reads."""

    mapping: Path
    suffixes: tuple[str, ...]
    media_type: str


KINDS: dict[str, ImportKind] = {
    "iati": ImportKind(iati.MAPPING, (".xml",), "application/xml"),
}


@dataclass
class Outcome:
    """What a run did: the problems found in the input files, or the validation report of
    the batch, and the files written (none unless everything conforms)."""

    problems: list[iati.Problem] = field(default_factory=list)
    report: ValidationReport | None = None
    landed: list[Landed] = field(default_factory=list)


def import_files(kind: str, paths: list[Path], root: Path, into: Path, steps=None) -> Outcome:
    """Import `paths` as `kind` into `into` (imports/, sources/imported/), validated with the
    project at `root`. Nothing is written unless every file maps and the batch conforms.

    Raises knowledge.UnreadableSource when the project's own Turtle cannot be read.
    """
    outcome = Outcome()
    slugs: dict[str, Path] = {}
    for path in paths:
        if slug_of(path) in slugs:
            expected = (
                f"un autre nom que {slugs[slug_of(path)].name}",
                f"a name other than {slugs[slug_of(path)].name}",
            )
            outcome.problems.append(iati.Problem(path.name, None, None, expected, path.name))
        slugs[slug_of(path)] = path
    if outcome.problems:
        return outcome
    batch = Batch(root, into)
    with tempfile.TemporaryDirectory(prefix="coopkg-prepared-") as folder:
        prepared: list[tuple[Path, Path, int]] = []
        for path in paths:
            if steps:
                steps(f"check {path.name}")
            target = Path(folder) / slug_of(path)
            count, problems = iati.prepare(path, target)
            outcome.problems += problems
            prepared.append((path, target, count))
        if outcome.problems:
            return outcome
        for path, target, count in prepared:
            if steps:
                steps(f"map {path.name} ({count} activities)")
            batch.add(path, KINDS[kind].media_type, iati.map_prepared(target))
    outcome.report, outcome.landed = batch.land(steps)
    return outcome
