"""sitemap.xml: the page of every entity of the data graph, for crawlers.

Written once per release, streamed from the store, with URLs under links.RELEASE_ROOT that
the server replaces with its public root (public_sitemap). The sitemap protocol allows
50,000 URLs per file: past it the sitemap lists the first 50,000 entities (by IRI) and the
build logs a warning; a sitemap index of several files is not written yet (see docs).
"""

from __future__ import annotations

import logging
from pathlib import Path
from xml.sax.saxutils import escape

import pyoxigraph as ox

from .graphs import ReadGraph
from .iris import local_url
from .links import RELEASE_ROOT
from .source_graphs import data_graphs

SITEMAP_LIMIT = 50_000
log = logging.getLogger(__name__)


def entity_iris(graph: ReadGraph, base: str) -> list[str]:
    """Return the IRIs under `{base}id/` that are the subject of a triple in a source graph, sorted."""
    rows = graph.select("sitemap_entities", graph=data_graphs(graph, base), space=ox.Literal(base + "id/"))
    return [row["s"].value for row in rows]


def write_sitemap(
    graph: ReadGraph, base: str, root_url: str, path: Path, lastmod: str, limit: int = SITEMAP_LIMIT
) -> int:
    """Write the sitemap of the entity pages under `root_url` to `path`; return the URL count.

    At most `limit` URLs (the protocol's limit for one file): past it, the first `limit`
    entities by IRI, and a warning saying how many were left out.
    """
    iris = entity_iris(graph, base)
    if len(iris) > limit:
        log.warning(
            "the sitemap lists %d of %d entities (the limit of one sitemap file); a sitemap index is not written yet",
            limit,
            len(iris),
        )
        iris = iris[:limit]
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
        for iri in iris:
            url = local_url(iri, base, root_url)
            out.write(f"  <url><loc>{escape(url)}</loc><lastmod>{lastmod}</lastmod></url>\n")
        out.write("</urlset>\n")
    return len(iris)


def public_sitemap(path: Path, root_url: str) -> bytes:
    """Return the sitemap written at `path` with `root_url` in place of RELEASE_ROOT in every <loc>.

    Raises OSError when the file cannot be read.
    """
    written = f"<loc>{escape(RELEASE_ROOT)}".encode()
    return path.read_bytes().replace(written, f"<loc>{escape(root_url)}".encode())
