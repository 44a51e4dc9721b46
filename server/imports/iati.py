"""IATI activity XML (2.01 to 2.03) in: a check, a preparation, then mappings/iati.rml.ttl.

One kind of the import framework (server/imports/batch.py): `prepare` is its step before the
mapping. The check reads the file once, streamed, and reports what a person can fix (not XML,
not an activity file, a version we do not map, a date, number or code that is not one) with
its line and XPath, as a Problem (row: the line, column: the XPath). The preparation applies
mappings/iati/activity.xsl to one activity at a time (what an element inherits from its
ancestors is written on it, since morph-kgc's XML references only read downwards) and writes
the result in parts (PARTS). The framework then runs the mapping over the parts with
morph-kgc, traces every entity to the file and lands the batch (docs/imports-iati.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from copy import deepcopy
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from lxml import etree

from .. import query_files
from .kind import Prepared, Problem, Project
from .mapping import declared_sources

PROJECT = Path(__file__).resolve().parent.parent.parent
MAPPING = PROJECT / "mappings" / "iati.rml.ttl"
PREPARATION = PROJECT / "mappings" / "iati" / "activity.xsl"
CODES = PROJECT / "ontology" / "iati-codes.ttl"
VERSIONS = ("2.01", "2.02", "2.03")
ROOT, ACTIVITY = "iati-activities", "iati-activity"
# the property of a programme whose objects published the file (its source's dct:publisher)
REPORTING_ORGANISATION = "https://w3id.org/coopkg/def/reportingOrganisation"

# prefixes of the IATI codes in ontology/iati-codes.ttl (scripts/iati_codelists.py writes it)
CODE_PREFIXES = {
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "schema": "https://schema.org/",
    "coop": "https://w3id.org/coopkg/def/",
    "iati": "https://w3id.org/coopkg/def/iati/",
    "sdg": "http://metadata.un.org/sdg/",
    **{
        prefix: f"https://w3id.org/coopkg/def/iati/{segment}/"
        for prefix, segment in {
            "iatidate": "activity-date-type",
            "iatistatus": "activity-status",
            "iatibudgetstatus": "budget-status",
            "iatibudgettype": "budget-type",
            "iatirole": "organisation-role",
            "iatiorgtype": "organisation-type",
            "iatitransaction": "transaction-type",
            "iaticountry": "country",
            "iaticur": "currency",
            "iatimeasure": "indicator-measure",
            "iatiregion": "region",
            "iatiresult": "result-type",
            "dac": "sector",
            "dac3": "sector-category",
        }.items()
    },
}

# --- what the check reads ------------------------------------------------------------------

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
YEAR = re.compile(r"\d{4}")
DATE_ATTRIBUTES = {
    "activity-date": "iso-date",
    "period-start": "iso-date",
    "period-end": "iso-date",
    "transaction-date": "iso-date",
    "value": "value-date",
    "baseline": "iso-date",
}
# (element, attribute) -> the codelist its code must be in; sector and recipient-region
# codes are checked for the vocabularies the mapping reads (SECTOR_VOCABULARIES, region 1)
CODED = {
    ("participating-org", "role"): "OrganisationRole",
    ("reporting-org", "type"): "OrganisationType",
    ("participating-org", "type"): "OrganisationType",
    ("provider-org", "type"): "OrganisationType",
    ("receiver-org", "type"): "OrganisationType",
    ("activity-status", "code"): "ActivityStatus",
    ("activity-date", "type"): "ActivityDateType",
    ("budget", "type"): "BudgetType",
    ("planned-disbursement", "type"): "BudgetType",
    ("budget", "status"): "BudgetStatus",
    ("transaction-type", "code"): "TransactionType",
    ("value", "currency"): "Currency",
    ("iati-activity", "default-currency"): "Currency",
    ("recipient-country", "code"): "Country",
    ("indicator", "measure"): "IndicatorMeasure",
    ("result", "type"): "ResultType",
}
# where the mapping reads an element that IATI also uses elsewhere (a code elsewhere is not checked)
MAPPED_WITHIN = {
    "value": ("budget", "planned-disbursement", "transaction"),
    "provider-org": ("planned-disbursement", "transaction"),
    "receiver-org": ("planned-disbursement", "transaction"),
    "recipient-country": (ACTIVITY,),
}
SECTOR_VOCABULARIES = {"1": "Sector", "2": "SectorCategory", "7": "UNSDG-Goals", "8": "UNSDG-Targets"}
NAMES = {
    "OrganisationRole": ("un rôle d'organisation IATI", "an IATI organisation role"),
    "OrganisationType": ("un type d'organisation IATI", "an IATI organisation type"),
    "ActivityStatus": ("un état d'activité IATI", "an IATI activity status"),
    "ActivityDateType": ("un type de date d'activité IATI (1 à 4)", "an IATI activity date type (1 to 4)"),
    "BudgetType": ("un type de budget IATI", "an IATI budget type"),
    "BudgetStatus": ("un statut de budget IATI", "an IATI budget status"),
    "TransactionType": ("un type de transaction IATI", "an IATI transaction type"),
    "Currency": ("un code de monnaie ISO 4217", "an ISO 4217 currency code"),
    "Country": ("un code de pays ISO 3166-1", "an ISO 3166-1 country code"),
    "Region": ("une région CAD de l'OCDE", "an OECD DAC region"),
    "Sector": ("un secteur CAD de l'OCDE à cinq chiffres", "an OECD DAC five-digit sector"),
    "SectorCategory": ("une catégorie CAD à trois chiffres", "an OECD DAC three-digit category"),
    "UNSDG-Goals": ("un objectif de développement durable (1 à 17)", "a UN SDG goal (1 to 17)"),
    "UNSDG-Targets": ("une cible des objectifs de développement durable", "a UN SDG target"),
    "IndicatorMeasure": ("une mesure d'indicateur IATI", "an IATI indicator measure"),
    "ResultType": ("un type de résultat IATI", "an IATI result type"),
}


@lru_cache(maxsize=1)
def codelists() -> dict[str, frozenset[str]]:
    """Return each IATI codelist's codes (scheme name -> notations), from ontology/iati-codes.ttl."""
    store = ox.Store()
    store.bulk_load(path=str(CODES), format=ox.RdfFormat.TURTLE)
    codes: dict[str, set[str]] = {}
    for row in query_files.select(store, "iati_codelist_codes"):
        codes.setdefault(row["scheme"].value.rsplit("/", 1)[-1], set()).add(row["code"].value)
    return {scheme: frozenset(values) for scheme, values in codes.items()}


