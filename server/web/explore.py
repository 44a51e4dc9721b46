"""Exploring the programmes by facets: `/explore` as a page, `/explore.csv` and
`/explore.json` (or `/explore` with `Accept: text/csv` or `application/json`), the same
filters in the query string (`?country=…&year=2017`), so that any view is a URL to share.
The core is server/explore.py; the index is built once per release (server/service.py)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context
from werkzeug.exceptions import BadRequest

from .. import world_map
from ..explore import ALL_FACETS, FACETS, BadFilter, Selection
from ..release_cache import ReleaseCache
from . import site
from .headers import release_validators, share_read_only
from .negotiation import choose_language, choose_representation

blueprint = Blueprint("explore", __name__)
share_read_only(blueprint)
OFFERED = ("text/html", "application/json", "text/csv")  # anything else gets the page
PER_PAGE = 50
KEPT_BYTES = 16 * 1024 * 1024  # explore and map answers kept in memory for the release
CSV_ROWS_AT_ONCE = 500  # rows of /explore.csv written at once
VALUES_SHOWN = 50  # values of one facet the page offers (the chosen ones always; JSON gives all)


@blueprint.get("/explore")
def explore_page():
    chosen = choose_representation(OFFERED)
    if chosen == "application/json":
        return explore_json()
    if chosen == "text/csv":
        return explore_csv()
    return _kept_answer("html", _explore_html)


def _explore_html():
    selection, lang = _selection(), choose_language()
    page = site.page_number()
    start = page * PER_PAGE
    index = site.service().explore_index()
    offered = {}
    for facet, counts in selection.facets.items():
        chosen = [c for c in counts if c.selected]
        offered[facet] = (
            chosen + [c for c in counts if not c.selected][: max(VALUES_SHOWN - len(chosen), 0)],
            len(counts),
        )
    return site.render(
        "explore.html",
        headings=facet_headings(site.template_helpers()["t"]),
        selection=selection,
        offered=offered,
        facets=FACETS,
        shown=selection.items[start : start + PER_PAGE],
        start=start,
        page=page,
        pages=max(1, -(-selection.total // PER_PAGE)),
        index=index,
        url=_url,
        toggle=_toggle_url,
        lang=lang,
    )


@blueprint.get("/explore.json")
def explore_json():
    return _kept_answer("json", _explore_json)


def _explore_json():
    selection, lang = _selection(), choose_language()
    index = site.service().explore_index()
    response = jsonify(
        lang=lang,
        filters={facet: sorted(keys) for facet, keys in selection.filters.items()},
        count=selection.total,
        facets={
            facet: [
                {"value": c.value.key, "label": c.value.label(lang), "count": c.count, "selected": c.selected}
                for c in counts
            ]
            for facet, counts in selection.facets.items()
        },
        items=[
            {
                "iri": item.iri,
                "url": site.href(item.iri),
                "label": item.label(lang),
                **{
                    facet: [
                        {"value": key, "label": index.value(facet, key).label(lang)}
                        for key in index.keys_of(item.iri, facet)
                    ]
                    for facet in ALL_FACETS
                },
            }
            for item in selection.items
        ],
    )
    response.headers.extend(release_validators(response.mimetype, lang))
    return response


@blueprint.get("/explore.csv")
def explore_csv():
    """Every matching row, streamed: each facet's codes (IRIs or values) beside their labels."""
    selection, lang = _selection(counted=()), choose_language()  # rows only: no facet counted
    index = site.service().explore_index()

    def rows() -> Iterator[str]:
        yield index.csv_header()
        for start in range(0, len(selection.items), CSV_ROWS_AT_ONCE):
            yield "".join(index.csv_line(item.iri, lang) for item in selection.items[start : start + CSV_ROWS_AT_ONCE])

    headers = {"Content-Disposition": 'attachment; filename="coopkg-explore.csv"'}
    headers.update(release_validators("text/csv", lang))
    response = Response(stream_with_context(rows()), mimetype="text/csv", headers=headers)
    response.implicit_sequence_conversion = False  # streamed: no Content-Length worked out by reading it all first
    return response


