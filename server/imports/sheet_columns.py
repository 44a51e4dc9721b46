"""The sheets of the cooperation team's spreadsheet as mappings/sheet-columns.toml describes
them, the spellings a concept cell may take (read from the project's ontology and data), and
how a cell's date, year or number is read."""

from __future__ import annotations

import datetime as dt
import decimal
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..config import PROJECT_ROOT
from .kind import Project

COLUMNS = PROJECT_ROOT / "mappings" / "sheet-columns.toml"
IDENTIFIER = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
YEARS = range(1900, 2101)

CONCEPT_CLASSES = {
    "unit": "https://w3id.org/coopkg/def/Unit",
    "qualifier": "https://w3id.org/coopkg/def/ValueQualifier",
    "aggregation": "https://w3id.org/coopkg/def/Aggregation",
}
ORGANIZATION = "http://www.w3.org/ns/org#Organization"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
LABELS = ("http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2000/01/rdf-schema#label")
NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
COUNTRY = "https://schema.org/Country"
DATA_IRI = "https://w3id.org/coopkg/id/"

EXPECTED = {
    "id": (
        "un identifiant en minuscules, chiffres et tirets (ex. ville-a)",
        "an identifier of lower-case letters, digits and hyphens (e.g. town-a)",
    ),
    "date": ("une date (2024-03-15 ou 15/03/2024)", "a date (2024-03-15 or 15/03/2024)"),
    "year": ("une année de 1900 à 2100", "a year from 1900 to 2100"),
    "year-or-date": ("une année (2024) ou une date (2024-03-15)", "a year (2024) or a date (2024-03-15)"),
    "number": ("un nombre (1200, 1 200 ou 1200,5)", "a number (1200, 1 200 or 1200.5)"),
    "url": ("une adresse http(s)://…", "an http(s)://… address"),
    "required": ("une valeur (cellule obligatoire)", "a value (this cell is required)"),
}


@dataclass(frozen=True)
class Column:
    key: str
    headers: tuple[str, str]
    type: str
    required: bool
    default: str | None


@dataclass(frozen=True)
class Sheet:
    name: str
    names: tuple[str, str]
    columns: tuple[Column, ...]
    iris: tuple[str, ...]
    unique: tuple[str, ...]
    stated_as_default: str | None

    @property
    def iri(self) -> str | None:
        """The entity a row of this sheet names by its id (the first of `iris`)."""
        return self.iris[0] if self.iris else None

    def out_columns(self) -> list[str]:
        """The columns of the table written for the mapping."""
        out = []
        for column in self.columns:
            if column.type == "year-or-date":
                out += [column.key + "_year", column.key + "_date"]
            elif column.type == "number":
                out += [column.key + "_integer", column.key + "_decimal"]
            else:
                out.append(column.key)
        return [*out, "import_source"]


def sheets(path: Path = COLUMNS) -> dict[str, Sheet]:
    """Return the sheets mappings/sheet-columns.toml describes, by key."""
    spec = tomllib.loads(path.read_text(encoding="utf-8"))
    found = {}
    for key, sheet in spec["sheets"].items():
        columns = tuple(
            Column(c["key"], (c["fr"], c["en"]), c["type"], c.get("required", False), c.get("default"))
            for c in sheet["columns"]
        )
        found[key] = Sheet(
            key,
            (sheet["fr"], sheet["en"]),
            columns,
            tuple([sheet["iri"]] if isinstance(sheet.get("iri"), str) else sheet.get("iri", [])),
            tuple(sheet.get("unique", ())),
            sheet.get("stated_as_default"),
        )
    return found


