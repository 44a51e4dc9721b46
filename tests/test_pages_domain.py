"""Domain views: a convention's period, signatories, purpose and renewal; a programme's
partners, conventions on a timeline, stakes and indicators (SVG chart and table); an
organisation's posts and holders; claims about one quantity side by side."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from pages_support import BASE, html, labels, path_of, select, text

from server import create_app
from server.config import Settings
from server.knowledge import load_knowledge, read_turtle
from server.locales import format_money, format_number
from server.state import Published
from server.store import build_store

COOP = BASE + "def/"
CONVENTION = BASE + "id/convention/2022-2026"
PROGRAMME = BASE + "id/programme/zou-agricultural-development"


def paths(nodes) -> set[str]:
    return {urlsplit(a["href"]).path for a in nodes}


def summary(page, term: str):
    """Return the <dd> elements that follow the <dt> named `term` in the summary list."""
    dt = next(dt for dt in page.select("dl.summary dt") if text(dt) == term)
    found = []
    for sibling in dt.find_next_siblings():
        if sibling.name == "dt":
            break
        found.append(sibling)
    return found


def test_a_convention_shows_its_period_signatories_purpose_and_renewal(client, store):
    page = html(client.get(path_of(CONVENTION) + "?lang=en"))
    period = select(
        store,
        f"SELECT DISTINCT ?s ?e WHERE {{ <{CONVENTION}> <http://purl.org/dc/terms/temporal> ?p . "
        "?p <http://www.w3.org/ns/dcat#startDate> ?s ; <http://www.w3.org/ns/dcat#endDate> ?e }",
    )[0]
    shown = text(summary(page, "Period")[0])
    assert period["s"] in shown and period["e"] in shown
    signatories = {r["p"] for r in select(store, f"SELECT DISTINCT ?p WHERE {{ <{CONVENTION}> <{COOP}signatory> ?p }}")}
    assert signatories and paths(summary(page, "Signatories")[0].select("a")) == {path_of(p) for p in signatories}
    purposes = {
        r["t"]
        for r in select(
            store, f'SELECT DISTINCT ?t WHERE {{ <{CONVENTION}> <{COOP}purpose> ?t FILTER(lang(?t) = "en") }}'
        )
    }
    assert {text(dd) for dd in summary(page, "Purpose")} == purposes
    renewed = select(store, f"SELECT DISTINCT ?c WHERE {{ <{CONVENTION}> <{COOP}renews> ?c }}")[0]["c"]
    assert paths(summary(page, "Renews")[0].select("a")) == {path_of(renewed)}


def test_the_signatories_pages_lead_to_their_posts(client, store):
    signatories = select(store, f"SELECT DISTINCT ?p WHERE {{ <{CONVENTION}> <{COOP}signatory> ?p }}")
    for person in (r["p"] for r in signatories):
        page = html(client.get(path_of(person)))
        posts = select(store, f"SELECT DISTINCT ?post WHERE {{ ?post <http://www.w3.org/ns/org#heldBy> <{person}> }}")
        incoming = paths(page.select(".incoming-group a"))
        assert {path_of(r["post"]) for r in posts} <= incoming


def test_an_organisation_shows_its_posts_holders_partnerships_and_countries(client, store):
    zou = BASE + "id/organisation/cc-zou"
    page = html(client.get(path_of(zou)))
    posts = select(
        store,
        f"SELECT DISTINCT ?post ?holder WHERE {{ ?post <http://www.w3.org/ns/org#postIn> <{zou}> ; "
        "<http://www.w3.org/ns/org#heldBy> ?holder }",
    )
    shown = paths(summary(page, "Postes et titulaires")[0].select("a"))
    assert posts and {path_of(r["post"]) for r in posts} | {path_of(r["holder"]) for r in posts} == shown
    partnerships = select(store, f"SELECT DISTINCT ?p WHERE {{ ?p <http://www.w3.org/ns/org#hasMember> <{zou}> }}")
    assert paths(summary(page, "Partenariats")[0].select("a")) == {path_of(r["p"]) for r in partnerships}
    countries = select(store, f"SELECT DISTINCT ?c WHERE {{ <{zou}> <{COOP}country> ?c }}")
    assert paths(summary(page, "Pays")[0].select("a")) == {path_of(r["c"]) for r in countries}


def _observations_of(store, subject: str) -> list[dict]:
    return select(
        store,
        f"""SELECT DISTINCT ?obs ?v ?q ?unit WHERE {{ ?i <{COOP}indicatorOf> <{subject}> . ?obs <{COOP}indicator> ?i ;
        <http://purl.org/linked-data/sdmx/2009/measure#obsValue> ?v ; <{COOP}valueQualifier> ?q ;
        <http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure> ?unit }}""",
    )


def written(value: str, unit: str, lang: str) -> str:
    """Return how a page writes an observation's number: an amount in euros as money (Babel:
    '2,8 M €', '€2.8M'), a calendar year as a year, any other number with its digits grouped."""
    if unit == f"{BASE}def/unit/euro":
        return format_money(Decimal(value), "EUR", lang)
    if unit == f"{BASE}def/unit/calendar-year":
        return value
    return format_number(Decimal(value), lang)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_programme_shows_its_indicators_as_a_chart_and_an_equivalent_table(client, store, lang):
    page = html(client.get(f"{path_of(PROGRAMME)}?lang={lang}"))
    observations = _observations_of(store, PROGRAMME)
    assert observations
    chart = page.select_one("section[aria-labelledby=indicators-title] svg")
    assert chart["role"] == "img"
    assert chart.find("title").get_text() and chart.find("desc").get_text()
    rows = page.select("table.indicators tbody tr")
    assert len(rows) == len(observations)
    assert paths(page.select("table.indicators td a[href^='/id/observation/']")) == {
        path_of(r["obs"]) for r in observations
    }
    description = chart.find("desc").get_text()
    more_than = {"fr": "plus de", "en": "more than"}[lang]
    for row in observations:
        number = written(row["v"], row["unit"], lang)
        assert number in description
        cell = next(tr for tr in rows if urlsplit(tr.select_one("td a")["href"]).path == path_of(row["obs"]))
        assert " ".join(number.split()) in text(cell)  # text() folds the narrow no-break space
        assert (more_than in text(cell)) == row["q"].endswith("/more-than")
        assert cell.select("td a.source")


def test_a_partnership_shows_partners_conventions_in_order_and_stakes(client, store):
    partnership = BASE + "id/partnership/hauts-de-seine-zou"
    page = html(client.get(path_of(partnership)))
    conventions = select(
        store,
        f"""SELECT DISTINCT ?c ?start WHERE {{ ?c <{COOP}formalises> <{partnership}> ;
        dct:temporal/dcat:startDate ?start }} ORDER BY ?start""",
    )
    listed = [urlsplit(li.a["href"]).path for li in page.select("ol.timeline-list > li")]
    assert listed == [path_of(r["c"]) for r in conventions]
    timeline = page.select_one("section[aria-labelledby=conventions-title] svg[role=img]")
    for row in conventions:
        assert row["start"] in timeline.find("desc").get_text()
    stakes = select(store, f"SELECT DISTINCT ?s WHERE {{ <{partnership}> <{COOP}programme>/<{COOP}stake> ?s }}")
    assert paths(page.select("section[aria-labelledby=stakes-title] a")) == {path_of(r["s"]) for r in stakes}
    members = select(store, f"SELECT DISTINCT ?m WHERE {{ <{partnership}> <http://www.w3.org/ns/org#hasMember> ?m }}")
    assert paths(summary(page, "Partenaires")[0].select("a")) == {path_of(r["m"]) for r in members}


def test_each_indicator_page_shows_its_values_and_sources(client, store):
    indicators = select(store, f"SELECT DISTINCT ?i WHERE {{ ?i <{COOP}indicatorOf> <{PROGRAMME}> }}")
    for row in indicators:
        page = html(client.get(path_of(row["i"]) + "?lang=en"))
        assert text(page.h1) in labels(store, row["i"], "en")
        sources = select(
            store,
            f"SELECT DISTINCT ?s WHERE {{ ?o <{COOP}indicator> <{row['i']}> ; prov:wasDerivedFrom ?s }}",
        )
        assert paths(page.select("table.indicators a.source")) == {path_of(r["s"]) for r in sources}


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        ("2800000", "fr", "2\u202f800\u202f000"),
        ("2800000", "en", "2,800,000"),
        ("70", "en", "70"),
        ("70.50", "fr", "70,5"),
        ("1234.5", "en", "1,234.5"),
        ("6000", "fr", "6\u202f000"),
    ],
)
def test_numbers_are_written_the_readers_way(value, lang, expected):
    assert format_number(Decimal(value), lang) == expected


# --- two sources, one quantity ----------------------------------------------------------

SECOND_CLAIM = """
@prefix coop: <https://w3id.org/coopkg/def/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
<https://w3id.org/coopkg/id/source/test-second-source> a foaf:Document ;
    rdfs:label "Seconde source (test)"@fr , "Second source (test)"@en .
