"""Running an RML mapping (Turtle, in mappings/) with morph-kgc, in process.

A mapping names its sources by a key, the local name of each logical source
(`<#items> rml:source "codelists.xml"`); run_mapping points each key at the file given for it,
so that the mapping a linked-data person edits and tries by hand never holds our paths.
This is the signature of contract C2 (server/imports/mapping.py: run_mapping) until the import
framework provides it.
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


class MappingFailed(Exception):
    """The mapping cannot be read or run (a broken mapping file, a source it cannot read)."""


def source_keys(mapping: Path) -> list[str]:
    """Return the keys of the logical sources `mapping` declares (their local names)."""
    return sorted({_local_name(source) for source in _rml(mapping).subjects(RML.source, None)})


def declared_sources(mapping: Path) -> dict[str, str]:
    """Return each logical source's key and the file name the mapping declares for it."""
    return {_local_name(key): str(value) for key, value in _rml(mapping).subject_objects(RML.source)}


def run_mapping(mapping: Path, sources: dict[str, Path]) -> list[ox.Triple]:
    """Return the triples `mapping` makes of `sources` (logical source key -> file).

    Raises MappingFailed when the mapping cannot be read, names a source not given, or
    morph-kgc fails on it.
    """
    try:
        import morph_kgc
    except ImportError as error:
        raise MappingFailed("morph-kgc is not installed: pip install --no-deps 'morph-kgc==2.10.0'") from error

    # morph-kgc logs every step at INFO on its own logger; our progress says what runs
    logging.getLogger("morph_kgc").setLevel(logging.WARNING)
    graph = _rml(mapping)
    for logical_source, old in list(graph.subject_objects(RML.source)):
        key = _local_name(logical_source)
        if key not in sources:
            raise MappingFailed(f"{mapping}: no file given for its source {key!r}")
        graph.remove((logical_source, RML.source, old))
        graph.add((logical_source, RML.source, rdflib.Literal(str(sources[key]))))
    with tempfile.TemporaryDirectory(prefix="coopkg-mapping-") as folder:
        placed = Path(folder) / mapping.name
        graph.serialize(placed, format="turtle")
        config = (
            f"[CONFIGURATION]\nnumber_of_processes = 1\nlogging_level = WARNING\n\n[sources]\nmappings = {placed}\n"
        )
        try:
            with warnings.catch_warnings():
                # morph-kgc leaves each XML source file it reads to be closed by the collector
                warnings.simplefilter("ignore", ResourceWarning)
                statements = morph_kgc.materialize_set(config)
                gc.collect()
        except (KeyError, ValueError, OSError, TypeError, AttributeError, SyntaxError) as error:
            raise MappingFailed(f"{mapping}: {type(error).__name__}: {error}") from error
    text = "".join(statement + " .\n" for statement in statements)
    try:
        parsed = ox.parse(io.BytesIO(text.encode("utf-8")), format=ox.RdfFormat.N_TRIPLES)
        return list(parsed)
    except SyntaxError as error:
        raise MappingFailed(f"{mapping}: morph-kgc wrote a term that is not RDF: {error}") from error


def _rml(mapping: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    try:
        graph.parse(mapping, format="turtle")
    except (OSError, SyntaxError, ValueError) as error:
        raise MappingFailed(f"{mapping}: {error}") from error
    return graph


def _local_name(term) -> str:
    return str(term).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
