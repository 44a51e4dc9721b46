"""Where imported facts land (contract C1): one Turtle file per input under imports/, the
original under sources/imported/, the batch validated with the rest of the data first.

For each input file, `imports/<slug>.ttl` holds what the mapping made of it, every entity
`prov:wasDerivedFrom <{base}id/source/<slug>>`, and the description of that source (what it
is, who published it, its SHA-256, when it was imported). A batch is all or nothing: its files
are written to a temporary folder, validated with graph/ and the other imports against the
shapes, and only then moved in.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from ..knowledge import load_knowledge
from ..namespaces import CANONICAL_BASE, PREFIXES
from ..validation import ValidationReport, validate
from .iati import CODE_PREFIXES

ID = CANONICAL_BASE + "id/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DERIVED_FROM = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
REPORTING_ORGANISATION = ox.NamedNode(CANONICAL_BASE + "def/reportingOrganisation")
IMPORT_PREFIXES = {
    **PREFIXES,
    **CODE_PREFIXES,
    "spdx": "http://spdx.org/rdf/terms#",
    "organisation": ID + "organisation/iati/",
    "source": ID + "source/",
}


def slug_of(path: Path) -> str:
    """Return the slug of an input file: its stem, lower-case, runs of other than [a-z0-9] as '-'."""
    return re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "import"


@dataclass
class Landed:
    """One input file's output: its slug, the Turtle and source copy written, its triple count."""

    slug: str
    turtle: Path
    original: Path
    triples: int


@dataclass
class Batch:
    """The files of one `coopkg import` run, mapped, before they are validated and moved in."""

    root: Path
    into: Path
    entries: list[tuple[Path, str, list[ox.Triple]]] = field(default_factory=list)

    def add(self, original: Path, media_type: str, triples: list[ox.Triple]) -> None:
        """Add what the mapping made of `original`, with its provenance."""
        self.entries.append((original, media_type, triples))

    def land(self, steps=None) -> tuple[ValidationReport, list[Landed]]:
        """Validate the batch with the project's data; when it conforms, move it in.

        Returns the validation report and, when it conforms, what was written (else nothing
        is). Raises knowledge.UnreadableSource when the project's Turtle cannot be read.
        """
        self.into.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".coopkg-import-", dir=self.into) as folder:
            staged = [self._stage(Path(folder), *entry) for entry in self.entries]
            if steps:
                steps("validate")
            replaced = {entry.slug for entry in staged}
            others = [path for path in sorted((self.into / "imports").glob("*.ttl")) if slug_of(path) not in replaced]
            data = [self.root / "graph", *others, *(entry.turtle for entry in staged)]
            report = validate(load_knowledge(self.root, data))
            if not report.conforms:
                return report, []
            if steps:
                steps("write")
            return report, [self._move(entry) for entry in staged]

    def _stage(self, folder: Path, original: Path, media_type: str, triples: list[ox.Triple]) -> Landed:
        slug = slug_of(original)
        source = ox.NamedNode(ID + "source/" + slug)
        described = _with_provenance(triples, source) + _source_description(source, slug, original, media_type, triples)
        turtle = folder / "imports" / f"{slug}.ttl"
        copy = folder / "sources" / "imported" / f"{slug}{original.suffix.lower()}"
        turtle.parent.mkdir(parents=True, exist_ok=True)
        copy.parent.mkdir(parents=True, exist_ok=True)
        ordered = sorted(set(described), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        header = f"# Imported by `coopkg import` from sources/imported/{copy.name}; do not edit, import again.\n"
        body = ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=_used_prefixes(ordered))
        turtle.write_bytes(header.encode("utf-8") + body)
        shutil.copyfile(original, copy)
        return Landed(slug, turtle, copy, len(ordered))

    def _move(self, staged: Landed) -> Landed:
        turtle = self.into / "imports" / staged.turtle.name
        original = self.into / "sources" / "imported" / staged.original.name
        for source, target in ((staged.original, original), (staged.turtle, turtle)):
            target.parent.mkdir(parents=True, exist_ok=True)
            source.replace(target)
        return Landed(staged.slug, turtle, original, staged.triples)


def _with_provenance(triples: list[ox.Triple], source: ox.NamedNode) -> list[ox.Triple]:
    """Return `triples` and `prov:wasDerivedFrom source` on every typed entity of the data."""
    entities = {t.subject for t in triples if t.predicate == RDF_TYPE and t.subject.value.startswith(ID)}
    return [*triples, *(ox.Triple(entity, DERIVED_FROM, source) for entity in entities)]


def _source_description(
    source: ox.NamedNode, slug: str, original: Path, media_type: str, triples: list[ox.Triple]
) -> list[ox.Triple]:
    """Return the description of the imported file: a document, its publishers, checksum, time."""

    def iri(text: str) -> ox.NamedNode:
        prefix, _, local = text.partition(":")
        return ox.NamedNode(IMPORT_PREFIXES[prefix] + local)

    name = original.name
    archived = ox.NamedNode(f"{CANONICAL_BASE}sources/imported/{slug}{original.suffix.lower()}")
    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    checksum = ox.BlankNode()
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    facts = [
        (source, RDF_TYPE, iri("foaf:Document")),
        (source, RDF_TYPE, iri("prov:Entity")),
        (source, iri("rdfs:label"), ox.Literal(f"fichier importé « {name} »", language="fr")),
        (source, iri("rdfs:label"), ox.Literal(f'imported file "{name}"', language="en")),
        (source, iri("dct:title"), ox.Literal(f"fichier importé « {name} »", language="fr")),
        (source, iri("dct:identifier"), ox.Literal(slug)),
        (source, iri("dct:format"), ox.Literal(media_type)),
        (source, iri("schema:archivedAt"), archived),
        (source, iri("prov:generatedAtTime"), ox.Literal(now, datatype=iri("xsd:dateTime"))),
        (source, iri("spdx:checksum"), checksum),
        (checksum, iri("spdx:algorithm"), iri("spdx:checksumAlgorithm_sha256")),
        (checksum, iri("spdx:checksumValue"), ox.Literal(digest, datatype=iri("xsd:hexBinary"))),
    ]
    publishers = {t.object for t in triples if t.predicate == REPORTING_ORGANISATION}
    facts += [(source, iri("dct:publisher"), publisher) for publisher in sorted(publishers, key=str)]
    return [ox.Triple(*fact) for fact in facts]


def _used_prefixes(triples: list[ox.Triple]) -> dict[str, str]:
    """Return the prefixes of IMPORT_PREFIXES that name the IRIs of `triples`, with no '/' after them."""
    iris = {term.value for t in triples for term in t if isinstance(term, ox.NamedNode)}
    iris |= {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    used = {}
    for prefix, namespace in IMPORT_PREFIXES.items():
        if any(iri.startswith(namespace) and "/" not in iri[len(namespace) :] for iri in iris):
            used[prefix] = namespace
    return used
