"""The headers the app's answers carry beside their bodies, in one place.

- Every answer: `X-Content-Type-Options: nosniff` and a Content-Security-Policy that allows
  scripts, styles and images from this origin only (the templates hold no inline script or
  style), and no framing.
- `Vary`: the headers server.web.negotiation read to choose the answer (Accept when it
  negotiated a representation, Accept-Language when it fell back on it for the language).
- Every public read-only resource (pages, entity documents, dumps, catalogue, VoID, sitemap,
  search) may be read from any origin: CORS for GET and HEAD (the SPARQL endpoint has its own).
- Entity documents and pages are validated against the release they come from: a weak ETag
  from the release version, the media type, the language and the URL, `Last-Modified` the
  release's creation time, and 304 to a conditional request that already holds them.
- Every answer names the release it comes from: `X-Coopkg-Release: <version>` (none when the
  app serves a bare store), so that behind a load balancer each answer says which release, and
  so which replica generation, produced it (docs/deployment.md).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Blueprint, Flask, Response, current_app, g, request
from flask_cors import CORS
from werkzeug.http import http_date

from .negotiation import headers_read

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    )
)
READ_ONLY_CORS = {
    "origins": "*",
    "methods": ["GET", "HEAD", "OPTIONS"],
    "allow_headers": ["Accept", "Accept-Language", "If-None-Match", "If-Modified-Since"],
    "expose_headers": ["ETag", "Link", "Content-Location", "Content-Disposition"],
    "max_age": 86400,
}


def install(app: Flask) -> None:
    """Make every answer of `app` carry the headers above (the app factory calls it)."""
    app.after_request(_answer_headers)


def share_read_only(blueprint: Blueprint) -> None:
    """Let pages on any origin read what `blueprint` serves (GET and HEAD)."""
    CORS(blueprint, **READ_ONLY_CORS)


def release_validators(media_type: str, lang: str | None) -> dict[str, str]:
    """Return the ETag and Last-Modified headers of this request's answer, keyed on the release
    served, `media_type`, `lang` (None when the body does not depend on it) and the URL; empty
    when the app serves a bare store. Marks the answer for a 304 to a conditional request."""
    release = current_app.extensions["coopkg"].published.release
    if release is None or request.method not in ("GET", "HEAD"):
        return {}
    key = "\n".join((release.version, media_type, lang or "", request.full_path))
    created = datetime.fromisoformat(release.manifest["created"])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    g.release_validated = True
    return {
        "ETag": f'W/"{release.version}-{digest}"',
        "Last-Modified": http_date(created),
        "Cache-Control": "no-cache",  # may be stored, but is checked against the release each time
    }


def _answer_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    release = current_app.extensions["coopkg"].published.release
    if release is not None:
        response.headers["X-Coopkg-Release"] = release.version
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    for header in headers_read():
        response.vary.add(header)
    if g.pop("release_validated", False) and response.status_code == 200:
        response.make_conditional(request)
    return response
