"""What /catalog, /.well-known/void and /sitemap.xml (with its sitemap-N.xml) serve: a release's files, resolved
against the server's public URL.

A release writes its catalogue, VoID and sitemap under links.RELEASE_ROOT, so that the host
and port it is served at are not part of it. A server resolves them once, when it opens the
release, renders the catalogue and VoID in every format it negotiates, and keeps the bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import rdflib

from .descriptions import read_description, render_description
from .links import PublicLinks
from .rdf_syntaxes import BY_SUFFIX
from .release_folder import Release
from .sitemap import PART, SITEMAP, public_sitemap


@dataclass(frozen=True)
class PublicFile:
    """One file as served: its bytes, its media type and their SHA-256 (hex, the ETag)."""

    body: bytes
    media_type: str
    sha256: str = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "sha256", hashlib.sha256(self.body).hexdigest())


@dataclass(frozen=True)
class PublicFiles:
    """The resolved files by name ('catalog.ttl', 'void.jsonld', 'sitemap.xml'...), the public
    root they were resolved against, and the catalogue's graph (for its HTML page)."""

    root: str
    catalog: rdflib.Graph
    files: dict[str, PublicFile]

    @property
    def links(self) -> PublicLinks:
        return PublicLinks(self.root)


def public_files(release: Release, root: str) -> PublicFiles:
    """Return the catalogue, VoID and sitemap of `release` resolved against `root` ('http://host/').

    Raises OSError or SyntaxError when a file of the release is missing or cannot be read.
    """
    catalog = read_description(_path(release, "catalog.ttl"), root)
    void = read_description(_path(release, "void.ttl"), root)
    files = {}
    for stem, graph in (("catalog", catalog), ("void", void)):
        for suffix, body in render_description(graph).items():
            files[f"{stem}.{suffix}"] = PublicFile(body, BY_SUFFIX[suffix].media_type)
    sitemaps = [SITEMAP, *(name for name in release.manifest["files"] if PART.fullmatch(name))]
    for name in sitemaps:  # sitemap.xml, and the files it names when it is an index
        files[name] = PublicFile(public_sitemap(_path(release, name), root), "application/xml")
    return PublicFiles(root, catalog, files)


def _path(release: Release, name: str) -> Path:
    path = release.file(name)
    if path is None:
        raise FileNotFoundError(f"release {release.version} has no {name}")
    return path
