"""Profiles of countries and organisations on their entity pages, and money by year: read back
from the page and checked against the graph; money from a small graph of budgets and
transactions in two currencies."""

from __future__ import annotations

import importlib.util
from decimal import Decimal

import pyoxigraph as ox
import pytest
from pages_support import html

from server.config import PROJECT_ROOT, Settings
from server.explore import ExploreIndex
from server.graphs import EmbeddedGraph
from server.knowledge import load_knowledge
from server.money import UNKNOWN_CURRENCY, money_by_year, money_text
from server.profile import profile_of
from server.store import build_store

COOP = "https://w3id.org/coopkg/def/"
ID = "https://w3id.org/coopkg/id/"
DCT, DCAT, SKOS = "http://purl.org/dc/terms/", "http://www.w3.org/ns/dcat#", "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _section(page, heading_id: str):
    return page.find(id=heading_id).find_parent("section")


def test_country_profile_lists_programmes_partners_conventions_and_sources(client):
    page = html(client.get("/id/country/benin?lang=en"))
    programmes = _section(page, "profile-programmes")
    assert [a["href"] for a in programmes.select("ul a")] == ["/id/programme/zou-agricultural-development?lang=en"]
    assert programmes.find("a", string="This programme in Explore")["href"].startswith("/explore?country=")
    partners = {a.get_text(strip=True) for a in _section(page, "profile-partners").select("ul a")}
    assert {"Hauts-de-Seine Département", "Zou Community of Communes"} <= partners
    conventions = [a.get_text(strip=True) for a in _section(page, "profile-conventions").select("ul a")]
    assert conventions == [
        "Partnership convention 2022–2026",
        "First convention with the Zou Community of Communes (2018)",
    ]
    assert _section(page, "profile-conventions").find("svg", class_="chart") is not None
    sources = [a["href"] for a in _section(page, "profile-sources").select("ul a")]
    assert "/id/source/press-release-zou-delegation?lang=en" in sources
    money = _section(page, "profile-money")
    assert money.get_text(" ", strip=True).endswith("No budget or transaction in the sources.")


def test_organisation_profile_names_its_partners_but_not_itself(client):
    page = html(client.get("/id/organisation/hauts-de-seine"))
    partners = [a["href"] for a in _section(page, "profile-partners").select("ul a")]
    assert "/id/organisation/cc-zou" in partners
    assert "/id/organisation/hauts-de-seine" not in partners
    assert page.find(id="profile-title").get_text(strip=True) == "Profil"


def test_an_entity_no_programme_names_has_no_profile(client):
    page = html(client.get("/id/person/georges-siffredi"))
    assert page.find(id="profile-title") is None


@pytest.fixture(scope="module")
def money_graph():
    """Two programmes: budgets (original and revised) and transactions in euros and CFA francs."""
    store = ox.Store()
    n = ox.NamedNode

    def add(s, p, o):
        store.add(ox.Quad(n(s), n(p), o))

    eur, xof = n(COOP + "iati/currency/EUR"), n(COOP + "iati/currency/XOF")
    add(eur.value, SKOS + "notation", ox.Literal("EUR"))
    add(xof.value, SKOS + "notation", ox.Literal("XOF"))
    flows = [
        ("a", "budget", "b1", "original", "2021-01-01", "1000000", eur),
        ("a", "budget", "b2", "revised", "2021-01-01", "1200000", eur),
        ("b", "budget", "b3", "original", "2021-03-01", "500000", eur),
        ("a", "transaction", "t1", "3", "2021-06-30", "300000", eur),
        ("a", "transaction", "t2", "3", "2022-06-30", "450000.50", eur),
        ("b", "transaction", "t3", "3", "2022-02-01", "20000000", xof),
        ("b", "transaction", "t4", "2", None, "100", eur),
    ]
    for programme, kind, key, type_, date, amount, currency in flows:
        flow = ID + f"flow/{key}"
        add(ID + f"programme/{programme}", COOP + kind, n(flow))
        add(flow, COOP + "amount", ox.Literal(amount, datatype=n(XSD + "decimal")))
        add(flow, COOP + "currency", currency)
        if kind == "budget":
            add(flow, COOP + "budgetType", n(COOP + f"iati/budget-type/{type_}"))
            period = ox.BlankNode()
            store.add(ox.Quad(n(flow), n(DCT + "temporal"), period))
            store.add(ox.Quad(period, n(DCAT + "startDate"), ox.Literal(date, datatype=n(XSD + "date"))))
        else:
            add(flow, COOP + "transactionType", n(COOP + f"iati/transaction-type/{type_}"))
            if date:
                add(flow, DCT + "date", ox.Literal(date, datatype=n(XSD + "date")))
    return EmbeddedGraph(store)


