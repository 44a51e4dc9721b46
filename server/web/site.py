"""What every page needs: the reader's language, links to the graph's IRIs on this server,
content negotiation over the one table of representations, and the words of the interface."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, has_request_context, render_template, request
from werkzeug.exceptions import BadRequest

from ..iris import path_for_iri
from ..labels import LANGUAGES
from ..namespaces import PREFIXES, shorten
from ..representations import HTML, REPRESENTATIONS, Representation, offered_media_types, representation_for
from .words import WORDS

DEFAULT_LANGUAGE = "fr"


def published():
    """Return the Published state of the current app."""
    return current_app.extensions["coopkg"]


def store():
    return published().store


def base() -> str:
    return published().settings.base_iri


def chosen_language() -> tuple[str, bool]:
    """Return the page language and whether the reader chose it with ?lang= (else Accept-Language)."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked, True
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE), False


def page_language() -> str:
    return chosen_language()[0]


def with_lang(path: str) -> str:
    """Return a local path, carrying ?lang= along when the reader chose the language that way."""
    lang, explicit = chosen_language()
    if not explicit:
        return path
    return path + ("&" if "?" in path else "?") + urlencode({"lang": lang})


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


def switch_url(lang: str) -> str:
    """Return the current page's URL in language `lang`."""
    args = request.args.to_dict()
    args["lang"] = lang
    return request.path + "?" + urlencode(args)


def page_number(name: str = "page") -> int:
    """Return the non-negative integer query parameter `name` (0 when absent).

    Raises BadRequest (400) for anything else.
    """
    raw = request.args.get(name, "0")
    if not raw.isdigit() or len(raw) > 6:
        raise BadRequest(f"'{name}' must be a non-negative integer")
    return int(raw)


def negotiated() -> Representation | None:
    """Return the representation the Accept header prefers (HTML when there is none), or None
    when nothing the server offers is acceptable."""
    if not request.headers.get("Accept"):
        return HTML
    return representation_for(request.accept_mimetypes.best_match(offered_media_types()))


def alternates(path: str) -> list[tuple[Representation, str]]:
    """Return (representation, URL) for every representation of the resource at `path`."""
    return [(r, f"{request.script_root}/{path}.{r.suffix}") for r in REPRESENTATIONS]


def link_header(path: str) -> str:
    """Return the HTTP Link header naming each representation of `path` as an alternate."""
    return ", ".join(f'<{url}>; rel="alternate"; type="{r.media_type}"' for r, url in alternates(path))


def render(template: str, status: int = 200, **context):
    """Return a page in the reader's language, with Vary set for caches."""
    lang = page_language()
    body = render_template(template, lang=lang, t=WORDS[lang], **context)
    return body, status, {"Vary": "Accept, Accept-Language", "Content-Language": lang}


def template_helpers() -> dict:
    """Return what every template of the app may use (registered as an app-wide context
    processor): the page language `lang` and its words `t` (so that another blueprint's page
    extending base.html gets the navigation in the reader's language; a value the view passes
    itself wins), and the link helpers."""
    if not has_request_context():
        return {}
    lang = page_language()
    return {
        "lang": lang,
        "t": WORDS[lang],
        "href": href,
        "class_href": class_href,
        "switch_url": switch_url,
        "with_lang": with_lang,
        "shorten": lambda iri: shorten(iri, PREFIXES),
    }