def check(path: Path) -> list[Problem]:
    """Return the problems of the IATI activity file at `path` (empty: it can be mapped)."""
    problems: list[Problem] = []
    for _ in _activities(path, problems.append):
        pass
    return problems


def _activities(path: Path, report: Callable[[Problem], None]) -> Iterator[etree._Element]:
    """Yield each iati-activity of `path`, streamed, once `report` was given its problems.

    Stops at the first problem that makes the rest unreadable (not XML, wrong root, version).
    """
    name = path.name
    try:
        with path.open("rb") as stream:
            yield from _parsed_activities(name, stream, report)
    except OSError as error:
        report(Problem(name, None, None, ("un fichier lisible", "a readable file"), error.strerror or str(error)))


def _parsed_activities(name: str, stream, report: Callable[[Problem], None]) -> Iterator[etree._Element]:
    try:
        events = etree.iterparse(stream, events=("start", "end"), remove_comments=True, huge_tree=True)
        root = None
        for event, element in events:
            if root is None:
                root = element
                problem = _root_problem(name, element)
                if problem is not None:
                    report(problem)
                    return
                continue
            if event == "end" and element.tag == ACTIVITY and element.getparent() is root:
                for problem in _activity_problems(name, element):
                    report(problem)
                yield element
                element.clear(keep_tail=False)
        if root is None:
            report(Problem(name, None, None, ("un fichier XML", "an XML file"), "an empty file"))
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else error.lineno
        report(Problem(name, line, None, ("du XML bien formé", "well-formed XML"), error.msg or str(error)))


def _root_problem(name: str, root: etree._Element) -> Problem | None:
    if root.tag != ROOT:
        where = f"/{root.tag}" if isinstance(root.tag, str) else None
        expected = ("un fichier d'activités IATI (<iati-activities>)", "an IATI activity file (<iati-activities>)")
        return Problem(name, root.sourceline, where, expected, f"<{root.tag}>")
    version = (root.get("version") or "").strip()
    if version not in VERSIONS:
        expected = (f"une version IATI {', '.join(VERSIONS)}", f"IATI version {', '.join(VERSIONS)}")
        return Problem(name, root.sourceline, f"/{ROOT}/@version", expected, version)
    return None


def _activity_problems(name: str, activity: etree._Element) -> Iterator[Problem]:
    tree = activity.getroottree()
    # a result value is a number since 2.03; before, any text, which the mapping leaves out
    strict = tree.getroot().get("version", "").strip() >= "2.03"
    identifier = activity.findtext("iati-identifier")
    if identifier is None or not identifier.strip():
        xpath = tree.getpath(activity) + "/iati-identifier"
        yield Problem(name, activity.sourceline, xpath, ("un iati-identifier", "an iati-identifier"), "")
    for element in activity.iter(tag=etree.Element):
        for attribute, expected, found in _element_problems(element, strict):
            xpath = tree.getpath(element) + (f"/@{attribute}" if attribute else "")
            yield Problem(name, element.sourceline, xpath, expected, found)