def test_money_is_added_up_per_currency_kind_and_year_never_across(money_graph):
    tables = money_by_year(money_graph, [ID + "programme/a", ID + "programme/b"])
    assert [t.currency for t in tables] == ["EUR", "XOF"]
    euros = tables[0]
    keys = [c.key for c in euros.columns]
    original, revised = COOP + "iati/budget-type/original", COOP + "iati/budget-type/revised"
    disbursement, commitment = COOP + "iati/transaction-type/3", COOP + "iati/transaction-type/2"
    assert keys == [original, revised, commitment, disbursement]
    years = dict(euros.years)
    assert years[2021] == {original: Decimal(1500000), revised: Decimal(1200000), disbursement: Decimal(300000)}
    assert years[2022] == {disbursement: Decimal("450000.50")}
    assert euros.undated == {commitment: Decimal(100)}  # no date: never placed in a year
    assert dict(tables[1].years) == {2022: {disbursement: Decimal(20000000)}}
    assert money_by_year(money_graph, [ID + "programme/none"]) == []


def test_money_reads_as_each_language_writes_it():
    assert money_text(Decimal(2800000), "EUR", "fr", compact=True) == "2,8\xa0M\xa0€"
    assert money_text(Decimal(2800000), "EUR", "en", compact=True) == "€2.8M"
    assert money_text(Decimal("450000.5"), "EUR", "en") == "€450,000.50"
    assert money_text(Decimal("450000.5"), "EUR", "fr") == "450\u202f000,50\xa0€"
    assert money_text(Decimal(1200), UNKNOWN_CURRENCY, "fr") == "1\u202f200"


def test_an_organisations_partners_are_those_of_its_own_programmes(tmp_path):
    """On a generated graph of many partnerships, an authority's partners are the other
    organisations of its programmes (here one partnership: its one partner), not every
    organisation of the graph; a country's are those of the programmes taking place there."""
    spec = importlib.util.spec_from_file_location("bench_generate", PROJECT_ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "synthetic.ttl"
    assert module.main(["--triples", "20000", "--seed", "5", "--out", str(out)]) == 0
    graph = EmbeddedGraph(build_store(load_knowledge(PROJECT_ROOT, [out]), Settings().base_iri))
    index = ExploreIndex.build(graph, Settings().base_iri)
    organisations = index.pairs["organisation"]
    assert len(organisations) > 10
    for authority, programmes in list(organisations.items())[:5]:
        expected = {o for o, its in organisations.items() if its & programmes} - {authority}
        found = profile_of(graph, index, authority, "organisation", "en")
        assert {c.value.key for c in found.partners} == expected and len(expected) >= 1
        assert all(c.count == len(organisations[c.value.key] & programmes) for c in found.partners)
    benin = ID + "country/benin"
    programmes = index.pairs["country"][benin]
    found = profile_of(graph, index, benin, "country", "en")
    assert {c.value.key for c in found.partners} == {o for o, its in organisations.items() if its & programmes}
    counts = [c.count for c in found.partners]
    assert counts == sorted(counts, reverse=True)
