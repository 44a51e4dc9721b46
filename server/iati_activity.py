"""What an IATI 2.03 activity holds, as coopkg writes it (server/iati_export.py reads these
from the graph, server/iati_xml.py writes them as XML): plain data, one dataclass per IATI
element, with the IATI codes as strings and every text as (text, language).
"""

from __future__ import annotations

from dataclasses import dataclass

Text = tuple[str, str | None]  # a narrative: its text and its language (None: not stated)


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
    status: str | None = None  # IATI BudgetStatus code (budgets only)
    element: str = "budget"  # or "planned-disbursement"


@dataclass(frozen=True)
class Transaction:
    type: str  # IATI TransactionType code
    date: str
    amount: Amount
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
    regions: tuple[str, ...] = ()  # IATI Region codes (vocabulary 1, OECD DAC)
    locations: tuple[tuple[Text, ...], ...] = ()  # the names of each location
    sectors: tuple[tuple[str, str], ...] = ()  # (IATI SectorVocabulary code, code)
    budgets: tuple[Budget, ...] = ()
    transactions: tuple[Transaction, ...] = ()
    results: tuple[Result, ...] = ()
