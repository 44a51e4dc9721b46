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
from datetime import date

from .graphs import ReadGraph, Row
from .iati_activity import (
    Activity,
    ActivityDate,
    Amount,
    Baseline,
    Budget,
    NotConfigured,
    NotExportable,
    Organisation,
    Participant,
    Reporter,
    Result,
    ResultIndicator,
    ResultPeriod,
    Text,
    Transaction,
)
from .namespaces import PREFIXES

__all__ = ["Activity", "NotConfigured", "NotExportable", "Reporter", "is_programme", "programmes", "read_activities"]
# The names a source gives a thing (an imported title, an organisation's or a place's name),
# read before its labels: a label may be coopkg's own, for display (an imported organisation
# the file names only by identifier is labelled "organisation IATI …"@fr), never a source's.
SOURCE_NAMES = (PREFIXES["dct"] + "title", PREFIXES["foaf"] + "name", PREFIXES["schema"] + "name")
LABELS = (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel")
DESCRIPTION_TYPES = {"description": "1", "objectives": "2"}  # IATI DescriptionType codes
ACTUAL_START, PLANNED_START, PLANNED_END, ACTUAL_END = "2", "1", "3", "4"  # IATI ActivityDateType
IMPLEMENTATION = "2"  # IATI ActivityStatus


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
    graph: ReadGraph, iris: Iterable[str], reporter: Reporter | None, today: date | None = None
) -> tuple[list[Activity], list[NotExportable]]:
    """Return the activities of the programmes `iris` that IATI can take, and why each other
    one is left out.

    Raises NotConfigured when a programme needs `reporter` (the data names no organisation
    that reports it) and it is None.
    """
    activities, left_out = [], []
    for iri in iris:
        try:
            activities.append(read_activity(graph, iri, reporter, today))
        except NotExportable as refusal:
            left_out.append(refusal)
    return activities, left_out


def read_activity(graph: ReadGraph, iri: str, reporter: Reporter | None, today: date | None = None) -> Activity:
    """Return programme `iri` as an IATI activity: reported by the organisation the data says
    reports it (an imported activity), else by `reporter` (the settings').

    Raises NotExportable naming each required element the graph does not give, NotConfigured
    when the programme needs `reporter` and it is None.
    """
    today = today or date.today()
    stated = graph.select("iati-activity", programme=iri)[0]
    texts = _texts(graph.select("iati-texts", programme=iri))
    texts["title"] = texts.get("title") or texts.get("label", ())
    roles = graph.select("iati-participants", programme=iri)
    flows = graph.select("iati-transactions", programme=iri)
    organisations = _organisations(graph, _organisations_named(stated, roles, flows))
    participants = tuple(
        Participant(row["role"].value, organisations[row["agent"].value])
        for row in roles
        if organisations[row["agent"].value].ref or organisations[row["agent"].value].names
    )
    dates = _stated_dates(graph.select("iati-dates", programme=iri)) or _dates(
        graph.select("iati-period", programme=iri), today
    )
    status = stated["status"].value if stated["status"] else _status(dates)
    reporting = organisations[stated["reporter"].value] if stated["reporter"] else reporter
    reasons = _missing(texts, participants, dates, status, reporting)
    if reasons:
        raise NotExportable(iri, reasons)
    if reporting is None:
        raise NotConfigured(
            "setting 'iati_reporting_org' is not set (the publisher's IATI organisation identifier, with "
            f"iati_reporting_org_type and iati_reporting_org_name), and the data names no organisation that "
            f"reports {iri} (docs/export-iati.md)"
        )
    places = graph.select("iati-places", programme=iri)
    locations = [row["place"].value for row in places if row["part"].value == "location"]
    names = _names(graph, locations)
    return Activity(
        iri=iri,
        identifier=stated["identifier"].value if stated["identifier"] else f"{reporting.ref}-{_local_name(iri)}",
        reporter=reporting,
        secondary_reporter=reporting.ref not in {p.organisation.ref for p in participants},
        titles=texts["title"],
        descriptions=tuple((code, _joined(texts[part])) for part, code in DESCRIPTION_TYPES.items() if texts.get(part)),
        participants=participants,
        status=status,
        dates=dates,
        countries=tuple(row["code"].value for row in places if row["part"].value == "country"),
        regions=tuple(row["code"].value for row in places if row["part"].value == "region"),
        locations=tuple(names[place] for place in locations if place in names),
        sectors=tuple(
            (row["vocabulary"].value, row["code"].value) for row in graph.select("iati-sectors", programme=iri)
        ),
        budgets=_budgets(graph.select("iati-budgets", programme=iri)),
        transactions=_transactions(flows, organisations),
        results=_results(graph, iri),
    )


def _missing(texts, participants, dates, status, reporting) -> tuple[str, ...]:
    """Return, for each element IATI requires that the graph does not give, why."""
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
    if reporting is not None and not (reporting.ref and reporting.type and reporting.names):
        reasons.append("reporting-org: the reporting organisation lacks an IATI identifier, type or name")
    return tuple(reasons)


