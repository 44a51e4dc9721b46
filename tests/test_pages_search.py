"""Search over labels, in fr and en, ignoring case and accents: as a page and as JSON."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from pages_support import BASE, html, path_of, select

from server.search import SearchIndex, normalise


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Béninoise", "beninoise"),
        ("ZOU", "zou"),
        ("Œuvre", "oeuvre"),
        ("Aïhunhin", "aihunhin"),
        ("l’État", "l'etat"),
    ],
)
def test_normalise_folds_case_accents_and_ligatures(given, expected):
    assert normalise(given) == expected


@pytest.fixture(scope="module")
def index(graph):
    return SearchIndex.build(graph, BASE)


def _labelled(store, needle: str) -> set[str]:
    """Return the IRIs whose label contains `needle` exactly as written (accents and case included)."""
    rows = select(
        store,
        f"""SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s ?p ?l
        FILTER(isIRI(?s) && CONTAINS(STR(?l), "{needle}") && ?p IN (rdfs:label, skos:prefLabel)) }}
        FILTER(?g NOT IN (<{BASE}graph/ontology>, <{BASE}graph/shapes>)) }}""",
    )
    return {r["s"] for r in rows}


@pytest.mark.parametrize(
    ("query", "needle"), [("beninoise", "béninoise"), ("BENINOISE", "béninoise"), ("aihunhin", "Aïhunhin")]
)
def test_accents_and_case_do_not_matter(index, store, query, needle):
    expected = _labelled(store, needle)
    assert expected
    assert expected <= {hit.iri for hit in index.search(query)}


def test_every_word_must_match(index):
    assert index.search("fromage soja")
    assert all(
        "fromage" in normalise(h.matched) and "soja" in normalise(h.matched) for h in index.search("fromage soja")
    )
    assert index.search("fromage zzzz") == []


def test_empty_or_punctuation_queries_find_nothing(index):
    assert index.search("") == [] and index.search("  !!! ") == []


def test_english_labels_are_searched_too(index):
    hits = index.search("soy cheese", lang="en")
    assert hits and hits[0].label("en").lower().startswith("soy cheese")


def test_the_search_page_lists_results_as_links(client, store):
    page = html(client.get("/search?q=beninoise"))
    found = {urlsplit(a["href"]).path for a in page.select("ol.results a")}
    assert {path_of(iri) for iri in _labelled(store, "béninoise")} <= found
    assert page.select_one("input[name=q]")["value"] == "beninoise"


@pytest.mark.parametrize(("lang", "title"), [("en", "Search: Zou · coopkg"), ("fr", "Rechercher\u00a0: Zou · coopkg")])
def test_the_search_page_title_is_punctuated_in_its_language(client, lang, title):
    page = html(client.get(f"/search?q=Zou&lang={lang}"))
    assert page.title.get_text(strip=True) == title


@pytest.mark.parametrize(
    ("path", "headers"), [("/search.json?q=Zou", {}), ("/search?q=Zou", {"Accept": "application/json"})]
)
def test_the_search_answers_json(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.mimetype == "application/json"
    answer = json.loads(response.get_data(as_text=True))
    assert answer["query"] == "Zou" and answer["count"] == len(answer["results"]) > 0
    for result in answer["results"]:
        assert "zou" in normalise(result["matched"])
        assert client.get(result["url"]).status_code == 200


def test_a_very_long_query_is_cut_not_refused(client):
    response = client.get("/search.json?q=" + "zou " * 500)
    assert response.status_code == 200
