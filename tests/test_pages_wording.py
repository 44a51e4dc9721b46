"""The pages read right (issue #14's list of defects), read as a person reads them: parsed HTML,
its visible text and its head. Counts agree with their number ("465 family farms", "1 result"),
numbers, money and sizes are written the reader's way, the English query page answers in
English, rules are stated as rules, every page has a description and absolute hreflang
alternates, and the pages search engines index carry schema.org JSON-LD. The layout half of
the list (columns, one line per checksum) is in tests/test_browser.py."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from pages_support import BASE, html, path_of, select, text

from server.cli import main
from server.config import PROJECT_ROOT
from server.locales import format_number, plural_category
from server.queries import competency_queries
from server.sparql.query_forms import malformed_query_message
from server.words import words

COOP = BASE + "def/"
PROGRAMME = BASE + "id/programme/zou-agricultural-development"
PLURAL = "<https://w3id.org/coopkg/def/pluralLabel>"
PAGES = [
    "/",
    "/id/organisation/cc-zou",
    "/id/programme/zou-agricultural-development",
    "/id/convention/2022-2026",
    "/def/",
    "/def/Convention",
    "/shapes",
    "/classes",
    "/classes/foaf:Person",
    "/search?q=zou",
    "/catalog",
    "/sparql",
]
QUESTIONS = competency_queries(PROJECT_ROOT / "queries")
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def unit_labels(store, unit: str, lang: str) -> tuple[str, str]:
    """Return a unit's (singular, plural) labels in `lang`."""
    rows = select(
        store,
        f"""SELECT ?one ?many WHERE {{ <{unit}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?one ;
        {PLURAL} ?many FILTER(lang(?one) = "{lang}" && lang(?many) = "{lang}") }}""",
    )
    return rows[0]["one"], rows[0]["many"]


# --- counts with their plural -------------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_each_indicator_value_names_its_unit_in_the_plural_when_the_number_wants_it(client, store, lang):
    page = html(client.get(f"{path_of(PROGRAMME)}?lang={lang}"))
    rows = select(
        store,
        f"""SELECT ?obs ?v ?unit WHERE {{ ?i <{COOP}indicatorOf> <{PROGRAMME}> . ?obs <{COOP}indicator> ?i ;
        <http://purl.org/linked-data/sdmx/2009/measure#obsValue> ?v ;
        <http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure> ?unit . ?unit {PLURAL} ?p
        FILTER NOT EXISTS {{ ?unit <http://www.w3.org/2004/02/skos/core#notation> "EUR" }} }}""",
    )
    assert rows
    cells = {urlsplit(a["href"]).path: text(a) for a in page.select("table.indicators td a[href^='/id/observation/']")}
    for row in rows:
        one, many = unit_labels(store, row["unit"], lang)
        if row["unit"].endswith("/calendar-year"):
            continue  # a year is written as a year: tested below
        shown = cells[path_of(row["obs"])]
        wanted = one if plural_category(Decimal(row["v"]), lang) == "one" else many
        assert shown.endswith(" ".join(f"{format_number(Decimal(row['v']), lang)} {wanted}".split())), shown


@pytest.mark.parametrize(
    ("lang", "written"),
    [
        ("en", ["465 family farms", "more than 450 farms", "more than 6,000 people", "€2.8M", "€275,010"]),
        ("fr", ["465 exploitations familiales", "plus de 450 exploitations agricoles", "plus de 6 000 personnes"]),
    ],
)
def test_the_programmes_figures_read_as_sentences(client, lang, written):
    page = html(client.get(f"{path_of(PROGRAMME)}?lang={lang}"))
    shown = {text(a) for a in page.select("table.indicators td a[href^='/id/observation/']")}
    for figure in written:
        assert any(s.startswith(figure) for s in shown), (figure, shown)
    years = [s for s in shown if re.fullmatch(r"20\d\d", s)]
    assert years, "a calendar year is written as a year (2017), not as '2 017 calendar years'"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", ["2 conventions de coopération", "6 personnes", "5 organisations", "1 programme de coopération"]),
        ("en", ["2 cooperation conventions", "6 people", "5 organisations", "1 cooperation programme"]),
    ],
)
def test_the_home_pages_key_figures_agree_with_their_number(client, lang, expected):
    figures = [text(li) for li in html(client.get(f"/?lang={lang}")).select("ul.figures li")]
    for figure in expected:
        assert figure in figures, figures
    assert all(not re.search(r"\(s\)", f) for f in figures)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_terms_usage_agrees_with_each_count(client, store, lang):
    said = words(lang)
    for term in ("Convention", "party", "formalises", "unnamedInSource"):
        items = [text(li) for li in html(client.get(f"/def/{term}?lang={lang}")).select("ul.usage li")]
        for item, key in zip(items, ("usage_instances", "usage_triples", "usage_values"), strict=True):
            count = int(item.split(" ")[0].replace(",", ""))
            assert item == " ".join(said.plural(key, count).split()), item


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("query", ["zou", "bohicon"])
def test_the_search_count_agrees_with_the_results(client, lang, query):
    page = html(client.get(f"/search?q={query}&lang={lang}"))
    found = len(page.select("ol.results > li"))
    assert text(page.select_one("h2 .count")) == f"({words(lang).plural('results_count', found)})"
    assert "(s)" not in text(page.select_one("h2"))


