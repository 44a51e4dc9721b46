"""The DCAT-AP 3.0.1 catalogue of a release.

The hand-written description (catalog/dataset.ttl: titles, licence, publisher, contact point,
themes, spatial coverage, the SPARQL data service) is read with links.RELEASE_ROOT as its
base (a server puts its public URL in its place, see public_files); this module adds what a
release knows: version, dates, temporal coverage computed from the data, and one
dcat:Distribution per dump with its size and SHA-256.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCTERMS, RDF, XSD

from .dumps import GZIP_MEDIA_TYPE, Dump
from .graphs import ReadGraph
from .knowledge import UnreadableSource
from .labels import pick_label
from .links import PublicLinks
from .rdf_syntaxes import IANA
from .source_graphs import data_graphs, describe_source_graphs

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")  # open: DCAT 3 terms (version)
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
VCARD = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = rdflib.Namespace("http://data.europa.eu/r5r/")
STABLE = rdflib.URIRef("http://publications.europa.eu/resource/authority/planned-availability/STABLE")
DESCRIPTION_FILE = Path("catalog") / "dataset.ttl"
DUMP_DESCRIPTIONS = {
    True: {
        "en": "The whole dataset; the ontology, shapes and data keep their own named graphs.",
        "fr": "Le jeu de données entier ; l'ontologie, les formes et les données gardent chacune leur graphe nommé.",
    },
    False: {
        "en": "The whole dataset (ontology, shapes and data) as one graph.",
        "fr": "Le jeu de données entier (ontologie, formes et données) en un seul graphe.",
    },
}


@dataclass(frozen=True)
class PublishedDump:
    """A dump as the catalogue states it: the file, its size in bytes and its SHA-256 (hex)."""

    dump: Dump
    byte_size: int
    sha256: str


@dataclass(frozen=True)
class ReleaseFacts:
    """What the catalogue says of the release: version, dates (ISO) and temporal coverage."""

    version: str
    issued: str
    modified: str
    coverage: tuple[ox.Literal | None, ox.Literal | None]


def check_description(path: Path, root_url: str) -> None:
    """Parse the catalogue's description (relative IRIs against `root_url`).

    Raises UnreadableSource, with the line, when it is missing or not valid Turtle.
    """
    try:
        for _ in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=root_url):
            pass
    except SyntaxError as error:
        raise UnreadableSource(path, error.msg, error.lineno, error.offset) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise UnreadableSource(path, str(error)) from None


def temporal_coverage(graph: ReadGraph, base: str) -> tuple[ox.Literal | None, ox.Literal | None]:
    """Return the earliest start and the latest end of the periods of time in the source graphs."""
    rows = graph.select("temporal_coverage", graph=data_graphs(graph, base))
    firsts = [row["first"] for row in rows if row["first"] is not None]
    lasts = [row["last"] for row in rows if row["last"] is not None]
    return (min(firsts, key=_when) if firsts else None), (max(lasts, key=_when) if lasts else None)


def _when(literal: ox.Literal) -> str:
    """A year or a date as text that sorts in time ('2017' before '2017-05-15')."""
    return literal.value


def catalog_graph(
    description: Path, links: PublicLinks, facts: ReleaseFacts, dumps: Iterable[PublishedDump], sources: Iterable = ()
):
    """Return the DCAT-AP catalogue: `description` (Turtle, relative to links.root) plus the release,
    and a part of the dataset per source graph (`sources`, source_graphs.SourceGraph).

    Raises OSError or a parser error when the description file cannot be read.
    """
    graph = rdflib.Graph(bind_namespaces="core")
    graph.parse(description, format="turtle", publicID=links.root)
    for prefix, namespace in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("dcatap", DCATAP),
        ("spdx", SPDX),
        ("vcard", VCARD),
    ):
        graph.bind(prefix, namespace)
    catalog, dataset = rdflib.URIRef(links.catalog), rdflib.URIRef(links.dataset)
    issued = rdflib.Literal(facts.issued, datatype=XSD.date)
    modified = rdflib.Literal(facts.modified, datatype=XSD.date)
    for resource in (catalog, dataset):
        graph.add((resource, DCTERMS.issued, issued))
        graph.add((resource, DCTERMS.modified, modified))
    graph.add((dataset, DCAT.version, rdflib.Literal(facts.version)))
    graph.add((dataset, DCTERMS.identifier, rdflib.Literal(links.dataset)))
    _add_coverage(graph, dataset, facts.coverage)
    licence = graph.value(dataset, DCTERMS.license)
    for published in dumps:
        _add_distribution(graph, dataset, links, published, (licence, modified))
    graph.bind("prov", "http://www.w3.org/ns/prov#")
    describe_source_graphs(graph, dataset, sources, licence)
    return graph


def _add_coverage(graph: rdflib.Graph, dataset, coverage) -> None:
    start, end = coverage
    if start is None and end is None:
        return
    period = rdflib.URIRef(str(dataset) + "-period")
    graph.add((dataset, DCTERMS.temporal, period))
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    for predicate, value in ((DCAT.startDate, start), (DCAT.endDate, end)):
        if value is not None:
            graph.add((period, predicate, rdflib.Literal(value.value, datatype=value.datatype.value)))


def _add_distribution(graph: rdflib.Graph, dataset, links: PublicLinks, published: PublishedDump, shared):
    """Add one dcat:Distribution for a dump file: URLs, media type, format, size, checksum."""
    licence, modified = shared
    dump, fmt = published.dump, published.dump.format
    url = rdflib.URIRef(links.dump(dump.name))
    node = rdflib.URIRef(f"{links.catalog}#{dump.name}")
    graph.add((dataset, DCAT.distribution, node))
    graph.add((node, RDF.type, DCAT.Distribution))
    packed = " (gzip)" if dump.gzipped else ""
    graph.add((node, DCTERMS.title, rdflib.Literal(f"coopkg — {fmt.label}{packed}", lang="en")))
    graph.add((node, DCTERMS.title, rdflib.Literal(f"coopkg — {fmt.label}{packed}", lang="fr")))
    for lang, text in DUMP_DESCRIPTIONS[fmt.keeps_graphs].items():
        graph.add((node, DCTERMS.description, rdflib.Literal(text, lang=lang)))
    graph.add((node, DCATAP.availability, STABLE))
    graph.add((node, DCAT.accessURL, url))
    graph.add((node, DCAT.downloadURL, url))
    media_type = rdflib.URIRef(fmt.media_type_iri)
    graph.add((node, DCAT.mediaType, media_type))
    graph.add((media_type, RDF.type, DCTERMS.MediaType))
    file_type = rdflib.URIRef(fmt.file_type_iri)
    graph.add((node, DCTERMS.format, file_type))
    graph.add((file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
    if dump.gzipped:
        gzip_type = rdflib.URIRef(IANA + GZIP_MEDIA_TYPE)
        graph.add((node, DCAT.compressFormat, gzip_type))
        graph.add((gzip_type, RDF.type, DCTERMS.MediaType))
    graph.add((node, DCAT.byteSize, rdflib.Literal(published.byte_size, datatype=XSD.nonNegativeInteger)))
    checksum = rdflib.URIRef(f"{node}-sha256")
    graph.add((node, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
    graph.add((checksum, SPDX.checksumValue, rdflib.Literal(published.sha256, datatype=XSD.hexBinary)))
    graph.add((node, DCTERMS.modified, modified))
    if licence is not None:
        graph.add((node, DCTERMS.license, licence))


@dataclass(frozen=True)
class DistributionRow:
    """One distribution as the catalogue page lists it."""

    title: str
    url: str
    media_type: str
    compressed: bool
    byte_size: int
    sha256: str


@dataclass(frozen=True)
class CatalogSummary:
    """What the catalogue page shows, in one language."""

    title: str
    description: str
    version: str
    issued: str
    modified: str
    licence_url: str | None
    licence_title: str | None
    keywords: tuple[str, ...]
    period: tuple[str | None, str | None]
    endpoint: str | None
    distributions: tuple[DistributionRow, ...]


def catalog_summary(graph: rdflib.Graph, dataset_iri: str, lang: str) -> CatalogSummary:
    """Return the dataset of a catalogue graph as the page shows it, texts in `lang` if stated."""
    dataset = rdflib.URIRef(dataset_iri)

    def text(subject, predicate) -> str:
        return pick_label([(str(o), o.language) for o in graph.objects(subject, predicate)], lang) or ""

    licence = graph.value(dataset, DCTERMS.license)
    period = graph.value(dataset, DCTERMS.temporal)
    rows = [_distribution_row(graph, node, lang) for node in graph.objects(dataset, DCAT.distribution)]
    service = graph.value(predicate=DCAT.servesDataset, object=dataset)
    return CatalogSummary(
        title=text(dataset, DCTERMS.title),
        description=text(dataset, DCTERMS.description),
        version=str(graph.value(dataset, DCAT.version)),
        issued=str(graph.value(dataset, DCTERMS.issued)),
        modified=str(graph.value(dataset, DCTERMS.modified)),
        licence_url=str(licence) if licence else None,
        licence_title=text(licence, DCTERMS.title) if licence else None,
        keywords=tuple(sorted(str(k) for k in graph.objects(dataset, DCAT.keyword) if k.language == lang)),
        period=tuple(_optional(graph.value(period, p)) for p in (DCAT.startDate, DCAT.endDate)),
        endpoint=_optional(graph.value(service, DCAT.endpointURL)) if service else None,
        distributions=tuple(sorted(rows, key=lambda row: row.url)),
    )


def _distribution_row(graph: rdflib.Graph, node, lang: str) -> DistributionRow:
    checksum = graph.value(node, SPDX.checksum)
    titles = [(str(o), o.language) for o in graph.objects(node, DCTERMS.title)]
    media_type = str(graph.value(node, DCAT.mediaType)).removeprefix(IANA)
    return DistributionRow(
        title=pick_label(titles, lang) or "",
        url=str(graph.value(node, DCAT.downloadURL)),
        media_type=media_type,
        compressed=graph.value(node, DCAT.compressFormat) is not None,
        byte_size=int(graph.value(node, DCAT.byteSize)),
        sha256=str(graph.value(checksum, SPDX.checksumValue)),
    )


def _optional(value) -> str | None:
    return None if value is None else str(value)
