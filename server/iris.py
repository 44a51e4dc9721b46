"""Mapping between the graph's IRIs and the URLs this server answers on.

The data IRIs live under the configured base ({base}id/...), the vocabulary under
https://w3id.org/coopkg/def/ and the shapes under .../shapes/. A server running anywhere
(http://127.0.0.1:8000/ on a laptop, the base itself in production) answers for all of
them on the same paths: /id/..., /def/..., /shapes/..., /sources/...
"""

from __future__ import annotations

from .namespaces import CANONICAL_BASE

# URL path prefix -> where its IRIs live ('base' means the configured base). sources/ holds
# the archived documents the graph cites (schema:archivedAt), served as files.
SPACES = {"id/": "base", "def/": CANONICAL_BASE, "shapes/": CANONICAL_BASE, "sources/": CANONICAL_BASE}


def iri_for_path(path: str, base: str) -> str | None:
    """Return the graph IRI a request path (without leading '/') stands for, or None."""
    for prefix, root in SPACES.items():
        if path.startswith(prefix) or path == prefix.rstrip("/"):
            return (base if root == "base" else root) + path
    return None


def path_for_iri(iri: str, base: str) -> str | None:
    """Return the local path (without leading '/') that serves `iri`, or None if it is not ours."""
    for prefix, root in SPACES.items():
        start = (base if root == "base" else root) + prefix
        if iri.startswith(start) or iri == start.rstrip("/"):
            return prefix + iri[len(start) :]
    return None


def local_url(iri: str, base: str, root_url: str) -> str | None:
    """Return the URL of `iri` on the server whose root URL is `root_url` ('http://host/')."""
    path = path_for_iri(iri, base)
    return None if path is None else root_url + path
