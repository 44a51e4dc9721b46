"""Entity and index pages: `/`, `/id/...`, `/def/...`, `/shapes`, `/classes`.

Every IRI of the graph answers on its own path: HTML for browsers and RDF for programs by
content negotiation (200 with `Vary: Accept` and an ETag keyed on the release), and each
representation has its own URL (`/id/organisation/cc-zou.ttl`, `.jsonld`, `.nt`, `.rdf`,
`.html`). See docs/iris.md.

An entity's answer found (200) is kept for the release (server/release_cache.py), by URL,
representation and language, so that asking again costs neither queries nor rendering; the
validators and `Vary` of each answer are worked out again on every request.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request

from .. import charts, overview, structured_data
from ..domain import domain_view
from ..entities import Resource, is_iri, read_entity, resource
from ..iris import iri_for_path
from ..money import money_by_year
from ..namespaces import PREFIXES
from ..profile import profile_of
from ..release_cache import ReleaseCache
from ..representations import HTML, IATI_XML, REPRESENTATIONS, description, serialize, split_suffix
from . import errors, iati, site
from .headers import release_validators, share_read_only
from .negotiation import choose_language, choose_representation, chosen_language

blueprint = Blueprint("pages", __name__)
share_read_only(blueprint)
KEPT_PAGES_BYTES = 32 * 1024 * 1024  # entity answers kept in memory for the release


@blueprint.get("/")
def home():
    figures = overview.key_figures(site.graph(), site.base())
    return site.render("home.html", figures=figures, entry_points=_entry_points())


@blueprint.get("/id/<path:rest>")
def data_entity(rest: str):
    return entity_response("id/" + rest)


@blueprint.get("/def/")
@blueprint.get("/def/<path:rest>")
def vocabulary_term(rest: str = ""):
    return entity_response("def/" + rest)


@blueprint.get("/shapes/<path:rest>")
def shape(rest: str):
    return entity_response("shapes/" + rest)


@blueprint.get("/shapes")
def shapes():
    return site.render("shapes.html", shapes=overview.shape_rules(site.graph(), site.base()))


@blueprint.get("/classes")
def classes():
    return site.render("classes.html", classes=overview.class_counts(site.graph(), site.base()))


@blueprint.get("/classes/<name>")
def class_instances(name: str):
    prefix, _, local = name.partition(":")
    if prefix not in PREFIXES or not local:
        abort(404)
    cls = PREFIXES[prefix] + local
    if not is_iri(cls):
        abort(404)
    page = site.page_number()
    total, found = overview.instances(site.graph(), site.base(), cls, offset=page * 50)
    if not total:
        abort(404)
    entity = read_entity(site.graph(), cls)
    return site.render("class.html", cls=cls, entity=entity, total=total, instances=found, page=page)


def entity_response(path: str):
    """Return the page or the RDF description of the IRI that `path` stands for.

    A suffix (.ttl, .html…) picks the representation; otherwise the Accept header does.
    Unknown IRI: 404 (a helpful page for browsers); nothing acceptable: 406.
    """
    stem, representation = split_suffix(path)
    negotiated = representation is None
    iri = iri_for_path(stem, site.base())
    offered = iati.offered(iri)
    representation = representation or choose_representation(offered)
    if representation is None:
        return _not_acceptable(offered)
    lang = chosen_language() if representation is HTML else None
    key = (site.service().published.version, request.script_root, request.full_path, representation.suffix, lang)
    site.engine_still_holds_the_release()
    kept = _kept_pages().get(key)
    if kept is None:
        answer = _entity_answer(stem, iri, offered, representation, negotiated)
        if answer.status_code != 200:
            return answer
        kept = ({k: v for k, v in answer.headers.items() if k not in _VALIDATORS}, answer.get_data())
        _kept_pages().keep(key, kept[0], kept[1])
    validators = release_validators(representation.media_type, lang[0] if lang else None)
    return Response(kept[1], headers={**kept[0], **validators})


_VALIDATORS = ("ETag", "Last-Modified", "Cache-Control", "Content-Length")  # worked out again each time


def _kept_pages() -> ReleaseCache:
    return current_app.extensions.setdefault("coopkg.kept_pages", ReleaseCache(KEPT_PAGES_BYTES))


def _entity_answer(stem: str, iri: str | None, offered, representation, negotiated: bool) -> Response:
    """Return the answer for the entity at `stem` (IRI `iri`) in `representation`, computed."""
    headers = {"Link": site.link_header(stem, offered)}
    if negotiated:
        headers["Content-Location"] = f"{request.script_root}/{stem}.{representation.suffix}"
    if representation is IATI_XML:
        return iati.iati_answer(iri, headers)
    entity = read_entity(site.graph(), iri, _incoming_page(), base=site.base()) if iri else None
    if entity is None:
        return current_app.make_response(_not_found(iri or request.path, representation))
    if representation is not HTML:
        body = serialize(description(site.graph(), iri), representation)
        return Response(body, headers=headers, mimetype=representation.media_type)
    body, status, page_headers = site.render("entity.html", entity=entity, **_page_parts(entity, stem, offered))
    return current_app.make_response((body, status, {**page_headers, **headers}))


def _page_parts(entity, stem: str, offered) -> dict:
    """Return what the entity page shows beside the generic facts: a domain view, its charts,
    the term's usage for vocabulary terms, the representations `offered`, what search engines read
    (the page's description, schema.org JSON-LD)."""
    graph, base, lang = site.graph(), site.base(), choose_language()
    view = domain_view(graph, entity)
    parts: dict = {
        "view": view,
        "alternates": site.alternates(stem, offered),
        "charts": {},
        "description": structured_data.page_description(entity, lang),
        "structured_data": structured_data.schema_org(entity, view, lang, site.public_url(stem)),
    }
    if view is not None and getattr(view, "indicators", ()):
        parts["charts"]["indicators"] = charts.indicator_chart(view.indicators, lang)
    if view is not None and view.kind == "cooperation" and entity.has_type(PREFIXES["coop"] + "Programme"):
        _add_money(parts, money_by_year(graph, [entity.iri]), lang)
    if view is not None and view.kind == "cooperation":
        parts["charts"]["timeline"] = charts.timeline_chart(view.conventions, lang, (entity.label(lang), view.period))
    kind = "country" if entity.has_type(PREFIXES["schema"] + "Country") else None
    if view is not None and view.kind == "organisation":
        kind = "organisation"
    if kind is not None:
        _add_profile(parts, entity.iri, kind, lang)
    if stem.startswith("def/"):
        if stem == "def/":  # the ontology itself: no definition nor usage of its own, its terms
            parts["term"], parts["terms"] = None, overview.ontology_terms(graph, base)
        else:
            parts["term"] = overview.term(graph, base, entity.iri)
    return parts


def _add_profile(parts: dict, iri: str, kind: str, lang: str) -> None:
    """Add the profile of a country or an organisation (server/profile.py) and its charts."""
    found = profile_of(site.graph(), site.service().explore_index(), iri, kind, lang)
    if found is None:
        return
    parts["profile"] = found
    parts["charts"]["profile_timeline"] = charts.timeline_chart(found.conventions, lang, None, "profile-timeline")
    _add_money(parts, found.money, lang)


def _add_money(parts: dict, tables, lang: str) -> None:
    """Add money tables' column labels and charts (the template _money.html shows them)."""
    words = site.template_helpers()["t"]
    kinds = {
        "budget": words.money_budget,
        "planned-disbursement": words.money_planned_disbursement,
        "transaction": words.money_transaction,
    }
    labels = {
        column.key: column.type.label(lang) if column.type else kinds[column.kind]
        for table in tables
        for column in table.columns
    }
    parts["money"] = tables
    parts["money_labels"] = labels
    parts["charts"]["money"] = [charts.money_chart(table, labels, lang, f"money-{i}") for i, table in enumerate(tables)]


def _incoming_page() -> dict[str, int]:
    prop = request.args.get("in")
    return {prop: site.page_number()} if prop else {}


def _not_found(iri: str, representation):
    if representation is not HTML:
        return Response(f"Not found: no entity has the IRI {iri}\n", 404, mimetype="text/plain")
    return errors.not_found_page(iri)


def _not_acceptable(offered=REPRESENTATIONS):
    types = ", ".join(r.media_type for r in offered)
    return Response(f"Not acceptable: this resource is available as {types}\n", 406, mimetype="text/plain")


def _entry_points() -> list[tuple[Resource, tuple[Resource, ...]]]:
    """Return, for the home page, the instances of the main domain classes."""
    graph, base = site.graph(), site.base()
    found = []
    for cls in ("Partnership", "Programme", "Convention", "LocalAuthority"):
        total, instances = overview.instances(graph, base, PREFIXES["coop"] + cls, limit=10)
        if total:
            found.append((resource(graph, PREFIXES["coop"] + cls), instances))
    return found


@blueprint.errorhandler(400)
def bad_request(error):
    """Answer a bad parameter of these pages with its reason."""
    if choose_representation(REPRESENTATIONS) is not HTML:
        return errors.plain(error, 400)
    return site.render("error.html", 400, error=error)
