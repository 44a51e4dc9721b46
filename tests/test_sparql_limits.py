"""Pages never wait behind SPARQL: the queries in at once and their wait for a worker are bounded
(past either bound, 503 with Retry-After at once), the bound leaves threads to the pages, and a
query worker's memory is limited, with a clear answer when a query needs more."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from html.parser import HTMLParser

import pytest
import requests
from pool_support import messages, wait_for

from server import create_app
from server.config import ConfigError, Settings
from server.sparql.answer import QueryFailed
from server.sparql.crashes import CRASHING, query_hash
from server.sparql.engine import QueryPool
from server.sparql.worker import Job

SMALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # runs until the time limit
# Sorting the pairs of a cross product keeps every pair in memory: hundreds of MB within a second.
HUNGRY = "SELECT ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY STR(?c) STR(?f)"
JSON = "application/sparql-results+json"
SMALL_LIMIT_MB = 64  # test-only: the default (1024) would take a few seconds to fill


def in_background(pool: QueryPool, query: str) -> threading.Thread:
    """Run `query` on `pool` in a thread (its answer or failure does not matter)."""

    def run():
        with contextlib.suppress(QueryFailed):
            pool.run(Job(query)).read()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


# --- the bounds ----------------------------------------------------------------------------------


def test_a_full_pool_turns_a_query_away_at_once_with_retry_after(published, caplog):
    caplog.set_level(logging.INFO, logger="coopkg.sparql")
    pool = QueryPool(published.store_path, size=1, timeout=8.0, queue=1, wait=8.0, retry_delays=(0.2,))
    pool.start()
    try:
        running = in_background(pool, CROSS_PRODUCT)
        wait_for(lambda: pool.status().busy == 1)
        waiting = in_background(pool, CROSS_PRODUCT)
        wait_for(lambda: pool.status().queries_in == 2)

        started = time.monotonic()
        with pytest.raises(QueryFailed) as turned_away:
            pool.run(Job(SMALL))
        assert time.monotonic() - started < pool.timeout  # not after the running query's time limit
        assert turned_away.value.failure.status == 503
        assert "too many queries at once" in turned_away.value.failure.message
        assert turned_away.value.retry_after == 8
        assert pool.status().queries_turned_away == 1
        assert f"query {query_hash(SMALL)} turned away: 2 queries are answered or waiting already" in messages(caplog)

        for thread in (running, waiting):
            thread.join(30)
        wait_for(lambda: pool.status().alive == 1)
        assert pool.status().queries_in == 0  # every place is given back, whatever the answer was
        assert pool.run(Job(SMALL)).read()
    finally:
        pool.stop()


def test_a_query_waits_for_a_worker_at_most_query_wait(published):
    pool = QueryPool(published.store_path, size=1, timeout=3.0, queue=4, wait=0.3, retry_delays=(0.2,))
    pool.start()
    try:
        running = in_background(pool, CROSS_PRODUCT)
        wait_for(lambda: pool.status().busy == 1)
        started = time.monotonic()
        with pytest.raises(QueryFailed) as busy:
            pool.run(Job(SMALL))
        assert time.monotonic() - started < pool.timeout
        assert busy.value.failure.status == 503 and "every query worker is busy" in busy.value.failure.message
        assert busy.value.retry_after == 1
        running.join(30)
        wait_for(lambda: pool.status().alive == 1)
        assert [pool.run(Job(SMALL)).read() for _ in range(pool.limit + 1)]  # places are given back
        assert pool.status().queries_in == 0
    finally:
        pool.stop()


@pytest.mark.parametrize(
    ("settings", "in_flight"),
    [
        ({}, 6),  # 2 workers and twice as many waiting, of 8 threads
        ({"query_workers": 1, "query_queue": 1, "threads": 4}, 2),
        ({"query_workers": 3, "query_queue": 0, "threads": 5}, 3),
    ],
)
def test_settings_leave_threads_to_the_pages(settings, in_flight):
    loaded = Settings.load(settings, environ={})
    assert loaded.queries_in_flight == in_flight
    assert loaded.queries_in_flight <= loaded.threads - 2


@pytest.mark.parametrize(
    "settings",
    [
        {"query_workers": 4},  # 4 + 8 waiting of 8 threads
        {"query_queue": 5},
        {"threads": 4},
        {"query_workers": 2, "query_queue": 0, "threads": 3},
    ],
)
def test_settings_that_would_let_sparql_hold_the_pages_threads_are_refused(settings):
    with pytest.raises(ConfigError, match=r"must leave at least 2 of the \d+ 'threads' to pages"):
        Settings.load(settings, environ={})


@pytest.mark.parametrize("setting", ["query_queue", "query_wait", "query_memory_mb"])
def test_negative_limits_are_refused(setting):
    with pytest.raises(ConfigError, match=f"setting '{setting}' must not be negative"):
        Settings.load({setting: "-1"}, environ={})


class _Title(HTMLParser):
    def __init__(self):
        super().__init__()
        self.title, self._in_title = "", False

    def handle_starttag(self, tag, attrs):
        self._in_title = tag == "title"

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag):
        self._in_title = False


def test_pages_answer_while_a_full_queue_turns_queries_away(serve):
    settings = {"query_workers": 1, "query_queue": 1, "threads": 4, "query_timeout": 6, "query_wait": 6}
    with serve(**settings) as server:

        def ask(query: str) -> requests.Response:
            return requests.get(server.sparql, params={"query": query}, headers={"Accept": JSON}, timeout=60)

        def sparql_in() -> int:
            return requests.get(server.url + "health", timeout=10).json()["sparql"]["queries"]["in"]

        background = [threading.Thread(target=ask, args=(CROSS_PRODUCT,), daemon=True) for _ in range(2)]
        for thread in background:
            thread.start()
        wait_for(lambda: sparql_in() == 2)

        started = time.monotonic()
        turned_away = ask(SMALL)
        assert time.monotonic() - started < settings["query_timeout"]
        assert turned_away.status_code == 503
        assert int(turned_away.headers["Retry-After"]) >= 1
        assert turned_away.headers["Content-Type"].startswith("text/plain")
        assert "too many queries at once" in turned_away.text

        home = requests.get(server.url, headers={"Accept": "text/html"}, timeout=60)
        assert home.status_code == 200
        title = _Title()
        title.feed(home.text)
        assert title.title.strip()
        health = requests.get(server.url + "health", timeout=60)
        assert health.status_code == 200
        assert health.json()["sparql"]["queries"]["turned_away"] >= 1
        assert health.json()["sparql"]["queries"]["limit"] == 2
        for thread in background:
            thread.join(60)


# --- the memory limit ----------------------------------------------------------------------------


def test_a_hungry_query_is_stopped_at_the_memory_limit_and_the_pool_heals(published, caplog):
    caplog.set_level(logging.INFO, logger="coopkg.sparql")
    pool = QueryPool(published.store_path, size=2, timeout=30.0, memory_mb=SMALL_LIMIT_MB, retry_delays=(0.2,))
    pool.start()
    try:
        for _ in range(2):  # not remembered as a crash: the second time is stopped the same way
            with pytest.raises(QueryFailed) as stopped:
                pool.run(Job(HUNGRY)).read()
            assert stopped.value.failure.status == 503
            assert stopped.value.failure.message == (
                f"query stopped: it needed more memory than the limit of {SMALL_LIMIT_MB} MB per query"
            )
            assert stopped.value.failure.message != CRASHING
            wait_for(lambda: pool.status().alive == 2)
        stops = [m for m in messages(caplog) if "stopped at the memory limit" in m]
        assert len(stops) == 2 and query_hash(HUNGRY) in stops[0]
        assert any("memory allocation of" in m and "stderr" in m for m in messages(caplog))
        status = pool.status()
        assert (status.alive, status.crashes, status.refused_queries, status.restarts) == (2, 0, 0, 2)
        assert status.memory_mb == SMALL_LIMIT_MB
        assert pool.run(Job(SMALL)).read()
    finally:
        pool.stop()


def test_the_endpoint_names_the_memory_limit(published):
    app = create_app({"query_memory_mb": SMALL_LIMIT_MB, "query_timeout": 60.0}, published=published)
    app.config["TESTING"] = True
    pool = app.extensions["coopkg"].sparql.pool
    client = app.test_client()
    try:
        answer = client.post("/sparql", data={"query": HUNGRY}, headers={"Accept": JSON})
        assert answer.status_code == 503
        assert answer.content_type.startswith("text/plain")
        assert f"more memory than the limit of {SMALL_LIMIT_MB} MB" in answer.text
        assert "Retry-After" not in answer.headers  # the same query would need as much again
        wait_for(lambda: client.get("/health").status_code == 200)
        health = client.get("/health").json["sparql"]
        assert health["workers"]["alive"] == pool.size and health["crashes"] == 0
        assert health["memory_limit_mb"] == SMALL_LIMIT_MB
        ok = client.get("/sparql", query_string={"query": SMALL}, headers={"Accept": JSON})
        assert ok.status_code == 200 and int(ok.json["results"]["bindings"][0]["n"]["value"]) > 0
    finally:
        pool.stop()