<https://w3id.org/coopkg/id/observation/test-second-claim> a qb:Observation ;
    rdfs:label "plus de 450 exploitations (test)"@fr , "more than 450 farms (test)"@en ;
    coop:indicator <https://w3id.org/coopkg/id/indicator/family-farms-supported> ;
    sdmx-measure:obsValue 450 ;
    sdmx-attribute:unitMeasure <https://w3id.org/coopkg/def/unit/family-farm> ;
    coop:valueQualifier <https://w3id.org/coopkg/def/qualifier/more-than> ;
    coop:statedAs "plus de 450 exploitations"@fr ;
    coop:sameQuantityAs <https://w3id.org/coopkg/id/observation/family-farms-supported> ;
    prov:wasDerivedFrom <https://w3id.org/coopkg/id/source/test-second-source> .
"""


@pytest.fixture(scope="module")
def disputed_client(project_copy_module):
    (project_copy_module / "graph" / "zz-second-claim.ttl").write_text(SECOND_CLAIM, encoding="utf-8")
    settings = Settings.load({"root": str(project_copy_module)}, environ={})
    knowledge = load_knowledge(project_copy_module)
    store = build_store(knowledge, settings.base_iri)
    app = create_app(
        {"root": str(project_copy_module)},
        published=Published(settings, knowledge, store, project_copy_module),
    )
    return app.test_client()


@pytest.fixture(scope="module")
def project_copy_module(tmp_path_factory):
    import shutil

    from server.config import PROJECT_ROOT

    root = tmp_path_factory.mktemp("disputed")
    for folder in ("ontology", "shapes", "graph", "queries"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    assert read_turtle  # the copy is read by the same parser as the real graph
    return root


def test_claims_about_one_quantity_are_shown_side_by_side_with_their_sources(disputed_client, store):
    # The copy adds a test claim to the family farms; the real graph may already hold others.
    real = {
        path_of(row["o"])
        for row in select(
            store,
            f"SELECT DISTINCT ?o WHERE {{ <{BASE}id/observation/family-farms-supported> <{COOP}sameQuantityAs> ?o }}",
        )
    }
    page = html(disputed_client.get("/id/observation/test-second-claim?lang=en"))
    claims = page.select(".claims .claim")
    by_claim = {urlsplit(c.h3.a["href"]).path: c for c in claims}
    assert set(by_claim) == {"/id/observation/test-second-claim", "/id/observation/family-farms-supported"} | real
    assert len(claims) == len(by_claim)
    assert paths(by_claim["/id/observation/test-second-claim"].select("a.source")) == {"/id/source/test-second-source"}
    assert paths(by_claim["/id/observation/family-farms-supported"].select("a.source")) == {
        "/id/source/press-release-zou-delegation"
    }
    assert "more than 450" in text(by_claim["/id/observation/test-second-claim"])
    # the symmetric link: the other observation shows the same pair
    other = html(disputed_client.get("/id/observation/family-farms-supported?lang=en"))
    assert len(other.select(".claims .claim")) == len(by_claim)


def test_the_indicator_table_puts_both_claims_next_to_each_other(disputed_client):
    page = html(disputed_client.get("/id/indicator/family-farms-supported"))
    rows = page.select("table.indicators tbody tr")
    assert [urlsplit(tr.select_one("td a")["href"]).path for tr in rows] == [
        "/id/observation/family-farms-supported",
        "/id/observation/test-second-claim",
    ] or [urlsplit(tr.select_one("td a")["href"]).path for tr in rows] == [
        "/id/observation/test-second-claim",
        "/id/observation/family-farms-supported",
    ]
    assert all("disputed" in tr["class"] for tr in rows)
    bars = page.select("section[aria-labelledby=indicators-title] svg rect")
    assert len(bars) == 2


def test_an_observation_page_sums_up_its_value_words_and_sources(client, store):
    rows = select(
        store,
        f"""SELECT DISTINCT ?o ?v ?s ?w ?unit WHERE {{ ?o <{COOP}valueQualifier> <{COOP}qualifier/more-than> ;
        <http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure> ?unit ;
        <http://purl.org/linked-data/sdmx/2009/measure#obsValue> ?v ; prov:wasDerivedFrom ?s ;
        <{COOP}statedAs> ?w }}""",
    )
    assert rows
    for obs in {row["o"] for row in rows}:
        mine = [row for row in rows if row["o"] == obs]
        page = html(client.get(path_of(obs) + "?lang=en"))
        value = text(summary(page, "Value")[0])
        number = " ".join(written(mine[0]["v"], mine[0]["unit"], "en").split())
        assert value.startswith("more than ") and number in value
        words = text(summary(page, "In the source's words")[0])
        assert all(row["w"] in words for row in mine)
        assert paths(summary(page, "Source")[0].select("a")) == {path_of(row["s"]) for row in mine}
