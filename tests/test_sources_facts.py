"""Each fact issue #6 adds answers a SPARQL query on the store, traced to its own source.

Expected values are those sources/notes-web-pages.md gives for each source.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from server.config import PROJECT_ROOT

PREFIXES = """
PREFIX coop: <https://w3id.org/coopkg/def/>
PREFIX unit: <https://w3id.org/coopkg/def/unit/>
PREFIX qualifier: <https://w3id.org/coopkg/def/qualifier/>
PREFIX aggregation: <https://w3id.org/coopkg/def/aggregation/>
PREFIX role: <https://w3id.org/coopkg/def/role/>
PREFIX dac: <https://w3id.org/coopkg/def/iati/sector/>
PREFIX source: <https://w3id.org/coopkg/id/source/>
PREFIX organisation: <https://w3id.org/coopkg/id/organisation/>
PREFIX person: <https://w3id.org/coopkg/id/person/>
PREFIX convention: <https://w3id.org/coopkg/id/convention/>
PREFIX programme: <https://w3id.org/coopkg/id/programme/>
PREFIX partnership: <https://w3id.org/coopkg/id/partnership/>
PREFIX policy: <https://w3id.org/coopkg/id/policy/>
PREFIX country: <https://w3id.org/coopkg/id/country/>
PREFIX place: <https://w3id.org/coopkg/id/place/>
PREFIX observation: <https://w3id.org/coopkg/id/observation/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

ID = "https://w3id.org/coopkg/id/"
NEWS_2018 = ID + "source/hds-news-2018-11-08-cooperation-benin"
DEVEDJIAN_2017 = ID + "source/devedjian-2017-05-15-cooperation-benin"
ZOU_PAGE = ID + "source/hds-page-zou-agricultural-production"
RENEWAL_NEWS = ID + "source/hds-news-renewed-cooperation-benin"
BENIN_PAGE = ID + "source/hds-page-benin"
PRESS_RELEASE = ID + "source/press-release-zou-delegation"


def select(store, query: str) -> list[dict[str, str]]:
    """Return the rows of a SELECT as dicts of lexical values (unbound variables left out)."""
    results = store.query(PREFIXES + query, use_default_graph_as_union=True)
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


def ask(store, query: str) -> bool:
    return bool(store.query(PREFIXES + query, use_default_graph_as_union=True))


# --- the source documents ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "title", "kind", "url_start"),
    [
        (
            NEWS_2018,
            "Coopération décentralisée : les Hauts-de-Seine s'engagent avec le Bénin",
            "NewsArticle",
            "http://www.hauts-de-seine.fr/actualite/",
        ),
        (
            DEVEDJIAN_2017,
            "Coopération avec le Bénin (Département du Zou), 15 mai 2017",
            "WebPage",
            "http://patrickdevedjian.fr/",
        ),
        (
            ZOU_PAGE,
            "Bénin : appuyer la production agricole locale du Zou",
            "WebPage",
            "http://www.hauts-de-seine.fr/economie-emploi/",
        ),
        (
            RENEWAL_NEWS,
            "Une coopération renouvelée avec le Bénin, « pour aller plus loin »",
            "NewsArticle",
            "https://hauts-de-seine.fr/toutes-les-actualites/",
        ),
        (BENIN_PAGE, "Le Bénin", "WebPage", "https://www.hauts-de-seine.fr/mon-departement/"),
    ],
)
def test_each_source_is_a_document_with_title_publisher_and_address(store, document, title, kind, url_start):
    rows = select(
        store,
        f"""SELECT ?title ?url ?publisher WHERE {{
            <{document}> a foaf:Document , schema:{kind} ; dct:title ?title ; schema:url ?url ;
                dct:publisher ?publisher .
            FILTER (lang(?title) = "fr")
        }}""",
    )
    assert [r["title"] for r in rows] == [title]
    assert rows[0]["url"].startswith(url_start)


