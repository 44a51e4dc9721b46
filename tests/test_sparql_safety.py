"""Safe to expose: a time limit that really stops the work while others are served, a row cap,
a length cap, and no request sent anywhere on a user's behalf (SERVICE, FROM, LOAD)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

TIMEOUT, MAX_ROWS, MAX_LENGTH, WORKERS = 1.5, 25, 2000, 2
JSON = "application/sparql-results+json"
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SMALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def server(serve):
    settings = {"query_timeout": TIMEOUT, "max_rows": MAX_ROWS, "max_query_length": MAX_LENGTH}
    settings["max_post_length"] = MAX_LENGTH  # POST bodies get the same cap, in bytes
    with serve(query_workers=WORKERS, **settings) as running:
        yield running


@pytest.fixture(scope="module")
def bait():
    """A web server on loopback that records every request: nothing may ever reach it."""
    received: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):
            received.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle")
            self.end_headers()
            self.wfile.write(b"<http://bait/s> <http://bait/p> <http://bait/o> .\n")

        do_POST = do_GET

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", received
    httpd.shutdown()
    httpd.server_close()


def ask(server, query: str, **params) -> requests.Response:
    return requests.get(server.sparql, params={"query": query, **params}, headers={"Accept": JSON}, timeout=60)


# -- time limit ------------------------------------------------------------------------------------


def test_runaway_query_is_stopped_while_others_are_answered(server):
    workers_before = server.children()
    finished: list[str] = []
    runaway: dict = {}

    def send_runaway():
        runaway["response"] = ask(server, CROSS_PRODUCT)
        finished.append("runaway")

    thread = threading.Thread(target=send_runaway)
    thread.start()
    time.sleep(0.3)  # let the runaway reach its worker
    other = ask(server, SMALL)
    health = requests.get(server.url + "health", timeout=60)
    finished.append("other")
    thread.join(timeout=60)

    assert other.status_code == 200 and health.status_code == 200
    assert finished == ["other", "runaway"]
    assert runaway["response"].status_code == 503
    assert f"limit of {TIMEOUT:g} seconds" in runaway["response"].text
    killed = [pid for pid in workers_before if not Path(f"/proc/{pid}").exists()]
    assert len(killed) == 1, "the runaway's worker process must be gone"


def test_the_pool_recovers_after_a_runaway(server):
    assert ask(server, CROSS_PRODUCT).status_code == 503
    answers = [ask(server, SMALL) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4
    assert len(_workers_settle(server)) == WORKERS  # one replacement, no more


def test_a_worker_killed_from_outside_is_replaced_and_health_says_so(server):
    before = _workers_settle(server)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    after = _workers_settle(server, without=victim)
    assert victim not in after and len(after) == WORKERS
    deadline = time.monotonic() + 30
    while (health := requests.get(server.url + "health", timeout=60)).status_code != 200:
        assert health.json()["status"] == "degraded" and time.monotonic() < deadline
        time.sleep(0.1)
    assert health.json()["sparql"]["workers"] == {"configured": WORKERS, "alive": WORKERS, "busy": 0}
    assert health.json()["sparql"]["network_isolation"] == ["netns"]
    assert ask(server, SMALL).status_code == 200


def test_head_requests_and_unread_answers_keep_their_workers(server):
    before = _workers_settle(server)
    assert [requests.head(server.sparql, params={"query": SMALL}, timeout=60).status_code for _ in range(3)] == [
        200
    ] * 3
    with requests.get(server.sparql, params={"query": "SELECT * { ?s ?p ?o }"}, stream=True, timeout=60) as cut:
        next(cut.iter_content(16))
    assert ask(server, SMALL).status_code == 200
    assert server.children() == before


def _workers_settle(server, without: int | None = None) -> set[int]:
    """Return the worker processes once their number is the configured one, `without` gone (or after 30 s)."""
    deadline = time.monotonic() + 30
    while (len(server.children()) != WORKERS or without in server.children()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return server.children()


# -- row cap ---------------------------------------------------------------------------------------


def test_row_cap_cuts_select_and_says_so(server):
    answer = ask(server, "SELECT * WHERE { ?s ?p ?o }")
    assert answer.status_code == 200
    assert len(json.loads(answer.text)["results"]["bindings"]) == MAX_ROWS
    assert answer.headers["X-SPARQL-MaxRows"] == str(MAX_ROWS)


def test_row_cap_cuts_construct_and_says_so(server):
    answer = requests.get(
        server.sparql,
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples"},
        timeout=60,
    )
    assert len([line for line in answer.text.splitlines() if line.strip()]) == MAX_ROWS
    assert answer.headers["X-SPARQL-MaxRows"] == str(MAX_ROWS)


def test_answers_under_the_cap_are_whole(server):
    answer = ask(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 10")
    assert len(json.loads(answer.text)["results"]["bindings"]) == 10
    assert "X-SPARQL-MaxRows" not in answer.headers


# -- length cap ------------------------------------------------------------------------------------


def padded(length: int) -> str:
    """Return SMALL padded with a comment to exactly `length` characters."""
    return SMALL + "\n#" + "x" * (length - len(SMALL) - 2)


@pytest.mark.parametrize("how", ["GET", "POST form", "POST direct"])
def test_query_longer_than_the_limit_is_refused_with_413(server, how):
    query = padded(MAX_LENGTH + 1)
    if how == "GET":
        answer = requests.get(server.sparql, params={"query": query}, timeout=60)
    elif how == "POST form":
        answer = requests.post(server.sparql, data={"query": query}, timeout=60)
    else:
        headers = {"Content-Type": "application/sparql-query"}
        answer = requests.post(server.sparql, data=query.encode(), headers=headers, timeout=60)
    assert answer.status_code == 413
    assert str(MAX_LENGTH) in answer.text


def test_query_at_the_limit_is_answered(server):
    assert ask(server, padded(MAX_LENGTH)).status_code == 200


# -- nothing fetched on a user's behalf ------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", "SERVICE"),
        (
            "SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ service silent <{url}> {{ ?s ?p ?o }} }} }} LIMIT 1",
            "SERVICE",
        ),
        ("SELECT * WHERE {{ BIND(<{url}> AS ?where) SERVICE ?where {{ ?s ?p ?o }} }}", "SERVICE"),
        ("PREFIX bait: <{url}> ASK {{ SERVICE bait:sparql {{ ?s ?p ?o }} }}", "SERVICE"),
        (
            "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {{ SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
            "SERVICE",
        ),
        ("SELECT * FROM <{url}data.ttl> WHERE {{ ?s ?p ?o }}", "not held"),
        ("SELECT * FROM NAMED <{url}data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", "not held"),
        ("PREFIX bait: <{url}> SELECT * FROM bait:data WHERE {{ ?s ?p ?o }}", "not held"),
    ],
)
def test_service_and_graphs_not_held_are_refused(server, bait, template, reason):
    url, received = bait
    answer = ask(server, template.format(url=url))
    assert answer.status_code == 400
    assert reason in answer.text
    assert received == []


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
def test_dataset_parameter_naming_a_graph_not_held_is_an_empty_graph(server, bait, parameter):
    url, received = bait
    answer = ask(server, SMALL, **{parameter: url + "data.ttl"})
    assert answer.status_code == 200
    assert answer.json()["results"]["bindings"][0]["n"]["value"] == "0"
    assert received == []


def test_load_is_refused(server, bait):
    url, received = bait
    as_update = requests.post(server.sparql, data={"update": f"LOAD <{url}data.ttl>"}, timeout=60)
    as_query = ask(server, f"LOAD <{url}data.ttl>")
    assert as_update.status_code == 403
    assert as_query.status_code == 400
    assert received == []