def test_the_validation_report_counts_its_violations_in_words(runner, project_copy):
    for source in (project_copy / "graph").rglob("*.ttl"):  # the period is stated by two sources
        content = source.read_text(encoding="utf-8")
        source.write_text(content.replace('    dcat:startDate "2022"^^xsd:gYear ;\n', "", 1), encoding="utf-8")
    for lang, pattern in (
        ("en", r"graph/: (\d+) violations? of the shapes\."),
        ("fr", r"graph/ : (\d+) violations? des"),
    ):
        result = runner.invoke(main, ["validate", "--lang", lang], env={"COOPKG_ROOT": str(project_copy)})
        assert result.exit_code == 1
        first = next(line for line in result.output.splitlines() if re.match(pattern, line))
        count = int(re.match(pattern, first).group(1))
        assert ("violations" in first) == (count > 1), first
        assert "(s)" not in first


# --- numbers, sizes, dates on the catalogue -------------------------------------------------


@pytest.mark.parametrize(("lang", "units"), [("fr", ("octets", "ko", "Mo", "Go")), ("en", ("bytes", "kB", "MB", "GB"))])
def test_the_catalogue_gives_sizes_in_units_and_dates_in_words(client, lang, units):
    page = html(client.get(f"/catalog?lang={lang}", headers=BROWSER))
    sizes = page.select("table.distributions td.number data")
    assert sizes
    for size in sizes:
        amount, unit = text(size).rsplit(" ", 1)
        assert unit in units and re.fullmatch(r"\d+([,.]\d)?", amount), text(size)
        exact = int(size["value"])
        assert abs(float(amount.replace(",", ".")) * 1000 ** units.index(unit) - exact) <= 0.05 * exact + 1
    for time in page.select("dl.facts time"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", time["datetime"]) and not re.fullmatch(r"[\d-]+", text(time))


# --- the query page -----------------------------------------------------------------------


def _page(url: str, **params) -> BeautifulSoup:
    return BeautifulSoup(requests.get(url, params=params, headers=BROWSER, timeout=60).text, "html.parser")


def test_the_english_query_pages_examples_answer_in_english_with_numbers_as_numbers(server):
    """The labels an example filters by language come in English; the sources' own words and
    titles stay in the language they were written in."""
    links = _page(server.sparql, lang="en").select(".sparql-examples a")
    assert len(links) == len(QUESTIONS)
    for link, question in zip(links, QUESTIONS, strict=True):
        query = parse_qs(urlsplit(link["href"]).query)["query"][0]
        answer = _page(server.sparql, query=query, format="html", lang="en")
        columns = [text(th) for th in answer.select("table.sparql-table thead th")]
        notes = [text(n) for n in answer.select("table.sparql-table .sparql-note")]
        assert not any(n.startswith(("^^xsd:decimal", "^^xsd:integer")) for n in notes), notes
        filtered = {  # the labels the question filters in French, on lines that do not also ask for English
            var
            for line in question.text.splitlines()
            if '"en"' not in line
            for var in re.findall(r'lang\(\?(\w+)\)\s*=\s*"fr"', line)
        }
        assert question.slug.startswith("cq4-") or filtered, question.slug
        for row in answer.select("table.sparql-table tbody tr"):
            for column, cell in zip(columns, row.select("td"), strict=True):
                note = cell.select_one(".sparql-note")
                if column in filtered and note is not None:
                    assert text(note) == "@en", (question.slug, column, text(cell))
    investment = next(q for q in QUESTIONS if q.slug.startswith("cq6-"))
    figures = _page(server.sparql, query=investment.text_in("en"), format="html", lang="en")
    assert "2,800,000" in {text(d) for d in figures.select("table.sparql-table data")}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_editor_starts_with_a_question_that_runs(server, lang):
    page = _page(server.sparql, lang=lang)
    start = page.find("textarea").get_text()
    assert start == QUESTIONS[0].text_in(lang)
    assert f"# {lang}: {QUESTIONS[0].question[lang]}" in start
    answer = _page(server.sparql, query=start, format="html", lang=lang)
    assert answer.select("table.sparql-table tbody tr")


@pytest.mark.parametrize(
    ("query", "hint"),
    [
        ("SELEC * WHERE {", 'not "SELEC"; did you mean SELECT?'),
        ("PREFIX ex: <http://example.org/>\n# a comment\nconstrct WHERE {", 'not "constrct"; did you mean CONSTRUCT?'),
        ("PREFIX ex: <http://example.org/>\nASKK {", 'not "ASKK"; did you mean ASK?'),
        ("INSERT DATA { }", 'not "INSERT"'),
        ("   ", "this one has none"),
    ],
)
def test_the_message_names_the_query_forms_when_the_first_word_is_none(query, hint):
    message = malformed_query_message(query, "error at 1:1: expected CONSTRUCT")
    assert message.startswith("malformed query: error at 1:1: expected CONSTRUCT") and hint in message


@pytest.mark.parametrize("query", ["SELECT * WHERE { ?s ?p }", "base <http://e/> describe <x> WHERE {"])
def test_a_query_that_begins_well_keeps_the_parsers_words(query):
    assert malformed_query_message(query, "error at 1:20: x") == "malformed query: error at 1:20: x"


def test_a_typo_in_the_query_form_is_named(server):
    answer = requests.get(server.sparql, params={"query": "SELEC * WHERE {", "lang": "en"}, headers=BROWSER, timeout=60)
    assert answer.status_code == 400
    alert = text(BeautifulSoup(answer.text, "html.parser").find(attrs={"role": "alert"}))
    assert alert.startswith("malformed query: error at 1:") and 'not "SELEC"; did you mean SELECT?' in alert
    plain = requests.get(
        server.sparql, params={"query": "SELEC * WHERE {"}, headers={"Accept": "text/plain"}, timeout=60
    )
    assert plain.status_code == 400 and "did you mean SELECT?" in plain.text


# --- the ontology, the rules, search --------------------------------------------------------


def test_the_ontologys_own_page_has_no_empty_heading_and_no_zero_usage(client):
    page = html(client.get("/def/?lang=en"))
    assert page.select_one("section.term") is None
    for heading in page.select("main h2, main h3"):
        following = heading.find_next_sibling()
        assert following is not None and text(following), f"empty section under {text(heading)!r}"
    assert "0 entities" not in text(page.select_one("main"))


@pytest.mark.parametrize(
    ("lang", "error_words"),
    [
        ("en", ("is missing", "must ", "contradicts", "does not have the form", "falls outside", "without a source")),
        ("fr", ("Il manque", "doit ", "contredit", "n'a pas la forme", "tombe hors", "sans source")),
    ],
)
def test_the_rules_are_stated_as_what_holds(client, lang, error_words):
    rules = [text(li) for li in html(client.get(f"/shapes?lang={lang}")).select("ul.rules li")]
    assert rules
    for rule in rules:
        assert not any(w in rule for w in error_words), rule
        assert not re.match(r"(The|Le|La|L') \w+ (ends|finit)", rule), rule


def test_search_results_show_every_iri_the_same_way(client):
    page = html(client.get("/search?q=farm&lang=en"))
    shown = [text(code) for code in page.select("ol.results code")]
    assert len(shown) > 3
    assert all(s.startswith(("https://", "http://")) and "<" not in s for s in shown), shown  # full IRIs
    for item in page.select("ol.results > li"):
        iri = text(item.code)
        if iri.startswith(BASE):
            assert path_of(iri) == urlsplit(item.a["href"]).path
        else:  # another publisher's term (the UN SDG targets): a link to its own IRI
            assert item.a["href"] == iri


# --- what search engines read ----------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_has_a_description_and_absolute_hreflang_alternates(server, path, lang):
    url = server.url.rstrip("/") + path
    page = BeautifulSoup(requests.get(url, params={"lang": lang}, headers=BROWSER, timeout=60).text, "html.parser")
    description = page.select_one('head meta[name="description"]')["content"]
    assert len(description) >= 40, description
    alternates = {link["hreflang"]: link["href"] for link in page.select('head link[rel="alternate"][hreflang]')}
    assert set(alternates) == {"fr", "en", "x-default"}
    for code, href in alternates.items():
        assert href.startswith(server.url), href
        if code != "x-default":
            other = BeautifulSoup(requests.get(href, headers=BROWSER, timeout=60).text, "html.parser")
            assert other.html["lang"] == code


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/id/organisation/cc-zou", "GovernmentOrganization"),
        ("/id/organisation/hauts-de-seine", "GovernmentOrganization"),
        ("/id/programme/zou-agricultural-development", "Project"),
        ("/id/partnership/hauts-de-seine-zou", "Project"),
        ("/id/dataset/hauts-de-seine-cooperation-figures", "Dataset"),
        ("/catalog", "Dataset"),
    ],
)
def test_entity_pages_carry_schema_org_json_ld(client, path, kind):
    page = html(client.get(path + "?lang=en", headers=BROWSER))
    blocks = page.select('head script[type="application/ld+json"]')
    assert len(blocks) == 1
    data = json.loads(blocks[0].string)
    assert data["@context"] == "https://schema.org" and data["@type"] == kind
    assert data["name"] == text(page.h1) and data["description"] and data["url"].startswith("http")
    if kind == "Dataset" and path == "/catalog":
        assert {d["encodingFormat"] for d in data["distribution"]} >= {"text/turtle", "application/ld+json"}
    if kind == "Project":
        assert {m["name"] for m in data["member"]} >= {"Zou Community of Communes"}


def test_other_pages_carry_no_structured_data(client):
    page = html(client.get("/id/person/georges-siffredi"))
    assert page.select('script[type="application/ld+json"]') == []
