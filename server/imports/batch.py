"""A batch of imported files, all or nothing (contract C1): the one pipeline of every kind.

Steps (the progress names them): read the project; check each input file (its kind's
`check` or `prepare`); map it (run_mapping), trace its entities to it when its mapping does
not, and describe it as a source (server/imports/source.py); validate the whole batch with
the project's ontology, data and earlier imports against the shapes, in a temporary folder
beside the target; write: only when every file passes is each moved in, `imports/<slug>.ttl`
and the original, unchanged, in `sources/imported/<slug>.<ext>`. On any problem nothing is
written and the release served before stays as it was.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from ..knowledge import KnowledgeBase, load_knowledge, read_turtle
from ..validation import ValidationReport, validate
from .kind import ImportKind, Prepared, Problem, Project, slug_of
from .mapping import run_mapping, source_keys
from .source import archived_name, describe_source, traced, turtle

IMPORTS = Path("imports")
RESERVED = {"ontology", "shapes", "data", "catalog"}  # graph names a release gives its other parts
log = logging.getLogger("coopkg.import")
Progress = Callable[[str], None]


@dataclass
class Outcome:
    """What a batch did: problems before the mapping, or a validation report, or the files written."""

    problems: list[Problem] = field(default_factory=list)
    report: ValidationReport | None = None
    origins: dict[str, str] = field(default_factory=dict)
    written: list[tuple[Path, int]] = field(default_factory=list)


def import_batch(
    kind: ImportKind, files: list[Path], root: Path, into: Path, progress: Progress | None = None, tick=None
) -> Outcome:
    """Import `files` of `kind` into `into` (imports/, sources/imported/), validated with the
    project under `root`; return the Outcome (nothing is written unless every file passes).

    Raises UnreadableSource when the project's Turtle cannot be read, MappingFailed when the
    mapping cannot run, ValueError when an input is not of a name the kind reads or two inputs
    have the same slug.
    """
    step = progress or (lambda name: None)
    for path in files:
        if ("" if path.is_dir() else path.suffix.lower()) not in kind.suffixes:
            accepted = ", ".join(suffix or "a folder" for suffix in kind.suffixes)
            raise ValueError(f"{path}: this kind reads {accepted}")
    slugs = [slug_of(path) for path in files]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"two inputs would be written to the same file: {', '.join(sorted(slugs))}")
    for path, slug in zip(files, slugs, strict=True):
        if slug in RESERVED or any((root / "graph").rglob(f"{slug}.ttl")):
            raise ValueError(f"{path}: its name {slug!r} is the name of a graph of the project; rename the file")
    step("read")
    knowledge = _project_knowledge(root, into, set(slugs))
    project = Project(root, knowledge)
    outcome = Outcome()
    beside = into if into.is_dir() else next(parent for parent in into.parents if parent.is_dir())
    with tempfile.TemporaryDirectory(prefix=".import-", dir=beside) as work:
        batch = Path(work)
        step("check")
        prepared: dict[str, Prepared] = {}
        for path, slug in zip(files, slugs, strict=True):
            prepared[slug] = _prepare(kind, path, project, batch / "tables" / slug, tick)
            outcome.problems += prepared[slug].problems
            outcome.origins.update(prepared[slug].origins)
        if outcome.problems:
            return outcome
        step("map")
        now = datetime.now(UTC).replace(microsecond=0)
        turtles: dict[str, list[ox.Triple]] = {}
        for path, slug in zip(files, slugs, strict=True):
            turtles[slug] = _mapped(kind, path, slug, prepared[slug], now)
        step("validate")
        for triples in turtles.values():
            knowledge.parts["data"].extend(triples)
        outcome.report = validate(knowledge)
        if not outcome.report.conforms:
            return outcome
        step("write")
        _write(dict(zip(files, slugs, strict=True)), turtles, batch / "out", into, now)
        outcome.written = [(into / IMPORTS / f"{slug}.ttl", len(turtles[slug])) for slug in slugs]
    return outcome


def _mapped(kind: ImportKind, path: Path, slug: str, prepared: Prepared, now: datetime) -> list[ox.Triple]:
    """Return what the mapping makes of one prepared input, traced to it, and its description."""
    triples = run_mapping(kind.mapping, prepared.sources)
    if not kind.traced_by_mapping:
        triples = traced(triples, slug)
    publishers = [t.object for t in triples if t.predicate.value == kind.publisher] if kind.publisher else []
    return [*dict.fromkeys(triples), *describe_source(path, slug, kind.media_type(path), now, publishers)]


def _write(inputs: dict[Path, str], turtles: dict[str, list[ox.Triple]], out: Path, into: Path, now) -> None:
    """Write each input's Turtle and original under `out`, then move each file into `into`."""
    for path, slug in inputs.items():
        target = out / IMPORTS / f"{slug}.ttl"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(turtle(turtles[slug], path, now))
        archived = out / archived_name(path, slug)
        archived.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, archived)
        else:
            shutil.copy2(path, archived)
    for path, slug in inputs.items():
        for relative in (IMPORTS / f"{slug}.ttl", archived_name(path, slug)):
            _move_in(out / relative, into / relative)


def _prepare(kind: ImportKind, path: Path, project: Project, folder: Path, tick) -> Prepared:
    if kind.prepare is not None:
        return kind.prepare(path, project, folder, tick)
    problems = kind.check(path) if kind.check is not None else []
    return Prepared({key: path for key in source_keys(kind.mapping)}, list(problems))


def _project_knowledge(root: Path, into: Path, replaced: set[str]) -> KnowledgeBase:
    """Return the project's ontology, shapes and data, with the imports already made (but those
    this batch replaces) as data."""
    knowledge = load_knowledge(root, [root / "graph"])
    for file in sorted(p for p in (into / IMPORTS).glob("*.ttl") if p.stem not in replaced):
        knowledge.parts["data"].extend(read_turtle(file))
        knowledge.files["data"].append(file)
    return knowledge


def _move_in(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    source.replace(target)