def test_dates_are_those_of_the_pages_not_of_what_they_report(store):
    rows = select(
        store,
        """SELECT ?doc ?issued ?modified WHERE {
            ?doc a/rdfs:subClassOf* foaf:Document .
            OPTIONAL { ?doc dct:issued ?issued } OPTIONAL { ?doc dct:modified ?modified }
        }""",
    )
    dates = {r["doc"]: (r.get("issued"), r.get("modified")) for r in rows}
    assert dates[NEWS_2018] == ("2018-11-08", None)
    assert dates[ZOU_PAGE] == (None, "2018-04-16")
    # The title's 15 May 2017 dates the session; 2022-11-28 dates a third party's report.
    for undated in (DEVEDJIAN_2017, RENEWAL_NEWS, BENIN_PAGE, PRESS_RELEASE):
        assert dates[undated] == (None, None)


def test_the_publisher_of_patrickdevedjian_fr_stays_unnamed(store):
    assert ask(
        store,
        f"""ASK {{ <{DEVEDJIAN_2017}> dct:publisher ?p . ?p coop:unnamedInSource true .
                 FILTER NOT EXISTS {{ ?p foaf:name ?name }} }}""",
    )


# --- 8 November 2018: the first convention and the presidents then (source 1) -------------


def test_first_convention_signed_on_2018_11_08_by_both_presidents(store):
    rows = select(
        store,
        """SELECT ?date ?source ?issued ?name WHERE {
            convention:2018 coop:signedOn ?day ; dct:issued ?issued ; coop:signatory/foaf:name ?name .
            ?day time:inXSDDate ?date ; prov:wasDerivedFrom ?source .
        }""",
    )
    assert {r["name"] for r in rows} == {"Patrick Devedjian", "Luc Sètonjo Atrokpo"}
    assert {(r["date"], r["source"], r["issued"]) for r in rows} == {("2018-11-08", NEWS_2018, "2018")}


def test_first_convention_keeps_the_press_release_beside_the_new_sources(store):
    rows = select(store, "SELECT ?s WHERE { convention:2018 prov:wasDerivedFrom ?s }")
    assert {r["s"] for r in rows} == {PRESS_RELEASE, NEWS_2018, BENIN_PAGE}


@pytest.mark.parametrize(
    ("name", "organisation", "source"),
    [
        ("Patrick Devedjian", "hauts-de-seine", NEWS_2018),
        ("Luc Sètonjo Atrokpo", "cc-zou", NEWS_2018),
        ("Georges Siffredi", "hauts-de-seine", PRESS_RELEASE),
        ("Amoussou Auguste Aïhunhin", "cc-zou", PRESS_RELEASE),
    ],
)
def test_presidencies_are_bounded_only_by_what_their_source_says(store, name, organisation, source):
    rows = select(
        store,
        f"""SELECT ?holding ?instant ?date ?source ?begin ?end WHERE {{
            ?holding a org:Membership ; org:role role:president ;
                org:organization organisation:{organisation} ;
                org:member/foaf:name "{name}" ; org:memberDuring ?period ; prov:wasDerivedFrom ?source .
            ?period time:inside ?instant .
            OPTIONAL {{ ?instant time:inXSDDate ?date }}
            OPTIONAL {{ ?period time:hasBeginning ?begin }} OPTIONAL {{ ?period time:hasEnd ?end }}
        }}""",
    )
    assert len(rows) == 1
    row = rows[0]
    assert row["source"] == source
    assert "begin" not in row and "end" not in row  # "in office on a day", not "from a year"
    if source == NEWS_2018:
        assert row["date"] == "2018-11-08"
    else:  # the press release's own, undated, time
        assert "date" not in row
        assert ask(store, f"ASK {{ <{row['instant']}> coop:timeOfSource <{PRESS_RELEASE}> }}")


