"""Reading one entity from the store into plain data: its labels by language, types,
properties with their labels and values, incoming links grouped by property, and the
documents its facts come from: each fact's own, the source graphs that hold it (a fact two
sources state is in both; a blank node's facts are in its parent's graph). No HTTP here: the
web layer renders these dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from .graphs import ReadGraph, node
from .labels import local_name, pick_label
from .locales import plural_category
from .namespaces import PREFIXES, shorten
from .source_graphs import fact_graphs, graph_sources, value_key

RDF_TYPE = PREFIXES["rdf"] + "type"
WAS_DERIVED_FROM = PREFIXES["prov"] + "wasDerivedFrom"
SAME_QUANTITY_AS = PREFIXES["coop"] + "sameQuantityAs"
LABEL_PREDICATES = (
    PREFIXES["rdfs"] + "label",
    PREFIXES["skos"] + "prefLabel",
    PREFIXES["foaf"] + "name",
    PREFIXES["dct"] + "title",
)
PLURAL_LABEL = PREFIXES["coop"] + "pluralLabel"  # a class's or a unit's label in the plural
# Properties shown first on a page, in this order; the others follow by label.
LEADING_PROPERTIES = (*LABEL_PREDICATES, PREFIXES["skos"] + "definition", PREFIXES["rdfs"] + "comment")
INCOMING_PAGE_SIZE = 20
MAX_BLANK_DEPTH = 4


@dataclass(frozen=True)
class Resource:
    """An IRI (or a blank node, `iri` starting with '_:') with its labels."""

    iri: str
    labels: tuple[tuple[str, str | None], ...] = ()
    plurals: tuple[tuple[str, str | None], ...] = ()  # coop:pluralLabel, read by counted_resources()

    def label(self, lang: str) -> str:
        """Return the label in `lang` (with fallback), else a name made from the IRI."""
        return pick_label(self.labels, lang) or unlabelled_name(self.iri)

    def label_for(self, count, lang: str) -> str:
        """Return the label that writes `count` of these in `lang`: its plural label when
        `count` takes the plural there (CLDR: 2 in French, 0 and 2 in English) and one is given
        in the label's language, else its label."""
        singular, tag = self.label(lang), self.label_lang(lang)
        if count is None or plural_category(count, lang) == "one":
            return singular
        return next((text for text, t in self.plurals if t == tag), singular)

    def label_lang(self, lang: str) -> str | None:
        """Return the language tag of the label `label(lang)` picks (None if untagged)."""
        chosen = pick_label(self.labels, lang)
        return next((tag for text, tag in self.labels if text == chosen), None)

    @property
    def is_blank(self) -> bool:
        return self.iri.startswith("_:")

    @property
    def is_graph(self) -> bool:
        """True for a named graph shown as a fact's source when no document is named after it
        (the graph's own statements, graph/links.ttl): it has no page."""
        return "/graph/" in self.iri and "/id/" not in self.iri


@dataclass(frozen=True)
class Literal:
    text: str
    lang: str | None = None
    datatype: str | None = None


@dataclass(frozen=True)
class Value:
    """One object of a fact: a linked resource, a literal, or a described blank node."""

    resource: Resource | None = None
    literal: Literal | None = None
    nested: tuple[Fact, ...] = ()

    @property
    def sort_key(self) -> tuple:
        """Literals by language and text, resources by IRI; described blank nodes by what
        they say (never by their label, which each engine chooses)."""
        if self.literal is not None:
            return (1, self.literal.lang or "", self.literal.text)
        if self.resource is not None and self.resource.is_blank:
            return (0, "_:", repr(_content(self.nested)))
        return (0, self.resource.iri if self.resource else "", "")


@dataclass(frozen=True)
class Fact:
    """All the values of one property of a node, with the documents that state them."""

    prop: Resource
    values: tuple[Value, ...]
    sources: tuple[Resource, ...] = ()

    def values_in(self, lang: str) -> list[Value]:
        """Return the values, literals in `lang` first."""
        return sorted(
            self.values,
            key=lambda v: (v.literal is not None and v.literal.lang not in (lang, None), v.sort_key),
        )


@dataclass(frozen=True)
class IncomingGroup:
    """The subjects that link to an entity through one property: a page of them, and the count."""

    prop: Resource
    count: int
    subjects: tuple[Resource, ...]
    offset: int = 0
    page_size: int = INCOMING_PAGE_SIZE

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.subjects) < self.count


@dataclass
class Entity:
    iri: str
    labels: tuple[tuple[str, str | None], ...]
    types: tuple[Resource, ...]
    facts: tuple[Fact, ...]
    incoming: tuple[IncomingGroup, ...]
    sources: tuple[Resource, ...]
    extra: dict = field(default_factory=dict)

    def label(self, lang: str) -> str:
        return pick_label(self.labels, lang) or unlabelled_name(self.iri)

    def label_lang(self, lang: str) -> str | None:
        return Resource(self.iri, self.labels).label_lang(lang)

    def facts_in(self, lang: str) -> list[Fact]:
        """Return the facts, labels and definitions first, then by property label in `lang`."""
        lead = {iri: i for i, iri in enumerate(LEADING_PROPERTIES)}
        return sorted(self.facts, key=lambda f: (lead.get(f.prop.iri, len(lead)), f.prop.label(lang).casefold()))

    def has_type(self, iri: str) -> bool:
        return any(t.iri == iri for t in self.types)


