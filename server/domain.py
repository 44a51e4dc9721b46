"""Views that fit the domain, read from the store into dataclasses: a partnership or
programme with its partners, conventions, stakes and indicators; a convention with its
period, signatories, purpose and the convention it renews; an organisation with its posts,
holders, partnerships and countries. No HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .entities import Entity, Literal, Resource, resource, resources
from .graphs import ReadGraph
from .indicators import (
    IndicatorSeries,
    Observation,
    indicator_series,
    read_observation,
    same_quantity_claims,
    series_of_indicator,
)
from .namespaces import PREFIXES

COOP, ORG, PROV, DCT, DCAT = (PREFIXES[p] for p in ("coop", "org", "prov", "dct", "dcat"))


@dataclass(frozen=True)
class Period:
    """A period of time with its start and end as the data gives them (years or dates)."""

    resource: Resource
    start: str | None
    end: str | None

    @property
    def start_year(self) -> int | None:
        return _year(self.start)

    @property
    def end_year(self) -> int | None:
        return _year(self.end)


@dataclass(frozen=True)
class ConventionSummary:
    resource: Resource
    period: Period | None
    renews: Resource | None


@dataclass(frozen=True)
class Partner:
    agent: Resource
    roles: tuple[Resource, ...]


@dataclass(frozen=True)
class ConventionView:
    kind = "convention"
    period: Period | None
    parties: tuple[Resource, ...]
    signatories: tuple[Resource, ...]
    purposes: tuple[Literal, ...]
    renews: tuple[Resource, ...]
    renewed_by: tuple[Resource, ...]
    partnerships: tuple[Resource, ...]


@dataclass(frozen=True)
class CooperationView:
    """A partnership, a programme or a policy: who takes part, under which conventions, to what end."""

    kind = "cooperation"
    partners: tuple[Partner, ...]
    programmes: tuple[Resource, ...]
    conventions: tuple[ConventionSummary, ...]
    period: Period | None
    stakes: tuple[Resource, ...]
    indicators: tuple[IndicatorSeries, ...]


@dataclass(frozen=True)
class Post:
    resource: Resource
    holders: tuple[Resource, ...]


@dataclass(frozen=True)
class Mandate:
    resource: Resource
    member: Resource
    roles: tuple[Resource, ...]
    during: tuple[Resource, ...]


@dataclass(frozen=True)
class OrganisationView:
    kind = "organisation"
    posts: tuple[Post, ...]
    mandates: tuple[Mandate, ...]
    partnerships: tuple[Resource, ...]
    programmes: tuple[Resource, ...]
    countries: tuple[Resource, ...]
    cooperation_countries: tuple[Resource, ...]


@dataclass(frozen=True)
class IndicatorView:
    """An indicator's observations, or an observation and the other claims about its quantity."""

    kind = "indicator"
    indicators: tuple[IndicatorSeries, ...]
    claims: tuple[Observation, ...] = ()
    single: Observation | None = None


def domain_view(graph: ReadGraph, entity: Entity):
    """Return the domain view that fits the entity's types, or None for the generic page only."""
    if entity.has_type(COOP + "Indicator"):
        return IndicatorView(series_of_indicator(graph, entity.iri))
    if entity.has_type(PREFIXES["qb"] + "Observation"):
        claims = same_quantity_claims(graph, entity.iri)
        return IndicatorView((), claims, read_observation(graph, entity.iri))
    if entity.has_type(COOP + "Convention"):
        return convention_view(graph, entity.iri)
    if any(entity.has_type(COOP + t) for t in ("Partnership", "Programme", "CooperationPolicy")):
        return cooperation_view(graph, entity.iri)
    if any(entity.has_type(t) for t in _ORGANISATION_TYPES):
        return organisation_view(graph, entity.iri)
    return None


_ORGANISATION_TYPES = (COOP + "LocalAuthority", ORG + "Organization", ORG + "FormalOrganization")


def convention_view(graph: ReadGraph, iri: str) -> ConventionView:
    """Return a convention's period, parties, signatories, purpose and renewals."""
    purposes = tuple(
        sorted(
            (Literal(o.value, o.language) for o in graph.objects(iri, COOP + "purpose") if isinstance(o, ox.Literal)),
            key=lambda p: (p.lang or "", p.text),
        )
    )
    return ConventionView(
        period=_period(graph, _first(_objects(graph, iri, DCT + "temporal"))),
        parties=resources(graph, _objects(graph, iri, COOP + "party")),
        signatories=resources(graph, _objects(graph, iri, COOP + "signatory")),
        purposes=purposes,
        renews=resources(graph, _objects(graph, iri, COOP + "renews")),
        renewed_by=resources(graph, _subjects(graph, COOP + "renews", iri)),
        partnerships=resources(graph, _objects(graph, iri, COOP + "formalises")),
    )