def test_cc_zou_has_nine_communes_around_abomey(store):
    rows = select(
        store,
        """SELECT ?value ?unit ?town ?source WHERE {
            organisation:cc-zou coop:chiefTown/rdfs:label ?town .
            ?obs coop:indicator/coop:indicatorOf organisation:cc-zou ; sdmx-measure:obsValue ?value ;
                sdmx-attribute:unitMeasure ?unit ; prov:wasDerivedFrom ?source .
            FILTER (lang(?town) = "fr")
        }""",
    )
    assert rows == [
        {
            "value": "9",
            "unit": "https://w3id.org/coopkg/def/unit/commune",
            "town": "Abomey",
            "source": NEWS_2018,
        }
    ]


def test_benin_came_after_armenia_cambodia_and_haiti(store):
    rows = select(
        store,
        """SELECT ?before ?source WHERE {
            policy:hauts-de-seine-international-cooperation coop:countryEntry ?entry .
            ?entry coop:country country:benin ; coop:afterCountry/rdfs:label ?before ;
                prov:wasDerivedFrom ?source .
            FILTER (lang(?before) = "en")
        }""",
    )
    assert {r["before"] for r in rows} == {"Armenia", "Cambodia", "Haiti"}
    assert {r["source"] for r in rows} == {NEWS_2018}


def test_programme_targets_women_and_young_people_in_rural_areas(store):
    rows = select(
        store,
        """SELECT ?label ?source WHERE {
            programme:zou-agricultural-development coop:targetGroup ?group .
            ?group skos:prefLabel ?label ; prov:wasDerivedFrom ?source . FILTER (lang(?label) = "en")
        }""",
    )
    assert {r["label"] for r in rows} == {"Women in rural areas", "Young people in rural areas"}
    assert {r["source"] for r in rows} == {NEWS_2018}


# --- 15 May 2017: the standing committee, the 2017 budget, objectives, sectors -------------


def test_standing_committee_adopted_the_programme_on_2017_05_15(store):
    rows = select(
        store,
        """SELECT ?date ?source WHERE {
            ?event schema:organizer ?committee ; schema:startDate ?date ;
                dct:subject programme:zou-agricultural-development ; prov:wasDerivedFrom ?source .
            ?committee org:unitOf organisation:hauts-de-seine .
        }""",
    )
    assert rows == [{"date": "2017-05-15", "source": DEVEDJIAN_2017}]


def test_2017_budget_is_eur_275010_for_the_year_2017(store):
    rows = select(
        store,
        """SELECT ?value ?qualifier ?aggregation ?start ?end ?source WHERE {
            ?obs coop:indicator/coop:indicatorOf programme:zou-agricultural-development ;
                sdmx-attribute:unitMeasure unit:euro ; sdmx-measure:obsValue ?value ;
                coop:valueQualifier ?qualifier ; coop:aggregation ?aggregation ;
                sdmx-dimension:refPeriod ?period ; prov:wasDerivedFrom ?source .
            ?period dcat:startDate ?start ; dcat:endDate ?end .
            FILTER (?source = source:devedjian-2017-05-15-cooperation-benin)
        }""",
    )
    assert len(rows) == 1
    row = rows[0]
    assert Decimal(row["value"]) == Decimal(275010)
    assert (row["start"], row["end"]) == ("2017", "2017")
    assert row["qualifier"].endswith("/qualifier/as-stated")
    assert row["aggregation"].endswith("/aggregation/per-year")


def test_three_objectives_of_2017_with_their_source(store):
    rows = select(
        store,
        """SELECT ?label WHERE {
            programme:zou-agricultural-development coop:stake ?stake .
            ?stake skos:prefLabel ?label ; prov:wasDerivedFrom source:devedjian-2017-05-15-cooperation-benin .
            FILTER (lang(?label) = "en")
        }""",
    )
    assert {r["label"] for r in rows} == {
        "Strengthen family farming",
        "Raise farmers' incomes",
        "Create lasting local jobs",
    }


