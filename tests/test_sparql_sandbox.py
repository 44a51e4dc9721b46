"""Nothing fetched, whatever the spelling: the processes that evaluate queries have no network.

A bait (a TCP listener on loopback counting connections) stands for a remote service. A
generated corpus of SERVICE spellings goes through the real endpoint (the app's test client,
its real worker pool); the guard refuses what it sees, the isolated workers reach nothing of
what it misses, and the bait counts no connection. The worker is tested without the guard too.
"""

from __future__ import annotations

import itertools
import multiprocessing
import socket
import threading
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from server.sparql import worker as worker_module
from server.sparql.guard import QueryDataset
from server.sparql.isolation import NotIsolated, isolate_from_network
from server.sparql.worker import Job

JSON = "application/sparql-results+json"
ANY = "application/sparql-results+json, text/turtle;q=0.9"


class Bait:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts (and answers HTTP)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            with connection:
                connection.settimeout(2)
                try:
                    connection.recv(65536)
                    body = (
                        b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"http://bait/"}}]}}'
                    )
                    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nContent-Length: "
                    connection.sendall(head + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
                except OSError:
                    pass

    def close(self) -> None:
        self.server.close()


@pytest.fixture()
def bait() -> Iterator[Bait]:
    listening = Bait()
    yield listening
    listening.close()


# -- the corpus ------------------------------------------------------------------------------------

KEYWORDS = ("SERVICE", "service", "Service", "sErViCe", r"\u0053ERVICE", r"SERVIC\u0045", r"\u0073\u0065rvice")
SILENT = ("", " SILENT", " silent")
# What may stand between two tokens: spaces, line ends, comments ending in LF, CR or CRLF, nothing.
GAPS = (" ", "\n", "\r", "\r\n", "\t", "#c\n", "#c\r", "#c\r\n", "# SERVICE is refused\r", "")
# Where the SERVICE stands; {s} is the SERVICE clause.
PLACES = (
    "SELECT * WHERE {{ {s} }}",
    "SELECT*{{?a ?b ?c OPTIONAL{{{s}}}}}LIMIT 1",
    "ASK {{ FILTER EXISTS {{ {s} }} }}",
    "SELECT * {{ FILTER NOT EXISTS {{ {s} }} }}",
    "SELECT * {{ ?a ?b ?c MINUS {{ {s} }} }} LIMIT 1",
    "SELECT * {{ {{ SELECT ?s WHERE {{ {s} }} LIMIT 1 }} }}",
    "SELECT * {{ {{ ?a ?b ?c }} UNION {{ {s} }} }} LIMIT 1",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {{ SELECT * {{ {s} }} }} }}",
    "SELECT * {{ GRAPH ?g {{ {s} }} }} LIMIT 1",
    "SELECT * {{ ?a ?b 1.{s} }}",  # a keyword touching a number and a dot
    "SELECT * {{ VALUES ?n {{1}}{s} }}",
    "SELECT * {{ BIND(1 AS ?n){s} }}",
    "SELECT * {{ FILTER(1){s} }}",
    "SELECT * {{ ?a ?b 1e1;?c 2.{s} }}",
)
# SPARQL 1.2 (triple terms, VERSION) that rdflib cannot parse but Oxigraph can.
SPARQL_12 = (
    'VERSION "1.2" SELECT * {{ {s} }}',
    "SELECT * {{ BIND(<<( <http://a/s> <http://a/p> <http://a/o> )>> AS ?t) {s} }}",
    "SELECT * {{ ?s ?p ?o FILTER(isTRIPLE(?o)) OPTIONAL {{ {s} }} }}",
)


def service_clause(keyword: str, silent: str, gap: str, target: str) -> str:
    # A gap where the grammar needs a space: after the keyword only when the target does not start
    # with '<' or '?' (they may touch it), then between the target and its group.
    after = gap if gap.strip(" \t") or target[0] in "<?" else gap or " "
    return f"{keyword}{silent}{after}{target}{gap}{{ ?s ?p ?o }}"


def targets(url: str) -> tuple[tuple[str, str], ...]:
    """(prologue, service target) pairs: an IRI, a prefixed name, a variable bound before."""
    return (
        ("", f"<{url}>"),
        (f"PREFIX bait: <{url[: -len('sparql')]}>\n", "bait:sparql"),
        ("", "?where"),
    )


def corpus(url: str) -> list[str]:
    """Return the spellings: every keyword spelling in every place, with gaps, SILENT and targets varied."""
    queries = []
    cycle = itertools.count()
    for place, keyword, gap in itertools.product(PLACES + SPARQL_12, KEYWORDS, GAPS):
        n = next(cycle)
        prologue, target = targets(url)[n % 3]
        clause = service_clause(keyword, SILENT[n % len(SILENT)], gap, target)
        if target == "?where":
            clause = f"VALUES ?where {{ <{url}> }} {clause}"
        queries.append(prologue + place.format(s=clause))
    return queries


