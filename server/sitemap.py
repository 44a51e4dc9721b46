"""sitemap.xml: the page of every entity of the data graph, for crawlers.

Written once per release, streamed from the store, with URLs under links.RELEASE_ROOT that
the server replaces with its public root (public_sitemap). The sitemap protocol
(sitemaps.org) allows 50,000 URLs per file: up to that, sitemap.xml lists them; past it,
sitemap.xml is a sitemap index naming sitemap-1.xml, sitemap-2.xml, ... of at most 50,000
URLs each, entities in IRI order.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

import pyoxigraph as ox

from .graphs import ReadGraph
from .iris import local_url
from .links import RELEASE_ROOT
from .source_graphs import data_graphs

SITEMAP_LIMIT = 50_000
SITEMAP = "sitemap.xml"
PART = re.compile(r"sitemap-([1-9][0-9]*)\.xml")
XMLNS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def part_name(number: int) -> str:
    """The file name of the `number`th sitemap of an index (from 1)."""
    return f"sitemap-{number}.xml"


def entity_iris(graph: ReadGraph, base: str) -> list[str]:
    """Return the IRIs under `{base}id/` that are the subject of a triple in a source graph, sorted."""
    rows = graph.select("sitemap_entities", graph=data_graphs(graph, base), space=ox.Literal(base + "id/"))
    return sorted({row["s"].value for row in rows})  # by code point, as SPARQL orders IRIs


def write_sitemap(
    graph: ReadGraph, base: str, root_url: str, folder: Path, lastmod: str, limit: int = SITEMAP_LIMIT
) -> list[str]:
    """Write the sitemap of the entity pages under `root_url` into `folder`; return the names
    of the files written: ['sitemap.xml'], or the index first and then its sitemaps."""
    iris = entity_iris(graph, base)
    if len(iris) <= limit:
        _write_urls(folder / SITEMAP, iris, base, root_url, lastmod)
        return [SITEMAP]
    parts = [part_name(n + 1) for n in range(-(-len(iris) // limit))]
    for n, name in enumerate(parts):
        _write_urls(folder / name, iris[n * limit : (n + 1) * limit], base, root_url, lastmod)
    with (folder / SITEMAP).open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{XMLNS}">\n')
        for name in parts:
            out.write(f"  <sitemap><loc>{escape(root_url + name)}</loc><lastmod>{lastmod}</lastmod></sitemap>\n")
        out.write("</sitemapindex>\n")
    return [SITEMAP, *parts]


def _write_urls(path: Path, iris: list[str], base: str, root_url: str, lastmod: str) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{XMLNS}">\n')
        for iri in iris:
            url = local_url(iri, base, root_url)
            out.write(f"  <url><loc>{escape(url)}</loc><lastmod>{lastmod}</lastmod></url>\n")
        out.write("</urlset>\n")


def public_sitemap(path: Path, root_url: str) -> bytes:
    """Return the sitemap (or index) written at `path` with `root_url` in place of RELEASE_ROOT
    in every <loc>.

    Raises OSError when the file cannot be read.
    """
    written = f"<loc>{escape(RELEASE_ROOT)}".encode()
    return path.read_bytes().replace(written, f"<loc>{escape(root_url)}".encode())
