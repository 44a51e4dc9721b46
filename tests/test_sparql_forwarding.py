"""/sparql forwarded to a real Oxigraph server (engine_url set) answers what the embedded
endpoint answers, behind the same guard and limits (server/sparql/remote.py)."""

from __future__ import annotations

import csv
import io
import socket
import subprocess

import pyoxigraph as ox
import pytest
from bs4 import BeautifulSoup
from engine_server import load, oxigraph_command, oxigraph_server
from sparql_answers import oxigraph_term, results_rows
from test_sparql_sandbox import Bait, corpus

from server import create_app
from server.engine_errors import engine_failure, engine_message
from server.engine_graph import SparqlHttpGraph
from server.namespaces import graph_iri
from server.queries import competency_queries
from server.sparql.answer import QueryFailed
from server.sparql.remote import RemoteEndpoint
from server.sparql.worker import Job


@pytest.fixture(scope="module", autouse=True)
def oxigraph_installed() -> None:
    """Fail (never skip: CI runs every test) with what to install when `oxigraph` is missing."""
    if oxigraph_command() is None:
        pytest.fail("needs the `oxigraph` command (pip install oxigraph)")


JSON = "application/sparql-results+json"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def database(published, tmp_path_factory):
    return load(tmp_path_factory.mktemp("oxigraph"), published.release.folder / "dumps" / "coopkg.nq")


@pytest.fixture(scope="module")
def engine(database, tmp_path_factory):
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-serve"), database) as running:
        yield running


def _app(published, release_dir, engine_url: str, **settings):
    app = create_app({"release_dir": release_dir, "engine_url": engine_url, **settings}, published=published)
    app.config["TESTING"] = True
    return app


@pytest.fixture(scope="module")
def forwarding(published, release_dir, engine):
    app = _app(published, release_dir, engine.url)
    assert isinstance(app.extensions["coopkg"].sparql.pool, RemoteEndpoint)
    return app.test_client()


@pytest.fixture(scope="module")
def embedded(app):
    return app.test_client()


def _json_rows(client, query: str, **params) -> list[tuple]:
    answer = client.get("/sparql", query_string={"query": query, **params}, headers={"Accept": JSON})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return results_rows(ox.parse_query_results(answer.data, format=ox.QueryResultsFormat.JSON))


def _csv_rows(client, query: str) -> list[list[str]]:
    answer = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/csv"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "text/csv"
    header, *rows = csv.reader(io.StringIO(answer.get_data(as_text=True)))
    # blank nodes are compared as mere blank nodes: each engine names them its own way
    return [header, *sorted(["_:" if v.startswith("_:") else v for v in row] for row in rows)]


def test_every_competency_question_answers_the_same_in_json_and_csv(settings_base, embedded, forwarding):
    for question in competency_queries(settings_base[0] / "queries", settings_base[1]):
        here = _json_rows(embedded, question.text)
        assert here, question.slug
        assert _json_rows(forwarding, question.text) == here, question.slug
        assert _csv_rows(forwarding, question.text) == _csv_rows(embedded, question.text), question.slug


@pytest.fixture(scope="module")
def base(published) -> str:
    return published.settings.base_iri


@pytest.fixture(scope="module")
def settings_base(published):
    return published.settings.root, published.settings.base_iri


def test_a_construct_in_turtle_parses_to_the_same_graph(embedded, forwarding):
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <http://www.w3.org/2002/07/owl#Class> ; ?p ?o FILTER(isIRI(?o)) }"
    graphs = []
    for client in (embedded, forwarding):
        answer = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/turtle"})
        assert answer.status_code == 200 and answer.mimetype == "text/turtle"
        graphs.append({oxigraph_term(q.triple) for q in ox.parse(answer.data, format=ox.RdfFormat.TURTLE)})
    assert graphs[0] and graphs[1] == graphs[0]


def test_ask_and_graph_names_answer_as_embedded(embedded, forwarding):
    ask = "ASK { ?s ?p ?o }"
    for client in (embedded, forwarding):
        answer = client.get("/sparql", query_string={"query": ask}, headers={"Accept": JSON})
        assert answer.get_json()["boolean"] is True
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert _json_rows(forwarding, graphs) == _json_rows(embedded, graphs)


