"""The words of the interface live in one table (server/words.py), the same keys in French
and in English; templates read them as `t.key` and hold no inline French/English alternative."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.config import PROJECT_ROOT
from server.labels import LANGUAGES
from server.words import WORDS

SERVER = PROJECT_ROOT / "server"
TEMPLATES = sorted((SERVER / "templates").rglob("*.html"))
# '…' if <anything> else '…' (words chosen inline), {% if fr %}, {% set fr = … %}, lang == 'fr'
INLINE_ALTERNATIVE = re.compile(
    r"""(['"])[^'"]*\1\s+if\s[^}%]*?\belse\s+['"]"""
    r"""|{%-?\s*(?:el)?if\s+(?:not\s+)?fr\b|{%-?\s*set\s+fr\b|\bif\s+lang\s*==|\blang\s*==\s*['"](?:fr|en)['"]\s+else"""
)
USED_IN_TEMPLATE = re.compile(r"\bt\.(\w+)")


def test_every_language_has_the_same_words():
    assert set(WORDS) == set(LANGUAGES)
    keys = [set(words) for words in WORDS.values()]
    assert all(k == keys[0] for k in keys)
    assert all(text.strip() for words in WORDS.values() for text in words.values())


def test_every_word_a_template_uses_is_in_the_table():
    for template in TEMPLATES:
        missing = set(USED_IN_TEMPLATE.findall(template.read_text(encoding="utf-8"))) - set(WORDS["fr"])
        assert not missing, f"{template.relative_to(SERVER)} uses words that server/words.py lacks: {missing}"


def test_every_word_of_the_table_is_used():
    used = set()
    for template in TEMPLATES:
        used |= set(USED_IN_TEMPLATE.findall(template.read_text(encoding="utf-8")))
    for module in SERVER.rglob("*.py"):
        if module.name != "words.py":
            used |= set(re.findall(r"""["'](\w+)["']""", module.read_text(encoding="utf-8")))
    assert set(WORDS["fr"]) - used == set()


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
