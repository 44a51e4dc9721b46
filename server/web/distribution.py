"""The distribution: dumps, the DCAT-AP catalogue, VoID, sitemap.xml, robots.txt and the
archived source documents.

Everything here is a file of the current release, written once when it was built (the
catalogue, VoID and sitemap resolved against the public URL when the server opened the
release, see public_files) and served with send_file: Content-Length, ETag (the SHA-256),
Last-Modified, 304 answers to conditional requests, HEAD and Range come from Werkzeug.

A dump or archived source is sent only while it is the file checked when the release was
opened (server/integrity.py): one missing, changed or damaged since is answered 503 with a
message naming it, never with the intact file's ETag. The catalogue, VoID and sitemap are
served from the bytes read (and checked) at open, whatever happens to their files afterwards.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import PurePosixPath

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, send_file, url_for
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from ..catalog import catalog_summary
from ..descriptions import DESCRIPTION_FORMATS
from ..dumps import dump_files
from ..integrity import FileProblem
from ..public_files import PublicFiles
from ..rdf_syntaxes import RdfSyntax
from ..release_folder import Release
from ..representations import HTML
from ..sitemap import part_name
from ..structured_data import catalogue_dataset
from . import site
from .headers import release_validators, share_read_only
from .negotiation import choose_language, choose_representation

blueprint = Blueprint("distribution", __name__)
share_read_only(blueprint)

DUMPS = {dump.name: dump for dump in dump_files()}
BY_SUFFIX = {fmt.suffix: fmt for fmt in DESCRIPTION_FORMATS}
ARCHIVE_TYPES = {  # Werkzeug adds charset=utf-8 to text/*
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".xml": "application/xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


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
    return _public_file(f"catalog.{chosen.suffix}")


@blueprint.get("/.well-known/void")
def void():
    """The VoID description of the dataset, counted from the current release."""
    chosen = _negotiate(html=False)
    if isinstance(chosen, Response):
        return chosen
    return _public_file(f"void.{chosen.suffix}")


@blueprint.get("/sitemap.xml")
def sitemap():
    """Every entity page of the current release, for crawlers (or, past 50,000, a sitemap index)."""
    return _public_file("sitemap.xml")


@blueprint.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int):
    """One of the sitemaps that sitemap.xml names when it is an index (past 50,000 entities)."""
    name = part_name(number)
    if name not in _public().files:
        return _plain(f"no {name}; the sitemap lists the pages: /sitemap.xml\n", 404)
    return _public_file(name)


@blueprint.get("/robots.txt")
def robots():
    """Crawlers may read every page but not run SPARQL queries; the sitemap lists the pages."""
    links = _public().links
    return _plain(f"User-agent: *\nDisallow: /sparql\nAllow: /\n\nSitemap: {links.sitemap}\n", 200)


@blueprint.get("/sources/<name>")
@blueprint.get("/sources/imported/<name>", defaults={"folder": "imported/"})
def archived_source(name: str, folder: str = ""):
    """A document the graph cites, as archived in the current release (schema:archivedAt); an
    imported file's original under imported/, so that its name never meets a hand-written one."""
    name = folder + name
    path = _release().archived(name)
    if path is None:
        return _plain(f"no archived source named {name!r}\n", 404)
    media_type = ARCHIVE_TYPES.get(path.suffix, "application/octet-stream")
    return _release_file(path.relative_to(_release().folder).as_posix(), media_type)


def _catalog_page():
    public = _public()
    lang = choose_language()
    summary = catalog_summary(public.catalog, public.links.dataset, lang)
    structured = catalogue_dataset(summary, public.links.dataset, site.public_url("catalog"), lang)
    page = render_template("catalog.html", summary=summary, formats=DESCRIPTION_FORMATS, structured_data=structured)
    return Response(page, headers=release_validators("text/html", lang))  # Vary: web/headers.py


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
    """Send a file of the current release with its SHA-256 as a strong ETag, or answer 503
    when it is no longer the file checked when the release was opened."""
    release, files = _release(), current_app.extensions["coopkg"].published.files
    try:
        stream, seen = files.open(name)
    except FileProblem as problem:
        return _plain(f"{problem}\n", 503)
    response = send_file(
        stream,
        mimetype=media_type,
        as_attachment=download_name is not None,
        download_name=download_name or PurePosixPath(name).name,
        conditional=False,  # below, once the length is known
        etag=release.manifest["files"][name]["sha256"],
        last_modified=seen.mtime,
        max_age=0,
    )
    response.content_length = seen.bytes
    try:
        return response.make_conditional(request, accept_ranges=True, complete_length=seen.bytes)
    except RequestedRangeNotSatisfiable:
        stream.close()
        raise


def _public_file(name: str) -> Response:
    """Send a catalogue, VoID or sitemap file as resolved for this server, its SHA-256 as ETag."""
    file, release = _public().files[name], _release()
    return send_file(
        io.BytesIO(file.body),
        mimetype=file.media_type,
        conditional=True,
        etag=file.sha256,
        last_modified=datetime.fromisoformat(release.manifest["created"]),
        max_age=0,
    )


def _public() -> PublicFiles:
    """Return the current release's files resolved against the public URL (503 without a release)."""
    _release()
    return current_app.extensions["coopkg"].published.public


def _release() -> Release:
    """Return the release the app serves; answer 503 when it serves none (a bare store)."""
    release = current_app.extensions["coopkg"].published.release
    if release is None:
        abort(_plain("this server publishes no release: run `coopkg release`\n", 503))
    return release


def _plain(text: str, status: int) -> Response:
    return Response(text, status=status, mimetype="text/plain")
