"""A world map drawn on the server as SVG: Natural Earth's countries at 1:110 million, from the
npm package world-atlas (TopoJSON, ISC licence; `make assets` copies it beside the app), in the
Equal Earth projection (Šavrič, Patterson and Jenny, 2018), each country shaded by a count and
linked to a page.

No tiles, no script, nothing fetched: the map is a document like any other page, and its
figures are also given as a table (the page's text alternative).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

VENDOR = Path(__file__).parent / "static" / "vendor"
ATLAS = VENDOR / "world-atlas" / "countries-110m.json"
CODES = VENDOR / "i18n-iso-countries" / "codes.json"  # ISO 3166-1 alpha-2, alpha-3, numeric
WIDTH = 960
SHADES = 5  # classes of the legend, the lightest first
# Equal Earth's polynomial coefficients
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


class MapDataMissing(RuntimeError):
    """The shapes of the countries are not installed (run `make assets`)."""


@dataclass(frozen=True)
class Country:
    """One country of the atlas: its ISO 3166-1 alpha-2 code, its name in the atlas and its
    outline as an SVG path in the map's coordinates."""

    code: str
    name: str
    path: str


@dataclass(frozen=True)
class Shaded:
    """What the map shows of one country: its count, its link, its name in the reader's language."""

    count: int
    href: str
    label: str


def project(lon: float, lat: float) -> tuple[float, float]:
    """Return the Equal Earth coordinates of a point (degrees in; y grows northwards)."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


_X_MAX = project(180, 0)[0]
_Y_MAX = project(0, 90)[1]
SCALE = WIDTH / (2 * _X_MAX)
HEIGHT = round(2 * _Y_MAX * SCALE)


@cache
def countries(atlas: Path = ATLAS, codes: Path = CODES) -> dict[str, Country]:
    """Return the atlas's countries by ISO alpha-2 code (read once).

    Raises MapDataMissing when the atlas or the code table is not installed.
    """
    try:
        topology = json.loads(atlas.read_text(encoding="utf-8"))
        table = json.loads(codes.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise MapDataMissing(f"the map's shapes are not installed ({error}); run `make assets`") from None
    alpha2_of = {numeric: alpha2 for alpha2, _alpha3, numeric, *_ in table}
    arcs = _decoded_arcs(topology)
    found = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = alpha2_of.get(str(geometry.get("id", "")))
        if code is None or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue  # a disputed territory without an ISO code (Kosovo, Somaliland...) stays unshaded
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        path = "".join(_ring(ring, arcs) for polygon in polygons for ring in polygon)
        found[code] = Country(code, geometry.get("properties", {}).get("name", code), path)
    return found


def shade(count: int, highest: int) -> int:
    """Return the class (1 to SHADES) of `count` on a logarithmic scale up to `highest`."""
    if count <= 0 or highest <= 0:
        return 0
    if highest == 1:
        return SHADES
    return 1 + min(SHADES - 1, int((SHADES - 1) * math.log(count) / math.log(highest) + 1e-9))


def svg(shaded: Mapping[str, Shaded], title: str, description: str) -> str:
    """Return the SVG map of the atlas with the countries of `shaded` (by ISO alpha-2 code)
    shaded by count and linked; the others drawn plain."""
    atlas = countries()
    highest = max((s.count for s in shaded.values()), default=0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="world-map" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="group" aria-labelledby="map-title" aria-describedby="map-desc">',
        f'<title id="map-title">{escape(title)}</title><desc id="map-desc">{escape(description)}</desc>',
        f'<clipPath id="map-earth"><path d="{outline()}"/></clipPath>',
        f'<path class="sea" d="{outline()}"/><g clip-path="url(#map-earth)">',
    ]
    for code, country in sorted(atlas.items()):
        found = shaded.get(code)
        if found is None:
            parts.append(f'<path class="land" d="{country.path}"/>')
            continue
        name = f"{found.label} : {found.count}"
        shading = f"land shade-{shade(found.count, highest)}"
        parts.append(
            f"<a href={quoteattr(found.href)} aria-label={quoteattr(name)}><path class={quoteattr(shading)} "
            f'd="{country.path}"><title>{escape(name)}</title></path></a>'
        )
    parts.append("</g></svg>")
    return "".join(parts)


def _decoded_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Return every arc of a quantised TopoJSON topology as (longitude, latitude) points."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, max(-90.0, min(90.0, y * sy + ty))))
        decoded.append(points)
    return decoded


def _ring(ring: list[int], arcs: list[list[tuple[float, float]]]) -> str:
    """Return one closed ring as SVG path data (an arc index ~i is arc i reversed).

    A ring that crosses the antimeridian (Russia, Fiji) is made continuous, then drawn on
    both sides of the map; the map's outline clips what falls beyond it."""
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    if len(points) < 3:
        return ""
    unwrapped, shift = [points[0]], 0.0
    for (lon0, _), (lon, lat) in itertools.pairwise(points):
        if lon - lon0 > 180:
            shift -= 360
        elif lon0 - lon > 180:
            shift += 360
        unwrapped.append((lon + shift, lat))
    lons = [lon for lon, _ in unwrapped]
    copies = [0.0]
    if max(lons) > 180:
        copies.append(-360.0)
    if min(lons) < -180:
        copies.append(360.0)
    return "".join(_path([(lon + offset, lat) for lon, lat in unwrapped]) for offset in copies)


def _path(points: list[tuple[float, float]]) -> str:
    xy = [_xy(lon, lat) for lon, lat in points]
    head, *rest = xy
    return f"M{head[0]:.1f},{head[1]:.1f}" + "".join(f"L{x:.1f},{y:.1f}" for x, y in rest) + "Z"


def _xy(lon: float, lat: float) -> tuple[float, float]:
    x, y = project(lon, lat)
    return (x + _X_MAX) * SCALE, (_Y_MAX - y) * SCALE


def outline() -> str:
    """Return the SVG path of the whole Earth's outline in the projection (the sea)."""
    east = [(180.0, lat) for lat in range(-90, 91, 5)]
    west = [(-180.0, lat) for lat in range(90, -91, -5)]
    return _path(east + west)
