"""/map: the programmes by country as an SVG world map drawn on the server, and as a table."""

from __future__ import annotations

import re

import pytest
from pages_support import html

from server import world_map

BENIN = "https://w3id.org/coopkg/id/country/benin"


def test_equal_earth_is_centred_and_symmetric():
    assert world_map.project(0, 0) == (0.0, 0.0)
    east, north = world_map.project(30, 40)
    assert world_map.project(-30, -40) == pytest.approx((-east, -north))
    # equal-area: the poles are lines, the equator's half-length is the projection's 2.7066...
    assert world_map.project(180, 0)[0] == pytest.approx(2.7066297, rel=1e-6)


def test_the_atlas_gives_every_country_a_closed_outline_inside_the_map():
    countries = world_map.countries()
    assert {"BJ", "FR", "AM", "KH", "HT"} <= set(countries)
    for code in ("BJ", "RU", "FJ"):
        path = countries[code].path
        assert path.startswith("M") and path.endswith("Z")
        xs = [float(x) for x in re.findall(r"[ML](-?[\d.]+),", path)]
        # Russia and Fiji cross the antimeridian: drawn on both sides, never as a line across
        assert min(xs) > -world_map.WIDTH and max(xs) < 2 * world_map.WIDTH


def test_shades_grow_with_the_count():
    assert world_map.shade(0, 10) == 0
    assert world_map.shade(1, 1) == world_map.SHADES
    assert [world_map.shade(n, 100) for n in (1, 10, 100)] == [1, 3, world_map.SHADES]


def test_map_page_links_and_shades_the_countries_of_the_programmes(client):
    page = html(client.get("/map?lang=en"))
    svg = page.find("svg", class_="world-map")
    assert svg["role"] == "group" and svg.find("title").get_text() == "Map of the programmes by country"
    links = svg.find_all("a")
    assert [a["href"] for a in links] == ["/id/country/benin?lang=en"]
    path = links[0].find("path")
    assert "shade-5" in path["class"] and path.find("title").get_text() == "Benin : 1"
    assert len(svg.find_all("path", class_="land")) > 150  # every other country drawn plain
    rows = [[cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])] for tr in page.select("tbody tr")]
    assert rows == [["Benin", "1", "See in Explore"]]
    assert "finer than a country" in page.find("figcaption").get_text()


def test_map_follows_the_explore_filters(client):
    none = html(client.get("/map", query_string={"year": "1999"}))
    assert none.find("svg", class_="world-map").find_all("a") == []
    assert none.select("tbody tr") == []
    chips = none.select("ul.chosen-filters a")
    assert [a["href"] for a in chips] == ["/map"]