def unlabelled_name(iri: str) -> str:
    """Return the name shown for an IRI with no label: its prefixed name when a known prefix
    covers it ('sh:minCount'), else its last segment, else the IRI itself."""
    short = shorten(iri, PREFIXES)
    if not short.startswith("<"):
        return short
    return local_name(iri) or iri


def term_key(term) -> str:
    """Return the key of a pyoxigraph IRI or blank node: the IRI, or '_:' + the blank id."""
    return term.value if isinstance(term, ox.NamedNode) else "_:" + term.value


def triples_about(graph: ReadGraph, key: str) -> list[ox.Triple]:
    """Return the distinct triples whose subject is `key`, whatever named graph holds them."""
    subject = node(key)
    return [t for t in graph.description(key) if t.subject == subject]


def labels_of(graph: ReadGraph, key: str) -> tuple[tuple[str, str | None], ...]:
    """Return the (text, language) labels of a node: rdfs:label, skos:prefLabel, foaf:name, dct:title."""
    if key.startswith("_:"):
        return ()
    return graph.labels([key], LABEL_PREDICATES).get(key, ())


def resource(graph: ReadGraph, key: str) -> Resource:
    """Return the resource `key` with its labels read from the graph."""
    return Resource(key, labels_of(graph, key))


def counted_resources(graph: ReadGraph, keys: Iterable[str]) -> tuple[Resource, ...]:
    """Return the resources `keys` (classes, units) with their labels and plural labels, for
    writing a number of them."""
    keys = list(keys)
    found, plurals = graph.labels(keys, LABEL_PREDICATES), graph.labels(keys, (PLURAL_LABEL,))
    return tuple(Resource(key, found.get(key, ()), plurals.get(key, ())) for key in keys)


def resources(graph: ReadGraph, keys: Iterable[str]) -> tuple[Resource, ...]:
    """Return the resources `keys`, their labels read with one request."""
    keys = list(keys)
    found = graph.labels(keys, LABEL_PREDICATES)
    return tuple(Resource(key, found.get(key, ())) for key in keys)


def sources_of(graph: ReadGraph, key: str) -> tuple[Resource, ...]:
    """Return the documents a node's facts are derived from, sorted by IRI."""
    found = {o.value for o in graph.objects(key, WAS_DERIVED_FROM) if isinstance(o, ox.NamedNode)}
    return resources(graph, sorted(found))


