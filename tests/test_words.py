"""The words of the interface are gettext catalogues (server/translations/<lang>/LC_MESSAGES/
messages.po), the same message ids in French and in English, with plural forms; templates read
them as `t.key` or `t.plural('key', n)` and hold no inline French/English alternative. Numbers,
money, dates and sizes are written by Babel (server/locales.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from server import locales
from server.config import PROJECT_ROOT
from server.labels import LANGUAGES
from server.words import catalogue_path, words

SERVER = PROJECT_ROOT / "server"
TEMPLATES = sorted((SERVER / "templates").rglob("*.html"))
# '…' if <anything> else '…' (words chosen inline), {% if fr %}, {% set fr = … %}, lang == 'fr'
INLINE_ALTERNATIVE = re.compile(
    r"""(['"])[^'"]*\1\s+if\s[^}%]*?\belse\s+['"]"""
    r"""|{%-?\s*(?:el)?if\s+(?:not\s+)?fr\b|{%-?\s*set\s+fr\b|\bif\s+lang\s*==|\blang\s*==\s*['"](?:fr|en)['"]\s+else"""
)
USED_IN_TEMPLATE = re.compile(r"\bt\.(?!plural\b)(\w+)")
PLURAL_IN_TEMPLATE = re.compile(r"""\bt\.plural\(\s*['"](\w+)['"]""")
# in Python: words(lang).key, words(lang).plural("key", n), interface_words(lang).key
USED_IN_PYTHON = re.compile(r"""words\([^()]*\)\.(?:plural\(\s*["'](\w+)["']|(?!plural\b)(\w+))|\bwords\.(\w+)\b""")


def catalogue(lang: str):
    with catalogue_path(lang).open("rb") as po:
        return read_po(po, locale=lang)


def messages(lang: str) -> dict[str, object]:
    """Return message id -> message (plural ones keyed by their singular id)."""
    return {m.id[0] if m.pluralizable else m.id: m for m in catalogue(lang) if m.id}


def used_words() -> tuple[set[str], set[str], set[str]]:
    """Return the keys templates use as plain words and as plural words, and the names Python
    code reads from a words object (some of them other attributes: `words.strip()`)."""
    plain, plural, in_python = set(), set(), set()
    for template in TEMPLATES:
        source = template.read_text(encoding="utf-8")
        plain |= set(USED_IN_TEMPLATE.findall(source))
        plural |= set(PLURAL_IN_TEMPLATE.findall(source))
    for module in SERVER.rglob("*.py"):
        for found in USED_IN_PYTHON.findall(module.read_text(encoding="utf-8")):
            in_python |= set(found) - {""}
    return plain - {"lang"}, plural, in_python


def test_every_language_has_a_catalogue_with_the_same_messages():
    found = {lang: messages(lang) for lang in LANGUAGES}
    ids = [set(m) for m in found.values()]
    assert all(i == ids[0] for i in ids)
    for lang, catalogued in found.items():
        for key, message in catalogued.items():
            assert not message.fuzzy, f"{lang}: {key} is fuzzy"
            texts = message.string if message.pluralizable else (message.string,)
            assert all(text.strip() for text in texts), f"{lang}: {key} has an empty translation"
            if message.pluralizable:
                assert len(texts) == catalogue(lang).num_plurals, f"{lang}: {key} lacks a plural form"
        plural_keys = {k for k, m in catalogued.items() if m.pluralizable}
        assert plural_keys == {k for k, m in found["fr"].items() if m.pluralizable}


def test_every_word_used_is_in_the_catalogues_and_every_message_is_used():
    plain, plural, in_python = used_words()
    catalogued = messages("fr")
    assert plain - {k for k, m in catalogued.items() if not m.pluralizable} == set()
    assert plural - {k for k, m in catalogued.items() if m.pluralizable} == set()
    assert set(catalogued) - plain - plural - in_python == set()


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(SERVER / "templates")))
def test_no_template_chooses_its_words_inline(template: Path):
    for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
        assert not INLINE_ALTERNATIVE.search(line), f"{template.name}:{number}: {line.strip()}"


@pytest.mark.parametrize(
    "line",
    [
        "{{ 'Erreur' if fr else 'Error' }}",
        "<a>{{ 'Aller au contenu' if lang == 'fr' else 'Skip to content' }}</a>",
        "{{ ('ligne' if fr else 'row') ~ ('' if n == 1 else 's') }}",
        "  {% if fr %}",
        "{% set fr = lang == 'fr' %}",
        "{%- set other = 'en' if lang == 'fr' else 'fr' %}",
    ],
)
def test_the_inline_alternative_pattern_finds_the_old_forms(line):
    assert INLINE_ALTERNATIVE.search(line)


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [
        ("fr", 0, "0 résultat"),
        ("fr", 1, "1 résultat"),
        ("fr", 4, "4 résultats"),
        ("fr", 1200, "1\u202f200 résultats"),
        ("en", 0, "0 results"),
        ("en", 1, "1 result"),
        ("en", 4, "4 results"),
        ("en", 1200, "1,200 results"),
    ],
)
def test_a_count_takes_the_plural_form_of_its_language(lang, count, expected):
    assert words(lang).plural("results_count", count) == expected


@pytest.mark.parametrize(
    ("value", "currency", "lang", "expected"),
    [
        ("2800000", "EUR", "fr", "2,8\u00a0M\u00a0€"),
        ("2800000", "EUR", "en", "€2.8M"),
        ("275010", "EUR", "fr", "275\u202f010\u00a0€"),
        ("275010", "EUR", "en", "€275,010"),
        ("2850000", "EUR", "en", "€2,850,000"),  # no digit lost to a rounded "€2.9M"
        ("1234.5", "USD", "en", "$1,234.50"),
    ],
)
def test_money_is_written_by_babel(value, currency, lang, expected):
    assert locales.format_money(Decimal(value), currency, lang) == expected


@pytest.mark.parametrize(
    ("size", "lang", "expected"),
    [
        (150_000, "fr", "150 ko"),
        (150_000, "en", "150 kB"),
        (1_536_000, "fr", "1,5 Mo"),
        (1_536_000, "en", "1.5 MB"),
        (512, "fr", "512 octets"),
        (512, "en", "512 bytes"),
    ],
)
def test_file_sizes_are_written_by_babel(size, lang, expected):
    assert " ".join(locales.format_size(size, lang).split()) == expected


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [("2026-12-02", "fr", "2 décembre 2026"), ("2026-12-02", "en", "December 2, 2026"), ("2026", "en", "2026")],
)
def test_dates_are_written_by_babel(value, lang, expected):
    assert " ".join(locales.format_date(value, lang).split()) == expected