def _organisations_named(stated: Row, roles: list[Row], flows: list[Row]) -> list[str]:
    """Return the IRIs of the organisations an activity names: its reporter, its participants,
    the providers and receivers of its transactions."""
    named = _value(stated, "reporter", []) + [row["agent"].value for row in roles]
    return named + [row[name].value for row in flows for name in ("provider", "receiver") if row[name] is not None]


def _names(graph: ReadGraph, iris: Iterable[str]) -> dict[str, tuple[Text, ...]]:
    """Return the narratives of each of `iris` that has some: the names its sources give it
    (SOURCE_NAMES), else its labels."""
    iris = list(dict.fromkeys(iris))
    names = graph.labels(iris, SOURCE_NAMES)
    return {**graph.labels([iri for iri in iris if iri not in names], LABELS), **names}


def _value(row: Row, name: str, default):
    return [row[name].value] if row[name] is not None else default


def _organisations(graph: ReadGraph, iris: list[str]) -> dict[str, Organisation]:
    """Return each organisation of `iris` with the IATI identifier, type and names the data gives."""
    iris = list(dict.fromkeys(iris))
    if not iris:
        return {}
    names = _names(graph, iris)
    found = {iri: Organisation(None, None, names.get(iri, ())) for iri in iris}
    for row in graph.select("iati-organisations", organisation=iris):
        iri = row["organisation"].value
        found[iri] = Organisation(*(_value(row, name, [None])[0] for name in ("ref", "type")), names.get(iri, ()))
    return found


def _iso(term, end: bool = False) -> str:
    """Return the xsd:date a date or year term stands for (a year: its first or last day)."""
    if term.datatype.value == PREFIXES["xsd"] + "gYear":
        return f"{term.value}-12-31" if end else f"{term.value}-01-01"
    return term.value[:10]


def _stated_dates(rows: list[Row]) -> tuple[ActivityDate, ...]:
    return tuple(ActivityDate(row["type"].value, _iso(row["date"])) for row in rows)


def _budgets(rows: list[Row]) -> tuple[Budget, ...]:
    return tuple(
        Budget(
            _iso(row["start"]),
            _iso(row["end"], end=True),
            Amount(row["value"].value, *_value(row, "currency", [None]), _iso(row["valueDate"])),
            *(_value(row, name, [None])[0] for name in ("type", "status")),
            row["element"].value,
        )
        for row in rows
    )


def _transactions(rows: list[Row], organisations: dict[str, Organisation]) -> tuple[Transaction, ...]:
    return tuple(
        Transaction(
            row["type"].value,
            _iso(row["date"]),
            Amount(row["value"].value, *_value(row, "currency", [None]), _iso(row["valueDate"])),
            provider=organisations[row["provider"].value] if row["provider"] else None,
            receiver=organisations[row["receiver"].value] if row["receiver"] else None,
        )
        for row in rows
    )


def _results(graph: ReadGraph, iri: str) -> tuple[Result, ...]:
    """Return the results of programme `iri`: each with its type, title and indicators, each
    indicator with its baselines and its periods' targets and actuals."""
    rows = graph.select("iati-results", programme=iri)
    if not rows:
        return ()
    values: dict[str, list[Row]] = {}
    for row in graph.select("iati-result-values", programme=iri):
        values.setdefault(row["indicator"].value, []).append(row)
    titles = _names(graph, [row[n].value for row in rows for n in ("result", "indicator")])
    indicators: dict[str, list[ResultIndicator]] = {}
    for row in rows:
        indicator = row["indicator"].value
        indicators.setdefault(row["result"].value, []).append(
            ResultIndicator(
                row["measure"].value,
                titles.get(indicator, ()),
                *_values(values.get(indicator, [])),
            )
        )
    types = {row["result"].value: row["type"].value for row in rows}
    return tuple(
        Result(types[result], titles[result], tuple(found))
        for result, found in indicators.items()
        if titles.get(result) and all(i.titles for i in found)
    )


def _values(rows: list[Row]) -> tuple[tuple[Baseline, ...], tuple[ResultPeriod, ...]]:
    """Return an indicator's baselines and its periods (those with a start and an end)."""
    baselines, periods = [], {}
    for row in rows:
        kind, value = row["kind"].value, row["value"].value
        if kind == "baseline" and row["start"] is not None:
            year_only = row["start"].datatype.value == PREFIXES["xsd"] + "gYear"
            baselines.append(Baseline(row["start"].value[:4], value, None if year_only else _iso(row["start"])))
        elif kind in ("target", "actual") and row["start"] is not None and row["end"] is not None:
            span = periods.setdefault((_iso(row["start"]), _iso(row["end"], end=True)), {"target": [], "actual": []})
            span[kind].append(value)
    return tuple(baselines), tuple(
        ResultPeriod(start, end, tuple(found["target"]), tuple(found["actual"]))
        for (start, end), found in periods.items()
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