def cooperation_view(graph: ReadGraph, iri: str) -> CooperationView:
    """Return who takes part in a partnership, programme or policy, its conventions, stakes
    and indicators (a partnership's stakes and indicators are its programmes')."""
    programmes = _objects(graph, iri, COOP + "programme")
    scope = [iri, *programmes]
    partnerships = [iri, *_subjects(graph, COOP + "programme", iri)]
    conventions = sorted(
        {c for p in partnerships for c in _subjects(graph, COOP + "formalises", p)},
    )
    summaries = tuple(
        sorted(
            (_convention_summary(graph, c) for c in conventions),
            key=lambda s: (s.period.start or "" if s.period else "", s.resource.iri),
        )
    )
    return CooperationView(
        partners=_partners(graph, iri),
        programmes=resources(graph, programmes),
        conventions=summaries,
        period=_period(graph, _first(_objects(graph, iri, DCT + "temporal"))),
        stakes=resources(graph, sorted({s for p in scope for s in _objects(graph, p, COOP + "stake")})),
        indicators=tuple(series for p in scope for series in indicator_series(graph, p)),
    )


def organisation_view(graph: ReadGraph, iri: str) -> OrganisationView:
    """Return an organisation's posts and their holders, mandates, partnerships and countries."""
    posts = tuple(
        Post(resource(graph, post), resources(graph, _objects(graph, post, ORG + "heldBy")))
        for post in _subjects(graph, ORG + "postIn", iri)
    )
    mandates = tuple(
        Mandate(
            resource(graph, m),
            resource(graph, _first(_objects(graph, m, ORG + "member")) or m),
            resources(graph, _objects(graph, m, ORG + "role")),
            resources(graph, _objects(graph, m, ORG + "memberDuring")),
        )
        for m in _subjects(graph, ORG + "organization", iri)
    )
    policies = _objects(graph, iri, COOP + "policy")
    return OrganisationView(
        posts=posts,
        mandates=mandates,
        partnerships=resources(graph, _subjects(graph, ORG + "hasMember", iri)),
        programmes=resources(graph, _subjects(graph, PROV + "wasAssociatedWith", iri)),
        countries=resources(graph, _objects(graph, iri, COOP + "country")),
        cooperation_countries=resources(
            graph, sorted({c for p in policies for c in _objects(graph, p, COOP + "country")})
        ),
    )


def _partners(graph: ReadGraph, iri: str) -> tuple[Partner, ...]:
    rows = graph.select("partners", cooperation=iri)
    roles: dict[str, list[str]] = {}
    for row in rows:
        found = roles.setdefault(row["agent"].value, [])
        if row["role"] is not None:
            found.append(row["role"].value)
    labelled = {r.iri: r for r in resources(graph, [*roles, *(role for r in roles.values() for role in r)])}
    return tuple(Partner(labelled[agent], tuple(labelled[role] for role in r)) for agent, r in roles.items())


def _convention_summary(graph: ReadGraph, iri: str) -> ConventionSummary:
    renews = _first(_objects(graph, iri, COOP + "renews"))
    return ConventionSummary(
        resource(graph, iri),
        _period(graph, _first(_objects(graph, iri, DCT + "temporal"))),
        resource(graph, renews) if renews else None,
    )


def _period(graph: ReadGraph, iri: str | None) -> Period | None:
    if iri is None:
        return None
    start = _first(_literal_values(graph, iri, DCAT + "startDate"))
    end = _first(_literal_values(graph, iri, DCAT + "endDate"))
    return Period(resource(graph, iri), start, end)


def _objects(graph: ReadGraph, subject: str, predicate: str) -> list[str]:
    """Return the distinct IRIs `subject` links to through `predicate`, sorted."""
    return sorted({o.value for o in graph.objects(subject, predicate) if isinstance(o, ox.NamedNode)})


def _subjects(graph: ReadGraph, predicate: str, obj: str) -> list[str]:
    """Return the distinct IRIs that link to `obj` through `predicate`, sorted."""
    return sorted({s.value for s in graph.subjects(predicate, obj) if isinstance(s, ox.NamedNode)})


def _literal_values(graph: ReadGraph, subject: str, predicate: str) -> list[str]:
    return sorted(o.value for o in graph.objects(subject, predicate) if isinstance(o, ox.Literal))


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _year(text: str | None) -> int | None:
    if text and len(text) >= 4 and text[:4].isdigit():
        return int(text[:4])
    return None
