"""Views that fit the domain, read from the store into dataclasses: a partnership or
programme with its partners, conventions, stakes and indicators; a convention with its
period, signatories, purpose and the convention it renews; an organisation with its posts,
holders, partnerships and countries. No HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .entities import Entity, Literal, Resource, resource, resources
from .indicators import (
    IndicatorSeries,
    Observation,
    indicator_series,
    read_observation,
    same_quantity_claims,
    series_of_indicator,
)
from .namespaces import PREFIXES
from .query_files import select

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


def domain_view(store: ox.Store, entity: Entity):
    """Return the domain view that fits the entity's types, or None for the generic page only."""
    if entity.has_type(COOP + "Indicator"):
        return IndicatorView(series_of_indicator(store, entity.iri))
    if entity.has_type(PREFIXES["qb"] + "Observation"):
        claims = same_quantity_claims(store, entity.iri)
        return IndicatorView((), claims, read_observation(store, entity.iri))
    if entity.has_type(COOP + "Convention"):
        return convention_view(store, entity.iri)
    if any(entity.has_type(COOP + t) for t in ("Partnership", "Programme", "CooperationPolicy")):
        return cooperation_view(store, entity.iri)
    if any(entity.has_type(t) for t in _ORGANISATION_TYPES):
        return organisation_view(store, entity.iri)
    return None


_ORGANISATION_TYPES = (COOP + "LocalAuthority", ORG + "Organization", ORG + "FormalOrganization")


def convention_view(store: ox.Store, iri: str) -> ConventionView:
    """Return a convention's period, parties, signatories, purpose and renewals."""
    purposes = tuple(
        Literal(q.object.value, q.object.language)
        for q in _distinct_quads(store, iri, COOP + "purpose")
        if isinstance(q.object, ox.Literal)
    )
    return ConventionView(
        period=_period(store, _first(_objects(store, iri, DCT + "temporal"))),
        parties=resources(store, _objects(store, iri, COOP + "party")),
        signatories=resources(store, _objects(store, iri, COOP + "signatory")),
        purposes=purposes,
        renews=resources(store, _objects(store, iri, COOP + "renews")),
        renewed_by=resources(store, _subjects(store, COOP + "renews", iri)),
        partnerships=resources(store, _objects(store, iri, COOP + "formalises")),
    )


def cooperation_view(store: ox.Store, iri: str) -> CooperationView:
    """Return who takes part in a partnership, programme or policy, its conventions, stakes
    and indicators (a partnership's stakes and indicators are its programmes')."""
    programmes = _objects(store, iri, COOP + "programme")
    scope = [iri, *programmes]
    partnerships = [iri, *_subjects(store, COOP + "programme", iri)]
    conventions = sorted(
        {c for p in partnerships for c in _subjects(store, COOP + "formalises", p)},
    )
    summaries = tuple(
        sorted(
            (_convention_summary(store, c) for c in conventions),
            key=lambda s: (s.period.start or "" if s.period else "", s.resource.iri),
        )
    )
    return CooperationView(
        partners=_partners(store, iri),
        programmes=resources(store, programmes),
        conventions=summaries,
        period=_period(store, _first(_objects(store, iri, DCT + "temporal"))),
        stakes=resources(store, sorted({s for p in scope for s in _objects(store, p, COOP + "stake")})),
        indicators=tuple(series for p in scope for series in indicator_series(store, p)),
    )


def organisation_view(store: ox.Store, iri: str) -> OrganisationView:
    """Return an organisation's posts and their holders, mandates, partnerships and countries."""
    posts = tuple(
        Post(resource(store, post), resources(store, _objects(store, post, ORG + "heldBy")))
        for post in _subjects(store, ORG + "postIn", iri)
    )
    mandates = tuple(
        Mandate(
            resource(store, m),
            resource(store, _first(_objects(store, m, ORG + "member")) or m),
            resources(store, _objects(store, m, ORG + "role")),
            resources(store, _objects(store, m, ORG + "memberDuring")),
        )
        for m in _subjects(store, ORG + "organization", iri)
    )
    policies = _objects(store, iri, COOP + "policy")
    return OrganisationView(
        posts=posts,
        mandates=mandates,
        partnerships=resources(store, _subjects(store, ORG + "hasMember", iri)),
        programmes=resources(store, _subjects(store, PROV + "wasAssociatedWith", iri)),
        countries=resources(store, _objects(store, iri, COOP + "country")),
        cooperation_countries=resources(
            store, sorted({c for p in policies for c in _objects(store, p, COOP + "country")})
        ),
    )


def _partners(store: ox.Store, iri: str) -> tuple[Partner, ...]:
    rows = select(store, "partners", cooperation=iri)
    roles: dict[str, list[str]] = {}
    for row in rows:
        found = roles.setdefault(row["agent"].value, [])
        if row["role"] is not None:
            found.append(row["role"].value)
    return tuple(Partner(resource(store, agent), resources(store, r)) for agent, r in roles.items())


def _convention_summary(store: ox.Store, iri: str) -> ConventionSummary:
    renews = _first(_objects(store, iri, COOP + "renews"))
    return ConventionSummary(
        resource(store, iri),
        _period(store, _first(_objects(store, iri, DCT + "temporal"))),
        resource(store, renews) if renews else None,
    )


def _period(store: ox.Store, iri: str | None) -> Period | None:
    if iri is None:
        return None
    start = _first(_literal_values(store, iri, DCAT + "startDate"))
    end = _first(_literal_values(store, iri, DCAT + "endDate"))
    return Period(resource(store, iri), start, end)


def _distinct_quads(store: ox.Store, subject: str, predicate: str) -> list[ox.Quad]:
    seen, quads = set(), []
    for q in store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None, None):
        if q.object not in seen:
            seen.add(q.object)
            quads.append(q)
    return quads


def _objects(store: ox.Store, subject: str, predicate: str) -> list[str]:
    """Return the distinct IRIs `subject` links to through `predicate`, sorted."""
    return sorted(
        {q.object.value for q in _distinct_quads(store, subject, predicate) if isinstance(q.object, ox.NamedNode)}
    )


def _subjects(store: ox.Store, predicate: str, obj: str) -> list[str]:
    """Return the distinct IRIs that link to `obj` through `predicate`, sorted."""
    quads = store.quads_for_pattern(None, ox.NamedNode(predicate), ox.NamedNode(obj), None)
    return sorted({q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)})


def _literal_values(store: ox.Store, subject: str, predicate: str) -> list[str]:
    return sorted(
        q.object.value for q in _distinct_quads(store, subject, predicate) if isinstance(q.object, ox.Literal)
    )


def _first(values: list[str]) -> str | None:
    return values[0] if values else None


def _year(text: str | None) -> int | None:
    if text and len(text) >= 4 and text[:4].isdigit():
        return int(text[:4])
    return None
