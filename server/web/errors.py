"""The app-wide error pages (registered by the app factory): a helpful page for browsers,
one line of text for other clients."""

from __future__ import annotations

import logging

from flask import Response, request

from ..graphs import EngineError
from ..representations import HTML, REPRESENTATIONS
from . import site
from .negotiation import choose_language, choose_representation


def not_found(error):
    """Answer an unknown URL, anywhere in the app. (A blueprint's own 404 handler still wins
    for its views.)"""
    if choose_representation(REPRESENTATIONS) is not HTML:
        return plain(error, 404)
    return not_found_page(request.path)


def not_found_page(iri: str):
    """Return the 404 page for `iri`, with the entities whose labels come closest to its last
    segment's words."""
    words = " ".join(part for part in iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").split() if part)
    suggestions = site.service().search.suggest(words, choose_language())
    return site.render("not_found.html", 404, iri=iri, suggestions=suggestions, query=words)


def too_large(error):
    """Answer a request body longer than the limit (setting `max_post_length`), which Werkzeug
    refuses before reading it."""
    limit = site.settings().max_post_length
    return Response(
        f"{error.name}: the request body is longer than the limit of {limit} bytes\n", 413, mimetype="text/plain"
    )


log = logging.getLogger(__name__)


def engine_failed(error: EngineError) -> Response:
    """Answer a page the engine could not give: 502 (a bad answer), 503 (unreachable, with
    Retry-After) or 504 (too slow), and one line of text saying so."""
    log.warning("engine: %s", error)
    names = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
    status = error.status if error.status in names else 502
    answer = Response(f"{names[status]}: {error}\n", status, mimetype="text/plain")
    if status == 503:
        answer.headers["Retry-After"] = "5"
    return answer


def plain(error, status: int) -> Response:
    """Return an HTTP error as one line of text: its name and description."""
    return Response(f"{error.name}: {error.description}\n", status, mimetype="text/plain")
