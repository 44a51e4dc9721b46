"""A pool that heals: crashed and killed workers are replaced, a replacement that cannot start is
retried with backoff, /health says "degraded" meanwhile, and a query that crashes the engine is
refused at once once it has crashed a worker."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import time

import pytest
from pool_support import messages, wait_for

from server import create_app
from server.sparql.answer import QueryFailed
from server.sparql.crashes import query_hash
from server.sparql.engine import QueryPool
from server.sparql.worker import Job

# Oxigraph 0.5.13 aborts on this ORDER BY (docs/oxigraph-order-by-panic.md).
NUMBERS_AND_STRINGS = " ".join([str(n) for n in range(1, 12)] + [f'"{n}"' for n in range(1, 12)])
CRASHING = f"SELECT ?x WHERE {{ VALUES ?x {{ {NUMBERS_AND_STRINGS} }} }} ORDER BY ?x"
SMALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON = "application/sparql-results+json"


@pytest.fixture()
def events(caplog):
    caplog.set_level(logging.INFO, logger="coopkg.sparql")
    return caplog


@pytest.fixture()
def pool(published):
    running = QueryPool(published.store_path, size=2, timeout=10.0, retry_delays=(0.2, 0.4))
    running.start()
    yield running
    running.stop()


def answered(pool: QueryPool, query: str = SMALL) -> bytes:
    return pool.run(Job(query)).read()


def test_workers_start_isolated_and_say_so(pool, published, events):
    fresh = QueryPool(published.store_path, size=1)
    fresh.start()
    fresh.stop()
    assert any(m.startswith("worker 1: started (pid ") and "network isolated: netns" in m for m in messages(events))
    assert pool.status().isolation == ("netns",)


def test_a_crashing_query_gets_a_clear_answer_then_is_refused_without_a_crash(pool, events):
    with pytest.raises(QueryFailed) as first:
        answered(pool, CRASHING)
    assert first.value.failure.status == 400
    assert "crashes the query engine" in first.value.failure.message
    assert "docs/oxigraph-order-by-panic.md" in first.value.failure.message
    crash = [m for m in messages(events) if "crashed" in m]
    assert len(crash) == 1
    assert "signal SIGABRT" in crash[0] and query_hash(CRASHING) in crash[0]

    wait_for(lambda: pool.status().alive == 2)
    assert pool.status().restarts == 1
    assert json.loads(answered(pool))["results"]["bindings"]

    started = time.monotonic()
    with pytest.raises(QueryFailed) as second:
        answered(pool, CRASHING)
    assert second.value.failure.status == 400 and "crashes the query engine" in second.value.failure.message
    assert time.monotonic() - started < 0.5  # refused at once, not evaluated
    status = pool.status()
    assert (status.crashes, status.restarts, status.alive, status.refused_queries) == (1, 1, 2, 1)


def test_a_worker_killed_while_idle_is_replaced(pool, events):
    victim = next(iter(pool._workers))
    os.kill(victim.process.pid, signal.SIGKILL)
    wait_for(lambda: pool.status().alive == 2 and pool.status().restarts == 1)
    logged = messages(events)
    assert f"worker {victim.number}: died while idle (pid {victim.process.pid}, signal SIGKILL)" in logged
    assert any(f"replacing worker {victim.number}" in m for m in logged)
    assert [json.loads(answered(pool))["results"]["bindings"][0]["n"]["value"] for _ in range(3)]


def test_a_runaway_is_killed_for_timeout_and_logged(published, events):
    short = QueryPool(published.store_path, size=1, timeout=1.0, retry_delays=(0.2,))
    short.start()
    try:
        with pytest.raises(QueryFailed) as stopped:
            answered(short, CROSS_PRODUCT)
        assert stopped.value.failure.status == 503
        assert any("killed for timeout (pid " in m and query_hash(CROSS_PRODUCT) in m for m in messages(events)), (
            messages(events)
        )
        wait_for(lambda: short.status().alive == 1)
        assert answered(short)
    finally:
        short.stop()


@pytest.fixture()
def store_copy(published, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(published.store_path, copy)
    return copy


def test_a_replacement_that_cannot_open_the_store_is_retried_and_health_says_degraded(published, store_copy, events):
    app = create_app({}, published=published)
    app.config["TESTING"] = True
    endpoint = app.extensions["coopkg"].sparql
    endpoint.pool = QueryPool(store_copy, size=2, timeout=10.0, retry_delays=(0.2, 0.4))
    endpoint.pool.start()
    client = app.test_client()
    try:
        healthy = client.get("/health")
        assert healthy.status_code == 200
        assert healthy.json["status"] == "ok" and healthy.json["triples"] > 0
        assert healthy.json["sparql"]["workers"] == {"configured": 2, "alive": 2, "busy": 0}
        assert healthy.json["sparql"]["network_isolation"] == ["netns"]

        backup = store_copy.with_name("store-away")
        store_copy.rename(backup)
        victim = next(iter(endpoint.pool._workers))
        os.kill(victim.process.pid, signal.SIGKILL)
        wait_for(lambda: sum("failed to start" in m for m in messages(events)) >= 3)
        retries = [m for m in messages(events) if "failed to start" in m]
        assert all("cannot be opened" in m for m in retries), retries
        assert "retry in 0.2 s" in retries[0] and "retry in 0.4 s" in retries[-1]

        degraded = client.get("/health")
        assert degraded.status_code == 503
        assert degraded.json["status"] == "degraded"
        assert degraded.json["sparql"]["workers"]["alive"] == 1
        assert degraded.json["sparql"]["workers"]["configured"] == 2
        assert "cannot be opened" in degraded.json["sparql"]["last_failure"]
        # the surviving worker still answers
        assert client.get("/sparql", query_string={"query": SMALL}, headers={"Accept": JSON}).status_code == 200

        backup.rename(store_copy)
        wait_for(lambda: client.get("/health").status_code == 200, seconds=30)
        assert client.get("/health").json["sparql"]["last_failure"] is None
    finally:
        endpoint.pool.stop()


def test_the_endpoint_answers_a_crashing_query_with_400_and_heals(client, app):
    answer = client.post("/sparql", data={"query": CRASHING + " # through the endpoint"}, headers={"Accept": JSON})
    assert answer.status_code == 400
    assert "crashes the query engine" in answer.text
    pool = app.extensions["coopkg"].sparql.pool
    wait_for(lambda: client.get("/health").status_code == 200)
    assert client.get("/health").json["sparql"]["workers"]["alive"] == pool.size
    again = client.post("/sparql", data={"query": CRASHING + " # through the endpoint"}, headers={"Accept": JSON})
    assert again.status_code == 400
    assert pool.status().crashes == 1


def test_a_pool_whose_workers_cannot_be_isolated_does_not_start(published, events):
    unisolated = QueryPool(published.store_path, size=1, isolation=(), retry_delays=(30.0,))
    try:
        with pytest.raises(QueryFailed, match="cannot be cut off from the network"):
            unisolated.start()
        assert unisolated.status().alive == 0 and unisolated.status().degraded
        assert any("failed to start" in m and "no network isolation" in m for m in messages(events))
    finally:
        unisolated.stop()


def test_a_worker_on_a_corrupted_store_fails_to_start_with_the_engine_s_reason(store_copy, events):
    (store_copy / "CURRENT").write_text("not a manifest name", encoding="utf-8")  # RocksDB: Corruption
    broken = QueryPool(store_copy, size=1, timeout=10.0, retry_delays=(30.0,))
    try:
        with pytest.raises(QueryFailed, match="cannot be opened: Corruption"):
            broken.start()
        assert broken.status().alive == 0 and broken.status().degraded
        failures = [m for m in messages(events) if "failed to start" in m]
        assert failures and "cannot be opened: Corruption" in failures[0]
        assert not any("Traceback" in m for m in messages(events))
    finally:
        broken.stop()