def test_the_dataset_is_the_releases_graphs_by_their_own_names(embedded, forwarding, settings_base):
    data = graph_iri(settings_base[1], "press-release-zou-delegation")  # one source's graph
    from_data = f"SELECT (COUNT(*) AS ?n) FROM <{data}> WHERE {{ ?s ?p ?o }}"
    assert _json_rows(forwarding, from_data) == _json_rows(embedded, from_data)
    assert _json_rows(forwarding, COUNT, **{"default-graph-uri": data}) == _json_rows(
        embedded, COUNT, **{"default-graph-uri": data}
    )
    only_default = f"SELECT ?g FROM <{data}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 1"
    assert _json_rows(forwarding, only_default) == _json_rows(embedded, only_default) == []


def test_a_graph_the_release_does_not_hold_is_refused(forwarding):
    for params in (
        {"query": "SELECT * FROM <http://example.org/other> WHERE { ?s ?p ?o }"},
        {"query": COUNT, "named-graph-uri": "http://example.org/other"},
    ):
        answer = forwarding.get("/sparql", query_string=params, headers={"Accept": JSON})
        assert answer.status_code == 400
        assert "not held" in answer.get_data(as_text=True)


def test_the_row_cap_cuts_and_says_so(published, release_dir, engine):
    client = _app(published, release_dir, engine.url, max_rows=7).test_client()
    answer = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": JSON})
    assert answer.status_code == 200
    assert answer.headers["X-SPARQL-MaxRows"] == "7"
    assert len(answer.get_json()["results"]["bindings"]) == 7
    graph = client.get(
        "/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "application/n-triples"}
    )
    assert graph.headers["X-SPARQL-MaxRows"] == "7"
    assert len(list(ox.parse(graph.data, format=ox.RdfFormat.N_TRIPLES))) == 7


def test_service_and_updates_are_refused_before_the_engine_is_asked(forwarding):
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    answer = forwarding.get("/sparql", query_string={"query": service}, headers={"Accept": JSON})
    assert answer.status_code == 400 and "SERVICE is refused" in answer.get_data(as_text=True)
    update = forwarding.post("/sparql", data={"update": "CLEAR ALL"})
    assert update.status_code == 403


def test_a_malformed_query_gets_400_with_the_engines_message_cleaned(forwarding):
    answer = forwarding.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p }"}, headers={"Accept": JSON})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400 and answer.mimetype == "text/plain"
    assert text.startswith("malformed query (the SPARQL engine says): ") and "<" not in text
    assert len(text.splitlines()) == 1


def test_too_many_queries_at_once_get_503(published, release_dir, engine):
    app = _app(published, release_dir, engine.url)
    endpoint = app.extensions["coopkg"].sparql.pool
    endpoint._in = endpoint.limit  # every place taken
    answer = app.test_client().get("/sparql", query_string={"query": COUNT}, headers={"Accept": JSON})
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert endpoint.status().queries_turned_away == 1


def test_the_engine_stopped_gives_503(published, release_dir, database, tmp_path):
    with oxigraph_server(tmp_path, database) as running:
        client = _app(published, release_dir, running.url).test_client()
        assert client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": JSON}).status_code == 200
    answer = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": JSON})
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert "cannot be reached" in answer.get_data(as_text=True)


def test_the_health_answer_names_the_engine(forwarding, engine):
    body = forwarding.get("/health").get_json()
    assert body["sparql"]["engine"] == engine.url


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("error at 1:20: expected one of ...\n", "text/plain", "error at 1:20: expected one of ..."),
        ("<html><head><title>x</title></head><body><h1>Bad &amp; wrong</h1></body></html>", "text/html", "Bad & wrong"),
        ("", "text/plain", "(no message)"),
    ],
)
def test_engine_messages_are_made_one_plain_line(body, content_type, expected):
    assert engine_message(body, content_type) == expected


ECHO = "\n\nSPARQL query:\ndefine sql:big-data-const 0 SELECT * WHERE { ?a <p>+ ?b }"