def test_the_corpus_reaches_nothing_through_the_endpoint(client, bait):
    queries = corpus(bait.url)
    assert len(queries) >= 1000
    outcomes: dict[str, int] = {}
    for query in queries:
        answer = client.post("/sparql", data={"query": query}, headers={"Accept": ANY})
        assert answer.status_code in (200, 400), (query, answer.status_code, answer.text)
        assert "Traceback" not in answer.text
        if answer.status_code == 200:
            assert "http://bait/" not in answer.text, query
        outcome = "200" if answer.status_code == 200 else answer.text.split(":")[0]
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert bait.connections == 0, outcomes
    assert outcomes.get("SERVICE is refused", 0) > len(queries) / 2, outcomes


def test_a_service_the_guard_cannot_read_is_refused_by_the_engine(client, bait):
    """SPARQL 1.2 syntax that rdflib cannot parse: Oxigraph runs it, isolated, and it fails to connect."""
    query = (
        f"SELECT * {{ BIND(<<( <http://a/s> <http://a/p> <http://a/o> )>> AS ?t) SERVICE <{bait.url}> {{ ?s ?p ?o }} }}"
    )
    answer = client.post("/sparql", data={"query": query}, headers={"Accept": JSON})
    assert answer.status_code == 400
    assert answer.text.startswith("SERVICE is refused")
    assert "no network access" in answer.text
    assert bait.connections == 0


def test_a_syntax_error_is_oxigraphs_message(client, bait):
    answer = client.post("/sparql", data={"query": f"SELECT * FROM <{bait.url}> WHERE {{ ?s ?p ?o"})
    assert answer.status_code == 400
    assert answer.text.startswith("malformed query: error at ")
    assert bait.connections == 0


# -- the worker, without the guard -----------------------------------------------------------------


def serve_jobs_unguarded(connection, store_path: str, isolation: tuple[str, ...]) -> None:
    """A worker whose guard lets everything through: only its isolation stands."""
    worker_module.check_query = lambda text, held: QueryDataset()
    worker_module.serve_jobs(connection, store_path, isolation)


def ask(connection, job: Job):
    connection.send(job)
    assert connection.poll(30)
    return connection.recv()


@pytest.mark.parametrize("isolation", ["netns", "seccomp"])
def test_a_worker_without_its_guard_reaches_nothing(published, bait, isolation):
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=True)
    process = context.Process(target=serve_jobs_unguarded, args=(child, str(published.store_path), (isolation,)))
    process.start()
    child.close()
    try:
        assert parent.poll(60)
        assert parent.recv() == ("ready", isolation)
        refused = [
            f"SELECT * {{ SERVICE <{bait.url}> {{ ?s ?p ?o }} }}",
            f"SELECT * {{ SERVICE <http://localhost:{bait.port}/sparql> {{ ?s ?p ?o }} }}",
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{bait.url}> {{ ?s ?p ?o }} }}",
        ]
        for query in refused:
            kind, failure = ask(parent, Job(query))
            assert (kind, failure.status) == ("error", 400), query
            assert "no network access" in failure.message
        # A SERVICE that fails silently, or inside a filter (an error there is false): empty answers.
        for query in [
            f"SELECT * {{ SERVICE SILENT <{bait.url}> {{ ?s ?p ?o }} }}",
            f"ASK {{ FILTER EXISTS {{ SERVICE <{bait.url}> {{ ?s ?p ?o }} }} }}",
        ]:
            kind, payload = ask(parent, Job(query))
            assert kind in ("whole", "head"), query  # a small answer comes whole, in one message
            rest = [("chunk", payload[1])] if kind == "whole" else []
            while kind == "head" and (not rest or rest[-1][0] != "end"):
                rest.append(parent.recv())
            assert b"http://bait/" not in b"".join(payload for kind, payload in rest if kind == "chunk")
    finally:
        process.kill()
        process.join()
        parent.close()
    assert bait.connections == 0


def test_the_bait_counts_what_an_unisolated_engine_sends(bait):
    """The control: in this (unisolated) process, Oxigraph does connect to the bait."""
    rows = list(ox.Store().query(f"SELECT * {{ SERVICE <{bait.url}> {{ ?s ?p ?o }} }}"))
    assert bait.connections == 1
    assert rows[0]["s"] == ox.NamedNode("http://bait/")


# -- isolation itself ------------------------------------------------------------------------------


def isolated_connect(method: str, port: int, answers) -> None:
    """In a fresh process: isolate with `method`, then try to reach 127.0.0.1:`port`."""
    try:
        answers.put(("isolated", isolate_from_network((method,))))
    except NotIsolated as error:
        answers.put(("not isolated", str(error)))
        return
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        answers.put(("connected", None))
    except OSError as error:
        answers.put(("refused", error.errno))


@pytest.mark.parametrize("method", ["netns", "userns+netns", "seccomp"])
def test_each_isolation_method_cuts_the_network(bait, method):
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    process = context.Process(target=isolated_connect, args=(method, bait.port, answers))
    process.start()
    first, second = answers.get(timeout=60), answers.get(timeout=60)
    process.join(timeout=30)
    answers.close()
    answers.join_thread()
    assert first == ("isolated", method)
    assert second[0] == "refused"
    assert bait.connections == 0


def test_no_method_at_all_is_refused():
    with pytest.raises(NotIsolated, match="no network isolation"):
        isolate_from_network(())
