"""Content negotiation and the page language: one rule each, for every blueprint, on Werkzeug.

Representation: a view offers what it can answer in (rows of a media-type table, each with a
`media_type` and maybe `aliases`, or bare media types), in its own order of preference; the
Accept header picks one with Werkzeug's `best_match`, own media types before aliases. Without
an Accept header (or an empty one) the first offer is sent; when nothing offered is acceptable
the answer is None and the view says 406. The tables are read, never copied:
server/representations.py (pages), server/descriptions.py (catalogue, VoID), both rows of
server/rdf_syntaxes.py; the SPARQL endpoint's results and graph formats (server/sparql/formats.py)
also carry its `format` parameter's names.

Language: `?lang=` when it names a site language, else the best match of Accept-Language, else
French. An unsupported `?lang=xx` is ignored (the page falls back as if it were absent), never
an error; links carry `?lang=` along only when the reader chose the language that way.

Each rule notes the request header it read (`headers_read`), so that every answer's `Vary`
names exactly those (server/web/headers.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar
from urllib.parse import urlencode

from flask import g, request
from werkzeug.datastructures import MIMEAccept

from ..labels import LANGUAGES

DEFAULT_LANGUAGE = "fr"


Offer = TypeVar("Offer")  # a row with `media_type` (and maybe `aliases`), or a media type


def media_types(offer) -> tuple[str, ...]:
    """Return the media types an offer answers to: its own first, then its aliases."""
    if isinstance(offer, str):
        return (offer,)
    return (offer.media_type, *getattr(offer, "aliases", ()))


def best_offer(accept: MIMEAccept, offered: Sequence[Offer]) -> Offer | None:
    """Return the member of `offered` that `accept` prefers: the first one when `accept` is
    empty (no Accept header), None when none is acceptable (or nothing is offered)."""
    if not offered:
        return None
    if not accept:
        return offered[0]
    by_media_type: dict[str, Offer] = {}
    for offer in offered:  # own media types first: `text/*` means text/html, not N-Triples' text/plain
        by_media_type.setdefault(media_types(offer)[0], offer)
    for offer in offered:
        for alias in media_types(offer)[1:]:
            by_media_type.setdefault(alias, offer)
    best = accept.best_match(list(by_media_type))
    return None if best is None else by_media_type[best]


def choose_representation(offered: Sequence[Offer]) -> Offer | None:
    """Return the member of `offered` the request's Accept header prefers (see best_offer)."""
    _read("Accept")
    return best_offer(request.accept_mimetypes, offered)


def chosen_language() -> tuple[str, bool]:
    """Return the page language and whether the reader chose it with a supported `?lang=`."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked, True
    _read("Accept-Language")
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE), False


def choose_language() -> str:
    """Return the page language: `?lang=`, else Accept-Language, else French."""
    return chosen_language()[0]


def other_language(lang: str) -> str:
    """Return the site language a page in `lang` offers to switch to."""
    return next(other for other in LANGUAGES if other != lang)


def with_lang(path: str) -> str:
    """Return a local path, carrying ?lang= along when the reader chose the language that way."""
    lang, explicit = chosen_language()
    if not explicit:
        return path
    return path + ("&" if "?" in path else "?") + urlencode({"lang": lang})


def switch_url(lang: str) -> str:
    """Return the current page's URL in language `lang`."""
    args = request.args.to_dict(flat=False)  # a parameter given several times keeps each value
    args["lang"] = [lang]
    return request.path + "?" + urlencode(args, doseq=True)


def headers_read() -> tuple[str, ...]:
    """Return the request headers the rules above have read to choose this request's answer."""
    return tuple(g.get("negotiated_on", ()))


def _read(header: str) -> None:
    read = g.setdefault("negotiated_on", [])
    if header not in read:
        read.append(header)
