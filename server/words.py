"""The words of the interface, in French and in English: every string a page, a chart, an error
page or a command's report shows that does not come from the data (the data brings its own
labels).

They are gettext catalogues, `server/translations/<lang>/LC_MESSAGES/messages.po`, one per
language of `labels.LANGUAGES`, with the same message ids (keys such as `site_title`) in both.
A message with a number has plural forms (`msgid_plural`, chosen by the catalogue's
Plural-Forms rule) and may hold `{count}`, the number written the reader's way. Other
placeholders are `{name}`, for `str.format`. The catalogues are compiled when first read, so a
fresh checkout needs no build step. This module is the core's side (no Flask): the web side
(server/web/site.py) hands the same catalogues to Flask-Babel.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from .labels import LANGUAGES
from .locales import format_number

CATALOGUES = Path(__file__).parent / "translations"
DOMAIN = "messages"


def catalogue_path(lang: str) -> Path:
    return CATALOGUES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> Translations:
    """Return the compiled catalogue of `lang` (a site language).

    Raises KeyError for another language, ValueError for a catalogue that cannot be read.
    """
    if lang not in LANGUAGES:
        raise KeyError(lang)
    with catalogue_path(lang).open("rb") as po:
        catalogue = read_po(po, locale=lang, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


class Words:
    """The interface's words in one language: `words.key` (templates: `t.key`) is the message
    `key`; `words.plural(key, n)` its form for `n` things, with `{count}` filled in."""

    def __init__(self, lang: str):
        self.lang = lang
        self._translations = translations(lang)

    def __getattr__(self, key: str) -> str:
        if key.startswith("_"):
            raise AttributeError(key)
        return self._translations.gettext(key)

    def __getitem__(self, key: str) -> str:
        return self._translations.gettext(key)

    def plural(self, key: str, count: int, **values) -> str:
        """Return message `key` in its form for `count` (an integer), `{count}` written the
        reader's way and the other `{name}` placeholders filled from `values`."""
        text = self._translations.ngettext(key, key + "_plural", int(count))
        return text.format(count=format_number(count, self.lang), **values)


@lru_cache(maxsize=len(LANGUAGES))
def words(lang: str) -> Words:
    """Return the words of `lang` (a site language). Raises KeyError for another language."""
    return Words(lang)
