"""Running a declarative mapping (YARRRML or RML, in mappings/) with morph-kgc, in process.

A mapping names its sources by a key: in YARRRML, the keys of its `sources:` block
(`values: [values.csv~csv]`); in RML (Turtle), the local name of each logical source
(`<#values> rml:source "values.csv"`). run_mapping points each key at the file given for it,
so that the mapping a linked-data person edits and tries by hand never holds our paths.
"""

from __future__ import annotations

import gc
import io
import logging
import tempfile
import warnings
from pathlib import Path

import pyoxigraph as ox
import rdflib

RML = rdflib.Namespace("http://semweb.mmlab.be/ns/rml#")
log = logging.getLogger("coopkg.import")


class MappingFailed(Exception):
    """The mapping cannot be read or run (a broken mapping file, a source it cannot read)."""


def run_mapping(mapping: Path, sources: dict[str, Path]) -> list[ox.Triple]:
    """Return the triples `mapping` makes of `sources` (mapping source key -> file).

    Raises MappingFailed when the mapping cannot be read, names a source not given, or
    morph-kgc fails on it.
    """
    try:
        import morph_kgc
    except ImportError as error:
        raise MappingFailed(f"morph-kgc is not installed ({error}): run `make install`") from error

    logging.getLogger("morph_kgc").setLevel(logging.WARNING)  # it logs every step at INFO; our progress says what runs
    with tempfile.TemporaryDirectory(prefix="coopkg-mapping-") as folder:
        placed = Path(folder) / mapping.name
        placed.write_text(_with_sources(mapping, sources), encoding="utf-8")
        config = (
            f"[CONFIGURATION]\nnumber_of_processes = 1\nlogging_level = WARNING\n\n[sources]\nmappings = {placed}\n"
        )
        try:
            with warnings.catch_warnings():
                # morph-kgc leaves each XML source file it reads to be closed by the collector
                warnings.simplefilter("ignore", ResourceWarning)
                quads = morph_kgc.materialize_set(config)
                gc.collect()
        except (KeyError, ValueError, OSError, TypeError, AttributeError, SyntaxError) as error:
            raise MappingFailed(f"{mapping}: {type(error).__name__}: {error}") from error
    text = "".join(quad + " .\n" for quad in quads)
    try:
        parsed = ox.parse(io.BytesIO(text.encode("utf-8")), format=ox.RdfFormat.N_QUADS)
        return sorted((quad.triple for quad in parsed), key=str)
    except SyntaxError as error:
        raise MappingFailed(f"{mapping}: morph-kgc wrote a term that is not RDF: {error}") from error


def declared_sources(mapping: Path) -> dict[str, str]:
    """Return each source key of an RML `mapping` and the file name it declares for it."""
    return {_local_name(key): str(value) for key, value in _rml(mapping).subject_objects(RML.source)}


def source_keys(mapping: Path) -> list[str]:
    """Return the keys of the sources `mapping` reads, in the order it declares them."""
    if mapping.suffix in (".yml", ".yaml", ".yarrrml"):
        return list(_yarrrml(mapping).get("sources") or {})
    graph = _rml(mapping)
    return [_local_name(source) for source in graph.subjects(RML.source, None)]


def _with_sources(mapping: Path, sources: dict[str, Path]) -> str:
    """Return the text of `mapping` with each source key's file replaced by the one given."""
    if mapping.suffix in (".yml", ".yaml", ".yarrrml"):
        document = _yarrrml(mapping)
        declared = document.get("sources") or {}
        for key, value in declared.items():
            if key not in sources:
                raise MappingFailed(f"{mapping}: no file given for its source {key!r}")
            first = value[0] if isinstance(value, list) else value
            access = str(first)
            _, tilde, rest = access.partition("~")
            replaced = f"{sources[key]}{tilde}{rest}"
            if isinstance(value, list):
                value[0] = replaced
            else:
                declared[key] = replaced
        return _dump_yaml(document)
    graph = _rml(mapping)
    for logical_source, old in list(graph.subject_objects(RML.source)):
        key = _local_name(logical_source)
        if key not in sources:
            raise MappingFailed(f"{mapping}: no file given for its source {key!r}")
        graph.remove((logical_source, RML.source, old))
        graph.add((logical_source, RML.source, rdflib.Literal(str(sources[key]))))
    return graph.serialize(format="turtle")


def _yarrrml(mapping: Path) -> dict:
    from ruamel.yaml import YAML, YAMLError

    try:
        document = YAML(typ="rt").load(mapping.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as error:
        raise MappingFailed(f"{mapping}: {error}") from error
    if not isinstance(document, dict):
        raise MappingFailed(f"{mapping}: not a YARRRML document")
    return document


def _dump_yaml(document: dict) -> str:
    from ruamel.yaml import YAML

    out = io.StringIO()
    YAML(typ="rt").dump(document, out)
    return out.getvalue()


def _rml(mapping: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    try:
        graph.parse(mapping, format="turtle")
    except (OSError, SyntaxError, ValueError) as error:
        raise MappingFailed(f"{mapping}: {error}") from error
    return graph


def _local_name(term) -> str:
    text = str(term)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
