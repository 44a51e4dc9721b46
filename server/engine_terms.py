"""Terms as an engine answers them, read into pyoxigraph's: SPARQL JSON bindings (blank-node
labels made valid) and Virtuoso's numbers in place of xsd:duration values, repaired
(docs/engines.md, "What differs")."""

from __future__ import annotations

import re

import pyoxigraph as ox

_BLANK_ID = re.compile(r"[^A-Za-z0-9_]")


def binding_term(value: dict):
    """Return the pyoxigraph term of one binding of SPARQL JSON results."""
    kind, text = value["type"], value["value"]
    if kind == "uri":
        return ox.NamedNode(text)
    if kind == "bnode":
        return ox.BlankNode(_BLANK_ID.sub("_", text))
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return ox.Literal(text, language=value["xml:lang"])
        if "datatype" in value:
            if value["datatype"] == XSD_DURATION:
                text = duration_text(text)
            return ox.Literal(text, datatype=ox.NamedNode(value["datatype"]))
        return ox.Literal(text)
    raise ValueError(f"unknown term type {kind!r}")


XSD_DURATION = "http://www.w3.org/2001/XMLSchema#duration"
_MONTHS = re.compile(r"-?\d+")
_SECONDS = re.compile(r"-?\d+\.\d*")


def duration_text(text: str) -> str:
    """Return an xsd:duration's lexical form as given, or, for what Virtuoso 7.2 answers in
    its place (a number, never a valid duration: months for a year-month duration, "14" for
    P1Y2M; seconds with a decimal point for a day-time one, "864000.0" for P10D), the
    duration's canonical form."""
    if _MONTHS.fullmatch(text):
        sign, months = ("-", -int(text)) if text.startswith("-") else ("", int(text))
        years, months = divmod(months, 12)
        parts = (f"{years}Y" if years else "") + (f"{months}M" if months or not years else "")
        return f"{sign}P{parts}"
    if _SECONDS.fullmatch(text):
        sign, seconds = ("-", -float(text)) if text.startswith("-") else ("", float(text))
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, rest = divmod(rest, 60)
        clock = (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "")
        clock += f"{rest:g}S" if rest or not (days or clock) else ""
        return f"{sign}P{int(days)}D" + (f"T{clock}" if clock else "") if days else f"{sign}PT{clock}"
    return text


def repaired(triple: ox.Triple) -> ox.Triple:
    """Return `triple`, an xsd:duration object as `duration_text` repairs it."""
    obj = triple.object
    if isinstance(obj, ox.Literal) and obj.datatype.value == XSD_DURATION:
        text = duration_text(obj.value)
        if text != obj.value:
            return ox.Triple(triple.subject, triple.predicate, ox.Literal(text, datatype=obj.datatype))
    return triple
