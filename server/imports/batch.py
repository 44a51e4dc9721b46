"""A batch of imported files, all or nothing (contract C1).

Each input file is checked, mapped and described as a source; the whole batch is validated
with the project's ontology, data and earlier imports against the shapes, in a temporary
folder beside the target; only when every file passes is each moved in: `imports/<slug>.ttl`
and the original, unchanged, in `sources/imported/<slug>.<ext>`. On any problem nothing is
written and the release served before stays as it was.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from ..knowledge import KnowledgeBase, load_knowledge, read_turtle
from ..namespaces import CANONICAL_BASE, PREFIXES
from ..validation import ValidationReport, validate
from .kind import ImportKind, Prepared, Problem, Project, slug_of
from .mapping import run_mapping, source_keys

IMPORTS, ARCHIVE = Path("imports"), Path("sources") / "imported"
RESERVED = {"ontology", "shapes", "data", "catalog"}  # graph names a release gives its other parts
log = logging.getLogger("coopkg.import")
Progress = Callable[[str], None]

SPDX = "http://spdx.org/rdf/terms#"
VOCABULARY = CANONICAL_BASE + "def/"
TERMS = {
    **PREFIXES,
    "spdx": SPDX,
    **{name: f"{VOCABULARY}{name}/" for name in ("unit", "qualifier", "aggregation", "role")},
}
FILE_TYPES = {"text/csv": "CSV", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX"}


def _term(prefixed: str) -> ox.NamedNode:
    prefix, _, name = prefixed.partition(":")
    return ox.NamedNode(TERMS[prefix] + name)


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
            triples = run_mapping(kind.mapping, prepared[slug].sources)
            turtles[slug] = [*triples, *describe_source(path, slug, kind.media_type(path), now)]
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


def _write(inputs: dict[Path, str], turtles: dict[str, list[ox.Triple]], out: Path, into: Path, now) -> None:
    """Write each input's Turtle and original under `out`, then move each file into `into`."""
    for path, slug in inputs.items():
        target = out / IMPORTS / f"{slug}.ttl"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_turtle(turtles[slug], path, now))
        archived = out / _archived(path, slug)
        archived.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, archived)
        else:
            shutil.copy2(path, archived)
    for path, slug in inputs.items():
        for relative in (IMPORTS / f"{slug}.ttl", _archived(path, slug)):
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


def _archived(path: Path, slug: str) -> Path:
    return ARCHIVE / (slug if path.is_dir() else f"{slug}{path.suffix.lower()}")


def _move_in(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    source.replace(target)


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes; of a folder, of its files' names and SHA-256 in order."""
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(path).as_posix()} {sha256_of(file)}\n".encode())
    return digest.hexdigest()


def describe_source(path: Path, slug: str, media_type: str, now: datetime) -> list[ox.Triple]:
    """Return the description of the imported file (C1): what it is, its checksum, when it was
    imported, its format, and the unnamed agent that published it."""
    source = ox.NamedNode(f"{CANONICAL_BASE}id/source/{slug}")
    publisher = ox.NamedNode(f"{CANONICAL_BASE}id/agent/publisher-of-{slug}")
    checksum = ox.BlankNode(f"checksum-{slug}")
    name = path.name
    lit = ox.Literal
    xsd = PREFIXES["xsd"]
    triples = [
        (source, "rdf:type", _term("prov:Entity")),
        (source, "rdf:type", _term("foaf:Document")),
        (source, "rdf:type", _term("dcat:Distribution")),
        (source, "rdfs:label", lit(f"fichier importé {name}", language="fr")),
        (source, "rdfs:label", lit(f"imported file {name}", language="en")),
        (source, "dct:title", lit(name, language="fr")),
        (source, "dct:publisher", publisher),
        (source, "dcat:mediaType", lit(media_type)),
        (source, "dct:identifier", lit(slug)),
        (source, "prov:generatedAtTime", lit(now.isoformat(), datatype=ox.NamedNode(xsd + "dateTime"))),
        (source, "spdx:checksum", checksum),
        (checksum, "spdx:algorithm", ox.NamedNode(SPDX + "checksumAlgorithm_sha256")),
        (checksum, "spdx:checksumValue", lit(sha256_of(path), datatype=ox.NamedNode(xsd + "hexBinary"))),
        (publisher, "rdf:type", _term("foaf:Agent")),
        (publisher, "rdfs:label", lit(f"équipe qui a rempli le fichier {name} (non nommée)", language="fr")),
        (publisher, "rdfs:label", lit(f"team that filled in the file {name} (not named)", language="en")),
        (publisher, "coop:unnamedInSource", lit("true", datatype=ox.NamedNode(xsd + "boolean"))),
        (publisher, "prov:wasDerivedFrom", source),
    ]
    file_type = FILE_TYPES.get(media_type)
    if file_type:
        triples.append(
            (
                source,
                "dct:format",
                ox.NamedNode(f"http://publications.europa.eu/resource/authority/file-type/{file_type}"),
            )
        )
    return [ox.Triple(s, _term(p), o) for s, p, o in triples]


def _prefixes_used(triples: list[ox.Triple]) -> dict[str, str]:
    """Return the prefixes the triples use, and one per kind of data IRI (organisation:, ...)."""
    data = CANONICAL_BASE + "id/"
    iris = {
        term.value for t in triples for term in (t.subject, t.predicate, t.object) if isinstance(term, ox.NamedNode)
    }
    iris |= {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    used = {name: ns for name, ns in TERMS.items() if any(iri.startswith(ns) for iri in iris)}
    for iri in sorted(iris):
        if iri.startswith(data) and "/" in iri[len(data) :]:
            kind = iri[len(data) :].split("/", 1)[0]
            if re.fullmatch(r"[a-z][a-z0-9-]*", kind) and kind not in TERMS:
                used.setdefault(kind, f"{data}{kind}/")
    return used


def _turtle(triples: list[ox.Triple], path: Path, now: datetime) -> bytes:
    prefixes = _prefixes_used(triples)
    header = (
        f"# Imported by `coopkg import` from {path.name} on {now.isoformat()}.\n"
        "# Do not edit: correct the original (sources/imported/) and import it again.\n\n"
    )
    ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    body = ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    return header.encode("utf-8") + body
