"""The pages in a real browser (Debian's chromium driven by Playwright) against a real server
on a loopback port: no console error, no request to another host, no critical or serious
axe-core violation, readable at 390 px; screenshots and axe results kept in the artifacts
folder ($COOPKG_TEST_ARTIFACTS, by default coopkg-test-artifacts in the temporary folder).
And the walk of issue #4's "Done when", in French and in English."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlsplit

import pytest
import rdflib
from browser_support import ARTIFACTS, inject_axe
from pages_support import BASE, labels, path_of, select

pytestmark = pytest.mark.browser

SCREENSHOTS = ARTIFACTS / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 390}
PAGES = {
    "home": "/",
    "organisation": "/id/organisation/cc-zou",
    "partnership": "/id/partnership/hauts-de-seine-zou",
    "programme": "/id/programme/zou-agricultural-development",
    "convention": "/id/convention/2022-2026",
    "person": "/id/person/georges-siffredi",
    "indicator": "/id/indicator/family-farms-supported",
    "observation": "/id/observation/people-aware-local-consumption",
    "source": "/id/source/press-release-zou-delegation",
    "term": "/def/Convention",
    "ontology": "/def/",
    "shapes": "/shapes",
    "classes": "/classes",
    "class": "/classes/foaf:Person",
    "search": "/search?q=beninoise",
    "not-found": "/id/organisation/nobody",
}


@pytest.fixture(scope="module")
def server_url(server):
    """The root of the session's `coopkg serve` (tests/conftest.py), without its final '/'."""
    return server.url.rstrip("/")


@pytest.fixture(scope="module")
def axe_results():
    found: dict = {}
    yield found
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-results.json").write_text(json.dumps(found, indent=1, sort_keys=True), encoding="utf-8")


