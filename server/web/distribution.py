"""The distribution: dumps, the DCAT-AP catalogue, VoID, sitemap.xml and robots.txt.

Everything here is a file of the current release, written once when it was built and served
with send_file: Content-Length, ETag (the file's SHA-256), Last-Modified, 304 answers to
conditional requests, HEAD and Range come from Werkzeug.
"""

from __future__ import annotations

import rdflib
from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, send_file, url_for

from ..catalog import catalog_summary
from ..descriptions import DESCRIPTION_FORMATS
from ..dumps import dump_files
from ..links import PublicLinks
from ..rdf_syntaxes import RdfSyntax
from ..release import Release
from ..representations import HTML
from .headers import release_validators, share_read_only
from .negotiation import choose_language, choose_representation

blueprint = Blueprint("distribution", __name__)
share_read_only(blueprint)

DUMPS = {dump.name: dump for dump in dump_files()}
BY_SUFFIX = {fmt.suffix: fmt for fmt in DESCRIPTION_FORMATS}


@blueprint.get("/dumps/")
def dumps_index():
    """The downloads are listed, with their sizes and checksums, on the catalogue page."""
    return redirect(url_for(".catalog", **request.args), 303)


@blueprint.get("/dumps/<name>")
def dump(name: str):
    """A dump file of the current release, downloaded under a name carrying its version."""
    release = _release()
    if name not in DUMPS or release.file(f"dumps/{name}") is None:
        return _plain(f"no dump named {name!r}; the catalogue lists them: /catalog\n", 404)
    stem, _, suffix = name.partition(".")
    return _release_file(f"dumps/{name}", DUMPS[name].media_type, f"{stem}-{release.version}.{suffix}")


@blueprint.get("/catalog")
def catalog():
    """The DCAT-AP catalogue: HTML for browsers, Turtle, JSON-LD, RDF/XML or N-Triples."""
    chosen = _negotiate(html=True)
    if isinstance(chosen, Response):
        return chosen
    if chosen is None:
        return _catalog_page()
    response = _release_file(f"catalog.{chosen.suffix}", chosen.media_type)
    response.vary.add("Accept")
    return response


@blueprint.get("/.well-known/void")
def void():
    """The VoID description of the dataset, counted from the current release."""
    chosen = _negotiate(html=False)
    if isinstance(chosen, Response):
        return chosen
    response = _release_file(f"void.{chosen.suffix}", chosen.media_type)
    response.vary.add("Accept")
    return response


@blueprint.get("/sitemap.xml")
def sitemap():
    """Every entity page of the current release, for crawlers."""
    return _release_file("sitemap.xml", "application/xml")


@blueprint.get("/robots.txt")
def robots():
    """Crawlers may read every page but not run SPARQL queries; the sitemap lists the pages."""
    links = PublicLinks(_release().manifest["settings"]["public_url"])
    return _plain(f"User-agent: *\nDisallow: /sparql\nAllow: /\n\nSitemap: {links.sitemap}\n", 200)


def _catalog_page():
    release = _release()
    lang = choose_language()
    graph = rdflib.Graph().parse(release.file("catalog.ttl"), format="turtle")
    links = PublicLinks(release.manifest["settings"]["public_url"])
    summary = catalog_summary(graph, links.dataset, lang)
    page = render_template("catalog.html", summary=summary, formats=DESCRIPTION_FORMATS)
    response = Response(page, headers=release_validators("text/html", lang))
    response.vary.add("Accept")
    response.vary.add("Accept-Language")
    return response


def _negotiate(html: bool) -> RdfSyntax | Response | None:
    """Return the RDF format asked for (?format= or Accept), None for HTML, or a 4xx answer."""
    asked = request.args.get("format")
    if asked is not None:
        if asked == "html" and html:
            return None
        if asked not in BY_SUFFIX:
            names = ", ".join([*BY_SUFFIX, *(["html"] if html else [])])
            return _plain(f"unknown format {asked!r}; use one of: {names}\n", 400)
        return BY_SUFFIX[asked]
    offers = (*DESCRIPTION_FORMATS, *([HTML] if html else []))
    best = choose_representation(offers)
    if best is None:
        offered = ", ".join(offer.media_type for offer in offers)
        return _plain(f"not acceptable; this resource is available as: {offered}\n", 406)
    return None if best is HTML else best


def _release_file(name: str, media_type: str, download_name: str | None = None) -> Response:
    """Send a file of the current release with its SHA-256 as a strong ETag."""
    release = _release()
    entry = release.manifest["files"][name]
    return send_file(
        release.file(name),
        mimetype=media_type,
        as_attachment=download_name is not None,
        download_name=download_name,
        conditional=True,
        etag=entry["sha256"],
        max_age=0,
    )


def _release() -> Release:
    """Return the release the app serves; answer 503 when it serves none (a bare store)."""
    release = current_app.extensions["coopkg"].published.release
    if release is None:
        abort(_plain("this server publishes no release: run `coopkg release`\n", 503))
    return release


def _plain(text: str, status: int) -> Response:
    return Response(text, status=status, mimetype="text/plain")