def test_each_source_keeps_its_own_list_of_sectors(store):
    rows = select(
        store,
        """SELECT ?source (COUNT(DISTINCT ?sector) AS ?n) WHERE {
            programme:zou-agricultural-development coop:sector ?sector .
            ?sector skos:inScheme ?scheme ; prov:wasDerivedFrom ?source .
            ?scheme prov:wasDerivedFrom ?source .
        } GROUP BY ?source""",
    )
    assert {r["source"]: int(r["n"]) for r in rows} == {DEVEDJIAN_2017: 4, ZOU_PAGE: 4}


def _iati_sector_names() -> dict[str, dict[str | None, str]]:
    path = PROJECT_ROOT / "reference" / "iati" / "codelists" / "non-embedded" / "Sector.xml"
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    return {
        item.findtext("code"): {n.get(lang): n.text for n in item.find("name").findall("narrative")}
        for item in ET.parse(path).getroot().iter("codelist-item")
    }


def test_dac_codes_matched_to_sectors_carry_the_iati_names(store):
    rows = select(
        store,
        """SELECT DISTINCT ?code ?fr ?en WHERE {
            programme:zou-agricultural-development coop:sector/(skos:closeMatch|skos:relatedMatch) ?dac .
            ?dac skos:notation ?code ; skos:prefLabel ?fr , ?en .
            FILTER (lang(?fr) = "fr" && lang(?en) = "en")
        }""",
    )
    names = _iati_sector_names()
    assert {r["code"] for r in rows} == {"31161", "31163", "32161"}
    for r in rows:
        assert (r["fr"], r["en"]) == (names[r["code"]]["fr"], names[r["code"]][None])


# --- the renewal and the history (sources 4 and 5) ----------------------------------------


def test_second_convention_signed_during_the_visit_with_its_further_aims(store):
    rows = select(
        store,
        """SELECT ?aim WHERE {
            convention:2022-2026 prov:wasGeneratedBy ?visit ; coop:purpose ?aim ;
                prov:wasDerivedFrom source:hds-news-renewed-cooperation-benin .
            ?visit a schema:Event ; schema:attendee organisation:cc-zou .
            FILTER (lang(?aim) = "en")
        }""",
    )
    aims = " | ".join(r["aim"] for r in rows)
    for words in ("waste management", "university network", "innovation and agronomic training"):
        assert words in aims


def test_relations_began_in_2017_with_an_unnamed_technical_operator(store):
    assert ask(
        store,
        """ASK {
            partnership:hauts-de-seine-zou dct:temporal ?period .
            ?period dcat:startDate "2017"^^xsd:gYear ; prov:wasDerivedFrom source:hds-page-benin .
            organisation:zou-programme-technical-operator coop:unnamedInSource true ;
                prov:wasDerivedFrom source:hds-page-benin .
            FILTER NOT EXISTS { organisation:zou-programme-technical-operator foaf:name ?name }
        }""",
    )


def test_renewed_in_2022_for_four_years_per_the_benin_page(store):
    # DISTINCT: the press release and the page both state the period, so the default graph
    # (the union of the source graphs) holds its facts twice, once per graph.
    rows = select(
        store,
        """SELECT DISTINCT ?start ?duration WHERE {
            convention:2022-2026 dct:temporal ?period ; prov:wasDerivedFrom source:hds-page-benin .
            ?period dcat:startDate ?start ; time:hasXSDDuration ?duration ;
                prov:wasDerivedFrom source:hds-page-benin .
        }""",
    )
    assert rows == [{"start": "2022", "duration": "P4Y"}]


# --- Benin in figures (source 5) -----------------------------------------------------------