@pytest.mark.parametrize(
    ("status", "body", "kind", "message"),
    [
        # Virtuoso 7.2's answers (docs/engines.md): the SQL state's class says whose fault it is
        (500, "Virtuoso 37000 Error TR...: transitive start not given" + ECHO, "query", None),
        (
            400,
            "Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error at '}' before '}'" + ECHO,
            "query",
            None,
        ),
        (500, "Virtuoso 22012 Error SR084: Division by 0." + ECHO, "query", None),
        (
            500,
            "Virtuoso 42000 Error The estimated execution time 221537 (sec) exceeds the limit of 400 (sec).",
            "query",
            None,
        ),
        (500, "Virtuoso S1T00 Error SR171: Transaction timed out" + ECHO, "timeout", None),
        (500, "Virtuoso 40001 Error SR172: Transaction deadlocked" + ECHO, "unavailable", None),
        (500, "Virtuoso 08C01 Error CL...: Cluster: no connection" + ECHO, "unavailable", None),
        (500, "Virtuoso HT000 Error HT...: something of its own" + ECHO, "failed", None),
        # any engine: by its status alone
        (400, "Parse error at 1:20", "query", "Parse error at 1:20"),
        (
            500,
            "Internal error: a panic in the engine\nbacktrace...",
            "failed",
            "Internal error: a panic in the engine backtrace...",
        ),
        (503, "Virtuoso 37000 Error TR...: shutting down", "unavailable", None),
        (504, "<html><body>Gateway Timeout</body></html>", "timeout", "Gateway Timeout"),
        (404, "Not Found", "failed", "Not Found"),
    ],
)
def test_engine_failures_are_told_by_status_and_error_code(status, body, kind, message):
    failure = engine_failure(status, body, "text/plain")
    assert (failure.kind, failure.status) == (kind, status)
    assert failure.message == (message or body.split("\n", 1)[0]), "Virtuoso's first line, the query's echo dropped"


def test_oxigraph_server_runs_service_itself(database, tmp_path, engine):
    """What the guard is there for: Oxigraph's read-only server evaluates SERVICE (here against
    another server on loopback), and has no option to stop it (docs/engines.md)."""
    assert (
        "service"
        not in subprocess.run(
            [oxigraph_command(), "serve-read-only", "--help"], capture_output=True, text=True
        ).stdout.lower()
    )
    with oxigraph_server(tmp_path, database) as other:
        import requests

        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ SERVICE <{engine.url}> {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"
        answer = requests.get(other.url, params={"query": query}, headers={"Accept": JSON}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert int(answer.json()["results"]["bindings"][0]["n"]["value"]) > 0


def test_the_sandbox_corpus_reaches_nothing_through_the_forwarding(forwarding):
    """Every spelling of SERVICE that the sandbox tests try is refused before the engine (which
    would run it: see the test above) is asked; the bait counts no connection."""
    listening = Bait()
    try:
        queries = corpus(listening.url)
        for query in queries:
            answer = forwarding.post("/sparql", data={"query": query}, headers={"Accept": JSON})
            assert answer.status_code == 400, (query, answer.status_code)
            assert answer.get_data(as_text=True).startswith("SERVICE is refused"), query
        assert listening.connections == 0
    finally:
        listening.close()


def test_a_service_in_a_string_is_refused_with_what_to_write_instead(forwarding):
    query = 'SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(?o, "service")) }'
    answer = forwarding.get("/sparql", query_string={"query": query}, headers={"Accept": JSON})
    assert answer.status_code == 400 and 'REGEX(?label, "servic[e]", "i")' in answer.get_data(as_text=True)


def test_the_query_page_shows_the_engines_rows(forwarding):
    answer = forwarding.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "text/html"})
    assert answer.status_code == 200
    cells = BeautifulSoup(answer.data, "html.parser").select("table td")
    assert cells and int(cells[0].get_text(strip=True).split("^^")[0].replace("\u202f", "").replace(",", "")) > 1000


def test_an_engine_too_slow_gives_504(base):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        graph = SparqlHttpGraph(f"http://127.0.0.1:{silent.getsockname()[1]}/query", [graph_iri(base, "data")])
        with pytest.raises(QueryFailed) as failed:
            RemoteEndpoint(graph, timeout=0.5).run(Job(COUNT))
        graph.close()
    assert failed.value.failure.status == 504 and "0.5 seconds" in str(failed.value)
