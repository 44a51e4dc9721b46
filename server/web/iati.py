"""A programme's IATI representation (`/id/programme/x.iati.xml`, or `Accept: application/xml`
on a programme's IRI): the iati-activities document of that one programme, as `coopkg export
iati` writes it (docs/export-iati.md). The entity pages (web/pages.py) offer it beside the RDF
representations, through the same negotiation; only programmes offer it, and only when the
reporting organisation is configured (settings iati_reporting_org*).
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, current_app

from ..iati_export import NotConfigured, NotExportable, Reporter, is_programme, read_activity
from ..iati_xml import activities_document
from ..representations import IATI_XML, REPRESENTATIONS
from . import site
from .headers import release_validators


def offered(iri: str | None) -> tuple:
    """Return the representations the resource `iri` offers: REPRESENTATIONS, and IATI XML
    last when it is a programme and the export is configured (no query otherwise)."""
    if iri is None or not site.settings().iati_reporting_org or not is_programme(site.graph(), iri):
        return REPRESENTATIONS
    return (*REPRESENTATIONS, IATI_XML)


def iati_answer(iri: str | None, headers: dict) -> Response:
    """Return the IATI document of programme `iri`, or a 404 that says why there is none (not
    a programme, the export not configured, or a required element no source gives)."""
    if iri is None or not is_programme(site.graph(), iri):
        return _not_found(f"{iri or 'this resource'} is not a programme: only programmes have an IATI representation")
    settings, release = site.settings(), current_app.extensions["coopkg"].published.release
    created = datetime.fromisoformat(release.manifest["created"]) if release is not None else None
    try:  # dates are placed (planned or actual) as of the release, so the answer changes with it only
        reporter = Reporter.from_settings(settings) if settings.iati_reporting_org else None
        activity = read_activity(site.graph(), iri, reporter, created.date() if created else None)
    except NotConfigured as error:
        return _not_found(f"this server does not export to IATI: {error}")
    except NotExportable as refusal:
        return _not_found(f"IATI cannot take this programme: {'; '.join(refusal.reasons)}")
    headers.update(release_validators(IATI_XML.media_type, None))
    return Response(activities_document([activity], created), headers=headers, mimetype=IATI_XML.media_type)


def _not_found(reason: str) -> Response:
    return Response(f"Not found: {reason}\n", 404, mimetype="text/plain")
