"""What the index pages show, computed from the store: key figures, the classes with their
instance counts, a class's instances, the ontology's terms and how often each is used, and
the shapes as the rules the data follows. No HTTP here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from .entities import Literal, Resource, counted_resources, resource, resources, term_key
from .graphs import ReadGraph
from .namespaces import CANONICAL_BASE, PREFIXES, graph_iri
from .source_graphs import data_graphs

ONTOLOGY_IRI = CANONICAL_BASE + "def/"
# The classes the home page counts, in this order.
KEY_CLASSES = tuple(
    PREFIXES[p] + name
    for p, name in (
        ("coop", "Partnership"),
        ("coop", "Programme"),
        ("coop", "Convention"),
        ("org", "Organization"),
        ("foaf", "Person"),
        ("coop", "Indicator"),
        ("qb", "Observation"),
        ("foaf", "Document"),
    )
)


@dataclass(frozen=True)
class ClassCount:
    cls: Resource
    count: int


@dataclass(frozen=True)
class KeyFigures:
    triples: int
    entities: int
    classes: tuple[ClassCount, ...]


@dataclass(frozen=True)
class TermUsage:
    """How the data uses an ontology term: as a class (instances), a property (triples), a value."""

    instances: int
    triples: int
    as_value: int

    @property
    def total(self) -> int:
        return self.instances + self.triples + self.as_value


@dataclass(frozen=True)
class Term:
    resource: Resource
    kind: str  # 'class', 'property' or 'concept'
    definitions: tuple[Literal, ...]
    usage: TermUsage


@dataclass(frozen=True)
class Rule:
    path: tuple[Resource, ...]
    messages: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class ShapeRules:
    shape: Resource
    targets: tuple[Resource, ...]
    rules: tuple[Rule, ...]


def _data(graph: ReadGraph, base: str) -> list[str]:
    """Return the source graphs: the data (source_graphs.data_graphs)."""
    return data_graphs(graph, base)


def _instances_of(graph: ReadGraph, data: list[str], cls: str) -> int:
    """Return the number of distinct instances of `cls` or its subclasses in the graphs `data`
    (a node two sources type counts once), one query per graph (class_and_subclasses_instances)."""
    if len(data) == 1:
        return graph.count("class_and_subclasses_count", graph=data[0], cls=cls)
    found = set()
    for name in data:
        found.update(term_key(row["s"]) for row in graph.select("class_and_subclasses_instances", graph=name, cls=cls))
    return len(found)


def class_counts(graph: ReadGraph, base: str) -> tuple[ClassCount, ...]:
    """Return every class that has instances in the data, with their number, most used first."""
    rows = graph.select("class_counts", graph=_data(graph, base))
    found = sorted(((r["c"].value, int(r["n"].value)) for r in rows), key=lambda p: (-p[1], p[0]))
    return tuple(ClassCount(resource(graph, c), n) for c, n in found)


def key_figures(graph: ReadGraph, base: str) -> KeyFigures:
    """Return the number of data triples, of described entities and of instances of KEY_CLASSES
    (counting instances of their subclasses, as the ontology states them)."""
    data = _data(graph, base)
    classes = tuple(
        ClassCount(cls, _instances_of(graph, data, cls.iri)) for cls in counted_resources(graph, KEY_CLASSES)
    )
    return KeyFigures(graph.count("triple_count", graph=data), graph.count("entity_count", graph=data), classes)


def instances(
    graph: ReadGraph, base: str, cls: str, offset: int = 0, limit: int = 50
) -> tuple[int, tuple[Resource, ...]]:
    """Return how many data entities have type `cls`, and one page of them (sorted by IRI)."""
    bindings = {"graph": _data(graph, base), "cls": cls}
    total = graph.count("instance_count", **bindings)
    rows = graph.select("instances", limit=limit, offset=offset, **bindings)
    return total, resources(graph, (r["s"].value for r in rows))


def term_usage(graph: ReadGraph, base: str, iri: str) -> TermUsage:
    """Return how often the data uses `iri`: instances of it, triples with it as property, and
    triples with it as value (other than rdf:type)."""
    data = _data(graph, base)
    return TermUsage(
        instances=graph.count("instance_count", graph=data, cls=iri),
        triples=graph.count("property_use_count", graph=data, property=iri),
        as_value=graph.count("value_use_count", graph=data, value=iri),
    )


def ontology_terms(graph: ReadGraph, base: str) -> tuple[Term, ...]:
    """Return the classes and properties the coopkg ontology defines (rdfs:isDefinedBy), with
    their definitions and usage, classes first, then by IRI."""
    rows = graph.select("ontology_terms", ontology=ONTOLOGY_IRI)
    kinds: dict[str, str] = {}
    for row in rows:
        kind = "class" if row["type"].value.endswith("Class") else "property"
        if row["type"].value.endswith(("Property", "Class")):
            kinds.setdefault(row["t"].value, kind)
    terms = [term(graph, base, iri, kind) for iri, kind in kinds.items()]
    return tuple(sorted(terms, key=lambda t: (t.kind != "class", t.resource.iri)))


def term(graph: ReadGraph, base: str, iri: str, kind: str = "") -> Term:
    """Return one vocabulary term with its definitions (skos:definition, all languages) and usage."""
    definitions = tuple(
        Literal(o.value, o.language)
        for o in graph.objects(iri, PREFIXES["skos"] + "definition")
        if isinstance(o, ox.Literal)
    )
    return Term(
        resource(graph, iri),
        kind,
        tuple(sorted(set(definitions), key=lambda d: d.lang or "")),
        term_usage(graph, base, iri),
    )


def shape_rules(graph: ReadGraph, base: str) -> tuple[ShapeRules, ...]:
    """Return each node shape with its targets and, as rules, the messages of its constraints."""
    shapes = ox.NamedNode(graph_iri(base, "shapes"))
    targets: dict[str, list[str]] = {}
    for row in graph.select("shape_targets", graph=shapes):
        if isinstance(row["t"], ox.NamedNode):
            targets.setdefault(row["shape"].value, []).append(row["t"].value)
    # shape -> constraint -> (paths, messages)
    rules: dict[str, dict[str, tuple[list, list]]] = {}
    for r in graph.select("shape_rules", graph=shapes):
        paths, messages = rules.setdefault(r["shape"].value, {}).setdefault(str(r["c"]), ([], []))
        if r["path"] is not None and isinstance(r["path"], ox.NamedNode) and r["path"].value not in paths:
            paths.append(r["path"].value)
        pair = (r["m"].value, r["m"].language)
        if pair not in messages:
            messages.append(pair)
    return tuple(
        ShapeRules(
            resource(graph, shape),
            resources(graph, targets.get(shape, ())),
            tuple(Rule(resources(graph, p), tuple(m)) for p, m in _in_order(rules.get(shape, {}).values())),
        )
        for shape in (row["s"].value for row in graph.select("node_shapes", graph=shapes))
    )


def _in_order(rules: Iterable[tuple[list, list]]) -> list[tuple[list, list]]:
    """Return a shape's rules (paths, messages) by path, then message, each message list in
    that order too: the same order from any engine (SHACL constraints have none of their own)."""
    ordered = [(paths, sorted(messages, key=lambda m: (m[1] or "", m[0]))) for paths, messages in rules]
    return sorted(ordered, key=lambda rule: (rule[0], [(lang or "", text) for text, lang in rule[1]]))
