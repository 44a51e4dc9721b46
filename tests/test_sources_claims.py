"""The competency queries of issue #6 answer on the store: claims that disagree (cq8),
presidencies with their periods (cq3), the partnership's dated steps (cq9), Benin (cq10)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server.config import PROJECT_ROOT
from server.queries import competency_queries

ID = "https://w3id.org/coopkg/id/"
PRESS_RELEASE = ID + "source/press-release-zou-delegation"
NEWS_2018 = ID + "source/hds-news-2018-11-08-cooperation-benin"
RENEWAL_NEWS = ID + "source/hds-news-renewed-cooperation-benin"
BENIN_PAGE = ID + "source/hds-page-benin"
AS_STATED, MORE_THAN = "tel qu'énoncé", "plus de"


@pytest.fixture(scope="module")
def queries():
    return {q.slug: q for q in competency_queries(PROJECT_ROOT / "queries")}


def run(store, query) -> list[dict[str, str]]:
    results = store.query(query.text, use_default_graph_as_union=True)
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


def claim(row: dict[str, str], side: str = "") -> tuple[str, Decimal, str]:
    """Return (source, value, qualifier) of one side of a cq8 row."""
    key = (lambda name: side + name[0].upper() + name[1:]) if side else (lambda name: name)
    return row[key("source")], Decimal(row[key("value")]), row[key("qualifierLabel")]


@pytest.mark.parametrize("slug", ["cq8-disagreeing-claims", "cq9-partnership-history", "cq10-benin-figures"])
def test_new_queries_ask_their_question_in_french_and_english(queries, slug):
    assert set(queries[slug].question) == {"fr", "en"}
    assert all(queries[slug].question.values())


def test_cq8_returns_the_three_disagreeing_pairs_with_their_sources(store, queries):
    rows = run(store, queries["cq8-disagreeing-claims"])
    disagreeing = {frozenset({claim(r), claim(r, "other")}) for r in rows if r["sameValue"] == "false"}
    assert disagreeing == {
        # the programme's start: "since 2017" against "initiated in 2018"
        frozenset({(PRESS_RELEASE, Decimal(2017), AS_STATED), (RENEWAL_NEWS, Decimal(2018), AS_STATED)}),
        # 465 family farms against "more than 450" farms helped
        frozenset({(PRESS_RELEASE, Decimal(465), AS_STATED), (RENEWAL_NEWS, Decimal(450), MORE_THAN)}),
        # 37 solidarity enterprises against "more than thirty" entrepreneurs trained
        frozenset({(PRESS_RELEASE, Decimal(37), AS_STATED), (RENEWAL_NEWS, Decimal(30), MORE_THAN)}),
    }


def test_cq8_shows_the_agreeing_pair_as_agreeing(store, queries):
    rows = run(store, queries["cq8-disagreeing-claims"])
    agreeing = [frozenset({claim(r), claim(r, "other")}) for r in rows if r["sameValue"] == "true"]
    assert agreeing == [
        frozenset({(PRESS_RELEASE, Decimal(2800000), AS_STATED), (RENEWAL_NEWS, Decimal(2800000), AS_STATED)})
    ]


def test_cq8_keeps_each_sources_words_and_title(store, queries):
    rows = run(store, queries["cq8-disagreeing-claims"])
    words = {r["statedAs"] for r in rows} | {r["otherStatedAs"] for r in rows}
    assert "more than 450 farms helped" in words
    assert "more than thirty solidarity entrepreneurs trained" in words
    assert any("depuis 2017" in w for w in words)
    titles = {r["sourceTitle"] for r in rows} | {r["otherSourceTitle"] for r in rows}
    assert "Une coopération renouvelée avec le Bénin, « pour aller plus loin »" in titles


def test_cq3_lists_each_presidency_with_its_period_and_source(store, queries):
    rows = run(store, queries["cq3-presidents"])
    found = {(r["name"], r.get("inOfficeOn"), r["source"]) for r in rows}
    assert found == {
        ("Patrick Devedjian", "2018-11-08", NEWS_2018),
        ("Luc Sètonjo Atrokpo", "2018-11-08", NEWS_2018),
        ("Georges Siffredi", None, PRESS_RELEASE),
        ("Amoussou Auguste Aïhunhin", None, PRESS_RELEASE),
    }
    assert not any("from" in r or "until" in r for r in rows), "no source bounds a presidency"


def test_cq9_credits_each_date_only_to_the_source_that_gives_it(store, queries):
    rows = run(store, queries["cq9-partnership-history"])
    by_step = {}
    for r in rows:
        by_step.setdefault((r["when"], r["what"]), set()).add(r["source"])
    assert by_step[("2018-11-08", "signature")] == {NEWS_2018}
    assert by_step[("2017", "relations begin")] == {BENIN_PAGE}
    assert by_step[("2018", "start of validity")] == {PRESS_RELEASE, BENIN_PAGE}
    assert ("2017-05-15", "event") in by_step
    assert [r["when"] for r in rows] == sorted(r["when"] for r in rows)


def test_cq10_gives_every_benin_figure_from_the_benin_page(store, queries):
    rows = run(store, queries["cq10-benin-figures"])
    assert len({r["indicatorLabel"] for r in rows}) == 9
    assert {r["source"] for r in rows} == {BENIN_PAGE}
