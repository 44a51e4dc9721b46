"""Reading one entity from the store into plain data: its labels by language, types,
properties with their labels and values, incoming links grouped by property, and the
documents its facts come from (prov:wasDerivedFrom on the node that bears them; a blank
node inherits its parent's). No HTTP here: the web layer renders these dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from .labels import local_name, pick_label
from .namespaces import PREFIXES, shorten
from .query_files import select

RDF_TYPE = PREFIXES["rdf"] + "type"
WAS_DERIVED_FROM = PREFIXES["prov"] + "wasDerivedFrom"
SAME_QUANTITY_AS = PREFIXES["coop"] + "sameQuantityAs"
LABEL_PREDICATES = (
    PREFIXES["rdfs"] + "label",
    PREFIXES["skos"] + "prefLabel",
    PREFIXES["foaf"] + "name",
    PREFIXES["dct"] + "title",
)
# Properties shown first on a page, in this order; the others follow by label.
LEADING_PROPERTIES = (*LABEL_PREDICATES, PREFIXES["skos"] + "definition", PREFIXES["rdfs"] + "comment")
INCOMING_PAGE_SIZE = 20
MAX_BLANK_DEPTH = 4


@dataclass(frozen=True)
class Resource:
    """An IRI (or a blank node, `iri` starting with '_:') with its labels."""

    iri: str
    labels: tuple[tuple[str, str | None], ...] = ()

    def label(self, lang: str) -> str:
        """Return the label in `lang` (with fallback), else a name made from the IRI."""
        return pick_label(self.labels, lang) or unlabelled_name(self.iri)

    def label_lang(self, lang: str) -> str | None:
        """Return the language tag of the label `label(lang)` picks (None if untagged)."""
        chosen = pick_label(self.labels, lang)
        return next((tag for text, tag in self.labels if text == chosen), None)

    @property
    def is_blank(self) -> bool:
        return self.iri.startswith("_:")


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
        if self.literal is not None:
            return (1, self.literal.lang or "", self.literal.text)
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


def node(key: str) -> ox.NamedNode | ox.BlankNode:
    """Return the pyoxigraph term for a key made by `term_key`."""
    return ox.BlankNode(key[2:]) if key.startswith("_:") else ox.NamedNode(key)


def triples_about(store: ox.Store, key: str) -> list[ox.Triple]:
    """Return the distinct triples whose subject is `key`, whatever named graph holds them."""
    seen: dict[tuple, ox.Triple] = {}
    for quad in store.quads_for_pattern(node(key), None, None, None):
        seen.setdefault((quad.predicate, quad.object), quad.triple)
    return list(seen.values())


def labels_of(store: ox.Store, key: str) -> tuple[tuple[str, str | None], ...]:
    """Return the (text, language) labels of a node: rdfs:label, skos:prefLabel, foaf:name, dct:title."""
    if key.startswith("_:"):
        return ()
    found: list[tuple[str, str | None]] = []
    for predicate in LABEL_PREDICATES:
        for quad in store.quads_for_pattern(ox.NamedNode(key), ox.NamedNode(predicate), None, None):
            if isinstance(quad.object, ox.Literal):
                pair = (quad.object.value, quad.object.language)
                if pair not in found:
                    found.append(pair)
    return tuple(found)


def resource(store: ox.Store, key: str) -> Resource:
    """Return the resource `key` with its labels read from the store."""
    return Resource(key, labels_of(store, key))


def resources(store: ox.Store, keys: Iterable[str]) -> tuple[Resource, ...]:
    return tuple(resource(store, key) for key in keys)


def sources_of(store: ox.Store, key: str) -> tuple[Resource, ...]:
    """Return the documents a node's facts are derived from, sorted by IRI."""
    found = {
        quad.object.value
        for quad in store.quads_for_pattern(node(key), ox.NamedNode(WAS_DERIVED_FROM), None, None)
        if isinstance(quad.object, ox.NamedNode)
    }
    return resources(store, sorted(found))


def is_iri(text: str) -> bool:
    """Return True when `text` is a valid IRI."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def exists(store: ox.Store, iri: str) -> bool:
    """Return True when `iri` is the subject or the object of some triple in the store."""
    if not is_iri(iri):
        return False
    term = ox.NamedNode(iri)
    return any(True for _ in store.quads_for_pattern(term, None, None, None)) or any(
        True for _ in store.quads_for_pattern(None, None, term, None)
    )


def read_facts(store: ox.Store, key: str, sources: tuple[Resource, ...], depth: int = 0) -> tuple[Fact, ...]:
    """Return the facts of node `key` (except rdf:type and prov:wasDerivedFrom), by property.

    Blank-node values are described in place (up to MAX_BLANK_DEPTH levels), with the
    sources of their parent unless they name their own.
    """
    by_property: dict[str, list[Value]] = {}
    for triple in triples_about(store, key):
        prop = triple.predicate.value
        if prop in (RDF_TYPE, WAS_DERIVED_FROM) and depth == 0:
            continue
        by_property.setdefault(prop, []).append(_value(store, triple.object, sources, depth))
    return tuple(
        Fact(resource(store, prop), tuple(sorted(values, key=lambda v: v.sort_key)), sources)
        for prop, values in by_property.items()
    )


def _value(store: ox.Store, obj, sources: tuple[Resource, ...], depth: int) -> Value:
    if isinstance(obj, ox.Literal):
        return Value(literal=Literal(obj.value, obj.language, obj.datatype.value if obj.datatype else None))
    key = term_key(obj)
    if isinstance(obj, ox.BlankNode) and depth < MAX_BLANK_DEPTH:
        own = sources_of(store, key) or sources
        return Value(resource=Resource(key), nested=read_facts(store, key, own, depth + 1))
    return Value(resource=resource(store, key))


def incoming_groups(
    store: ox.Store, iri: str, page: dict[str, int] | None = None, page_size: int = INCOMING_PAGE_SIZE
) -> tuple[IncomingGroup, ...]:
    """Return the links to `iri` grouped by property, each with its count and one page of subjects.

    A link from a blank node counts as a link from the IRI that holds the blank node.
    `page` maps a property IRI to the page (from 0) to show for it; others show page 0.
    Raises ValueError when `iri` is not a valid IRI.
    """
    counts = select(store, "incoming_link_counts", target=iri)
    groups = []
    for row in counts:
        prop, count = row["p"].value, int(row["n"].value)
        offset = max(0, (page or {}).get(prop, 0)) * page_size
        subjects = select(store, "incoming_links", target=iri, p=prop, limit=page_size, offset=offset)
        groups.append(
            IncomingGroup(
                resource(store, prop),
                count,
                resources(store, (r["s"].value for r in subjects)),
                offset,
                page_size,
            )
        )
    return tuple(sorted(groups, key=lambda g: (-g.count, g.prop.iri)))


def read_entity(store: ox.Store, iri: str, incoming_page: dict[str, int] | None = None) -> Entity | None:
    """Return the entity `iri` as the store describes it, or None when the store never mentions it."""
    if not exists(store, iri):
        return None
    sources = sources_of(store, iri)
    types = sorted(
        {q.object.value for q in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(RDF_TYPE), None, None)}
    )
    return Entity(
        iri=iri,
        labels=labels_of(store, iri),
        types=resources(store, types),
        facts=read_facts(store, iri, sources),
        incoming=incoming_groups(store, iri, incoming_page),
        sources=sources,
    )
