"""Numbers, money, dates and file sizes written the way readers of a language write them, by
Babel (CLDR): '2 800 000' and '2,800,000', '2,8 M€' and '€2.8M', '150 ko' and '150 kB',
'2 décembre 2026' and 'December 2, 2026'. Every function takes the language (a site language,
`labels.LANGUAGES`) and knows nothing of requests.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.dates import format_date as babel_date
from babel.numbers import format_compact_currency, format_currency, format_decimal
from babel.units import format_unit

NUMERIC_TYPES = frozenset(
    "http://www.w3.org/2001/XMLSchema#" + name
    for name in [
        "integer",
        "decimal",
        "double",
        "float",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    ]
)
SIZE_UNITS = ((10**9, "digital-gigabyte"), (10**6, "digital-megabyte"), (10**3, "digital-kilobyte"))


def format_number(value: Decimal | int | str | None, lang: str) -> str:
    """Return a number as readers of `lang` write it, every digit kept: '2 800 000' (fr, narrow
    no-break spaces), '2,800,000' (en), '70,5'; '?' for None. A text that is not a finite
    number (a literal's lexical form: 'NaN', 'INF', '12abc') is returned as it is."""
    if value is None:
        return "?"
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            return value
        if not parsed.is_finite():
            return value
        value = parsed
    if isinstance(value, Decimal):
        value = value.normalize() if value == value.to_integral_value() else value
        value = value.quantize(1) if value == value.to_integral_value() else value.normalize()
    return format_decimal(value, locale=lang, decimal_quantization=False)


def format_money(value: Decimal | None, currency: str, lang: str) -> str:
    """Return an amount in `currency` (ISO 4217): in millions or thousands when that loses no
    digit ('2,8 M €', '€2.8M', CLDR's spacing), else in full ('450 000 €', '€1,234.50'); '?' for None."""
    if value is None:
        return "?"
    if abs(value) >= 10**6 and (Decimal(value) / 10**5) == (Decimal(value) / 10**5).to_integral_value():
        return format_compact_currency(value, currency, locale=lang, fraction_digits=1)
    pattern = Locale.parse(lang).currency_formats["standard"].pattern
    if value == Decimal(value).to_integral_value():
        pattern = pattern.replace(".00", "")
    return format_currency(value, currency, format=pattern, locale=lang, currency_digits=False)


def format_size(size: int, lang: str) -> str:
    """Return a file size in decimal units with at most one decimal: '150 ko' (fr), '150 kB'
    (en), '1,5 Mo', '512 octets' / '512 bytes'."""
    for step, unit in SIZE_UNITS:
        if size >= step:
            amount = (Decimal(size) / step).quantize(Decimal("0.1")).normalize()
            amount = amount.quantize(1) if amount == amount.to_integral_value() else amount
            return format_unit(amount, unit, length="short", locale=lang)
    return format_unit(size, "digital-byte", length="long", locale=lang)


def format_date(value: str | datetime.date | None, lang: str) -> str:
    """Return a date as a sentence writes it ('2 décembre 2026', 'December 2, 2026'); a year
    alone, or a text that is not an ISO date, is returned as it is ('' for None)."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value[:10]) if len(value) >= 10 else value
        except ValueError:
            return value
    if isinstance(value, datetime.date):
        return babel_date(value, format="long", locale=lang)
    return str(value)


def plural_category(value: Decimal | int, lang: str) -> str:
    """Return the CLDR plural category of `value` in `lang`: 'one' for 1 in English, for 0, 1
    and 1,5 in French; 'other' (or 'many') otherwise."""
    return Locale.parse(lang).plural_form(value)
