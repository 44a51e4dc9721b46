"""Search over the labels, as a page (`/search?q=`) and as JSON (`/search.json?q=`, or
`/search` with `Accept: application/json`). The index is built once, when the app starts."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from ..search import MAX_QUERY_LENGTH, SearchIndex
from . import site

blueprint = Blueprint("search", __name__)
EXTENSION = "coopkg.search"


@blueprint.record_once
def build_index(state) -> None:
    published = state.app.extensions["coopkg"]
    state.app.extensions[EXTENSION] = SearchIndex.build(published.store, published.settings.base_iri)


@blueprint.get("/search")
def search_page():
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return search_json()
    query, lang = _query(), site.page_language()
    hits = current_app.extensions[EXTENSION].search(query, lang) if query else []
    return site.render("search.html", query=query, hits=hits)


@blueprint.get("/search.json")
def search_json():
    query, lang = _query(), site.page_language()
    hits = current_app.extensions[EXTENSION].search(query, lang)
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
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


def _query() -> str:
    return request.args.get("q", "").strip()[:MAX_QUERY_LENGTH]
