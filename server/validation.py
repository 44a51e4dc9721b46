"""Checking the data against the shapes: Oxigraph decides whether it conforms, pyshacl reports.

At a million triples pyshacl alone takes minutes (each constraint evaluated per focus node,
in Python). server/shape_check.py answers the same question with one Oxigraph query per
constraint over the whole graph; when it finds nothing to report, that is the report. When it
finds failures (or cannot decide: shapes or literals it does not handle), pyshacl validates
and writes the report, so its text, paths and values are pyshacl's as before.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
import rdflib
import rdflib.collection
from rdflib.namespace import RDF, RDFS, SH, SKOS

from .knowledge import KnowledgeBase
from .labels import pick_label
from .shape_check import compile_shapes, failures, turtle_store

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from rdflib.plugins.sparql.sparql import Query


@dataclass(frozen=True)
class Violation:
    """One result of the SHACL report, with the focus entity's labels already looked up."""

    focus: str
    focus_labels: tuple[tuple[str, str | None], ...]
    path: tuple[str, ...]
    value: str | None
    severity: str
    messages: tuple[tuple[str, str | None], ...]
    shape: str | None = None

    def label(self, lang: str) -> str | None:
        return pick_label(self.focus_labels, lang)

    def message(self, lang: str) -> str:
        return pick_label(self.messages, lang) or "constraint not met"


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: tuple[Violation, ...]


def validate(knowledge: KnowledgeBase, filling: Future | None = None) -> ValidationReport:
    """Validate the data and the ontology (concepts are data too) against the shapes.

    `filling` (start_check_store, for the same files as `knowledge`) gives the store the check
    runs on; without it, or when it failed, the store is filled from `knowledge`. Only results
    of severity sh:Violation make the report non-conforming.
    """
    shapes = knowledge.rdflib_graph("shapes")
    if quick_failures(knowledge, shapes, _filled(filling)) == set():
        return ValidationReport(True, ())
    return pyshacl_report(knowledge, shapes)


def start_check_store(layout: dict[str, dict[str, list[Path]]]) -> Future:
    """Start filling, in a thread, the store the shapes are checked on, from the data and
    ontology files of `layout` (knowledge.knowledge_files); return its Future.

    Called before load_knowledge reads the same layout, so that Oxigraph fills it while Python
    reads the files: at a million triples that takes the 8 s of filling it from Python off the
    validation.
    """
    paths = [file for part in ("data", "ontology") for group in layout[part].values() for file in group]
    pool = ThreadPoolExecutor(1, thread_name_prefix="check-store")
    filling = pool.submit(turtle_store, paths)
    pool.shutdown(wait=False)
    return filling


def _filled(filling: Future | None) -> ox.Store | None:
    if filling is None:
        return None
    try:
        return filling.result()
    except (OSError, SyntaxError, ValueError) as error:  # load_knowledge read the files: the store is filled from it
        log.info("the check's store could not be read from the files (%s): filled from the triples", error)
        return None


def quick_failures(
    knowledge: KnowledgeBase, shapes: rdflib.Graph, store: ox.Store | None = None
) -> set[tuple[str, str]] | None:
    """Return the (shape, focus node) pairs Oxigraph finds failing, or None when it cannot tell."""
    compiled = compile_shapes(shapes)
    if compiled is None:
        return None
    return failures(compiled, lambda: knowledge.triples("data", "ontology"), store)


def pyshacl_report(knowledge: KnowledgeBase, shapes: rdflib.Graph) -> ValidationReport:
    """Validate with pyshacl and return its report."""
    import pyshacl  # imported when needed: it costs every start-up half a second otherwise

    data = _PreparingGraph()
    data += knowledge.rdflib_graph("data", "ontology")
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    languages = _message_languages(shapes)
    violations = tuple(
        sorted(
            (
                _violation(results, data, shapes, node, languages=languages)
                for node in results.subjects(RDF.type, SH.ValidationResult)
            ),
            key=lambda v: (v.focus, v.path, v.value or ""),
        )
    )
    conforms = not any(v.severity == str(SH.Violation) for v in violations)
    return ValidationReport(conforms, violations)


class _PreparingGraph(rdflib.Graph):
    """An rdflib graph that parses each SPARQL text once.

    pyshacl runs the query of a SPARQL-based constraint once per focus node, with the same
    text; parsing it, not evaluating it, is most of the time a validation takes.
    """

    def query(self, query_object, processor="sparql", result="sparql", initNs=None, *args, **kwargs):
        if isinstance(query_object, str) and initNs is None and "base" not in kwargs:
            query_object = _prepared(query_object, tuple(sorted(self.namespaces())))
        return super().query(query_object, processor, result, initNs, *args, **kwargs)


@lru_cache(maxsize=512)
def _prepared(text: str, namespaces: tuple) -> Query:
    """Return the parsed query, its prefixes resolved as rdflib would with the graph's own."""
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text, initNs=dict(namespaces))


def _path_steps(results: rdflib.Graph, path) -> tuple[str, ...]:
    """Return a result path as its steps: one IRI, or the IRIs of a sequence path."""
    if path is None:
        return ()
    if isinstance(path, rdflib.URIRef):
        return (str(path),)
    return tuple(str(step) for step in rdflib.collection.Collection(results, path))


def _node_shape(shapes: rdflib.Graph, shape) -> str | None:
    """Return the IRI of the node shape a result comes from (the owner of a property shape)."""
    if isinstance(shape, rdflib.BNode):
        shape = shapes.value(None, SH.property, shape) or shapes.value(None, SH.sparql, shape) or shape
    return str(shape) if isinstance(shape, rdflib.URIRef) else None


def _message_languages(shapes: rdflib.Graph) -> dict[str, str]:
    """Return the language tag of each sh:message text of the shapes.

    pyshacl drops the tags of the messages of SPARQL-based constraints; they are put back
    from the shapes, so that a report in French shows the French message.
    """
    return {str(m): m.language for m in shapes.objects(None, SH.message) if getattr(m, "language", None)}


def _violation(
    results: rdflib.Graph, data: rdflib.Graph, shapes: rdflib.Graph, node, *, languages: dict[str, str]
) -> Violation:
    focus = results.value(node, SH.focusNode)
    labels = [(str(o), o.language) for p in (RDFS.label, SKOS.prefLabel) for o in data.objects(focus, p)]
    path = results.value(node, SH.resultPath)
    value = results.value(node, SH.value)
    messages = [
        (str(m), getattr(m, "language", None) or languages.get(str(m))) for m in results.objects(node, SH.resultMessage)
    ]
    return Violation(
        focus=str(focus),
        focus_labels=tuple(labels),
        path=_path_steps(results, path),
        value=str(value) if value is not None and not isinstance(value, rdflib.BNode) else None,
        severity=str(results.value(node, SH.resultSeverity)),
        messages=tuple(messages),
        shape=_node_shape(shapes, results.value(node, SH.sourceShape)),
    )
