"""Search over the labels, as a page (`/search?q=`) and as JSON (`/search.json?q=`, or
`/search` with `Accept: application/json`). The index is built once, by the app factory."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..search import MAX_QUERY_LENGTH
from . import site
from .headers import release_validators, share_read_only
from .negotiation import choose_language, choose_representation

blueprint = Blueprint("search", __name__)
share_read_only(blueprint)
OFFERED = ("text/html", "application/json")  # anything else gets the page


@blueprint.get("/search")
def search_page():
    if choose_representation(OFFERED) == "application/json":
        return search_json()
    query, lang = _query(), choose_language()
    hits = site.service().search.search(query, lang) if query else []
    return site.render("search.html", query=query, hits=hits)


@blueprint.get("/search.json")
def search_json():
    query, lang = _query(), choose_language()
    hits = site.service().search.search(query, lang)
    results = [
        {
            "iri": h.iri,
            "url": site.href(h.iri),
            "label": h.label(lang),
            "matched": h.matched,
            "matched_lang": h.matched_lang,
            "score": h.score,
        }
        for h in hits
    ]
    response = jsonify(query=query, lang=lang, count=len(results), results=results)
    response.headers.extend(release_validators(response.mimetype, lang))
    return response


def _query() -> str:
    return request.args.get("q", "").strip()[:MAX_QUERY_LENGTH]
