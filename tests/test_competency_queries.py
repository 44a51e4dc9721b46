"""Each competency question answers from the graph what the press release says.

Expected answers are read from the source text itself (the bullet lists, the names, the
figures), so that a fact changed in graph/ without the source saying it makes a test fail.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from engine_server import EngineStore

from server.config import PROJECT_ROOT
from server.queries import competency_queries

ID = "https://w3id.org/coopkg/id/"
PRESS_RELEASE = ID + "source/press-release-zou-delegation"
QUERIES = {q.slug: q for q in competency_queries(PROJECT_ROOT / "queries")}


@pytest.fixture(scope="module")
def store(store, engine_graph):
    """What answers the competency questions: the release's store, or the engine the test runs
    on, sent each query's text as it is (the release's graphs as dataset)."""
    return store if engine_graph is None else EngineStore(engine_graph)


def ask(store, slug: str) -> list[dict[str, str]]:
    """Return the rows of a competency query, each as {variable: lexical value}."""
    solutions = store.query(QUERIES[slug].text, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


def from_press_release(store, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Keep the rows whose ?observation the press release states."""
    stated = {
        row[0].value
        for row in store.query(
            f"SELECT ?o WHERE {{ ?o <http://www.w3.org/ns/prov#wasDerivedFrom> <{PRESS_RELEASE}> }}",
            use_default_graph_as_union=True,
        )
    }
    return [row for row in rows if row["observation"] in stated]


def bullets_after(text: str, heading: str) -> list[str]:
    """Return the '- ' lines of the list that follows `heading` in the source text."""
    after = text[text.index(heading) + len(heading) :]
    lines = []
    for line in after.splitlines():
        if line.startswith("- "):
            lines.append(line[2:].strip())
        elif lines and line.strip():
            break
    return lines


def test_every_query_has_its_question_in_french_and_english():
    assert len(QUERIES) >= 7
    for query in QUERIES.values():
        assert set(query.question) >= {"fr", "en"}, query.slug
        assert query.question["fr"].endswith("?") and query.question["en"].endswith("?")


def test_cq1_partners_and_countries(store, press_release_text):
    sentence = re.search(r"sur quatre pays : (.+?)\.", press_release_text).group(1)
    countries = {re.sub(r"^(l'|le |la )", "", c.strip()) for c in re.split(r",| et ", sentence)}
    rows = ask(store, "cq1-partners-and-countries")
    assert {row["countryLabel"] for row in rows} == countries
    partners = {(row["countryLabel"], row["partnerLabel"]) for row in rows if "partnerLabel" in row}
    assert partners == {("Bénin", "Communauté de Communes du Zou")}
    assert "Communauté de Communes du Zou au Bénin" in press_release_text


def test_cq2_conventions_periods_signatories_renewal(store, press_release_text):
    start, end = re.search(r"convention de partenariat (\d{4}) – (\d{4})", press_release_text).groups()
    signed = re.search(
        r"\n(.+?), Président du Département.+? et (.+?), Président de la .+? ont signé", press_release_text
    )
    rows = ask(store, "cq2-conventions")
    renewing = [row for row in rows if row.get("start") == start]
    assert {row["end"] for row in renewing} == {end}
    assert {row["signatoryName"] for row in renewing} == set(signed.groups())
    first = re.search(r"une première convention a été formalisée en (\d{4})", press_release_text).group(1)
    earlier = {row["convention"] for row in rows if row.get("start") == first}
    assert len(earlier) == 1
    assert {row["renews"] for row in renewing} == earlier


def test_cq3_presidents_and_their_source(store, press_release_text):
    rows = ask(store, "cq3-presidents")
    from_release = [row for row in rows if row["source"].endswith("/source/press-release-zou-delegation")]
    assert len(from_release) == 2
    for row in from_release:
        organisation = row["organisationLabel"]
        assert (
            f"{row['name']}, Président {'du' if organisation.startswith('Département') else 'de la'} {organisation}"
            in (press_release_text)
        )
        assert row["sourceTitle"] in press_release_text


def test_cq4_stakes_are_the_sources_list(store, press_release_text):
    stakes = [s.rstrip(" ;") for s in bullets_after(press_release_text, "a pour enjeux de :")]
    rows = [row for row in ask(store, "cq4-stakes") if row["source"] == PRESS_RELEASE]
    assert [row["labelFr"] for row in rows] == stakes
    assert all(row["labelEn"] for row in rows)
    assert all(row["sdgTarget"].startswith("http://metadata.un.org/sdg/2.") for row in rows if "sdgTarget" in row)


def _figures(text: str) -> dict[Decimal, bool]:
    """Return {number: stated as 'plus de'} for the figures list of the press release."""
    figures = {}
    for line in bullets_after(text, "en quelques chiffres"):
        for number in re.findall(r"(?<!depuis )\b\d+(?:,\d+)?", line):  # "depuis 2017" is a period
            value = Decimal(number.replace(",", "."))
            figures[value * 1_000_000 if "M€" in line else value] = line.lower().startswith("plus de")
    return figures


def test_cq5_indicators_have_value_unit_period_qualifier(store, press_release_text):
    rows = from_press_release(store, ask(store, "cq5-indicators"))
    figures = _figures(press_release_text)
    assert len(figures) == 6  # five bullets; 465 family farms and 270 soy-processing farms share one
    stated = {Decimal(row["value"]): row["qualifierLabel"] == "plus de" for row in rows}
    assert figures.items() <= stated.items()
    # Beyond the figures list, the press release's "depuis 2017" is the programme's start year.
    assert {f"depuis {value}" for value in stated.keys() - figures.keys()} <= {"depuis 2017"}
    rows = [row for row in rows if Decimal(row["value"]) in figures]
    for row in rows:
        assert row["unitLabel"] and row["periodLabel"] and row["aggregationLabel"]
    by_value = {Decimal(row["value"]): row for row in rows}
    assert by_value[Decimal(70)]["aggregationLabel"] == "par an"
    assert by_value[Decimal(2_800_000)]["periodLabel"] == "depuis 2017"
    assert by_value[Decimal(2_800_000)]["aggregationLabel"].startswith("cumul")


def test_cq6_investment_in_benin_and_in_all_cooperation(store, press_release_text):
    rows = from_press_release(store, ask(store, "cq6-investment"))
    assert [(row["since"], Decimal(row["value"]), row["currency"]) for row in rows] == [
        ("2008", Decimal(25_000_000), "EUR"),
        ("2017", Decimal(2_800_000), "EUR"),
    ]
    assert "depuis 2008" in press_release_text and "plus de 25 millions d'euros" in press_release_text
    assert "2,8 M€** investis par le Département depuis 2017" in press_release_text
    qualifiers = {row["since"]: row["qualifierLabel"] for row in rows}
    assert qualifiers == {"2008": "plus de", "2017": "tel qu'énoncé"}


def test_cq7_every_figure_is_quoted_from_its_source(store, press_release_text):
    rows = ask(store, "cq7-figure-sources")
    observations = store.query(
        "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a <http://purl.org/linked-data/cube#Observation> }",
        use_default_graph_as_union=True,
    )
    assert len({row["observation"] for row in rows}) == int(next(observations)["n"].value)
    flat = re.sub(r"\*\*", "", press_release_text)
    for row in rows:
        if row["source"] != ID + "source/press-release-zou-delegation":
            continue
        for piece in row["statedAs"].split(" […] "):
            assert piece in flat, piece
        assert row["publisherLabel"] == "Département des Hauts-de-Seine"