def is_iri(text: str) -> bool:
    """Return True when `text` is a valid IRI."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def exists(graph: ReadGraph, iri: str) -> bool:
    """Return True when `iri` is the subject or the object of some triple in the graph."""
    return is_iri(iri) and graph.mentions(iri)


class _Description:
    """The triples about a node and its blank nodes, from one answer, by subject; and the
    labels of every IRI they name, read with one request once they are all known."""

    def __init__(self, graph: ReadGraph, iri: str):
        self.by_subject: dict[str, list[ox.Triple]] = {}
        for triple in graph.description(iri):
            self.by_subject.setdefault(term_key(triple.subject), []).append(triple)

    def sources(self, key: str) -> list[str]:
        return sorted(
            {
                t.object.value
                for t in self.by_subject.get(key, ())
                if t.predicate.value == WAS_DERIVED_FROM and isinstance(t.object, ox.NamedNode)
            }
        )

    def named(self) -> set[str]:
        """Return every IRI the description names as a predicate or an object."""
        found = set()
        for triples in self.by_subject.values():
            for t in triples:
                found.add(t.predicate.value)
                if isinstance(t.object, ox.NamedNode):
                    found.add(t.object.value)
        return found


def _facts(
    about: _Description,
    labels: dict,
    key: str,
    sources: tuple[Resource, ...],
    depth: int = 0,
    own_sources: dict[tuple[str, str], tuple[Resource, ...]] | None = None,
) -> tuple[Fact, ...]:
    """Return the facts of `key` by property. With `own_sources` ((property, value key) ->
    the sources of that triple), each fact's sources are its own triples'; else `sources`."""
    by_property: dict[str, list[Value]] = {}
    fact_sources: dict[str, dict[str, Resource]] = {}
    for triple in about.by_subject.get(key, ()):
        prop = triple.predicate.value
        if prop in (RDF_TYPE, WAS_DERIVED_FROM) and depth == 0:
            continue
        mine = sources
        if own_sources is not None:
            mine = own_sources.get((prop, value_key(triple.object)), ()) or sources
            fact_sources.setdefault(prop, {}).update((s.iri, s) for s in mine)
        by_property.setdefault(prop, []).append(_value(about, labels, triple.object, mine, depth))
    return tuple(
        Fact(
            Resource(prop, labels.get(prop, ())),
            tuple(sorted(values, key=lambda v: v.sort_key)),
            tuple(sorted(fact_sources[prop].values(), key=lambda s: s.iri)) if prop in fact_sources else sources,
        )
        for prop, values in sorted(by_property.items())
    )


def _value(about: _Description, labels: dict, obj, sources: tuple[Resource, ...], depth: int) -> Value:
    if isinstance(obj, ox.Literal):
        return Value(literal=Literal(obj.value, obj.language, obj.datatype.value if obj.datatype else None))
    key = term_key(obj)
    if isinstance(obj, ox.BlankNode) and depth < MAX_BLANK_DEPTH:
        own = tuple(Resource(s, labels.get(s, ())) for s in about.sources(key)) or sources
        return Value(resource=Resource(key), nested=_facts(about, labels, key, own, depth + 1))
    return Value(resource=Resource(key, labels.get(key, ())))


def read_facts(graph: ReadGraph, key: str, sources: tuple[Resource, ...], depth: int = 0) -> tuple[Fact, ...]:
    """Return the facts of node `key` (except rdf:type and prov:wasDerivedFrom), by property.

    Blank-node values are described in place (up to MAX_BLANK_DEPTH levels), with the
    sources of their parent unless they name their own.
    """
    about = _Description(graph, key)
    labels = graph.labels(about.named(), LABEL_PREDICATES)
    return _facts(about, labels, key, sources, depth)


def _content(facts: tuple[Fact, ...]) -> tuple:
    return tuple((f.prop.iri, tuple(v.sort_key for v in f.values)) for f in facts)


def incoming_groups(
    graph: ReadGraph, iri: str, page: dict[str, int] | None = None, page_size: int = INCOMING_PAGE_SIZE
) -> tuple[IncomingGroup, ...]:
    """Return the links to `iri` grouped by property, each with its count and one page of subjects.

    A link from a blank node counts as a link from the IRI that holds the blank node.
    `page` maps a property IRI to the page (from 0) to show for it; others show page 0.
    The labels of every property and subject shown are read with one request.
    Raises ValueError when `iri` is not a valid IRI.
    """
    found = []
    for row in graph.select("incoming_link_counts", target=iri):
        prop, count = row["p"].value, int(row["n"].value)
        offset = max(0, (page or {}).get(prop, 0)) * page_size
        subjects = graph.select("incoming_links", target=iri, p=prop, limit=page_size, offset=offset)
        found.append((prop, count, [r["s"].value for r in subjects], offset))
    labels = graph.labels([k for prop, _, keys, _ in found for k in (prop, *keys)], LABEL_PREDICATES)
    groups = [
        IncomingGroup(
            Resource(prop, labels.get(prop, ())),
            count,
            tuple(Resource(k, labels.get(k, ())) for k in keys),
            offset,
            page_size,
        )
        for prop, count, keys, offset in found
    ]
    return tuple(sorted(groups, key=lambda g: (-g.count, g.prop.iri)))


def read_entity(
    graph: ReadGraph, iri: str, incoming_page: dict[str, int] | None = None, base: str | None = None
) -> Entity | None:
    """Return the entity `iri` as the graph describes it, or None when the graph never mentions it.

    Its description comes in one answer, and the labels of everything it names in one more.
    With `base`, each fact's sources are the source graphs that hold it (fact_graphs), and
    the entity's the union of its facts'; without, the node's prov:wasDerivedFrom.
    """
    if not is_iri(iri):
        return None
    about = _Description(graph, iri)
    own = about.by_subject.get(iri, ())
    if not own and not graph.mentions(iri):  # an IRI only ever linked to is an entity too
        return None
    types = sorted(
        {t.object.value for t in own if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode)}
    )
    own_sources = None
    if base is not None:
        held = fact_graphs(graph, iri)
        shown = graph_sources(graph, base, {g for graphs in held.values() for g in graphs})
        labels = graph.labels({iri} | about.named() | set(shown.values()), LABEL_PREDICATES)
        own_sources = {
            key: tuple(Resource(shown[g], labels.get(shown[g], ())) for g in graphs) for key, graphs in held.items()
        }
        every = sorted({s for graphs in held.values() for s in (shown[g] for g in graphs)})
        sources = tuple(Resource(s, labels.get(s, ())) for s in every)
    else:
        labels = graph.labels({iri} | about.named(), LABEL_PREDICATES)
        sources = tuple(Resource(s, labels.get(s, ())) for s in about.sources(iri))
    return Entity(
        iri=iri,
        labels=labels.get(iri, ()),
        types=tuple(Resource(t, labels.get(t, ())) for t in types),
        facts=_facts(about, labels, iri, sources, own_sources=own_sources),
        incoming=incoming_groups(graph, iri, incoming_page),
        sources=sources,
    )