def _element_problems(element: etree._Element, strict: bool) -> Iterator[tuple[str | None, tuple[str, str], str]]:
    """Yield (attribute or None for the text, expected, found) for what is wrong in `element`."""
    number = ("un nombre (1234.56)", "a number (1234.56)")
    tag = element.tag
    date_attribute = DATE_ATTRIBUTES.get(tag)
    if (
        date_attribute is not None
        and element.get(date_attribute) is not None
        and not _is_date(element.get(date_attribute))
    ):
        yield date_attribute, ("une date AAAA-MM-JJ", "a date YYYY-MM-DD"), element.get(date_attribute)
    if tag == "value" and not _is_decimal(element.text):
        yield None, number, (element.text or "").strip()
    value = (element.get("value") or "").strip()
    if tag in ("baseline", "target", "actual") and value and strict and not _is_decimal(value):
        yield "value", number, element.get("value")
    if tag == "baseline" and element.get("year") is not None and not YEAR.fullmatch(element.get("year")):
        yield "year", ("une année AAAA", "a year YYYY"), element.get("year")
    codes = codelists()
    for attribute, scheme in _coded_attributes(element):
        code = element.get(attribute)
        if code is not None and code.strip() not in codes.get(scheme, ()):
            yield attribute, NAMES[scheme], code


def _coded_attributes(element: etree._Element) -> Iterator[tuple[str, str]]:
    parent = element.getparent().tag
    if element.tag in MAPPED_WITHIN and parent not in MAPPED_WITHIN[element.tag]:
        return
    for (tag, attribute), scheme in CODED.items():
        if element.tag == tag:
            yield attribute, scheme
    if element.tag == "sector" and parent == ACTIVITY:
        scheme = SECTOR_VOCABULARIES.get(element.get("vocabulary", "1").strip())
        if scheme is not None:
            yield "code", scheme
    if element.tag == "recipient-region" and parent == ACTIVITY and element.get("vocabulary", "1").strip() == "1":
        yield "code", "Region"


def _is_date(text: str) -> bool:
    from datetime import date

    text = text.strip()
    if not DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_decimal(text: str | None) -> bool:
    text = (text or "").strip()
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        return False
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


# --- preparing and mapping -----------------------------------------------------------------


# The prepared file is written in parts, each read by the logical sources that name it
# (rml:source "money.xml"): morph-kgc reads a source once per term it makes, so each term
# reads the part its elements are in. The organisations part also holds the provider-org and
# receiver-org of each transaction and planned disbursement, inside a copy of their parent.
PARTS = {
    "activity.xml": (
        "iati-identifier",
        "title",
        "description",
        "activity-status",
        "activity-date",
        "recipient-country",
        "recipient-region",
        "sector",
        "location",
    ),
    "organisations.xml": ("reporting-org", "participating-org"),
    "money.xml": ("budget", "planned-disbursement", "transaction"),
    "results.xml": ("result",),
}
PAYERS = ("provider-org", "receiver-org")


def prepare(path: Path, project: Project, folder: Path, tick: Callable[..., None] | None = None) -> Prepared:
    """Check `path` and write it into `folder` as mappings/iati/activity.xsl makes it, one
    activity at a time, in the parts of PARTS; return the parts the mapping reads and the
    problems (when there are any, the parts are not to be mapped). `tick(n, "activities")`
    says how many activities were read. `project` is not read: the codes are the codelists'."""
    problems: list[Problem] = []
    transform = etree.XSLT(etree.parse(str(PREPARATION)))
    count = 0
    folder.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        parts = {name: stack.enter_context(etree.xmlfile(str(folder / name), encoding="utf-8")) for name in PARTS}
        for part in parts.values():
            part.write_declaration()
            stack.enter_context(part.element(ROOT))
        for activity in _activities(path, problems.append):
            count += 1
            if tick is not None and count % 100 == 0:
                tick(count, "activities")
            if problems:
                continue
            wrapper = etree.Element(ROOT)
            wrapper.append(_copy(activity))
            prepared = transform(wrapper.getroottree()).getroot()[0]
            for name, tags in PARTS.items():
                parts[name].write(_part(prepared, tags, payers=name == "organisations.xml"))
    if tick is not None:
        tick(count, "activities")
    return Prepared(part_sources(folder), problems)


def _part(activity: etree._Element, tags: tuple[str, ...], payers: bool) -> etree._Element:
    """Return a copy of the prepared `activity` with only its children named in `tags` (and,
    when `payers`, the provider and receiver organisations of its flows of money)."""
    part = etree.Element(activity.tag, activity.attrib)
    for child in activity:
        if child.tag in tags:
            part.append(deepcopy(child))
        elif payers and child.tag in PARTS["money.xml"]:
            named = [deepcopy(org) for org in child if org.tag in PAYERS]
            if named:
                flow = etree.SubElement(part, child.tag, child.attrib)
                flow.extend(named)
    return part


def _copy(activity: etree._Element) -> etree._Element:
    """Return a detached copy of `activity` (iterparse's element stays in its document)."""
    return etree.fromstring(etree.tostring(activity))


def part_sources(folder: Path) -> dict[str, Path]:
    """Return the sources of mappings/iati.rml.ttl (key -> the part `prepare` wrote in `folder`)."""
    return {key: folder / part for key, part in declared_sources(MAPPING).items()}
