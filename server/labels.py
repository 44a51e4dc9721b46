"""Choosing a label in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable

LANGUAGES = ("fr", "en")


def pick_label(labels: Iterable[tuple[str, str | None]], lang: str) -> str | None:
    """Return the label in `lang`, else in the other site language, else any, else None.

    `labels` holds (text, language tag or None) pairs.
    """
    by_lang: dict[str | None, str] = {}
    for text, tag in labels:
        by_lang.setdefault((tag or "").lower() or None, text)
    for choice in (lang, *LANGUAGES, None):
        if choice in by_lang:
            return by_lang[choice]
    return next(iter(by_lang.values()), None)


def local_name(iri: str) -> str:
    """Return the last segment of an IRI, the fallback when nothing labels it."""
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
