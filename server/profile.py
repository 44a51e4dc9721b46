"""The profile of a country or an organisation: the programmes it takes part in, its partners,
the conventions on a timeline, its money by year, the latest values of its indicators, and the
sources; shown on its entity page. Read through the facets' index (server/explore.py), so a
profile costs a few queries however many programmes there are."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .domain import ConventionSummary, Period
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
    names it (computed once per release and language, then remembered by the index)."""
    return index.remembered(("profile", iri, kind, lang), lambda: _profile(graph, index, iri, kind, lang))


def _profile(graph: ReadGraph, index: ExploreIndex, iri: str, kind: str, lang: str) -> Profile | None:
    facet = "country" if kind == "country" else "organisation"
    if iri not in index.pairs[facet]:
        return None
    selection = index.select({facet: [iri]}, lang, counted=())
    programmes = [item.iri for item in selection.items]
    partners = _partners(index, programmes, iri, lang)
    summaries, total = _conventions(graph, programmes)
    return Profile(
        kind,
        facet,
        tuple(selection.items),
        partners,
        summaries,
        total,
        tuple(money_by_year(graph, programmes)),
        _latest_values(graph, programmes),
        _sources(graph, programmes),
    )


def _partners(index: ExploreIndex, programmes: list[str], iri: str, lang: str) -> tuple[Count, ...]:
    """Return the organisations taking part in `programmes` other than `iri`, each with the
    number of them it takes part in, most first, then by label (read from the index: the
    programmes' own organisations, not a count over every organisation)."""
    shared = Counter(key for item in programmes for key in set(index.keys_of(item, "organisation")) if key != iri)
    rank = index.ranks("organisation", lang)
    ordered = sorted(shared, key=lambda key: (-shared[key], rank.get(key, 0)))
    return tuple(Count(index.value("organisation", key), shared[key], False) for key in ordered)


def _conventions(graph: ReadGraph, programmes: list[str]) -> tuple[tuple[ConventionSummary, ...], int]:
    """Return the MAX_CONVENTIONS conventions of the programmes that start last, earliest
    first (read with one query and one batch of labels), and how many there are in all."""
    found: dict[str, dict] = {}
    for row in graph.select("profile_conventions", programme=programmes):
        seen = found.setdefault(row["convention"].value, {})
        for name in ("period", "start", "end", "renews"):
            if row[name] is not None and name not in seen:
                seen[name] = row[name].value
    latest = sorted(found, key=lambda c: (found[c].get("start", ""), c))[-MAX_CONVENTIONS:]
    named = [*latest, *(found[c][n] for c in latest for n in ("period", "renews") if n in found[c])]
    labelled = {r.iri: r for r in resources(graph, sorted(set(named)))}
    summaries = tuple(
        ConventionSummary(
            labelled[c],
            Period(labelled[found[c]["period"]], found[c].get("start"), found[c].get("end"))
            if "period" in found[c]
            else None,
            labelled[found[c]["renews"]] if "renews" in found[c] else None,
        )
        for c in latest
    )
    return summaries, len(found)


def _latest_values(graph: ReadGraph, programmes: list[str]) -> tuple[Observation, ...]:
    """Return, for each of the first MAX_INDICATORS indicators of the programmes (by IRI), its
    observation with the latest reference period (one without a period comes last)."""
    indicators = [
        row["ind"].value for row in graph.select("profile_indicators", programme=programmes, limit=MAX_INDICATORS)
    ]
    if not indicators:
        return ()
    latest: dict[str, tuple[str, str]] = {}
    for row in graph.select("profile_latest_values", ind=indicators):
        indicator, obs = row["ind"].value, row["obs"].value
        start = row["start"].value if row["start"] is not None else ""
        if indicator not in latest or (start, obs) > latest[indicator]:
            latest[indicator] = (start, obs)
    chosen = [latest[i][1] for i in indicators if i in latest]
    return tuple(o for o in (read_observation(graph, obs) for obs in chosen) if o is not None)


def _sources(graph: ReadGraph, programmes: list[str]) -> tuple[Resource, ...]:
    found = sorted({row["source"].value for row in graph.select("profile_sources", programme=programmes)})
    return resources(graph, found[:MAX_SOURCES])
