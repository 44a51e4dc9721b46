"""What the graph says of its programmes, read as IATI 2.03 activities (issue #13).

`read_activities(graph, iris, reporter)` returns one `Activity` per programme that IATI can
take: plain data, read through the read seam (server/graphs.py, the query files
server/rq/iati-*.rq), so it works on every engine. Nothing is invented: a value no source
states stays out, and a programme that lacks something IATI requires (a title, a
description, a participating organisation with a role, a status, a start date) is left out
with the reason (`NotExportable`). Where IATI wants a full date and the sources give a year,
the date is the first (or last) day of that year and its narrative says the year, as the
schema's documentation of activity-date asks. docs/export-iati.md lists every choice.
server/iati_xml.py writes the activities as XML and checks them against the schemas.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from .graphs import ReadGraph, Row
from .namespaces import PREFIXES

Text = tuple[str, str | None]  # a narrative: its text and its language (None: not stated)
NAME_PREDICATES = (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel", PREFIXES["foaf"] + "name")
DESCRIPTION_TYPES = {"description": "1", "objectives": "2"}  # IATI DescriptionType codes
ACTUAL_START, PLANNED_START, PLANNED_END, ACTUAL_END = "2", "1", "3", "4"  # IATI ActivityDateType
IMPLEMENTATION = "2"  # IATI ActivityStatus


class NotConfigured(ValueError):
    """A setting the export needs is not set; the message names it."""


@dataclass(frozen=True)
class NotExportable(Exception):
    """A programme IATI cannot take: `reasons` names each required element no source gives."""

    iri: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.iri}: " + "; ".join(self.reasons)


@dataclass(frozen=True)
class Organisation:
    """An organisation as IATI names it: identifier, OrganisationType code, names."""

    ref: str | None
    type: str | None
    names: tuple[Text, ...]


@dataclass(frozen=True)
class Reporter(Organisation):
    """The organisation that publishes the IATI file (reporting-org), from the settings."""

    @classmethod
    def from_settings(cls, settings) -> Reporter:
        """Return the reporting organisation the settings name.

        Raises NotConfigured, naming the first of iati_reporting_org, iati_reporting_org_type,
        iati_reporting_org_name that is not set.
        """
        for name, what in (
            ("iati_reporting_org", "the publisher's IATI organisation identifier, e.g. FR-INSEE- and its SIREN number"),
            ("iati_reporting_org_type", "its IATI OrganisationType code, e.g. 11 for a local government"),
            ("iati_reporting_org_name", "its name"),
        ):
            if not getattr(settings, name):
                raise NotConfigured(f"setting '{name}' is not set ({what}; docs/export-iati.md)")
        return cls(
            settings.iati_reporting_org, settings.iati_reporting_org_type, ((settings.iati_reporting_org_name, None),)
        )


@dataclass(frozen=True)
class Participant:
    role: str  # IATI OrganisationRole code
    organisation: Organisation


@dataclass(frozen=True)
class ActivityDate:
    type: str  # IATI ActivityDateType code
    iso_date: str
    narratives: tuple[Text, ...] = ()  # the less specific date the sources give (a year)


@dataclass(frozen=True)
class Amount:
    value: str
    currency: str | None
    value_date: str


@dataclass(frozen=True)
class Budget:
    period_start: str
    period_end: str
    amount: Amount
    type: str | None = None  # IATI BudgetType code
    status: str | None = None  # IATI BudgetStatus code


@dataclass(frozen=True)
class Transaction:
    type: str  # IATI TransactionType code
    date: str
    amount: Amount
    descriptions: tuple[Text, ...] = ()
    provider: Organisation | None = None
    receiver: Organisation | None = None


@dataclass(frozen=True)
class ResultPeriod:
    start: str
    end: str
    targets: tuple[str, ...] = ()
    actuals: tuple[str, ...] = ()


@dataclass(frozen=True)
class Baseline:
    year: str
    value: str | None = None
    iso_date: str | None = None


@dataclass(frozen=True)
class ResultIndicator:
    measure: str  # IATI IndicatorMeasure code
    titles: tuple[Text, ...]
    baselines: tuple[Baseline, ...] = ()
    periods: tuple[ResultPeriod, ...] = ()
    ascending: str | None = None


@dataclass(frozen=True)
class Result:
    type: str  # IATI ResultType code
    titles: tuple[Text, ...]
    indicators: tuple[ResultIndicator, ...]


@dataclass(frozen=True)
class Activity:
    """One programme as an IATI activity: only what the sources state (see the module's text)."""

    iri: str
    identifier: str
    reporter: Organisation
    secondary_reporter: bool
    titles: tuple[Text, ...]
    descriptions: tuple[tuple[str, tuple[Text, ...]], ...]  # (DescriptionType code, narratives)
    participants: tuple[Participant, ...]
    status: str
    dates: tuple[ActivityDate, ...]
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2 codes
    locations: tuple[tuple[Text, ...], ...] = ()  # the names of each location
    sectors: tuple[tuple[str, str], ...] = ()  # (IATI SectorVocabulary code, code)
    budgets: tuple[Budget, ...] = ()
    transactions: tuple[Transaction, ...] = ()
    results: tuple[Result, ...] = ()
    unstated: tuple[str, ...] = field(default=(), compare=False)  # what IATI wants that no source gives


def programmes(graph: ReadGraph) -> list[str]:
    """Return the IRIs of every programme of the graph, sorted."""
    return [row["programme"].value for row in graph.select("iati-programmes")]


def programme_iri(name: str, base: str) -> str:
    """Return the IRI a programme's name on the command line stands for: the name itself when
    it is an IRI, else a data path under `base` ('id/programme/x' or 'programme/x')."""
    if name.startswith(("http://", "https://")):
        return name
    path = name.strip("/")
    return base + (path if path.startswith("id/") else "id/" + path)


def is_programme(graph: ReadGraph, iri: str) -> bool:
    """Return True when `iri` is a programme (only programmes have an IATI representation)."""
    return graph.ask("iati-is-programme", programme=iri)


def read_activities(
    graph: ReadGraph, iris: Iterable[str], reporter: Reporter, today: date | None = None
) -> tuple[list[Activity], list[NotExportable]]:
    """Return the activities of the programmes `iris` that IATI can take, and why each other
    one is left out."""
    activities, left_out = [], []
    for iri in iris:
        try:
            activities.append(read_activity(graph, iri, reporter, today))
        except NotExportable as refusal:
            left_out.append(refusal)
    return activities, left_out


def read_activity(graph: ReadGraph, iri: str, reporter: Reporter, today: date | None = None) -> Activity:
    """Return programme `iri` as an IATI activity reported by `reporter`.

    Raises NotExportable naming each required element the graph does not give.
    """
    today = today or date.today()
    texts = _texts(graph.select("iati-texts", programme=iri))
    participants = _participants(graph, graph.select("iati-participants", programme=iri))
    dates = _dates(graph.select("iati-period", programme=iri), today)
    status = _status(dates)
    reasons = []
    if not texts.get("title"):
        reasons.append("title: the data gives the programme no label")
    if not any(texts.get(part) for part in DESCRIPTION_TYPES):
        reasons.append("description: the data gives the programme no description and no aim")
    if not participants:
        reasons.append("participating-org: no named organisation takes part in a role IATI has")
    if not any(d.type in (ACTUAL_START, PLANNED_START) for d in dates):
        reasons.append("activity-date: no source says when the programme starts")
    if status is None:
        reasons.append("activity-status: no source states the programme's status")
    if reasons:
        raise NotExportable(iri, tuple(reasons))
    places = graph.select("iati-places", programme=iri)
    locations = [row["place"].value for row in places if row["part"].value == "location"]
    names = graph.labels(locations, NAME_PREDICATES)
    refs = {p.organisation.ref for p in participants}
    return Activity(
        iri=iri,
        identifier=f"{reporter.ref}-{_local_name(iri)}",
        reporter=reporter,
        secondary_reporter=reporter.ref not in refs,
        titles=texts["title"],
        descriptions=tuple((code, _joined(texts[part])) for part, code in DESCRIPTION_TYPES.items() if texts.get(part)),
        participants=participants,
        status=status,
        dates=dates,
        countries=tuple(row["code"].value for row in places if row["part"].value == "country"),
        locations=tuple(names[place] for place in locations if place in names),
        sectors=tuple(
            (row["vocabulary"].value, row["code"].value) for row in graph.select("iati-sectors", programme=iri)
        ),
    )


def _texts(rows: list[Row]) -> dict[str, tuple[Text, ...]]:
    found: dict[str, list[Text]] = {}
    for row in rows:
        found.setdefault(row["part"].value, []).append((row["text"].value, row["text"].language))
    return {part: tuple(texts) for part, texts in found.items()}


def _joined(texts: Sequence[Text]) -> tuple[Text, ...]:
    """Return one narrative per language: a description's narratives are translations of one
    text, so several texts in one language (two aims) are joined, one a line."""
    by_language: dict[str | None, list[str]] = {}
    for text, lang in texts:
        by_language.setdefault(lang, []).append(text)
    return tuple(("\n".join(found), lang) for lang, found in by_language.items())


def _participants(graph: ReadGraph, rows: list[Row]) -> tuple[Participant, ...]:
    agents = [row["agent"].value for row in rows]
    names = graph.labels(agents, NAME_PREDICATES)
    return tuple(
        Participant(row["role"].value, Organisation(None, None, names[row["agent"].value]))
        for row in rows
        if row["agent"].value in names
    )


def _dates(rows: list[Row], today: date) -> tuple[ActivityDate, ...]:
    """Return the activity dates of a programme's period: a start on or before `today` is its
    actual start, a later one its planned start; an end after `today` its planned end, an
    earlier one its actual end. A year stands for its first (start) or last (end) day, and
    the date's narrative gives the year."""
    dates = []
    for row in rows:
        start = row["kind"].value == "start"
        given = row["date"].value
        year_only = row["date"].datatype.value == PREFIXES["xsd"] + "gYear"
        iso = (f"{given}-01-01" if start else f"{given}-12-31") if year_only else given[:10]
        if start:
            kind = ACTUAL_START if iso <= today.isoformat() else PLANNED_START
        else:
            kind = PLANNED_END if iso > today.isoformat() else ACTUAL_END
        dates.append(ActivityDate(kind, iso, ((given, None),) if year_only else ()))
    return tuple(sorted(dates, key=lambda d: (d.type, d.iso_date)))


def _status(dates: Sequence[ActivityDate]) -> str | None:
    """Return the IATI status the dates support: implementation (2) for a programme that has
    started and has neither ended nor passed its planned end (`_dates` made a past end
    actual); None otherwise: whether it is finalised or closed, no date says."""
    types = {d.type for d in dates}
    if ACTUAL_START in types and ACTUAL_END not in types:
        return IMPLEMENTATION
    return None


def _local_name(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]
