"""Indicators and their observations (RDF Data Cube), read into dataclasses: each value
keeps its unit, qualifier ("more than"), aggregation ("since 2017", "per year"), reference
period, the source's own words and the source. Observations linked by coop:sameQuantityAs
are claims about the same quantity (they may disagree): they are kept side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
from babel.numbers import list_currencies

from .entities import SAME_QUANTITY_AS, Literal, Resource, counted_resources, resources, sources_of
from .graphs import ReadGraph
from .namespaces import PREFIXES

COOP = PREFIXES["coop"]
SKOS_NOTATION = PREFIXES["skos"] + "notation"
CURRENCIES = frozenset(list_currencies())


@dataclass(frozen=True)
class Observation:
    resource: Resource
    indicator: Resource
    value: str | None
    unit: Resource | None
    qualifier: Resource | None
    aggregation: Resource | None
    period: Resource | None
    stated_as: tuple[Literal, ...]
    sources: tuple[Resource, ...]
    same_quantity_as: tuple[str, ...]
    currency: str | None = None  # the unit's ISO 4217 code (skos:notation) when it is a currency

    @property
    def number(self) -> Decimal | None:
        """Return the value as a number, or None when it is missing or not numeric."""
        try:
            return Decimal(self.value) if self.value is not None else None
        except InvalidOperation:
            return None

    @property
    def is_lower_bound(self) -> bool:
        return self.qualifier is not None and self.qualifier.iri == COOP + "qualifier/more-than"


@dataclass(frozen=True)
class IndicatorSeries:
    """An indicator and its observations, claims about the same quantity next to each other."""

    indicator: Resource
    observations: tuple[Observation, ...]

    @property
    def disputed(self) -> bool:
        return any(o.same_quantity_as for o in self.observations)


def indicator_series(graph: ReadGraph, subject: str) -> tuple[IndicatorSeries, ...]:
    """Return the indicators of a programme or policy (coop:indicatorOf), each with its observations."""
    found = graph.subjects(COOP + "indicatorOf", subject)
    indicators = sorted({s.value for s in found if isinstance(s, ox.NamedNode)})
    return _series(graph, _observations(graph, "indicator_observations", ind=indicators))


def series_of_indicator(graph: ReadGraph, indicator: str) -> tuple[IndicatorSeries, ...]:
    """Return one indicator's observations as a one-element tuple (empty if it has none)."""
    return _series(graph, _observations(graph, "indicator_observations", ind=indicator))


def same_quantity_claims(graph: ReadGraph, observation: str) -> tuple[Observation, ...]:
    """Return the observation and every observation linked to it by coop:sameQuantityAs, in
    either direction and through other claims: the claims sources make about one quantity."""
    linked = [row["obs"] for row in graph.select("same_quantity_claims", observation=observation)]
    claims = _observations(graph, "observations", obs=[o for o in linked if isinstance(o, ox.NamedNode)])
    return tuple(claims) if len(claims) > 1 else ()


def read_observation(graph: ReadGraph, observation: str) -> Observation | None:
    """Return one observation with its value, unit, qualifier, period, words and sources."""
    found = _observations(graph, "observations", obs=observation)
    return found[0] if found else None


def _observations(graph: ReadGraph, query: str, **bindings) -> list[Observation]:
    """Return the observations that `query` (indicator_observations or observations) finds."""
    rows = graph.select(query, **bindings)
    grouped: dict[str, dict] = {}
    for row in rows:
        obs = row["obs"].value
        seen = grouped.setdefault(obs, {"ind": row["ind"].value if row["ind"] else obs})
        for name in ("value", "unit", "qualifier", "aggregation", "period"):
            if row[name] is not None:
                seen.setdefault(name, row[name].value)
    units = _units(graph, sorted({found["unit"] for found in grouped.values() if "unit" in found}))
    return [_observation(graph, obs, found, units) for obs, found in grouped.items()]


def _units(graph: ReadGraph, iris: list[str]) -> dict[str, tuple[Resource, str | None]]:
    """Return each unit with its labels and plural labels, and its currency code if it is one."""
    return {unit.iri: (unit, _currency(graph, unit.iri)) for unit in counted_resources(graph, iris)}


def _observation(graph: ReadGraph, obs: str, found: dict, units: dict[str, tuple[Resource, str | None]]) -> Observation:
    names = ("qualifier", "aggregation", "period")
    labelled = {r.iri: r for r in resources(graph, [obs, found["ind"], *(found[n] for n in names if n in found)])}
    unit, currency = units.get(found.get("unit"), (None, None))

    def linked(name):
        return labelled[found[name]] if name in found else None

    stated = sorted({(o.value, o.language) for o in graph.objects(obs, COOP + "statedAs") if isinstance(o, ox.Literal)})
    same = {o.value for o in graph.objects(obs, SAME_QUANTITY_AS)} | {
        s.value for s in graph.subjects(SAME_QUANTITY_AS, obs)
    }
    same.discard(obs)
    return Observation(
        resource=labelled[obs],
        indicator=labelled[found["ind"]],
        value=found.get("value"),
        unit=unit,
        qualifier=linked("qualifier"),
        aggregation=linked("aggregation"),
        period=linked("period"),
        stated_as=tuple(Literal(text, lang) for text, lang in stated),
        sources=sources_of(graph, obs),
        same_quantity_as=tuple(sorted(same)),
        currency=currency,
    )


def _currency(graph: ReadGraph, unit: str) -> str | None:
    """Return the ISO 4217 code a unit's skos:notation gives when the unit is a currency."""
    codes = {o.value for o in graph.objects(unit, SKOS_NOTATION) if isinstance(o, ox.Literal)}
    return next((code for code in sorted(codes) if code in CURRENCIES), None)


def _series(graph: ReadGraph, observations: list[Observation]) -> tuple[IndicatorSeries, ...]:
    by_indicator: dict[str, list[Observation]] = {}
    for obs in observations:
        by_indicator.setdefault(obs.indicator.iri, []).append(obs)
    labelled = resources(graph, by_indicator)
    return tuple(
        IndicatorSeries(indicator, tuple(_claims_together(found)))
        for indicator, found in zip(labelled, by_indicator.values(), strict=True)
    )


def _claims_together(observations: list[Observation]) -> list[Observation]:
    """Return the observations ordered so that claims about one quantity follow each other."""
    ordered: list[Observation] = []
    placed: set[str] = set()
    by_iri = {o.resource.iri: o for o in observations}
    for obs in observations:
        if obs.resource.iri in placed:
            continue
        for member in (obs.resource.iri, *obs.same_quantity_as):
            if member in by_iri and member not in placed:
                ordered.append(by_iri[member])
                placed.add(member)
    return ordered
