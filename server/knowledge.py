"""Reading the knowledge base: the Turtle of ontology/, shapes/, graph/ and imports/.

The data is grouped into source graphs: every file under graph/<name>/ (or graph/<name>.ttl)
and imports/<name>.ttl is in the graph `name` (namespaces.data_graph_name), which holds the
facts that one source states. Files are parsed once, by Oxigraph's parser (fast, and precise about where a syntax
error is); rdflib graphs for pyshacl and the pyoxigraph store are built from the same
triples.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pyoxigraph as ox
import rdflib

from .namespaces import CANONICAL_BASE, DATA_FOLDERS, PARTS, RESERVED_GRAPH_NAMES, data_graph_name


class UnreadableSource(Exception):
    """A source file is missing, unreadable, or not valid Turtle."""

    def __init__(self, path: Path, reason: str, line: int | None = None, column: int | None = None):
        super().__init__(reason)
        self.path, self.reason, self.line, self.column = path, reason, line, column

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.reason}"


@dataclass
class KnowledgeBase:
    """The triples of each part ('ontology', 'shapes', 'data') and the files they came from;
    the data's triples also by source graph (`graphs`: name -> triples, `graph_files`: name ->
    files; `prefixes`: file -> the prefixes it declares). A fact two sources state is in both
    graphs, so it is twice in parts['data']."""

    parts: dict[str, list[ox.Triple]]
    files: dict[str, list[Path]] = field(default_factory=dict)
    graphs: dict[str, list[ox.Triple]] = field(default_factory=dict)
    graph_files: dict[str, list[Path]] = field(default_factory=dict)
    prefixes: dict[Path, dict[str, str]] = field(default_factory=dict)

    def data_graphs(self) -> dict[str, list[ox.Triple]]:
        """Return the data by source graph (one graph, 'data', when none was recorded)."""
        return self.graphs or {"data": self.parts.get("data", [])}

    def triples(self, *parts: str) -> Iterator[ox.Triple]:
        for part in parts:
            yield from self.parts[part]

    def rdflib_graph(self, *parts: str) -> rdflib.Graph:
        """Return one rdflib graph holding the triples of `parts`."""
        graph = rdflib.Graph()
        add = graph.add
        for triple in self.triples(*parts):
            add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        return graph

    def __len__(self) -> int:
        return sum(len(triples) for triples in self.parts.values())


def turtle_files(path: Path) -> list[Path]:
    """Return `path` if it is a file, else every *.ttl below it, sorted.

    Raises UnreadableSource when the path does not exist or holds no Turtle file.
    """
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.ttl") if p.is_file())
        if files:
            return files
        raise UnreadableSource(path, "no Turtle (.ttl) file in this folder")
    raise UnreadableSource(path, "no such file or folder")


def read_turtle(path: Path, prefixes: dict[Path, dict[str, str]] | None = None) -> list[ox.Triple]:
    """Return the triples of one Turtle file; raise UnreadableSource with its line on error.

    A blank node label belongs to its file, as RDF has it: `_:a` in two files is two nodes
    (the parser gives each file's blank nodes labels of their own). When `prefixes` is given,
    the prefixes the file declares are put there under `path`.
    """
    try:
        parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)
        triples = [quad.triple for quad in parser]  # no list of the quads beside it (at 1M, 384 MB more at the peak)
    except SyntaxError as error:
        raise UnreadableSource(path, error.msg, error.lineno, error.offset) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise UnreadableSource(path, str(error)) from None
    if prefixes is not None:
        prefixes[path] = dict(parser.prefixes)
    return triples


def knowledge_files(root: Path, data_paths: Iterable[Path] | None = None) -> dict[str, dict[str, list[Path]]]:
    """Return the Turtle files load_knowledge reads: for 'ontology' and 'shapes' their files
    (under the part's name), for 'data' the files of each source graph, by graph name.

    Raises UnreadableSource as load_knowledge does (a missing folder, a name taken twice or
    reserved).
    """
    layout: dict[str, dict[str, list[Path]]] = {}
    for folder, part in PARTS.items():
        if part != "data":
            layout[part] = {part: turtle_files(root / folder)}
    named: dict[str, list[Path]] = {}
    if data_paths is not None:
        for file in (file for path in data_paths for file in turtle_files(path)):
            named.setdefault(file.stem, []).append(file)
    else:
        owners: dict[str, str] = {}
        for folder in DATA_FOLDERS:
            if folder != "graph" and not (root / folder).exists():
                continue
            for file in turtle_files(root / folder):
                name = data_graph_name(PurePosixPath(file.relative_to(root / folder).as_posix()))
                if name in RESERVED_GRAPH_NAMES:
                    raise UnreadableSource(file, f"the graph name {name!r} is reserved; rename it")
                if owners.setdefault(name, folder) != folder:
                    raise UnreadableSource(file, f"the graph name {name!r} is already taken in {owners[name]}/")
                named.setdefault(name, []).append(file)
    layout["data"] = named
    return layout


def load_knowledge(
    root: Path, data_paths: Iterable[Path] | None = None, layout: dict[str, dict[str, list[Path]]] | None = None
) -> KnowledgeBase:
    """Read ontology/, shapes/, graph/ and imports/ (when there is one) under `root`, or
    `data_paths` instead of graph/ and imports/ (each file then its own graph); `layout`, when
    given, is knowledge_files(root, data_paths) already listed.

    Raises UnreadableSource when a file cannot be read, or when a graph/ and an imports/ file
    would share a graph name, or a name is reserved (namespaces.RESERVED_GRAPH_NAMES).
    """
    layout = layout or knowledge_files(root, data_paths)
    named = layout["data"]
    files = {part: [file for group in groups.values() for file in group] for part, groups in layout.items()}
    labels: dict[ox.BlankNode, ox.BlankNode] = {}
    prefixes: dict[Path, dict[str, str]] = {}
    parts = {
        part: list(stable_blank_nodes((t for file in files[part] for t in read_turtle(file, prefixes)), labels))
        for part in ("ontology", "shapes")
    }
    graphs = {
        name: list(dict.fromkeys(stable_blank_nodes((t for f in group for t in read_turtle(f, prefixes)), labels)))
        for name, group in named.items()
    }
    parts["data"] = [t for triples in graphs.values() for t in triples]
    return KnowledgeBase(parts, files, graphs, named, prefixes)


def stable_blank_nodes(triples: Iterable[ox.Triple], labels: dict | None = None) -> Iterator[ox.Triple]:
    """Yield `triples` with each blank node renamed b1, b2, ... in the order it first appears.

    The parser names blank nodes at random; the same files read in the same order then give
    the same labels, so stores, dumps and their checksums do not change while the data does
    not. Pass one `labels` dict to several calls to keep the names distinct across them.
    """
    labels = {} if labels is None else labels

    def stable(term):
        if not isinstance(term, ox.BlankNode):
            return term
        if term not in labels:
            labels[term] = ox.BlankNode(f"b{len(labels) + 1}")
        return labels[term]

    for t in triples:
        if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode):
            yield ox.Triple(stable(t.subject), t.predicate, stable(t.object))
        else:
            yield t


def rebase(triples: Iterable[ox.Triple], base: str) -> Iterator[ox.Triple]:
    """Yield `triples` with every data IRI (under CANONICAL_BASE + 'id/') moved under `base`.

    The vocabulary (def/) and the shapes (shapes/) keep their canonical IRIs everywhere.
    """
    if base == CANONICAL_BASE:
        yield from triples
        return
    old, new = CANONICAL_BASE + "id/", base + "id/"

    def move(term):
        if isinstance(term, ox.NamedNode) and term.value.startswith(old):
            return ox.NamedNode(new + term.value[len(old) :])
        return term

    for t in triples:
        yield ox.Triple(move(t.subject), move(t.predicate), move(t.object))


def to_rdflib(term):
    """Return the rdflib term equal to a pyoxigraph term."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")
