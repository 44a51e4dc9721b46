"""/explore: programmes filtered by facets, as a page, CSV and JSON; the counts checked against
what the graph holds, on the project's data and on a generated graph of many partnerships."""

from __future__ import annotations

import csv
import importlib.util
import io
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
import rdflib
from pages_support import html

from server.config import PROJECT_ROOT, Settings
from server.explore import ExploreIndex
from server.graphs import EmbeddedGraph
from server.knowledge import load_knowledge
from server.search import normalise
from server.store import build_store

COOP = rdflib.Namespace("https://w3id.org/coopkg/def/")
BENIN = "https://w3id.org/coopkg/id/country/benin"
ZOU_PROGRAMME = "https://w3id.org/coopkg/id/programme/zou-agricultural-development"
HAUTS_DE_SEINE = "https://w3id.org/coopkg/id/organisation/hauts-de-seine"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated graph of about 60 partnerships beside the project's data: its index and the
    generated triples, parsed by rdflib, to count independently."""
    spec = importlib.util.spec_from_file_location("bench_generate", PROJECT_ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("generated") / "synthetic.ttl"
    assert module.main(["--triples", "30000", "--seed", "3", "--out", str(out)]) == 0
    knowledge = load_knowledge(PROJECT_ROOT, [PROJECT_ROOT / "graph", out])
    graph = EmbeddedGraph(build_store(knowledge, Settings().base_iri))
    return ExploreIndex.build(graph, Settings().base_iri), rdflib.Graph().parse(out)


def _programmes_by_country(parsed: rdflib.Graph) -> Counter:
    return Counter(
        str(country)
        for programme in parsed.subjects(rdflib.RDF.type, COOP.Programme)
        for country in parsed.objects(programme, COOP.country)
    )


def test_country_counts_are_the_graphs(generated):
    index, parsed = generated
    expected = _programmes_by_country(parsed)
    expected[BENIN] += 1  # the project's own programme
    selection = index.select({}, "fr")
    assert selection.total == len(set(parsed.subjects(rdflib.RDF.type, COOP.Programme))) + 1
    assert {c.value.key: c.count for c in selection.facets["country"]} == dict(expected)
    counts = [c.count for c in selection.facets["country"]]
    assert counts == sorted(counts, reverse=True)  # most first
    assert len(expected) > 3  # the generator spreads partnerships over several countries


def test_values_of_one_facet_add_up_and_facets_narrow(generated):
    index, _ = generated
    everything = index.select({}, "en")
    first, second = everything.facets["country"][:2]
    one = index.select({"country": [first.value.key]}, "en")
    both = index.select({"country": [first.value.key, second.value.key]}, "en")
    assert one.total == first.count
    assert both.total == first.count + second.count  # a programme in one country each here
    # the chosen facet keeps its other values' counts (so the reader can add one)
    assert {c.value.key: c.count for c in one.facets["country"]} == {
        c.value.key: c.count for c in everything.facets["country"]
    }
    year = one.facets["year"][0]
    narrowed = index.select({"country": [first.value.key], "year": [year.value.key]}, "en")
    assert narrowed.total == year.count
    assert {i.iri for i in narrowed.items} <= {i.iri for i in one.items}
    assert all(year.value.key in index.keys_of(i.iri, "year") for i in narrowed.items)


def test_items_are_sorted_by_label_in_the_language(generated):
    index, _ = generated
    for lang in ("fr", "en"):
        labels = [i.label(lang) for i in index.select({}, lang).items]
        assert labels == sorted(labels, key=normalise)


def test_page_lists_the_facets_and_the_programme(client):
    page = html(client.get("/explore?lang=en"))
    legends = [legend.get_text(strip=True) for legend in page.select("fieldset legend")]
    assert legends[:3] == ["Country", "Cooperating authority", "Local partner"]
    benin = page.find("input", attrs={"name": "country", "value": BENIN})
    assert benin is not None and not benin.has_attr("checked")
    label = page.find("label", attrs={"for": benin["id"]})
    assert label.get_text(" ", strip=True) == "Benin 1"
    links = [a["href"] for a in page.select("ol.results a")]
    assert links == ["/id/programme/zou-agricultural-development?lang=en"]
    assert page.find("h2", id="results-heading").get_text(strip=True) == "1 programme"


def test_filters_are_a_url_and_can_be_removed(client):
    page = html(client.get("/explore", query_string={"country": BENIN, "authority": HAUTS_DE_SEINE}))
    assert page.find("input", attrs={"name": "country", "value": BENIN}).has_attr("checked")
    chips = page.select("ul.chosen-filters a")
    assert len(chips) == 2
    removed = parse_qs(urlsplit(next(a["href"] for a in chips if "Bénin" in a.get_text())).query)
    assert removed == {"authority": [HAUTS_DE_SEINE]}
    none = html(client.get("/explore", query_string={"country": "https://w3id.org/coopkg/id/country/nowhere"}))
    assert not none.select("ol.results li")
    assert "Aucun programme" in none.find("section", class_="explore-results").get_text()


def test_csv_gives_codes_beside_labels_for_every_row(client):
    response = client.get("/explore.csv", query_string={"country": BENIN, "lang": "en"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["iri"] for r in rows] == [ZOU_PROGRAMME]
    assert rows[0]["country"] == BENIN and rows[0]["country_label"] == "Benin"
    assert rows[0]["authority_label"] == "Hauts-de-Seine Département"
    assert rows[0]["year"] == "2017"
    assert client.get("/explore", headers={"Accept": "text/csv"}).mimetype == "text/csv"


def test_csv_of_every_row_is_streamed_and_the_same_each_time(client, generated):
    index, _ = generated
    first = client.get("/explore.csv", query_string={"lang": "en"}, buffered=False)
    assert first.is_streamed and "Content-Length" not in first.headers  # sent as it is written
    body = first.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == client.get("/explore.json").get_json()["count"] == len({r["iri"] for r in rows})
    assert client.get("/explore.csv", query_string={"lang": "en"}).get_data(as_text=True) == body
    again = client.get("/explore.csv", query_string={"lang": "en"}, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    # the generated graph's index gives one line per programme, with its label in each language
    item = next(iter(index.items))
    english, french = index.csv_line(item, "en"), index.csv_line(item, "fr")
    assert next(csv.reader([english]))[:2] == [item, index.items[item].label("en")]
    assert next(csv.reader([french]))[1] == index.items[item].label("fr")
    assert next(csv.reader([index.csv_header()]))[:4] == ["iri", "label", "country", "country_label"]


def test_json_gives_the_same_selection(client):
    answer = client.get("/explore.json", query_string={"year": "2017"}).get_json()
    assert answer["count"] == 1 and answer["filters"] == {"year": ["2017"]}
    assert answer["items"][0]["iri"] == ZOU_PROGRAMME
    assert {v["value"] for v in answer["items"][0]["country"]} == {BENIN}
    year = answer["facets"]["year"]
    assert year == [{"value": "2017", "label": "2017", "count": 1, "selected": True}]
    assert client.get("/explore", headers={"Accept": "application/json"}).get_json()["count"] == 1


def test_too_many_filter_values_is_a_400_with_its_reason(client):
    response = client.get("/explore", query_string=[("year", str(y)) for y in range(60)])
    assert response.status_code == 400
    assert "at most 50" in response.get_data(as_text=True)


def test_language_switch_keeps_every_filter(client):
    page = html(client.get("/explore", query_string=[("year", "2017"), ("year", "2018")]))
    switch = page.find("a", class_="lang-switch")["href"]
    assert parse_qs(urlsplit(switch).query) == {"year": ["2017", "2018"], "lang": ["en"]}


def test_an_answer_asked_again_is_the_same_and_carries_the_release_validators(client):
    first, second = client.get("/explore?lang=en&year=2017"), client.get("/explore?lang=en&year=2017")
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data() and first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Content-Language"] == "en" and first.mimetype == "text/html"
    again = client.get("/explore?lang=en&year=2017", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    french = client.get("/explore?year=2017")
    assert french.headers["Content-Language"] == "fr" and french.get_data() != first.get_data()
    assert client.get("/map?lang=en").get_data() == client.get("/map?lang=en").get_data()


def test_a_codelist_country_sharing_an_iso_code_counts_as_the_country_described(tmp_path):
    """An imported activity names IATI's Country code BJ: its programme counts under Benin, the
    country the data describes with that notation, not under a second value for the code."""
    extra = tmp_path / "imported.ttl"
    extra.write_text(
        """@prefix coop: <https://w3id.org/coopkg/def/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/coopkg/id/programme/imported-activity> a coop:Programme ;
    coop:country <https://w3id.org/coopkg/def/iati/Country/BJ> , <https://w3id.org/coopkg/def/iati/Country/TG> .
<https://w3id.org/coopkg/def/iati/Country/BJ> skos:inScheme <https://w3id.org/coopkg/def/iati/Country> ;
    skos:notation "BJ" .
<https://w3id.org/coopkg/def/iati/Country/TG> skos:inScheme <https://w3id.org/coopkg/def/iati/Country> ;
    skos:notation "TG" .
""",
        encoding="utf-8",
    )
    knowledge = load_knowledge(PROJECT_ROOT, [PROJECT_ROOT / "graph", extra])
    index = ExploreIndex.build(EmbeddedGraph(build_store(knowledge, Settings().base_iri)), Settings().base_iri)
    imported = "https://w3id.org/coopkg/id/programme/imported-activity"
    assert imported in index.pairs["country"][BENIN]
    assert "https://w3id.org/coopkg/def/iati/Country/BJ" not in index.pairs["country"]
    # a code no described country shares stays a value of its own
    assert index.pairs["country"]["https://w3id.org/coopkg/def/iati/Country/TG"] == {imported}
