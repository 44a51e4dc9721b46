"""Facts are sacred: what the graph says of the press release is in the press release."""

from __future__ import annotations

import re

FOAF = "http://xmlns.com/foaf/0.1/"
COOP = "https://w3id.org/coopkg/def/"


def _values(store, query):
    return [row[0].value for row in store.query(query, use_default_graph_as_union=True)]


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).lower()


def test_every_named_person_is_named_in_a_source(store, press_release_text, sources_readme_text):
    names = _values(store, f"SELECT ?name WHERE {{ ?p a <{FOAF}Person> ; <{FOAF}name> ?name }}")
    assert names
    text = _normalise(press_release_text + sources_readme_text)
    for name in names:
        assert _normalise(name) in text, name


def test_the_technical_operator_stays_unnamed(store, press_release_text):
    unnamed = _values(store, f"SELECT ?o WHERE {{ ?o <{COOP}unnamedInSource> true }}")
    assert any(iri.endswith("/organisation/zou-programme-technical-operator") for iri in unnamed)
    for iri in unnamed:
        assert not _values(store, f"SELECT ?n WHERE {{ <{iri}> <{FOAF}name> ?n }}")
    assert "avec l'appui d'un opérateur technique" in press_release_text


def test_every_text_literal_of_the_data_carries_a_language(store):
    untagged = _values(
        store,
        """SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o }
           FILTER (!STRENDS(STR(?g), "graph/ontology") && !STRENDS(STR(?g), "graph/shapes"))
           FILTER (isLiteral(?o) && DATATYPE(?o) = <http://www.w3.org/2001/XMLSchema#string>)
           FILTER (?p NOT IN (<http://xmlns.com/foaf/0.1/name>, <https://schema.org/telephone>,
                              <https://schema.org/email>, <https://schema.org/creditText>,
                              <http://purl.org/dc/terms/identifier>,
                              <http://www.w3.org/2004/02/skos/core#notation>)) }""",
    )
    assert untagged == []


def test_amounts_are_typed_numbers_with_a_currency(store):
    rows = list(
        store.query(
            """PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
               PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
               SELECT ?value ?unit WHERE { ?o sdmx-measure:obsValue ?value ; sdmx-attribute:unitMeasure ?unit }""",
            use_default_graph_as_union=True,
        )
    )
    assert rows
    for row in rows:
        assert row["value"].datatype.value.rsplit("#", 1)[-1] in {"integer", "decimal"}
        assert row["unit"].value.startswith(COOP + "unit/")