BENIN_FIGURES = [
    ("Population", "13000000", "person", "2021"),
    ("Rural population share", "51", "percent", "2021"),
    ("Area", "114760", "square-kilometre", None),
    ("Life expectancy", "60", "year", "2020"),
    ("Human development index", "0.525", "index", "2020"),
    ("Rank by human development index", "166", "rank", "2020"),
    ("Countries ranked by human development index", "191", "country", "2020"),
    ("GDP per inhabitant", "1319", "us-dollar", "2021"),
    ("Growth (as the page names it)", "7.2", "percent", "2021"),
]


@pytest.mark.parametrize(("indicator", "value", "unit", "year"), BENIN_FIGURES)
def test_benin_figure_with_its_year_unit_and_source(store, indicator, value, unit, year):
    rows = select(
        store,
        f"""SELECT ?value ?unit ?start ?end ?source WHERE {{
            ?obs sdmx-dimension:refArea country:benin ; coop:indicator/skos:prefLabel "{indicator}"@en ;
                sdmx-measure:obsValue ?value ; sdmx-attribute:unitMeasure ?unit ;
                sdmx-dimension:refPeriod ?period ; prov:wasDerivedFrom ?source .
            OPTIONAL {{ ?period dcat:startDate ?start ; dcat:endDate ?end }}
        }}""",
    )
    assert len(rows) == 1
    row = rows[0]
    assert Decimal(row["value"]) == Decimal(value)
    assert row["unit"] == "https://w3id.org/coopkg/def/unit/" + unit
    assert row["source"] == BENIN_PAGE
    assert (row.get("start"), row.get("end")) == (year, year)


# --- links to the world --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "wikidata", "iso"),
    [("benin", "Q962", "BJ"), ("armenia", "Q399", "AM"), ("cambodia", "Q424", "KH"), ("haiti", "Q790", "HT")],
)
def test_countries_link_to_wikidata_and_iso_3166(store, slug, wikidata, iso):
    rows = select(
        store,
        f"""SELECT ?same ?code WHERE {{
            country:{slug} owl:sameAs ?same ; skos:notation ?code .
            FILTER (datatype(?code) = coop:iso3166-1-alpha-2)
        }}""",
    )
    assert rows == [{"same": "http://www.wikidata.org/entity/" + wikidata, "code": iso}]


def test_zou_department_has_its_iso_3166_2_code_and_france_is_not_asserted(store):
    assert ask(store, 'ASK { place:zou-department skos:notation "BJ-ZO"^^coop:iso3166-2 }')
    # No source says the Département is in France: no France node, no Q142 (docs/gaps.md).
    assert not ask(store, "ASK { ?x owl:sameAs <http://www.wikidata.org/entity/Q142> }")
    assert not ask(store, "ASK { organisation:hauts-de-seine coop:country ?c }")


# --- the press release's facts are not merged into the others -------------------------------


def test_press_release_figures_keep_their_single_source(store):
    rows = select(
        store,
        """SELECT ?obs (COUNT(DISTINCT ?source) AS ?n) WHERE {
            ?obs a qb:Observation ; prov:wasDerivedFrom ?source .
        } GROUP BY ?obs""",
    )
    assert rows and all(r["n"] == "1" for r in rows)


# --- the vocabulary added for issue #6 -----------------------------------------------------


def test_every_new_term_has_a_label_and_a_definition_in_french_and_english(knowledge):
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDFS, SKOS

    added = Graph().parse(PROJECT_ROOT / "ontology" / "history-and-claims.ttl", format="turtle")
    coop = "https://w3id.org/coopkg/def/"
    terms = {s for s in added.subjects() if isinstance(s, URIRef) and s.startswith(coop)}
    terms -= {URIRef(coop + "Units")}  # the existing scheme, given more concepts here
    assert len(terms) > 10
    ontology = knowledge.rdflib_graph("ontology")
    for term in terms:
        for prop in ((RDFS.label, SKOS.prefLabel), (SKOS.definition,)):
            langs = {o.language for p in prop for o in ontology.objects(term, p)}
            assert {"fr", "en"} <= langs, f"{term} lacks {prop} in fr or en"
