"""Exploring the programmes by facets: country, cooperating authority, local partner, sector,
SDG target, start year, status.

Each facet is one query file, `server/rq/explore_facet_<name>.rq`, returning (?item, ?value)
pairs; the things listed are those of `explore_items.rq`. The pairs are read once per
release (they cannot change within it) and kept as sets, so that any combination of filters is
a few set operations, on every engine, instead of one SPARQL query per facet and request.

Filters combine as people expect of faceted search: values of one facet are alternatives (OR),
facets narrow one another (AND), and the count beside each value of a facet is what choosing
it would give with the other facets' filters (so a chosen value's siblings keep their counts).
"""

from __future__ import annotations

import csv
import io
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from .entities import LABEL_PREDICATES
from .graphs import ReadGraph
from .labels import local_name, pick_label
from .search import normalise

FACETS = ("country", "authority", "partner", "sector", "sdg", "year", "status")  # shown, in this order
HIDDEN_FACETS = ("organisation",)  # filters too, but only profiles use them
ALL_FACETS = FACETS + HIDDEN_FACETS
MAX_FILTER_VALUES = 50  # values of all facets one request may filter on
log = logging.getLogger("coopkg.explore")
MEMO_SIZE = 512  # answers kept by `remembered` (profiles), the least recently used dropped
_Labels = tuple[tuple[str, str | None], ...]


class BadFilter(ValueError):
    """A filter names no facet, or too many values."""


@dataclass(frozen=True)
class Value:
    """One value of a facet: `key` is what URLs carry (an IRI, or a literal's lexical form),
    `iri` is set when the value is an IRI."""

    key: str
    iri: str | None
    labels: _Labels

    def label(self, lang: str) -> str:
        if self.iri is None:
            return self.key
        return pick_label(self.labels, lang) or local_name(self.iri)


@dataclass(frozen=True)
class Count:
    value: Value
    count: int
    selected: bool


@dataclass(frozen=True)
class Item:
    iri: str
    labels: _Labels

    def label(self, lang: str) -> str:
        return pick_label(self.labels, lang) or local_name(self.iri)


@dataclass(frozen=True)
class Selection:
    """What a combination of filters gives: the matching items (sorted by label in `lang`)
    and, per facet, its values with their counts (most first, then by label)."""

    filters: Mapping[str, frozenset[str]]
    items: list[Item]
    facets: dict[str, list[Count]]

    @property
    def total(self) -> int:
        return len(self.items)