@blueprint.get("/map")
def map_page():
    """The programmes of the current filters by country, as an SVG world map and as a table."""
    return _kept_answer("map", _map_html)


def _map_html():
    selection, lang = _selection(), choose_language()
    index = site.service().explore_index()
    rows = [c for c in selection.facets["country"] if c.count]
    shaded = {}
    for count in rows:
        code = index.country_codes.get(count.value.key)
        if code is not None:
            label = count.value.label(lang)
            shaded[code] = world_map.Shaded(count.count, site.href(count.value.key) or "", label)
    words = site.template_helpers()["t"]
    try:
        drawn = world_map.svg(shaded, words.map_title, words.map_description)
    except world_map.MapDataMissing as error:
        drawn, missing = None, str(error)
    else:
        missing = None
    unmapped = [c for c in rows if index.country_codes.get(c.value.key) not in world_map_codes()]
    return site.render(
        "map.html",
        headings=facet_headings(words),
        selection=selection,
        rows=rows,
        svg=drawn,
        missing=missing,
        unmapped=unmapped,
        index=index,
        url=_url,
        toggle=_toggle_url,
        shades=world_map.SHADES,
    )


def world_map_codes() -> set[str]:
    try:
        return set(world_map.countries())
    except world_map.MapDataMissing:
        return set()


def _kept_answer(kind: str, compute) -> Response:
    """Return the answer `compute()` gives for this URL, kept for the release (server/release_cache.py):
    asked again, the same URL in the same language costs neither the facets nor the rendering.
    The validators (ETag, Last-Modified) are worked out again each time."""
    lang = choose_language()
    key = (site.service().published.version, request.script_root, request.full_path, kind, lang)
    site.engine_still_holds_the_release()
    kept = _kept().get(key)
    if kept is None:
        answer = current_app.make_response(compute())
        if answer.status_code != 200:
            return answer
        kept = ({k: v for k, v in answer.headers.items() if k not in _VALIDATORS}, answer.get_data())
        _kept().keep(key, kept[0], kept[1])
    media_type = kept[0].get("Content-Type", "text/html").split(";")[0]
    return Response(kept[1], headers={**kept[0], **release_validators(media_type, lang)})


_VALIDATORS = ("ETag", "Last-Modified", "Cache-Control", "Content-Length")


def _kept() -> ReleaseCache:
    return current_app.extensions.setdefault("coopkg.kept_explore", ReleaseCache(KEPT_BYTES))


def facet_headings(words) -> dict[str, str]:
    """Return the heading of each facet in the words' language."""
    return {
        "country": words.facet_country,
        "authority": words.facet_authority,
        "partner": words.facet_partner,
        "sector": words.facet_sector,
        "sdg": words.facet_sdg,
        "year": words.facet_year,
        "status": words.facet_status,
        "organisation": words.facet_organisation,
    }


def _selection(counted: tuple[str, ...] = FACETS) -> Selection:
    """Return what the request's filters select, with the counts of the facets `counted`."""
    filters = {facet: request.args.getlist(facet) for facet in ALL_FACETS if request.args.getlist(facet)}
    try:
        return site.service().explore_index().select(filters, choose_language(), counted)
    except BadFilter as error:
        raise BadRequest(str(error)) from None


def _url(path: str = "/explore", **changes) -> str:
    """Return `path` with the current filters (and ?lang=), as changed by `changes`."""
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k in (*ALL_FACETS, "lang")}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    query = urlencode(args, doseq=True)
    return request.script_root + path + ("?" + query if query else "")


def _toggle_url(facet: str, key: str) -> str:
    """Return the page with `key` added to or removed from `facet`'s filter, back on page 0."""
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k in (*ALL_FACETS, "lang")}
    values = args.get(facet, [])
    args[facet] = [v for v in values if v != key] if key in values else [*values, key]
    query = urlencode(args, doseq=True)
    return request.script_root + "/explore" + ("?" + query if query else "")
