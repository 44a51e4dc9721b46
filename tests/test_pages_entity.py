"""Entity pages: labels in the reader's language, properties by label, literals with their
language, types linked to their terms, incoming links, and the source beside each fact."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import rdflib
from pages_support import BASE, html, labels, path_of, select, text

from server.entities import incoming_groups, read_entity

ZOU = BASE + "id/organisation/cc-zou"
SIFFREDI = BASE + "id/person/georges-siffredi"


@pytest.mark.parametrize(
    ("headers", "query", "lang"),
    [
        ({}, "", "fr"),
        ({"Accept-Language": "en-GB,en;q=0.9"}, "", "en"),
        ({"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}, "", "fr"),
        ({"Accept-Language": "de"}, "", "fr"),
        ({"Accept-Language": "fr"}, "?lang=en", "en"),
        ({"Accept-Language": "en"}, "?lang=fr", "fr"),
        ({}, "?lang=xx", "fr"),
    ],
)
def test_the_label_is_in_the_readers_language(client, store, headers, query, lang):
    page = html(client.get("/id/organisation/cc-zou" + query, headers=headers))
    assert page.html["lang"] == lang
    assert text(page.find("h1")) in labels(store, ZOU, lang)


def test_a_missing_label_falls_back_to_the_other_language_marked_as_such(client, store):
    assert not labels(store, SIFFREDI, "en")
    page = html(client.get(path_of(SIFFREDI) + "?lang=en"))
    h1 = page.find("h1")
    assert text(h1) in labels(store, SIFFREDI, "fr")
    assert h1["lang"] == "fr"


def test_literals_carry_their_language(client, store):
    page = html(client.get("/id/organisation/cc-zou?lang=en"))
    french = labels(store, ZOU, "fr")
    marked = {text(span) for span in page.select('table.facts span[lang="fr"]')}
    assert french <= marked


def test_properties_are_named_by_their_labels(client, store):
    for lang in ("fr", "en"):
        page = html(client.get(f"/id/organisation/cc-zou?lang={lang}"))
        shown = {text(th) for th in page.select("table.facts tbody th[scope=row]")}
        properties = select(store, f"SELECT DISTINCT ?p WHERE {{ <{ZOU}> ?p ?o }}")
        expected = {
            next(iter(labels(store, row["p"], lang)))
            for row in properties
            if not row["p"].endswith(("#type", "#wasDerivedFrom"))
        }
        assert expected and expected == shown


def test_types_link_to_their_term_pages(client, store):
    page = html(client.get("/id/organisation/cc-zou"))
    types = {a["href"] for a in page.select("a.type")}
    expected = {path_of(r["t"]) for r in select(store, f"SELECT ?t WHERE {{ <{ZOU}> a ?t }}")}
    assert expected == types
    for url in types:
        assert client.get(url).status_code == 200


CONVENTION_2018 = BASE + "id/convention/2018"
PROV = "http://www.w3.org/ns/prov#"


def _graph_sources(store, iri: str) -> dict[str, set[str]]:
    """Return, by property, the pages of the sources whose graphs hold a fact of `iri`."""
    rows = select(store, f"SELECT ?p ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}")
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["p"], set()).add(path_of(BASE + "id/source/" + row["g"].rsplit("/", 1)[1]))
    return found


@pytest.mark.parametrize("iri", [ZOU, CONVENTION_2018])
def test_each_fact_shows_the_sources_whose_graphs_hold_it(client, store, iri):
    expected = _graph_sources(store, iri)
    page = html(client.get(path_of(iri)))
    rows = page.select("table.facts tbody tr")
    assert rows
    for row in rows:
        linked = {a["href"] for a in row.select("td.fact-source a")}
        assert linked == expected[row["data-property"]], text(row)
    for source in set().union(*expected.values()):
        assert client.get(source).status_code == 200


def test_the_2018_convention_shows_each_facts_own_source(client):
    page = html(client.get(path_of(CONVENTION_2018) + "?lang=en"))
    shown = {
        row["data-property"]: {urlsplit(a["href"]).path.rsplit("/", 1)[1] for a in row.select("td.fact-source a")}
        for row in page.select("table.facts tbody tr")
    }
    # Stated by the press release and by the page "Le Bénin": both, on its row.
    assert shown["http://purl.org/dc/terms/issued"] == {"press-release-zou-delegation", "hds-page-benin"}
    # The signature is the news of 8 November 2018's alone, the label the press release's.
    assert shown["https://w3id.org/coopkg/def/signedOn"] == {"hds-news-2018-11-08-cooperation-benin"}
    assert shown["http://www.w3.org/2000/01/rdf-schema#label"] == {"press-release-zou-delegation"}
    # The node's three sources are listed once, in the page's header, not on every row.
    header = {urlsplit(a["href"]).path.rsplit("/", 1)[1] for a in page.select("p.entity-sources a")}
    assert header == {"press-release-zou-delegation", "hds-page-benin", "hds-news-2018-11-08-cooperation-benin"}


def test_blank_nodes_are_shown_in_place_with_their_parents_source(client, store):
    programme = BASE + "id/programme/zou-agricultural-development"
    page = html(client.get(path_of(programme) + "?lang=en"))
    row = next(tr for tr in page.select("table.facts tbody tr") if text(tr.th) == "qualified association")
    agents = select(
        store,
        f"SELECT ?a WHERE {{ <{programme}> <http://www.w3.org/ns/prov#qualifiedAssociation> ?q . "
        "?q <http://www.w3.org/ns/prov#agent> ?a }",
    )
    nested = {urlsplit(a["href"]).path for a in row.select("dl.nested a")}
    assert {path_of(r["a"]) for r in agents} <= nested
    assert row.select("td.fact-source a")


def test_incoming_links_are_grouped_by_property_with_counts(client, store):
    page = html(client.get("/id/organisation/cc-zou?lang=en"))
    groups = {text(h3): h3.find_parent("section") for h3 in page.select(".incoming-group h3")}
    conventions = {r["c"] for r in select(store, f"SELECT ?c WHERE {{ ?c <{BASE}def/party> <{ZOU}> }}")}
    group = groups[f"party ({len(conventions)})"]
    assert {urlsplit(a["href"]).path for a in group.select("li a")} == {path_of(c) for c in conventions}


def test_incoming_links_page_through_every_subject(store, graph):
    observation_class = "http://purl.org/linked-data/cube#Observation"
    every = {r["o"] for r in select(store, f"SELECT ?o WHERE {{ ?o a <{observation_class}> }}")}
    seen, page = [], 0
    while True:
        (group,) = [
            g
            for g in incoming_groups(
                graph,
                observation_class,
                {g: page for g in ["http://www.w3.org/1999/02/22-rdf-syntax-ns#type"]},
                page_size=2,
            )
            if g.prop.iri.endswith("#type")
        ]
        assert group.count == len(every)
        seen += [s.iri for s in group.subjects]
        if not group.has_next:
            break
        page += 1
    assert len(seen) == len(set(seen)) and set(seen) == every


def test_every_page_offers_the_other_language(client):
    for path, other in (("/id/convention/2022-2026", "en"), ("/id/convention/2022-2026?lang=en", "fr")):
        page = html(client.get(path))
        switch = page.select_one("a.lang-switch")
        assert switch["hreflang"] == other and switch["href"].endswith(f"lang={other}")
        assert html(client.get(switch["href"])).html["lang"] == other


def test_a_chosen_language_follows_the_links(client):
    page = html(client.get("/id/convention/2022-2026?lang=en"))
    pages = [a["href"] for a in page.select("main a") if a["href"].startswith("/id/") and not a.get("type")]
    assert pages and all(url.endswith("?lang=en") for url in pages)
    # the representation URLs are the same in every language
    downloads = [a["href"] for a in page.select("section.downloads a")]
    assert downloads and not any("lang=" in url for url in downloads)


def test_reading_an_unknown_or_invalid_iri_gives_none(graph):
    assert read_entity(graph, BASE + "id/organisation/nobody") is None
    assert read_entity(graph, "not an iri") is None


@pytest.mark.parametrize(("lang", "word"), [("fr", "oui"), ("en", "yes")])
def test_booleans_are_said_in_the_readers_language(client, store, lang, word):
    unnamed = select(store, f"SELECT ?s WHERE {{ ?s <{BASE}def/unnamedInSource> true }}")
    assert unnamed
    page = html(client.get(f"{path_of(unnamed[0]['s'])}?lang={lang}"))
    row = next(tr for tr in page.select("table.facts tbody tr") if tr.th.a["href"].startswith("/def/unnamedInSource"))
    assert text(row.td) == word


def test_the_head_names_the_page_in_the_other_language(client):
    page = html(client.get("/id/convention/2022-2026"))
    other = page.select_one('head link[rel="alternate"][hreflang]')
    assert other["hreflang"] == "en"
    assert html(client.get(other["href"])).html["lang"] == "en"


def test_a_fact_of_the_graphs_own_links_names_its_graph_without_a_link(client):
    page = html(client.get(path_of(BASE + "id/country/benin") + "?lang=en"))
    row = page.select_one('table.facts tbody tr[data-property="http://www.w3.org/2002/07/owl#sameAs"]')
    assert not row.select("td.fact-source a")
    assert text(row.select_one("td.fact-source span.source")) == "links"


def test_the_turtle_of_the_2018_convention_keeps_every_source_of_the_node(client):
    answer = client.get(path_of(CONVENTION_2018) + ".ttl")
    graph = rdflib.Graph().parse(data=answer.get_data(as_text=True), format="turtle")
    derived = {
        str(o).rsplit("/", 1)[1] for o in graph.objects(rdflib.URIRef(CONVENTION_2018), rdflib.PROV.wasDerivedFrom)
    }
    assert derived == {"press-release-zou-delegation", "hds-page-benin", "hds-news-2018-11-08-cooperation-benin"}