class ExploreIndex:
    """The items and every facet's (item, value) pairs of one release."""

    def __init__(
        self,
        items: dict[str, Item],
        values: dict[str, dict[str, Value]],
        pairs: dict[str, dict[str, set]],
        country_codes: dict[str, str] | None = None,
    ):
        self.items = items
        self.country_codes = country_codes or {}  # country IRI -> ISO 3166-1 alpha-2 (the map's key)
        self.values = values  # facet -> key -> Value
        self.pairs = pairs  # facet -> key -> set of item IRIs
        self._order: dict[str, list[str]] = {}  # lang -> item IRIs sorted by label (built on first use)
        self._value_rank: dict[tuple[str, str], dict[str, int]] = {}  # (facet, lang) -> key -> rank by label
        self._memo: OrderedDict = OrderedDict()
        self._memo_lock = threading.Lock()
        self._of_item: dict[str, dict[str, list[str]]] = {}
        self._csv_lines: dict[str, dict[str, str]] = {}  # lang -> item IRI -> its CSV line (made on first use)
        for facet, by_key in pairs.items():
            for key, members in by_key.items():
                for item in members:
                    self._of_item.setdefault(item, {}).setdefault(facet, []).append(key)

    @classmethod
    def build(cls, graph: ReadGraph, base: str) -> ExploreIndex:
        """Return the index of `graph` (IRIs under `base`): one query for the items, one per
        facet, and the labels of everything they name (batched)."""
        started = time.perf_counter()
        bindings = {"sector": {"scheme": base + "def/iati/Sector"}}
        items = [row["item"].value for row in graph.select("explore_items")]
        listed = set(items)
        raw: dict[str, dict[str, tuple[ox.NamedNode | ox.Literal, set[str]]]] = {}
        for facet in ALL_FACETS:
            by_key: dict[str, tuple] = {}
            for row in graph.select(f"explore_facet_{facet}", **bindings.get(facet, {})):
                item, value = row["item"], row["value"]
                if item is None or value is None or item.value not in listed or isinstance(value, ox.BlankNode):
                    continue
                by_key.setdefault(value.value, (value, set()))[1].add(item.value)
            raw[facet] = by_key
        named = set(items) | {
            k for by_key in raw.values() for k, (v, _) in by_key.items() if isinstance(v, ox.NamedNode)
        }
        labels = graph.labels(sorted(named), LABEL_PREDICATES)
        values = {
            facet: {
                key: Value(key, key if isinstance(term, ox.NamedNode) else None, labels.get(key, ()))
                for key, (term, _) in by_key.items()
            }
            for facet, by_key in raw.items()
        }
        pairs = {facet: {key: members for key, (_, members) in by_key.items()} for facet, by_key in raw.items()}
        codes = {row["country"].value: row["code"].value for row in graph.select("map_country_codes")}
        index = cls({iri: Item(iri, labels.get(iri, ())) for iri in items}, values, pairs, codes)
        log.info("facets' index of %d programmes built in %.1f s", len(items), time.perf_counter() - started)
        return index

    def remembered(self, key: tuple, compute: Callable[[], object]):
        """Return `compute()`, kept for `key` (the index lives as long as its release, whose
        answers cannot change): at most MEMO_SIZE answers, the least recently used dropped."""
        with self._memo_lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = compute()
        with self._memo_lock:
            self._memo[key] = value
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return value

    def csv_header(self) -> str:
        """Return the header line of the CSV of a selection (`csv_line` gives its rows)."""
        return _csv_line(["iri", "label", *(name for facet in ALL_FACETS for name in (facet, f"{facet}_label"))])

    def csv_line(self, item: str, lang: str) -> str:
        """Return the CSV line of `item` in `lang`: its IRI and label, then for each facet its
        keys and their labels, several joined by ` | `. Worked out once per item and language
        (what a CSV of every row costs is then joining lines, not looking labels up)."""
        lines = self._csv_lines.get(lang)
        if lines is None:
            lines = self._csv_lines.setdefault(lang, {})
        line = lines.get(item)
        if line is None:
            cells = [item, self.items[item].label(lang)]
            for facet in ALL_FACETS:
                keys = self.keys_of(item, facet)
                cells += [" | ".join(keys), " | ".join(self.value(facet, k).label(lang) for k in keys)]
            line = lines[item] = _csv_line(cells)
        return line

    def keys_of(self, item: str, facet: str) -> list[str]:
        """Return the keys of the values `item` has for `facet`."""
        return self._of_item.get(item, {}).get(facet, [])

    def value(self, facet: str, key: str) -> Value:
        return self.values[facet].get(key) or Value(key, None, ())

    def select(self, filters: Mapping[str, Iterable[str]], lang: str, counted: Iterable[str] = FACETS) -> Selection:
        """Return what `filters` (facet -> chosen keys) give, labels and order in `lang`, with
        the counts of the facets `counted` (the shown ones unless told).

        Raises BadFilter for an unknown facet or too many values.
        """
        chosen = {facet: frozenset(keys) for facet, keys in filters.items() if keys}
        unknown = sorted(set(chosen) - set(ALL_FACETS))
        if unknown:
            raise BadFilter(f"unknown facet {unknown[0]!r}: the facets are {', '.join(ALL_FACETS)}")
        if sum(len(keys) for keys in chosen.values()) > MAX_FILTER_VALUES:
            raise BadFilter(f"at most {MAX_FILTER_VALUES} filter values at once")
        matching = {facet: self._matching(facet, keys) for facet, keys in chosen.items()}
        found = _intersection(None, matching.values())
        facets = {}
        for facet in counted:
            others = _intersection(None, (m for f, m in matching.items() if f != facet))
            selected = chosen.get(facet, frozenset())
            rank = self.ranks(facet, lang)
            counts = [
                Count(
                    self.values[facet][key], len(members) if others is None else len(members & others), key in selected
                )
                for key, members in self.pairs[facet].items()
            ]
            counts = [c for c in counts if c.count or c.selected]
            counts.sort(key=lambda c: (-c.count, rank.get(c.value.key, 0)))
            facets[facet] = counts
        order = self._ordered(lang)
        items = [self.items[iri] for iri in order if found is None or iri in found]
        return Selection(chosen, items, facets)

    def _ordered(self, lang: str) -> list[str]:
        """Return every item's IRI sorted by its label in `lang` (computed once per language)."""
        if lang not in self._order:
            self._order[lang] = sorted(self.items, key=lambda iri: (normalise(self.items[iri].label(lang)), iri))
        return self._order[lang]

    def ranks(self, facet: str, lang: str) -> dict[str, int]:
        """Return each value of `facet` with its rank by label in `lang` (computed once)."""
        if (facet, lang) not in self._value_rank:
            values = self.values[facet]
            ordered = sorted(values, key=lambda key: (normalise(values[key].label(lang)), key))
            self._value_rank[(facet, lang)] = {key: i for i, key in enumerate(ordered)}
        return self._value_rank[(facet, lang)]

    def _matching(self, facet: str, keys: frozenset[str]) -> set[str]:
        by_key = self.pairs[facet]
        return set().union(*(by_key.get(key, set()) for key in keys))


def _intersection(start: set[str] | None, sets: Iterable[set[str]]) -> set[str] | None:
    """Return the intersection of `sets` (None, standing for every item, when there is none)."""
    result = start
    for members in sets:
        result = members if result is None else result & members
    return result


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()
