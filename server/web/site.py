"""What every page needs: the app's service (settings, store, search index), links to the
graph's IRIs on this server, the representations' links, and rendering in the reader's
language with the words of the interface (server/words.py's gettext catalogues, through
Flask-Babel) and its numbers, money, dates and sizes (server/locales.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, render_template, request
from flask_babel import Babel, Domain, get_locale
from werkzeug.exceptions import BadRequest

from .. import locales
from ..config import Settings
from ..iris import path_for_iri
from ..money import money_text
from ..namespaces import PREFIXES, shorten
from ..representations import REPRESENTATIONS, Representation
from ..service import Service
from ..words import translations, words
from .headers import release_validators
from .negotiation import choose_language, other_language, switch_url, with_lang

# how the query page's results table notes a number's datatype: written as a number instead
NUMERIC_NOTES = frozenset(
    "^^" + shorten(iri, {"xsd": "http://www.w3.org/2001/XMLSchema#"}) for iri in locales.NUMERIC_TYPES
)


def service() -> Service:
    """Return the state of the current app, built by the app factory."""
    return current_app.extensions["coopkg"]


def settings() -> Settings:
    return service().settings


def store():
    """Return the release's own store (the SPARQL endpoint's graph sizes); pages read graph()."""
    return service().published.store


def graph():
    """Return the graph every page reads, whichever engine holds it."""
    return service().graph


def engine_still_holds_the_release() -> None:
    """On an engine, re-read its record when due (server/engine_graph.py), so that an answer kept
    for the release is not given once the engine no longer holds it: raises ReleaseMismatch
    (a 503 with its reason) or EngineError then. Nothing on the embedded store."""
    graph = service().graph
    if hasattr(graph, "follow"):
        graph.graphs  # noqa: B018 - the property re-reads the record when it is due


def base() -> str:
    return settings().base_iri


def href(iri: str) -> str | None:
    """Return the URL that shows `iri`: its page on this server, the IRI itself when it is not
    ours (an external link), or None for a blank node."""
    if iri.startswith("_:"):
        return None
    path = path_for_iri(iri, base())
    if path is None:
        return iri if iri.startswith(("http://", "https://")) else None
    return with_lang(request.script_root + "/" + path)


def class_href(iri: str) -> str:
    """Return the URL of the listing of a class's instances."""
    return with_lang(request.script_root + "/classes/" + shorten(iri, PREFIXES).strip("<>"))


def page_number(name: str = "page") -> int:
    """Return the non-negative integer query parameter `name` (0 when absent).

    Raises BadRequest (400) for anything else.
    """
    raw = request.args.get(name, "0")
    if not raw.isdigit() or len(raw) > 6:
        raise BadRequest(f"'{name}' must be a non-negative integer")
    return int(raw)


def alternates(path: str, offered=REPRESENTATIONS) -> list[tuple[Representation, str]]:
    """Return (representation, URL) for every representation `offered` of the resource at `path`."""
    return [(r, f"{request.script_root}/{path}.{r.suffix}") for r in offered]


def link_header(path: str, offered=REPRESENTATIONS) -> str:
    """Return the HTTP Link header naming each representation `offered` of `path` as an alternate."""
    return ", ".join(f'<{url}>; rel="alternate"; type="{r.media_type}"' for r, url in alternates(path, offered))


def render(template: str, status: int = 200, **context):
    """Return a page in the reader's language; a page found (200) carries the release's
    validators (ETag, Last-Modified: server.web.headers)."""
    lang = choose_language()
    body = render_template(template, **context)
    validators = release_validators("text/html", lang) if status == 200 else {}
    return body, status, {"Content-Language": lang, **validators}


def public_url(path: str) -> str:
    """Return the absolute URL of `path` (no leading '/') on this server, from the `public_url`
    setting: never from the request's Host header, which any client may set."""
    return settings().public_root + path


class CatalogueDomain(Domain):
    """Flask-Babel's message domain, reading the catalogues server/words.py compiles when first
    read (so no .mo file needs to be built)."""

    def get_translations(self):
        return translations(str(get_locale()))


class CoopkgBabel(Babel):
    @property
    def domain_instance(self):
        return CatalogueDomain()


def install_babel(app: Flask) -> None:
    """Give the app Flask-Babel: the page's locale is the one negotiation chose (`?lang=`,
    Accept-Language, French), its messages are server/words.py's catalogues; templates also
    get Flask-Babel's `_`, `ngettext` and format filters."""
    CoopkgBabel(app, default_locale="fr", locale_selector=choose_language)


def default_language_url() -> str:
    """Return the current page's URL without `?lang=` (its language then follows Accept-Language):
    the page's `hreflang="x-default"` alternate."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.path + ("?" + urlencode(args) if args else "")


def template_helpers() -> dict:
    """Return what every template of the app may use (the app factory registers it as a
    context processor): the page language `lang`, the other one `other_lang`, its words `t`
    (`t.key`, `t.plural(key, n)`), `number`, `size` and `date` in that language, and the link
    helpers. A value the view passes itself wins."""
    if not has_request_context():
        return {}
    lang = choose_language()
    return {
        "lang": lang,
        "other_lang": other_language(lang),
        "t": words(lang),
        "number": lambda value: locales.format_number(value, lang),
        "size": lambda value: locales.format_size(value, lang),
        "date": lambda value: locales.format_date(value, lang),
        "href": href,
        "class_href": class_href,
        "switch_url": switch_url,
        "with_lang": with_lang,
        "shorten": lambda iri: shorten(iri, PREFIXES),
        "absolute": lambda path: public_url(path.lstrip("/")),
        "default_language_url": default_language_url,
        "numeric_notes": NUMERIC_NOTES,
        "money_text": money_text,
    }