class Watched:
    """A page whose console errors and requests to other hosts are recorded."""

    def __init__(self, browser, server_url: str, width: int, lang: str = "fr"):
        self.host = urlsplit(server_url).netloc
        self.context = browser.new_context(
            viewport={"width": width, "height": 900},
            locale=lang,
            extra_http_headers={"Accept-Language": lang},
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", self._request)

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https") and parts.netloc != self.host:
            self.foreign.append(request.url)

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("device", list(WIDTHS))
@pytest.mark.parametrize("kind", list(PAGES))
def test_each_kind_of_page_loads_cleanly_and_accessibly(browser, server_url, axe_results, kind, device):
    watched = Watched(browser, server_url, WIDTHS[device])
    try:
        response = watched.page.goto(server_url + PAGES[kind])
        assert response.status == (404 if kind == "not-found" else 200)
        errors = [e for e in watched.errors if not (kind == "not-found" and "404" in e)]
        assert errors == [], errors
        assert watched.foreign == []
        assert watched.page.locator("h1").count() == 1
        overflow = watched.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{kind} scrolls sideways by {overflow}px at {WIDTHS[device]}px"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        watched.page.screenshot(path=str(SCREENSHOTS / f"{kind}-{device}.png"), full_page=True)
        inject_axe(watched.page)
        violations = watched.page.evaluate(
            "axe.run().then(r => r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length})))"
        )
        axe_results[f"{kind}-{device}"] = violations
        grave = [v for v in violations if v["impact"] in ("critical", "serious")]
        assert grave == [], grave
    finally:
        watched.close()


def test_the_keyboard_reaches_the_content_first(browser, server_url):
    watched = Watched(browser, server_url, WIDTHS["desktop"])
    try:
        watched.page.goto(server_url + "/id/convention/2022-2026")
        watched.page.keyboard.press("Tab")
        focused = watched.page.evaluate("document.activeElement.getAttribute('href')")
        assert focused == "#main"
        outline = watched.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"
    finally:
        watched.close()


def _turtle(url: str) -> rdflib.Graph:
    """Return the graph `url` gives to a client that asks for Turtle (as curl -H 'Accept: text/turtle')."""
    request = urllib.request.Request(url, headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.headers.get_content_type() == "text/turtle"
        return rdflib.Graph().parse(data=answer.read(), format="turtle")


def _click_path(page, path: str) -> None:
    """Follow the first link of the main content that leads to `path` (whatever its ?lang=)."""
    link = page.locator(f'main a[href^="{path}"]').first
    link.click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == path


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_done_when_walk(browser, server_url, store, lang):
    """Home → Communauté de Communes du Zou → 2022–2026 convention → its signatories → each
    indicator and its source, in `lang`; each of those IRIs gives Turtle that parses."""
    zou = BASE + "id/organisation/cc-zou"
    convention = BASE + "id/convention/2022-2026"
    watched = Watched(browser, server_url, WIDTHS["phone"], "fr")
    page, visited = watched.page, []
    try:
        page.goto(server_url + "/")
        if lang == "en":  # the reader switches language on the page itself
            page.locator("a.lang-switch").click()
            page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == lang
        page.get_by_role("link", name=next(iter(labels(store, zou, lang))), exact=True).first.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() in labels(store, zou, lang)
        visited.append(zou)
        _click_path(page, path_of(convention))
        assert page.locator("h1").inner_text() in labels(store, convention, lang)
        visited.append(convention)
        signatories = [r["p"] for r in select(store, f"SELECT ?p WHERE {{ <{convention}> <{BASE}def/signatory> ?p }}")]
        assert signatories
        for person in signatories:
            _click_path(page, path_of(person))
            assert page.locator("h1").inner_text() in labels(store, person, "fr") | labels(store, person, lang)
            visited.append(person)
            page.go_back()
        partnership = select(store, f"SELECT ?p WHERE {{ <{convention}> <{BASE}def/formalises> ?p }}")[0]["p"]
        _click_path(page, path_of(partnership))
        indicators = select(
            store,
            f"SELECT ?i ?s WHERE {{ <{partnership}> <{BASE}def/programme> ?g . "
            f"?i <{BASE}def/indicatorOf> ?g . ?o <{BASE}def/indicator> ?i ; prov:wasDerivedFrom ?s }}",
        )
        assert indicators
        partnership_url = page.url
        for row in indicators:
            _click_path(page, path_of(row["i"]))
            assert page.locator("h1").inner_text() in labels(store, row["i"], lang)
            _click_path(page, path_of(row["s"]))
            assert page.locator("html").get_attribute("lang") == lang
            visited += [row["i"], row["s"]]
            page.goto(partnership_url)
        assert watched.errors == [] and watched.foreign == []
    finally:
        watched.close()
    for iri in dict.fromkeys(visited):
        graph = _turtle(server_url + path_of(iri))
        assert any(graph.predicate_objects(rdflib.URIRef(iri))), iri


@pytest.fixture(scope="module")
def served_by_cli(server):
    """`python -m server serve` (the `coopkg serve` command) in a subprocess on a free port:
    the session's server."""
    return server.url.rstrip("/")


def test_coopkg_serve_answers_browsers_and_rdf_clients(browser, served_by_cli, store):
    zou = BASE + "id/organisation/cc-zou"
    graph = _turtle(served_by_cli + path_of(zou))
    assert {str(label) for label in graph.objects(rdflib.URIRef(zou), rdflib.RDFS.label)} >= labels(store, zou, "fr")
    watched = Watched(browser, served_by_cli, WIDTHS["desktop"])
    try:
        watched.page.goto(served_by_cli + "/")
        watched.page.get_by_role("link", name=next(iter(labels(store, zou, "fr"))), exact=True).first.click()
        watched.page.wait_for_load_state()
        assert urlsplit(watched.page.url).path == path_of(zou)
        assert watched.errors == [] and watched.foreign == []
    finally:
        watched.close()


# --- issue #14: pages that read right, at both widths, with no axe violation of any impact ---

WORDING_PAGES = {
    "convention-en": "/id/convention/2022-2026?lang=en",
    "programme-en": "/id/programme/zou-agricultural-development?lang=en",
    "catalog": "/catalog",
    "catalog-en": "/catalog?lang=en",
    "ontology-en": "/def/?lang=en",
    "shapes-en": "/shapes?lang=en",
    "search-en": "/search?q=farm&lang=en",
    "sparql-en": "/sparql?lang=en",
    "home-en": "/?lang=en",
}


@pytest.mark.parametrize("device", list(WIDTHS))
@pytest.mark.parametrize("kind", list(WORDING_PAGES))
def test_the_reworded_pages_have_no_axe_violation(browser, server_url, axe_results, kind, device):
    watched = Watched(browser, server_url, WIDTHS[device])
    try:
        assert watched.page.goto(server_url + WORDING_PAGES[kind]).status == 200
        assert watched.errors == [] and watched.foreign == []
        overflow = watched.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{kind} scrolls sideways by {overflow}px at {WIDTHS[device]}px"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        watched.page.screenshot(path=str(SCREENSHOTS / f"{kind}-{device}.png"), full_page=True)
        inject_axe(watched.page)
        violations = watched.page.evaluate(
            "axe.run().then(r => r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length})))"
        )
        axe_results[f"{kind}-{device}"] = violations
        assert violations == [], violations
    finally:
        watched.close()


def _boxes(page, selector: str) -> list[dict]:
    return page.evaluate(
        f"[...document.querySelectorAll({json.dumps(selector)})].map(e => {{"
        "const r = e.getBoundingClientRect(); const s = getComputedStyle(e);"
        "const line = parseFloat(s.lineHeight) || 1.5 * parseFloat(s.fontSize);"
        "return {tag: e.tagName, x: r.x, height: r.height, line: line}})"
    )


@pytest.mark.parametrize("device", list(WIDTHS))
def test_a_summary_with_several_values_keeps_its_two_columns(browser, server_url, device):
    """The 2022–2026 convention has four purposes: 'Renews', 'Formalises' and 'Sources' stay in
    the label column, their values in the value column (one column on a phone)."""
    watched = Watched(browser, server_url, WIDTHS[device])
    try:
        watched.page.goto(server_url + "/id/convention/2022-2026?lang=en")
        boxes = _boxes(watched.page, "section.domain dl.summary > dt, section.domain dl.summary > dd")
        assert sum(b["tag"] == "DD" for b in boxes) > sum(b["tag"] == "DT" for b in boxes)  # several values
        labels = {round(b["x"]) for b in boxes if b["tag"] == "DT"}
        values = {round(b["x"]) for b in boxes if b["tag"] == "DD"}
        assert len(labels) == 1 and len(values) == 1, (labels, values)
        if device == "desktop":
            assert values.pop() > labels.pop()
        else:
            assert values == labels
    finally:
        watched.close()


@pytest.mark.parametrize("device", list(WIDTHS))
def test_each_checksum_is_on_one_line_and_no_page_ends_with_a_second_search_box(browser, server_url, device):
    watched = Watched(browser, server_url, WIDTHS[device])
    try:
        watched.page.goto(server_url + "/catalog?lang=en")
        checksums = _boxes(watched.page, "table.distributions code.checksum")
        assert checksums
        assert all(b["height"] < 1.5 * b["line"] for b in checksums), checksums
        for path in ("/catalog", "/id/convention/2022-2026", "/search?q=zou"):
            watched.page.goto(server_url + path)
            assert watched.page.locator("footer form, footer input").count() == 0
            assert watched.page.locator("form[role=search]").count() <= 1
    finally:
        watched.close()


@pytest.mark.parametrize("device", list(WIDTHS))
def test_the_footer_lines_up_with_the_content(browser, server_url, device):
    watched = Watched(browser, server_url, WIDTHS[device])
    try:
        watched.page.goto(server_url + "/id/convention/2022-2026")
        content = watched.page.locator("main h1").bounding_box()
        footer = watched.page.locator("footer p").bounding_box()
        assert abs(footer["x"] - content["x"]) <= 16, (footer, content)
    finally:
        watched.close()
