"""Whether the data conforms to the shapes, decided on Oxigraph with whole-graph queries.

pyshacl checks each constraint once per focus node in Python (and a SPARQL-based constraint
with one rdflib query per focus node): at a million triples that is minutes. Here each
constraint of each shape becomes one SPARQL query over the whole graph, answered by Oxigraph,
that lists the focus nodes it rejects; a SPARQL-based constraint runs once, with its target
joined in, instead of once per focus node.

This only decides *which* (shape, focus node) pairs fail; the report itself (messages, paths,
values) is still pyshacl's (server/validation.py runs it on the whole graph when one pair
fails). The shapes are compiled (server/shape_compiler.py) only when every SHACL term they
use is implemented there with pyshacl's meaning (tests/test_shape_check.py compares the two
on every shape test case); otherwise `compile_shapes` returns None and the caller uses
pyshacl alone. Literals whose form the store would change (Oxigraph stores "01"^^xsd:integer
as "1") also make `failures` return None.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import XSD

from .knowledge import to_rdflib
from .shape_compiler import STORED_AS_IS, CompiledShapes, compile_shapes

__all__ = ["CompiledShapes", "compile_shapes", "failures", "turtle_store"]

log = logging.getLogger(__name__)


def turtle_store(paths: Iterable[Path]) -> ox.Store:
    """Return a store whose default graph holds the triples of the Turtle files `paths`.

    Oxigraph reads and stores them without holding the GIL, so this can run in a thread while
    Python reads the same files (filling a store from Python objects holds it throughout: 8 s
    at a million triples). Each file's blank nodes are its own, as load_knowledge has them.
    """
    store = ox.Store()
    for path in paths:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def failures(
    compiled: CompiledShapes, triples: Callable[[], Iterable[ox.Triple]], store: ox.Store | None = None
) -> set[tuple[str, str]] | None:
    """Return the (shape IRI, focus node in N-Triples) pairs that fail on the graph of
    `triples()` (called once or twice), or None when this module cannot tell (literals the store
    would rewrite, or too many ill-typed literals to name in the queries).

    `store`, when given, holds that graph already in its default graph (turtle_store).
    """
    if store is None:
        store = ox.Store()
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples())
    typed = _typed_literals(store)
    if not _stored_as_given(typed, triples()):
        log.info("some literals are not written in canonical form: pyshacl validates")
        return None
    bad_by_type = {}
    for datatype in compiled.datatypes:
        bad_by_type[datatype] = _bad_literals(typed, datatype)
        if len(bad_by_type[datatype]) > 200:
            return None
    queries = []
    for check in compiled.checks:
        query = check.query
        for datatype, bad in bad_by_type.items():
            query = re.sub(
                re.escape(f"!{{bad:{datatype}}}") + r"\((\?\w+)\)",
                lambda m, bad=bad: "(" + " && ".join(["true"] + [f"!sameTerm({m[1]}, {b})" for b in bad]) + ")",
                query,
            )
        queries.append((check.shape, query))

    def rejected(shape: str, query: str) -> set[tuple[str, str]]:
        return {(shape, str(row["this"])) for row in store.query(query)}

    def unmatched(shape: str, target: str, path, regex) -> set[tuple[str, str]]:
        rows = store.query(f"SELECT DISTINCT ?this ?value WHERE {{ {target} {path('?this', '?value')} }}")
        return {
            (shape, str(row["this"]))
            for row in rows
            if isinstance(row["value"], ox.BlankNode) or not regex.search(row["value"].value)
        }

    # Oxigraph evaluates without holding the GIL: the queries run side by side, one per core.
    with ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="shapes") as pool:
        found = [pool.submit(rejected, shape, query) for shape, query in queries]
        found += [pool.submit(unmatched, *pattern) for pattern in compiled.patterns]
        return set().union(*(future.result() for future in found))


def _typed_literals(store: ox.Store) -> list[ox.Literal]:
    """The distinct literals of the store that have a datatype other than xsd:string."""
    rows = store.query(
        "SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER (isLiteral(?o) && lang(?o) = ''"
        " && !sameTerm(datatype(?o), <http://www.w3.org/2001/XMLSchema#string>)) }"
    )
    return [row["o"] for row in rows]


def _stored_as_given(typed: list[ox.Literal], triples: Iterable[ox.Triple]) -> bool:
    """Return True when the typed literals of `triples` are those of the store (`typed`), as written.

    Oxigraph keeps numbers, booleans and dates in a canonical form ("01" becomes "1"), where
    pyshacl sees them as written: two values would then count as one.
    """
    string = str(XSD.string)
    given = {
        (o.value, o.datatype.value)
        for t in triples
        if type(o := t.object) is ox.Literal and not o.language and o.datatype.value != string
    }
    return given == {(o.value, o.datatype.value) for o in typed}


def _datatype_holds(literal: rdflib.Literal, datatype) -> bool:
    """pyshacl's test of a literal of type `datatype` (its DatatypeConstraintComponent)."""
    if getattr(literal, "ill_typed", None) is True:
        return False
    kinds = {
        XSD.string: (str, bytes),
        XSD.integer: int,
        XSD.float: float,
        XSD.decimal: Decimal,
        XSD.boolean: bool,
        XSD.date: date,
        XSD.time: time,
        XSD.dateTime: datetime,
    }
    return datatype not in kinds or isinstance(literal.value, kinds[datatype])


def _bad_literals(typed: list[ox.Literal], datatype) -> list[ox.Literal]:
    """The literals of type `datatype` that pyshacl's sh:datatype rejects."""
    if datatype in STORED_AS_IS:
        return []
    quiet = logging.getLogger("rdflib.term")  # it logs a traceback for each ill-typed literal
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        name = str(datatype)
        return [o for o in typed if o.datatype.value == name and not _datatype_holds(to_rdflib(o), datatype)]
    finally:
        quiet.level = level
