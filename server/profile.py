"""The profile of a country or an organisation: the programmes it takes part in, its partners,
the conventions on a timeline, its money by year, the latest values of its indicators, and the
sources; shown on its entity page. Read through the facets' index (server/explore.py), so a
profile costs a few queries however many programmes there are."""

from __future__ import annotations

from dataclasses import dataclass

from .domain import ConventionSummary, _convention_summary
from .entities import Resource, resources
from .explore import Count, ExploreIndex, Item
from .graphs import ReadGraph
from .indicators import Observation, read_observation
from .money import MoneyTable, money_by_year

MAX_CONVENTIONS = 30  # on the timeline, the latest first kept
MAX_INDICATORS = 12
MAX_SOURCES = 30


@dataclass(frozen=True)
class Profile:
    kind: str  # 'country' or 'organisation'
    facet: str  # the explore facet that selects its programmes
    programmes: tuple[Item, ...]
    partners: tuple[Count, ...]  # the other organisations of its programmes, with their counts
    conventions: tuple[ConventionSummary, ...]
    conventions_total: int
    money: tuple[MoneyTable, ...]
    latest: tuple[Observation, ...]
    sources: tuple[Resource, ...]


def profile_of(graph: ReadGraph, index: ExploreIndex, iri: str, kind: str, lang: str) -> Profile | None:
    """Return the profile of the country or organisation `iri`, or None when no programme
    names it."""
    facet = "country" if kind == "country" else "organisation"
    if iri not in index.pairs[facet]:
        return None
    selection = index.select({facet: [iri]}, lang)
    programmes = [item.iri for item in selection.items]
    partners = tuple(c for c in selection.facets["organisation"] if c.value.key != iri and c.count)
    conventions = [row["convention"].value for row in graph.select("profile_conventions", programme=programmes)]
    summaries = sorted(
        (_convention_summary(graph, c) for c in conventions),
        key=lambda s: (s.period.start or "" if s.period else "", s.resource.iri),
    )
    return Profile(
        kind,
        facet,
        tuple(selection.items),
        partners,
        tuple(summaries[-MAX_CONVENTIONS:]),
        len(summaries),
        tuple(money_by_year(graph, programmes)),
        _latest_values(graph, programmes),
        _sources(graph, programmes),
    )


def _latest_values(graph: ReadGraph, programmes: list[str]) -> tuple[Observation, ...]:
    """Return, for each indicator of the programmes (at most MAX_INDICATORS), its observation
    with the latest reference period (an observation without a period comes last)."""
    latest: dict[str, tuple[str, str]] = {}
    for row in graph.select("profile_latest_values", programme=programmes):
        indicator, obs = row["ind"].value, row["obs"].value
        start = row["start"].value if row["start"] is not None else ""
        if indicator not in latest or (start, obs) > latest[indicator]:
            latest[indicator] = (start, obs)
    chosen = [latest[i][1] for i in sorted(latest)[:MAX_INDICATORS]]
    return tuple(o for o in (read_observation(graph, obs) for obs in chosen) if o is not None)


def _sources(graph: ReadGraph, programmes: list[str]) -> tuple[Resource, ...]:
    found = sorted({row["source"].value for row in graph.select("profile_sources", programme=programmes)})
    return resources(graph, found[:MAX_SOURCES])
