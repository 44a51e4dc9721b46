"""The dumps of a release: the whole dataset in six RDF formats, each also gzip-compressed.

Every dump is written once per release, streamed from the store by pyoxigraph's own
serializers, so memory stays flat whatever the dataset's size. Dataset formats (N-Quads,
TriG) keep the named graphs apart (the ontology, the shapes, one graph per source); graph
formats (Turtle, N-Triples, JSON-LD, RDF/XML) hold their union, each triple once (a fact two
sources state is in both their graphs in N-Quads and TriG, once in the others).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from zlib_ng import gzip_ng

from .namespaces import CANONICAL_BASE, data_prefixes, graph_iri
from .rdf_syntaxes import SYNTAXES, RdfSyntax
from .source_graphs import store_data_graphs

GZIP_MEDIA_TYPE = "application/gzip"
CHUNK = 1 << 20


# Every syntax, each written once per release; N-Quads and TriG keep the named graphs apart.
FORMATS: tuple[RdfSyntax, ...] = SYNTAXES


@dataclass(frozen=True)
class Dump:
    """A dump file of a release: its name in dumps/, its format and whether it is gzipped."""

    name: str
    format: RdfSyntax
    gzipped: bool

    @property
    def media_type(self) -> str:
        """The media type the file is served with (application/gzip for the .gz copies)."""
        return GZIP_MEDIA_TYPE if self.gzipped else self.format.media_type


def dump_files(stem: str = "coopkg") -> list[Dump]:
    """Return every dump of a release, plain then gzipped, in FORMATS order."""
    return [
        Dump(f"{stem}.{fmt.suffix}" + (".gz" if gzipped else ""), fmt, gzipped)
        for fmt in FORMATS
        for gzipped in (False, True)
    ]


def part_graphs(base: str, store: ox.Store) -> list[ox.NamedNode]:
    """Return the named graphs of `store`: the source graphs first, by IRI, then ontology and shapes."""
    parts = [ox.NamedNode(graph_iri(base, part)) for part in ("ontology", "shapes")]
    return [*store_data_graphs(store, base), *parts]


def union_triples(store: ox.Store, graphs: list[ox.NamedNode]) -> Iterator[ox.Triple]:
    """Yield every triple of `graphs` once: a triple already in an earlier graph is skipped.

    Only index look-ups, no set in memory: the store itself remembers what was seen.
    """
    for index, graph in enumerate(graphs):
        earlier = graphs[:index]
        for quad in store.quads_for_pattern(None, None, None, graph):
            if not any(_contains(store, quad, other) for other in earlier):
                yield quad.triple


def _contains(store: ox.Store, quad: ox.Quad, graph: ox.NamedNode) -> bool:
    return next(iter(store.quads_for_pattern(quad.subject, quad.predicate, quad.object, graph)), None) is not None


def write_dumps(
    store: ox.Store,
    base: str,
    folder: Path,
    prefixes: dict[str, str] | None = None,
    written: Callable[[Dump, Path], None] | None = None,
) -> list[Dump]:
    """Write every dump of `store` into `folder` (created), with `prefixes`; return them.

    The dataset formats (N-Quads first) are written first; `written` is called with each
    plain dump once it is complete. Raises OSError when a file cannot be written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    prefixes = prefixes or data_prefixes(base)
    graphs = part_graphs(base, store)
    dumps = dump_files()
    nquads_first = sorted(
        dumps, key=lambda dump: (not dump.format.keeps_graphs, dump.format.rdf_format != ox.RdfFormat.N_QUADS)
    )
    # Each gzip copy is compressed in a thread while the next format is written (zlib lets
    # the other thread run): at 1M triples the copies are about a third of the step.
    with ThreadPoolExecutor(1, thread_name_prefix="gzip") as packer:
        packed = []
        for dump in nquads_first:
            path = folder / dump.name
            if dump.gzipped:
                packed.append(packer.submit(gzip_copy, folder / dump.name.removesuffix(".gz"), path))
            elif dump.format.keeps_graphs:
                store.dump(path, dump.format.rdf_format, prefixes=prefixes)
            elif dump.format.rdf_format == ox.RdfFormat.JSON_LD:
                write_json_ld(union_triples(store, graphs), path, prefixes)
            else:
                ox.serialize(union_triples(store, graphs), path, dump.format.rdf_format, prefixes=prefixes)
            if written is not None and not dump.gzipped:
                written(dump, path)
        for copy in packed:
            copy.result()
    return dumps


def source_prefixes(declared: Iterable[dict[str, str]], base: str) -> dict[str, str]:
    """Return the shared prefixes plus those the Turtle sources declare (`declared`: each file's
    prefixes, in the files' order; the first file to declare a name or namespace wins), data
    ones moved under `base`.

    So the Turtle dump reads `organisation:cc-zou` as its sources do, not `id:organisation\\/cc-zou`.
    """
    prefixes = data_prefixes(base)
    for file_prefixes in declared:
        for name, namespace in file_prefixes.items():
            if namespace.startswith(CANONICAL_BASE + "id/"):
                namespace = base + namespace.removeprefix(CANONICAL_BASE)
            if name not in prefixes and namespace not in prefixes.values():
                prefixes[name] = namespace
    return prefixes


def write_json_ld(triples: Iterator[ox.Triple], path: Path, prefixes: dict[str, str]) -> None:
    """Write `triples` as a JSON-LD document whose @context declares `prefixes`.

    The nodes stay in expanded form (full IRIs), streamed by pyoxigraph inside "@graph".
    """
    with path.open("wb") as out:
        out.write(b'{"@context": ' + json.dumps(prefixes, indent=1).encode() + b',\n"@graph": ')
        ox.serialize(triples, out, ox.RdfFormat.JSON_LD)
        out.write(b"\n}\n")


def gzip_copy(source: Path, target: Path) -> None:
    """Write a gzip copy of `source` (no name nor date in its header: reproducible bytes).

    zlib-ng writes the same format as zlib, at the same level about twice as fast and a little
    smaller (1M triples in N-Triples: 2.7 s instead of 5.5 s, 8.0 MB instead of 8.4 MB).
    """
    with (
        source.open("rb") as plain,
        target.open("wb") as raw,
        gzip_ng.GzipNGFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as packed,
    ):
        shutil.copyfileobj(plain, packed, CHUNK)