class Vocabulary:
    """The spellings a concept cell may take (the concept's name, notation or label in fr or en,
    lower-cased) for each concept type, the countries by ISO code, and the data IRIs the project
    already holds, all read from the project's ontology and data."""

    def __init__(self, project: Project):
        triples = list(project.knowledge.triples("ontology", "data"))
        typed: dict[str, set[str]] = {}
        spellings: dict[str, set[str]] = {}
        subclasses: dict[str, set[str]] = {}
        for t in triples:
            s, p, o = t.subject, t.predicate.value, t.object
            if not hasattr(s, "value"):
                continue
            if p == RDF_TYPE:
                typed.setdefault(o.value, set()).add(s.value)
            elif p in (*LABELS, NOTATION):
                spellings.setdefault(s.value, set()).add(o.value.strip().lower())
            elif p == SUBCLASS and hasattr(o, "value"):
                subclasses.setdefault(o.value, set()).add(s.value)
        self.concepts: dict[str, dict[str, str]] = {}
        for kind, cls in CONCEPT_CLASSES.items():
            self.concepts[kind] = self._spelled(typed.get(cls, set()), spellings)
        organisations = {ORGANIZATION} | _below(ORGANIZATION, subclasses)
        self.concepts["organisation-type"] = self._spelled(organisations, spellings)
        coded = sorted(
            (t.object.value.upper(), t.subject.value.startswith(DATA_IRI), t.subject.value)
            for t in triples
            if t.predicate.value == NOTATION and t.subject.value in typed.get(COUNTRY, set())
        )
        # a country the data describes itself (country:benin) wins over a codelist's code (IATI's BJ)
        self.countries = {code: iri for code, _, iri in coded}
        self.entities = {s for members in typed.values() for s in members if s.startswith(DATA_IRI)}

    @staticmethod
    def _spelled(iris: set[str], spellings: dict[str, set[str]]) -> dict[str, str]:
        table = {}
        for iri in sorted(iris):
            name = iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            for spelling in {name.lower(), *_hyphenated(name), *spellings.get(iri, ())}:
                table.setdefault(spelling, iri)
        return table

    def choices(self, kind: str) -> str:
        """Return the names a cell of concept type `kind` may hold, for a message."""
        if kind == "country":
            return ", ".join(sorted(code for code, iri in self.countries.items() if iri.startswith(DATA_IRI)))
        return ", ".join(
            sorted({iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] for iri in self.concepts[kind].values()})
        )


def _hyphenated(name: str) -> set[str]:
    """'LocalAuthority' -> {'local-authority'}: a class name as a spreadsheet would write it."""
    return {re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()}


def _below(cls: str, subclasses: dict[str, set[str]]) -> set[str]:
    found, todo = set(), [cls]
    while todo:
        for sub in subclasses.get(todo.pop(), ()):
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


class Blank(dict):
    """A row's cells for str.format_map: a missing cell is empty."""

    def __missing__(self, key: str) -> str:
        return ""


def column_letter(index: int) -> str:
    """0 -> 'A', 26 -> 'AA': a column as the spreadsheet names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_date(cell, text: str) -> str | None:
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    match = FRENCH_DATE.match(text)
    if match:
        day, month, year = match.groups()
        text = f"{year}-{int(month):02d}-{int(day):02d}"
    try:
        return dt.date.fromisoformat(text).isoformat() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def read_year(cell, text: str) -> str | None:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    value = cell if isinstance(cell, int) and not isinstance(cell, bool) else None
    if value is None and re.fullmatch(r"\d{4}", text):
        value = int(text)
    return str(value) if value in YEARS else None


def read_number(cell, text: str) -> str | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        return canonical_number(repr(cell))
    compact = re.sub(r"[\s\u00a0\u202f]", "", text)
    if "," in compact and "." in compact:
        thousands = "," if compact.rfind(".") > compact.rfind(",") else "."
        compact = compact.replace(thousands, "").replace(",", ".")
    else:
        compact = compact.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", compact):
        return None
    return canonical_number(compact)


def canonical_number(number: str) -> str:
    """'52500.50' -> '52500.5', '12.0' -> '12': one spelling whatever the spreadsheet wrote."""
    value = decimal.Decimal(number)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")
