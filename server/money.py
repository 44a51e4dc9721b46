"""Money over time: the budgets, planned disbursements and transactions (commitments,
disbursements, expenditure...) of programmes, by year, in the currency each states.

Amounts are added up only within one currency, one kind (a budget type, a transaction type)
and one year: never across currencies (no exchange rate is invented), never a budget with a
transaction. IATI's original and revised budgets stay apart too, since adding them would count
the same money twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency

from .entities import Resource, resources
from .graphs import ReadGraph
from .locales import format_money, format_number

UNKNOWN_CURRENCY = "?"
_KIND_ORDER = {"budget": 0, "planned-disbursement": 1, "transaction": 2}


@dataclass(frozen=True)
class Column:
    """One kind of money: `kind` is budget, planned-disbursement or transaction, `type` the
    budget or transaction type (an IATI concept) when the data gives one."""

    kind: str
    type: Resource | None

    @property
    def key(self) -> str:
        return self.type.iri if self.type else self.kind


@dataclass(frozen=True)
class MoneyTable:
    """The money of one currency: its columns and, per year, the sum of each column.
    `undated` holds what has no date, per column (never placed in a year)."""

    currency: str  # ISO 4217 code, or UNKNOWN_CURRENCY
    currency_resource: Resource | None
    columns: tuple[Column, ...]
    years: tuple[tuple[int, dict[str, Decimal]], ...]
    undated: dict[str, Decimal]
    flows: int  # how many budgets and transactions the table adds up


def money_by_year(graph: ReadGraph, programmes: Sequence[str]) -> list[MoneyTable]:
    """Return one table per currency of the money of `programmes`, most flows first."""
    if not programmes:
        return []
    rows = graph.select("money_flows", programme=list(programmes))
    types = resources(graph, sorted({r["type"].value for r in rows if r["type"] is not None}))
    type_of = {t.iri: t for t in types}
    currencies = resources(graph, sorted({r["currency"].value for r in rows if r["currency"] is not None}))
    currency_of = {c.iri: c for c in currencies}
    tables: dict[str, dict] = {}
    seen: set[str] = set()
    for row in rows:
        flow = row["flow"].value
        if flow in seen:  # one flow with two dates or two notations: counted once
            continue
        seen.add(flow)
        try:
            amount = Decimal(row["amount"].value)
        except (InvalidOperation, AttributeError):
            continue
        code = row["code"].value if row["code"] is not None else UNKNOWN_CURRENCY
        table = tables.setdefault(code, {"columns": {}, "years": {}, "undated": {}, "flows": 0, "resource": None})
        if row["currency"] is not None:
            table["resource"] = currency_of.get(row["currency"].value)
        column = Column(row["kind"].value, type_of.get(row["type"].value) if row["type"] is not None else None)
        table["columns"][column.key] = column
        year = _year(row["date"].value if row["date"] is not None else None)
        bucket = table["undated"] if year is None else table["years"].setdefault(year, {})
        bucket[column.key] = bucket.get(column.key, Decimal(0)) + amount
        table["flows"] += 1
    found = [
        MoneyTable(
            code,
            table["resource"],
            tuple(sorted(table["columns"].values(), key=lambda c: (_KIND_ORDER.get(c.kind, 9), c.key))),
            tuple(sorted(table["years"].items())),
            table["undated"],
            table["flows"],
        )
        for code, table in tables.items()
    ]
    return sorted(found, key=lambda t: (-t.flows, t.currency))


def money_text(amount: Decimal, currency: str, lang: str, compact: bool = False) -> str:
    """Return an amount as readers of `lang` write it: compact where that loses no digit
    ('2,8 M €', '€2.8M', server/locales.py), in full in tables ('2 800 000,00 €',
    '€2,800,000.00'); the number alone for an unknown currency."""
    if currency == UNKNOWN_CURRENCY:
        return format_number(amount, lang)
    if compact:
        return format_money(amount, currency, lang)
    return format_currency(amount, currency, locale=lang)


def _year(text: str | None) -> int | None:
    if text and len(text) >= 4 and text[:4].isdigit():
        return int(text[:4])
    return None
