"""What `coopkg import` writes of each input file (contract C1): the triples its mapping made,
each entity traced to the file, the file described as a source, as one Turtle file.

The description is `<{canonical}id/source/<slug>>`: a `prov:Entity`, `foaf:Document` and
`dcat:Distribution` with its name, media type and file type, slug, SHA-256, import time, who
published it, and where the release keeps the original (`schema:archivedAt`
`{canonical}sources/imported/<slug>.<ext>`, as the hand-written sources point at theirs).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox

from ..namespaces import CANONICAL_BASE, PREFIXES

ARCHIVE = Path("sources") / "imported"  # where the originals are kept, under the project's root
SPDX = "http://spdx.org/rdf/terms#"
DATA = CANONICAL_BASE + "id/"
TERMS = {**PREFIXES, "spdx": SPDX}
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
DERIVED_FROM = ox.NamedNode(PREFIXES["prov"] + "wasDerivedFrom")
FILE_TYPES = {  # media type -> the EU file type (publications.europa.eu/resource/authority/file-type)
    "text/csv": "CSV",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/xml": "XML",
}
NAME = re.compile(r"[a-z][a-z0-9-]*")


def _term(prefixed: str) -> ox.NamedNode:
    prefix, _, name = prefixed.partition(":")
    return ox.NamedNode(TERMS[prefix] + name)


def source_iri(slug: str) -> ox.NamedNode:
    """The IRI of the imported file `slug` as a source document."""
    return ox.NamedNode(f"{DATA}source/{slug}")


def archived_name(path: Path, slug: str) -> Path:
    """Where the original of `path` is kept, relative to the project's root: a file as
    sources/imported/<slug>.<ext>, a folder (of CSV files) as sources/imported/<slug>/."""
    return ARCHIVE / (slug if path.is_dir() else f"{slug}{path.suffix.lower()}")


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes; of a folder, of its files' names and SHA-256 in order."""
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(path).as_posix()} {sha256_of(file)}\n".encode())
    return digest.hexdigest()


def traced(triples: list[ox.Triple], slug: str) -> list[ox.Triple]:
    """Return `triples` and `prov:wasDerivedFrom` the source on every typed entity of the data
    (for a mapping that cannot name the file it reads)."""
    source = source_iri(slug)
    entities = {t.subject for t in triples if t.predicate == RDF_TYPE and t.subject.value.startswith(DATA)}
    return [*triples, *(ox.Triple(entity, DERIVED_FROM, source) for entity in sorted(entities, key=str))]


def describe_source(path: Path, slug: str, media_type: str, now: datetime, publishers=()) -> list[ox.Triple]:
    """Return the description of the imported file `path`: what it is, its checksum, when it
    was imported, its format, where its original is archived, and who published it (the
    `publishers` IRIs, else an unnamed agent)."""
    source = source_iri(slug)
    checksum = ox.BlankNode(f"checksum-{slug}")
    name, lit, xsd = path.name, ox.Literal, PREFIXES["xsd"]
    triples = [
        (source, "rdf:type", _term("prov:Entity")),
        (source, "rdf:type", _term("foaf:Document")),
        (source, "rdf:type", _term("dcat:Distribution")),
        (source, "rdfs:label", lit(f"fichier importé {name}", language="fr")),
        (source, "rdfs:label", lit(f"imported file {name}", language="en")),
        (source, "dct:title", lit(name, language="fr")),
        (source, "dcat:mediaType", lit(media_type)),
        (source, "dct:identifier", lit(slug)),
        (source, "prov:generatedAtTime", lit(now.isoformat(), datatype=ox.NamedNode(xsd + "dateTime"))),
        (source, "spdx:checksum", checksum),
        (checksum, "spdx:algorithm", ox.NamedNode(SPDX + "checksumAlgorithm_sha256")),
        (checksum, "spdx:checksumValue", lit(sha256_of(path), datatype=ox.NamedNode(xsd + "hexBinary"))),
    ]
    if path.is_file():  # a folder of CSV files has no one file to point at (shapes: at most one copy)
        archived = ox.NamedNode(CANONICAL_BASE + archived_name(path, slug).as_posix())
        triples.append((source, "schema:archivedAt", archived))
    file_type = FILE_TYPES.get(media_type)
    if file_type:
        authority = ox.NamedNode(f"http://publications.europa.eu/resource/authority/file-type/{file_type}")
        triples.append((source, "dct:format", authority))
    triples += [(source, "dct:publisher", publisher) for publisher in sorted(set(publishers), key=str)]
    if not publishers:
        triples += _unnamed_publisher(source, slug, name)
    return [ox.Triple(s, _term(p), o) for s, p, o in triples]


def _unnamed_publisher(source: ox.NamedNode, slug: str, name: str) -> list[tuple]:
    """The agent that published a file that does not say who did (a team's spreadsheet)."""
    publisher = ox.NamedNode(f"{DATA}agent/publisher-of-{slug}")
    yes = ox.Literal("true", datatype=ox.NamedNode(PREFIXES["xsd"] + "boolean"))
    return [
        (source, "dct:publisher", publisher),
        (publisher, "rdf:type", _term("foaf:Agent")),
        (publisher, "rdfs:label", ox.Literal(f"équipe qui a rempli le fichier {name} (non nommée)", language="fr")),
        (publisher, "rdfs:label", ox.Literal(f"team that filled in the file {name} (not named)", language="en")),
        (publisher, "coop:unnamedInSource", yes),
        (publisher, "prov:wasDerivedFrom", source),
    ]


def turtle(triples: list[ox.Triple], path: Path, now: datetime) -> bytes:
    """Return `triples` as the Turtle of imports/<slug>.ttl, sorted, with a header naming `path`."""
    header = (
        f"# Imported by `coopkg import` from {path.name} on {now.isoformat()}.\n"
        "# Do not edit: correct the original (sources/imported/) and import it again.\n\n"
    )
    ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    body = ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=prefixes_used(ordered))
    return header.encode("utf-8") + body


def prefixes_used(triples: list[ox.Triple]) -> dict[str, str]:
    """Return the prefixes that name some IRI of `triples` with no '/' after them: the
    project's (coop:, dct:, …) and one per folder of the project's IRIs (organisation: for
    …/id/organisation/, iati-sector: for …/def/iati/sector/)."""
    iris = {term.value for t in triples for term in t if isinstance(term, ox.NamedNode)}
    iris |= {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    candidates = dict(TERMS)
    for iri in sorted(iris):
        for space in (DATA, CANONICAL_BASE + "def/"):
            folders = iri[len(space) :].split("/")[:-1] if iri.startswith(space) else []
            if folders and all(NAME.fullmatch(folder) for folder in folders):
                candidates.setdefault("-".join(folders), space + "".join(f"{folder}/" for folder in folders))
    return {
        prefix: namespace
        for prefix, namespace in candidates.items()
        if any(iri.startswith(namespace) and "/" not in iri[len(namespace) :] for iri in iris)
    }
