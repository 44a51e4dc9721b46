"""IATI 2.03 activity XML: the activities of server/iati_export.py written as an
iati-activities document (ElementTree builds it, so every text and attribute is escaped), and
a document checked against the IATI 2.03 schemas kept in reference/iati/schema-2.03/.

Elements follow the order of the schema's sequence; each narrative carries its language as
xml:lang when the graph gives one (none otherwise: the activity declares no default).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from .iati_activity import Activity, Amount, Organisation, Result, Text, Transaction

IATI_VERSION = "2.03"
SCHEMA = Path(__file__).resolve().parent.parent / "reference" / "iati" / "schema-2.03" / "iati-activities-schema.xsd"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class SchemaProblem:
    """Where a document breaks the IATI schema (an XPath-like path) and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def activities_document(activities: Sequence[Activity], generated: datetime | None = None) -> bytes:
    """Return the iati-activities document (UTF-8, with its XML declaration) of `activities`,
    stamped `generated` (an aware datetime) when given.

    Raises ValueError when there is no activity: IATI requires at least one.
    """
    if not activities:
        raise ValueError("an iati-activities document holds at least one activity")
    root = ET.Element("iati-activities", {"version": IATI_VERSION})
    if generated is not None:
        root.set("generated-datetime", generated.isoformat(timespec="seconds"))
    for activity in activities:
        root.append(activity_element(activity))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def activity_element(activity: Activity) -> ET.Element:
    """Return the iati-activity element of `activity`."""
    element = ET.Element("iati-activity", {"linked-data-uri": activity.iri})
    ET.SubElement(element, "iati-identifier").text = activity.identifier
    reporter = _organisation(element, "reporting-org", activity.reporter)
    if activity.secondary_reporter:
        reporter.set("secondary-reporter", "1")
    _narratives(ET.SubElement(element, "title"), activity.titles)
    for kind, texts in activity.descriptions:
        _narratives(ET.SubElement(element, "description", {"type": kind}), texts)
    for participant in activity.participants:
        _organisation(element, "participating-org", participant.organisation, {"role": participant.role})
    ET.SubElement(element, "activity-status", {"code": activity.status})
    for when in activity.dates:
        _narratives(
            ET.SubElement(element, "activity-date", {"type": when.type, "iso-date": when.iso_date}), when.narratives
        )
    for code in activity.countries:
        ET.SubElement(element, "recipient-country", {"code": code})
    for code in activity.regions:
        ET.SubElement(element, "recipient-region", {"code": code, "vocabulary": "1"})
    for names in activity.locations:
        _narratives(ET.SubElement(ET.SubElement(element, "location"), "name"), names)
    for vocabulary, code in activity.sectors:
        ET.SubElement(element, "sector", {"vocabulary": vocabulary, "code": code})
    for budget in activity.budgets:  # budgets, then planned disbursements, as the schema orders them
        given = (("type", budget.type), ("status", budget.status if budget.element == "budget" else None))
        child = ET.SubElement(element, budget.element, {name: value for name, value in given if value})
        ET.SubElement(child, "period-start", {"iso-date": budget.period_start})
        ET.SubElement(child, "period-end", {"iso-date": budget.period_end})
        _value(child, budget.amount)
    for transaction in activity.transactions:
        _transaction(element, transaction)
    for result in activity.results:
        _result(element, result)
    return element


def _organisation(parent: ET.Element, tag: str, organisation: Organisation, attributes: dict | None = None):
    given = {"ref": organisation.ref, "type": organisation.type, **(attributes or {})}
    element = ET.SubElement(parent, tag, {name: value for name, value in given.items() if value})
    _narratives(element, organisation.names)
    return element


def _narratives(parent: ET.Element, texts: Iterable[Text]) -> ET.Element:
    for text, lang in texts:
        ET.SubElement(parent, "narrative", {XML_LANG: lang} if lang else {}).text = text
    return parent


def _value(parent: ET.Element, amount: Amount) -> None:
    attributes = {"currency": amount.currency} if amount.currency else {}
    ET.SubElement(parent, "value", {**attributes, "value-date": amount.value_date}).text = amount.value


def _transaction(parent: ET.Element, transaction: Transaction) -> None:
    element = ET.SubElement(parent, "transaction")
    ET.SubElement(element, "transaction-type", {"code": transaction.type})
    ET.SubElement(element, "transaction-date", {"iso-date": transaction.date})
    _value(element, transaction.amount)
    for tag, organisation in (("provider-org", transaction.provider), ("receiver-org", transaction.receiver)):
        if organisation is not None:
            _organisation(element, tag, organisation)


def _result(parent: ET.Element, result: Result) -> None:
    element = ET.SubElement(parent, "result", {"type": result.type})
    _narratives(ET.SubElement(element, "title"), result.titles)
    for indicator in result.indicators:
        child = ET.SubElement(element, "indicator", {"measure": indicator.measure})
        _narratives(ET.SubElement(child, "title"), indicator.titles)
        for baseline in indicator.baselines:
            given = {"year": baseline.year, "iso-date": baseline.iso_date, "value": baseline.value}
            ET.SubElement(child, "baseline", {name: value for name, value in given.items() if value is not None})
        for period in indicator.periods:
            span = ET.SubElement(child, "period")
            ET.SubElement(span, "period-start", {"iso-date": period.start})
            ET.SubElement(span, "period-end", {"iso-date": period.end})
            for tag, values in (("target", period.targets), ("actual", period.actuals)):
                for value in values:
                    ET.SubElement(span, tag, {"value": value})


@cache
def schema():
    """Return the IATI 2.03 activities schema (read once; it may read local files, never the network)."""
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMA), allow="local")


def check(document: bytes | Path) -> list[SchemaProblem]:
    """Return where `document` (its bytes, or a file) breaks the IATI 2.03 activities schema:
    empty when it is valid. A document that is not well-formed XML is one problem at '/'.

    Raises OSError when the file cannot be read.
    """
    data = document.read_bytes() if isinstance(document, Path) else document
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        return [SchemaProblem("/", f"not well-formed XML: {error}")]
    return [SchemaProblem(error.path or "/", _reason(error)) for error in schema().iter_errors(root)]


def _reason(error) -> str:
    return " ".join((error.reason or error.message or "").split())
