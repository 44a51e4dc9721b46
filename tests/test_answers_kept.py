"""Answers kept for the release (issue #12): a SPARQL answer or an entity page asked again is given
without being computed again, the same bytes, with the same validators, Vary and 304 answers,
and each language, representation and dataset keeps its own."""

from __future__ import annotations

import json

import pytest

from server.release_cache import ReleaseCache
from server.sparql.answer import QueryFailed
from server.sparql.engine import QueryPool
from server.sparql.worker import Job

ZOU = "/id/organisation/cc-zou"
SMALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ROWS = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 5"
JSON = "application/sparql-results+json"


def test_the_cache_forgets_the_least_recently_used_past_its_limit():
    cache = ReleaseCache(10, entry_bytes=6)
    cache.keep("a", None, b"aaaa")
    cache.keep("b", None, b"bbbb")
    assert cache.get("a") == (None, b"aaaa")  # now the most recently used
    cache.keep("c", None, b"cccc")
    assert cache.get("b") is None and cache.get("a") and cache.get("c")
    cache.keep("long", None, b"0123456789")  # past entry_bytes: not kept, nothing forgotten
    assert cache.get("long") is None and cache.size == 8
    assert ReleaseCache(0).get("a") is None


def test_a_query_asked_again_is_answered_without_a_worker(published):
    pool = QueryPool(published.store_path, size=1, timeout=10.0, cache_mb=1)
    pool.start()
    try:
        first = pool.run(Job(SMALL)).read()
        cut = pool.run(Job(ROWS, max_rows=2))
        assert cut.head.truncated and len(json.loads(cut.read())["results"]["bindings"]) == 2
        pool.stop()  # no worker left: only kept answers can be given
        again = pool.run(Job(SMALL))
        assert again.read() == first and again.head.form == "select"
        assert json.loads(pool.run(Job(ROWS, max_rows=2)).read())["results"]["bindings"]
        with pytest.raises(QueryFailed):  # another row cap is another answer, not kept
            pool.run(Job(ROWS, max_rows=3)).read()
    finally:
        pool.stop()


def test_a_failed_query_is_not_kept(published):
    pool = QueryPool(published.store_path, size=1, timeout=10.0, cache_mb=1)
    try:
        for _ in range(2):
            with pytest.raises(QueryFailed) as failed:
                pool.run(Job("SELECT ?s WHERE { ?s ?p }")).read()
            assert failed.value.failure.status == 400
        assert len(pool.cache) == 0
    finally:
        pool.stop()


def test_a_sparql_answer_carries_the_release_s_validators(client):
    first = client.get("/sparql", query_string={"query": SMALL}, headers={"Accept": JSON})
    assert first.status_code == 200 and first.headers["ETag"] and first.headers["Content-Length"]
    again = client.get("/sparql", query_string={"query": SMALL}, headers={"Accept": JSON})
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    checked = client.get(
        "/sparql", query_string={"query": SMALL}, headers={"Accept": JSON, "If-None-Match": first.headers["ETag"]}
    )
    assert checked.status_code == 304 and not checked.data
    csv = client.get("/sparql", query_string={"query": SMALL}, headers={"Accept": "text/csv"})
    assert csv.headers["ETag"] != first.headers["ETag"] and csv.text.startswith("n\r\n")


@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_an_entity_answer_asked_again_is_the_same_with_the_same_headers(client, accept):
    first = client.get(ZOU, headers={"Accept": accept, "Accept-Language": "en"})
    again = client.get(ZOU, headers={"Accept": accept, "Accept-Language": "en"})
    assert first.status_code == again.status_code == 200
    assert again.data == first.data
    for header in ("ETag", "Last-Modified", "Vary", "Content-Type", "Content-Location", "Link", "X-Coopkg-Release"):
        assert again.headers.get(header) == first.headers.get(header), header
    conditional = {"Accept": accept, "Accept-Language": "en", "If-None-Match": first.headers["ETag"]}
    checked = client.get(ZOU, headers=conditional)
    assert checked.status_code == 304


def test_each_language_of_a_page_is_kept_apart(client):
    pages = {}
    for lang in ("fr", "en", "fr"):
        answer = client.get(ZOU, headers={"Accept": "text/html", "Accept-Language": lang})
        assert answer.headers["Content-Language"] == lang
        pages.setdefault(lang, answer.data)
        assert pages[lang] == answer.data
    assert pages["fr"] != pages["en"]
    chosen = client.get(ZOU + "?lang=en", headers={"Accept": "text/html", "Accept-Language": "fr"})
    assert chosen.headers["Content-Language"] == "en" and "lang=en" in chosen.text


def test_an_unknown_entity_is_not_kept(client, app):
    for _ in range(2):
        assert client.get("/id/organisation/nobody-at-all", headers={"Accept": "text/turtle"}).status_code == 404
    kept = app.extensions.get("coopkg.kept_pages")
    assert kept is None or all("nobody" not in key[2] for key in kept._answers)
