"""The same answers from every engine: the session's release read in process (EmbeddedGraph)
and the same release loaded into a real engine, read over SPARQL HTTP (SparqlHttpGraph): Oxigraph
server and Virtuoso 7, each test of the comparisons run on each. Every entity, domain view,
representation, index, search and statistic is compared; docs/engines.md names what differs
between engines and why."""

from __future__ import annotations

import base64
import dataclasses
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest
import requests
from bs4 import BeautifulSoup
from engine_server import load, oxigraph_command, oxigraph_server
from sparql_server import free_port
from virtuoso_server import DBA, VirtuosoServer, virtuoso_command, virtuoso_server

from server import create_app, overview, query_files
from server.catalog import temporal_coverage
from server.cli import main
from server.config import PROJECT_ROOT, ConfigError, Settings
from server.domain import domain_view
from server.engine_graph import SparqlHttpGraph, open_graph
from server.engine_terms import duration_text
from server.entities import read_entity
from server.graphs import EmbeddedGraph, EngineError
from server.namespaces import PARTS, graph_iri
from server.queries import competency_queries
from server.representations import description
from server.search import SearchIndex
from server.sitemap import entity_iris
from server.void import dataset_statistics

NO_OXIGRAPH = "needs the `oxigraph` command (pip install oxigraph)"
NO_VIRTUOSO = "needs virtuoso-t and isql-vt (scripts/install-test-system-deps: virtuoso-opensource)"


@pytest.fixture(scope="session")
def oxigraph_installed() -> None:
    """Fail (never skip: CI runs every test) with what to install when `oxigraph` is missing."""
    if oxigraph_command() is None:
        pytest.fail(NO_OXIGRAPH)


needs_oxigraph = pytest.mark.usefixtures("oxigraph_installed")
ENGINES = ("oxigraph", "virtuoso")  # the engine fixtures each comparison runs on


@pytest.fixture(scope="module")
def base(published) -> str:
    return published.settings.base_iri


@pytest.fixture(scope="module")
def dump(published):
    """The session's release as N-Quads, named graphs and all."""
    return published.release.folder / "dumps" / "coopkg.nq"


@pytest.fixture(scope="module")
def database(dump, tmp_path_factory):
    """The session's release loaded into an Oxigraph database from its N-Quads dump."""
    if oxigraph_command() is None:
        pytest.fail(NO_OXIGRAPH)
    return load(tmp_path_factory.mktemp("oxigraph"), dump)


@pytest.fixture(scope="module")
def oxigraph(oxigraph_engine):
    """Oxigraph server on loopback, the session's release loaded by `coopkg load` (conftest)."""
    return oxigraph_engine


@pytest.fixture(scope="module")
def virtuoso(virtuoso_engine):
    """Virtuoso 7 on loopback, the session's release loaded by `coopkg load` (conftest)."""
    return virtuoso_engine


@pytest.fixture(scope="module", params=ENGINES)
def engine(request):
    """Each engine in turn (its `url` the SPARQL endpoint), the session's release loaded."""
    return request.getfixturevalue(request.param)


def release_graphs(published) -> list[str]:
    """The named graphs of the release: the ontology's, the shapes', one per source."""
    return sorted(g.value for g in published.store.named_graphs())


def reader(url: str, base: str) -> SparqlHttpGraph:
    """The release's graphs on the engine at `url`, under the names its record gives (a
    generous read timeout: the machine running the tests may be busy)."""
    graph = SparqlHttpGraph(url, [graph_iri(base, part) for part in PARTS.values()], timeout=(3.0, 60.0))
    graph.follow(graph_iri(base, "release"), None)
    graph.check()
    return graph


@pytest.fixture(scope="module")
def remote(engine, base) -> SparqlHttpGraph:
    graph = reader(engine.url, base)
    yield graph
    graph.close()


@pytest.fixture(scope="module")
def embedded(published) -> EmbeddedGraph:
    return EmbeddedGraph(published.store)


@pytest.fixture(scope="module")
def iris(published) -> list[str]:
    """Every IRI the release describes (subject of some triple)."""
    every = published.store.quads_for_pattern(None, None, None, None)
    subjects = {q.subject.value for q in every if isinstance(q.subject, ox.NamedNode)}
    return sorted(subjects)


def plain(value):
    """Return `value` (dataclasses, tuples, terms) as plain data, each blank node's label
    replaced by '_:' (each engine names its blank nodes its own way)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "kind": type(value).__name__,
            **{f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str) and value.startswith("_:"):
        return "_:"
    if isinstance(value, ox.BlankNode):
        return "_:"
    if isinstance(value, ox.NamedNode | ox.Literal):
        return str(value)
    return value


def triples(found: list[ox.Triple]) -> list[tuple[str, str, str]]:
    return sorted((plain(t.subject), plain(t.predicate), plain(t.object)) for t in found)


def test_the_engine_holds_the_release(remote, embedded):
    assert remote.count("void_triples") == embedded.count("void_triples") > 1000


def test_every_entity_reads_the_same_on_both_engines(iris, embedded, remote):
    assert len(iris) > 400
    for iri in iris:
        here, there = read_entity(embedded, iri), read_entity(remote, iri)
        assert plain(there) == plain(here), iri
        assert plain(domain_view(remote, there)) == plain(domain_view(embedded, here)), iri


def test_every_representation_holds_the_same_triples(iris, embedded, remote):
    for iri in iris:
        assert triples(description(remote, iri)) == triples(description(embedded, iri)), iri


def test_an_unknown_or_invalid_iri_is_none_on_both_engines(embedded, remote, base):
    for graph in (embedded, remote):
        assert read_entity(graph, base + "id/organisation/nobody") is None
        assert read_entity(graph, "not an iri") is None


def test_the_index_pages_are_the_same(embedded, remote, base):
    for function in (overview.key_figures, overview.class_counts, overview.ontology_terms, overview.shape_rules):
        assert plain(function(remote, base)) == plain(function(embedded, base)), function.__name__
    for cls in (c.cls for c in overview.class_counts(embedded, base)[:5]):
        for offset in (0, 2):
            found = overview.instances(remote, base, cls.iri, offset=offset, limit=3)
            assert plain(found) == plain(overview.instances(embedded, base, cls.iri, offset=offset, limit=3))


def test_search_finds_the_same(embedded, remote, base):
    here, there = SearchIndex.build(embedded, base), SearchIndex.build(remote, base)
    assert there.labels == here.labels and len(here) > 100
    for query, lang in (("zou", "fr"), ("cooperation", "en"), ("benin", "fr"), ("agriculture familiale", "fr")):
        assert there.search(query, lang) == here.search(query, lang), query


# The variables a competency query computes as a boolean expression, which Virtuoso 7.2
# answers as xsd:integer 1 or 0 (stored booleans come back as booleans).
VIRTUOSO_BOOLEAN_EXPRESSIONS = {"cq8-disagreeing-claims": "sameValue"}
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def test_the_competency_questions_answer_the_same(published, engine, remote, base):
    """The competency queries (queries/*.rq, free SPARQL text, not query files), sent as they
    are with the release's graphs as dataset."""
    queries = competency_queries(PROJECT_ROOT / "queries", base)
    assert len(queries) >= 10
    for query in queries:
        solutions = published.store.query(query.text, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        here = [{n: row[n] for n in names} for row in solutions]
        there = remote._rows(remote._json(query.text))
        assert here, query.slug
        computed = VIRTUOSO_BOOLEAN_EXPRESSIONS.get(query.slug) if isinstance(engine, VirtuosoServer) else None
        if computed:  # the difference Virtuoso forces: asserted, then set aside
            assert {row[computed] for row in there} == {ox.Literal(v, datatype=XSD_INTEGER) for v in ("0", "1")}
            as_integer = {"true": "1", "false": "0"}
            here = [
                {**row, computed: ox.Literal(as_integer[row[computed].value], datatype=XSD_INTEGER)} for row in here
            ]
        rows = [sorted(map(repr, plain(found))) for found in (there, here)]
        assert rows[0] == rows[1], query.slug  # the same rows; in the same order where ORDER BY says
        order = re.findall(r"\?(\w+)", "".join(re.findall(r"ORDER BY([^\n]*)", query.text)))
        keys = [[[plain(row[k]) for k in order] for row in found] for found in (there, here)]
        assert keys[0] == keys[1], query.slug


def test_void_catalogue_and_sitemap_count_the_same(embedded, remote, base):
    assert dataset_statistics(remote, base) == dataset_statistics(embedded, base)
    assert temporal_coverage(remote, base) == temporal_coverage(embedded, base)
    assert entity_iris(remote, base) == entity_iris(embedded, base)


# --- the app on an engine ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine_client(published, release_dir, engine):
    app = create_app({"release_dir": release_dir, "engine_url": engine.url}, published=published)
    app.config["TESTING"] = True
    return app.test_client()


def _page(client, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, path
    page = BeautifulSoup(answer.data, "html.parser")
    return page.select_one("main").get_text(" ", strip=True)


def test_the_app_on_an_engine_serves_the_same_pages(client, engine_client, iris, base):
    assert isinstance(engine_client.application.extensions["coopkg"].graph, SparqlHttpGraph)
    ours = [iri[len(base) :] for iri in iris if iri.startswith(base + "id/")]
    paths = ["/", "/classes", "/shapes", "/def/", "/search?q=zou", *(f"/{p}" for p in ours[::7])]
    for path in paths:
        assert _page(engine_client, path) == _page(client, path), path
    for path in ours[::25]:
        here, there = client.get(f"/{path}.ttl"), engine_client.get(f"/{path}.ttl")
        assert there.status_code == here.status_code == 200
        parsed = [list(ox.parse(a.data, format=ox.RdfFormat.TURTLE)) for a in (here, there)]
        assert triples(parsed[1]) == triples(parsed[0]), path


def test_credentials_come_from_the_environment_and_stay_out_of_messages(engine, base):
    settings = Settings.load({"engine_url": engine.url}, environ={})
    graph = open_graph(settings, None, environ={"COOPKG_ENGINE_USER": "reader", "COOPKG_ENGINE_PASSWORD": "s3cret"})
    assert graph.session.auth == ("reader", "s3cret")
    assert "s3cret" not in repr(graph)
    with pytest.raises(ConfigError) as refused:
        Settings.load({"engine_url": "http://reader:s3cret@127.0.0.1:1/query"}, environ={})
    assert "s3cret" not in str(refused.value)


@needs_oxigraph
def test_an_engine_that_stops_gives_503_with_retry_after(published, release_dir, database, tmp_path):
    with oxigraph_server(tmp_path, database) as running:
        app = create_app({"release_dir": release_dir, "engine_url": running.url}, published=published)
        client = app.test_client()
        assert client.get("/").status_code == 200
    answer = client.get("/id/organisation/cc-zou")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] and "cannot be reached" in answer.get_data(as_text=True)


def test_an_engine_too_slow_gives_504(base):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/query"
        graph = SparqlHttpGraph(url, [graph_iri(base, "data")], timeout=(1.0, 0.5))
        with pytest.raises(EngineError) as failed:
            graph.count("void_triples")
    assert failed.value.status == 504 and "did not answer within 0.5 s" in str(failed.value)


def test_a_duration_sent_as_a_number_is_written_back_in_canonical_form():
    cases = {
        "48": "P4Y",
        "14": "P1Y2M",
        "7": "P7M",
        "0": "P0M",
        "-13": "-P1Y1M",
        "864000.0": "P10D",
        "5400.0": "PT1H30M",
        "90061.5": "P1DT1H1M1.5S",
        "0.0": "PT0S",
        "P4Y": "P4Y",
        "PT1H": "PT1H",
    }
    for sent, meant in cases.items():
        assert duration_text(sent) == meant, sent
        assert ox.Literal(meant, datatype=ox.NamedNode(XSD + "duration")).value == meant  # canonical


def test_a_path_end_bound_to_one_value_is_written_into_the_path(published, base):
    org = base + "def/Organisation"
    text = SparqlHttpGraph("http://127.0.0.1:1/query", [])._text(
        "class_and_subclasses_count", graph=graph_iri(base, "data"), cls=org
    )
    assert (
        f"rdfs:subClassOf* <{org}> ." in text
        and f"VALUES (?graph ?cls) {{ (<{graph_iri(base, 'data')}> <{org}>) }}" in text
    )
    several = SparqlHttpGraph("http://127.0.0.1:1/query", [])._text("same_quantity_claims", observation=[org, base])
    assert "?observation (" in several, "several values stay in VALUES only"
    for cls in (org, base + "def/Convention", "http://www.w3.org/ns/org#Organization"):
        bindings = {"graph": graph_iri(base, "data"), "cls": cls}
        written = published.store.query(
            SparqlHttpGraph("http://127.0.0.1:1/query", [])._text("class_and_subclasses_count", **bindings),
            use_default_graph_as_union=True,
        )
        assert (
            next(iter(written))["n"]
            == next(iter(query_files.select(published.store, "class_and_subclasses_count", **bindings)))["n"]
        )


def test_an_engine_asking_for_basic_authentication_gets_it_then_up_front(base):
    expected = "Basic " + base64.b64encode(b"reader:s3cret").decode()
    seen: list[str | None] = []

    class Engine(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("Authorization"))
            if seen[-1] != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="sparql"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b'{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": "7"}}]}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Engine) as engine:
        threading.Thread(target=engine.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{engine.server_address[1]}/query"
        graph = SparqlHttpGraph(url, [graph_iri(base, "data")], auth=("reader", "s3cret"))
        assert graph.count("void_triples") == 7 and graph.count("void_triples") == 7
        engine.shutdown()
    assert seen == [None, expected, expected], "asked for once, then sent with every request"


@needs_oxigraph
def test_an_engine_that_refuses_the_query_gives_502(oxigraph, base):
    graph = SparqlHttpGraph(oxigraph.url.replace("/query", "/nowhere"), [graph_iri(base, "data")])
    with pytest.raises(EngineError) as failed:
        graph.count("void_triples")
    assert failed.value.status == 502 and "answered 404" in str(failed.value)


def test_a_long_query_goes_as_a_form_post(remote, embedded, iris):
    keys = iris[:300]  # 300 IRIs: a labels query far longer than a GET URL may be
    assert remote.labels(keys, ["http://www.w3.org/2000/01/rdf-schema#label"]) == embedded.labels(
        keys, ["http://www.w3.org/2000/01/rdf-schema#label"]
    )


def test_queries_run_in_parallel_on_the_pool(remote, embedded, iris):
    errors: list[Exception] = []

    def read(chunk):
        try:
            for iri in chunk:
                assert plain(read_entity(remote, iri)) == plain(read_entity(embedded, iri))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=read, args=(iris[i::4][:20],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@needs_oxigraph
def test_the_app_starts_on_an_engine_that_is_down_and_recovers_when_it_comes_back(
    published, release_dir, database, client, tmp_path, caplog
):
    port = free_port()
    url = f"http://127.0.0.1:{port}/query"
    app = create_app({"release_dir": release_dir, "engine_url": url}, published=published)  # no engine yet
    assert "cannot be read yet" in caplog.text
    down = app.test_client()
    for path in ("/", "/search?q=zou", "/id/organisation/cc-zou", "/id/organisation/nobody"):
        answer = down.get(path)
        assert answer.status_code == 503 and answer.headers["Retry-After"], path
        assert answer.mimetype == "text/plain" and "cannot be reached" in answer.get_data(as_text=True), path
    health = down.get("/health")
    assert health.status_code == 503 and health.json["status"] == "degraded"
    assert "cannot be reached" in health.json["engine"]["error"] and health.json["engine"]["url"] == url
    with oxigraph_server(tmp_path, database, port=port):
        for path in ("/", "/search?q=zou", "/id/organisation/cc-zou"):
            assert _page(down, path) == _page(client, path), path
        health = down.get("/health")
        assert health.status_code == 200 and health.json["status"] == "ok"
        assert health.json["engine"] == {"url": url, "serves": published.version, "holds": None}


# --- coopkg load -------------------------------------------------------------------------------


def _named_graphs(engine) -> set[str]:
    answer = requests.get(
        engine.url,
        params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,  # Virtuoso scans every quad: 10 s here once three releases are loaded
    )
    return {row["g"]["value"] for row in answer.json()["results"]["bindings"]}


@needs_oxigraph
def test_coopkg_load_pushes_the_release_then_switches_then_drops_the_previous(
    runner, published, release_dir, client, base, tmp_path
):
    with oxigraph_server(tmp_path, tmp_path / "empty", writable=True) as engine:
        env = {
            "COOPKG_RELEASE_DIR": str(release_dir),
            "COOPKG_ENGINE_URL": engine.url,
            "COOPKG_ENGINE_STORE_URL": engine.store_url,
        }
        first = runner.invoke(main, ["load"], env=env)
        assert first.exit_code == 0, first.output
        assert f"the engine holds release {published.version}" in first.output
        loaded = _named_graphs(engine)
        record = graph_iri(base, "release")
        assert record in loaded and len(loaded) == len(release_graphs(published)) + 2, (
            "the graphs, their description, the record"
        )
        assert all(g.startswith(graph_iri(base, "")) and f"/{published.version}/" in g for g in loaded - {record})

        app = create_app({"release_dir": release_dir, "engine_url": engine.url}, published=published)
        on_engine = app.test_client()
        for path in ("/", "/classes", "/id/organisation/cc-zou", "/def/"):
            assert _page(on_engine, path) == _page(client, path), path
        stats = app.extensions["coopkg"].graph
        assert dataset_statistics(stats, base) == dataset_statistics(EmbeddedGraph(published.store), base)

        time.sleep(1.1)  # a new stamp: a second load lands under new names
        second = runner.invoke(main, ["load"], env=env)
        assert second.exit_code == 0, second.output
        now = _named_graphs(engine)
        first_description = {g for g in loaded if g.startswith(record + "/")}
        assert len(now) == 2 * len(release_graphs(published)) + 2 and loaded - now == first_description, (
            "the previous release's graphs are kept"
        )
        assert "dropped " not in second.output and f"keeping {published.version} as previous" in second.output
        time.sleep(1.1)
        third = runner.invoke(main, ["load"], env=env)
        assert third.exit_code == 0 and third.output.count("dropped ") == len(release_graphs(published)), third.output
        later = _named_graphs(engine)
        assert len(later) == 2 * len(release_graphs(published)) + 2 and not (later - {record}) & (loaded - {record}), (
            "the first load's graphs are dropped"
        )
        assert _page(on_engine, "/id/organisation/cc-zou") == _page(client, "/id/organisation/cc-zou")


@needs_oxigraph
def test_an_engine_holding_another_release_is_refused(runner, published, release_dir, base, tmp_path):
    with oxigraph_server(tmp_path, tmp_path / "empty", writable=True) as engine:
        record = graph_iri(base, "release")
        described = record + "/1999.01.01.1/19990101T000000"
        for graph, triple in (
            (described, f'<{described}> <http://purl.org/dc/terms/hasVersion> "1999.01.01.1" .\n'),
            (record, f"<{record}> <http://purl.org/dc/terms/references> <{described}> .\n"),
        ):
            put = requests.put(
                engine.store_url,
                params={"graph": graph},
                data=triple.encode(),
                headers={"Content-Type": "application/n-triples"},
                timeout=10,
            )
            assert put.status_code in (200, 201, 204)
        with pytest.raises(EngineError) as refused:
            create_app({"release_dir": release_dir, "engine_url": engine.url}, published=published)
        assert refused.value.status == 503 and "holds release 1999.01.01.1" in str(refused.value)
        env = {"COOPKG_RELEASE_DIR": str(release_dir), "COOPKG_ENGINE_URL": engine.url}
        served = runner.invoke(main, ["serve"], env=env)
        assert served.exit_code == 2 and "coopkg load" in served.output.strip().splitlines()[-1]


def test_coopkg_load_on_virtuoso_goes_through_its_graph_store_with_digest(
    runner, published, release_dir, client, base, tmp_path
):
    if virtuoso_command() is None:
        pytest.fail(NO_VIRTUOSO)
    with virtuoso_server(tmp_path) as engine:  # a new database: nothing loaded
        env = {
            "COOPKG_RELEASE_DIR": str(release_dir),
            "COOPKG_ENGINE_URL": engine.url,
            "COOPKG_ENGINE_STORE_URL": engine.url + "-graph-crud-auth",  # digest only
            "COOPKG_ENGINE_USER": DBA[0],
            "COOPKG_ENGINE_PASSWORD": DBA[1],
        }
        first = runner.invoke(main, ["load"], env=env)
        assert first.exit_code == 0, first.output
        ours = graph_iri(base, "")
        loaded = {g for g in _named_graphs(engine) if g.startswith(ours)}  # beside Virtuoso's own graphs
        assert graph_iri(base, "release") in loaded and len(loaded) == len(release_graphs(published)) + 2

        app = create_app({"release_dir": release_dir, "engine_url": engine.url}, published=published)
        on_engine = app.test_client()
        for path in ("/", "/classes", "/id/organisation/cc-zou", "/id/period/2022-2026", "/def/"):
            assert _page(on_engine, path) == _page(client, path), path
        stats = app.extensions["coopkg"].graph
        assert dataset_statistics(stats, base) == dataset_statistics(EmbeddedGraph(published.store), base)

        time.sleep(1.1)
        second = runner.invoke(main, ["load"], env=env)
        assert second.exit_code == 0 and "dropped " not in second.output, second.output
        time.sleep(1.1)
        third = runner.invoke(main, ["load"], env=env)
        graphs = len(release_graphs(published))
        assert third.exit_code == 0 and third.output.count("dropped ") == graphs, third.output
        now = {g for g in _named_graphs(engine) if g.startswith(ours)}
        # two releases of graphs, the description of the newest (which names the one before) and the record
        assert len(now) == 2 * graphs + 2 and len(now & loaded) == 1, "of the first load, only the record graph is kept"

        refused = runner.invoke(main, ["load"], env={**env, "COOPKG_ENGINE_PASSWORD": "wrong"})
        assert refused.exit_code == 2 and "401" in refused.output.strip().splitlines()[-1]


def test_coopkg_load_without_an_engine_says_what_to_set(runner, release_dir):
    result = runner.invoke(main, ["load"], env={"COOPKG_RELEASE_DIR": str(release_dir)})
    assert result.exit_code == 2 and "set engine_url and engine_store_url" in result.output


# --- what Virtuoso forces (docs/engines.md, "Virtuoso") ---------------------------------------

PROBE = "urn:coopkg:probe"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROBE_QUADS = f"""\
<{PROBE}#a> <{PROBE}#d> "P1Y2M"^^<{XSD}duration> <{PROBE}> .
<{PROBE}#a> <{PROBE}#d> "P4Y"^^<{XSD}duration> <{PROBE}> .
<{PROBE}#a> <{PROBE}#d> "P10D"^^<{XSD}duration> <{PROBE}> .
<{PROBE}#a> <{PROBE}#d> "PT1H30M"^^<{XSD}duration> <{PROBE}> .
<{PROBE}#a> <{PROBE}#n> "1.50"^^<{XSD}decimal> <{PROBE}> .
<{PROBE}#a> <{PROBE}#n> "007"^^<{XSD}integer> <{PROBE}> .
<{PROBE}#a> <{PROBE}#n> "2.5"^^<{XSD}decimal> <{PROBE}> .
<{PROBE}#a> <{PROBE}#t> "Hi"@EN-GB <{PROBE}> .
"""


@pytest.fixture(scope="module")
def probed(virtuoso, tmp_path_factory):
    """Virtuoso with the probe graph loaded beside the release (read under its own name only)."""
    dump = tmp_path_factory.mktemp("probe") / "probe.nq"
    dump.write_text(PROBE_QUADS, encoding="utf-8")
    virtuoso.load(dump)
    return SparqlHttpGraph(virtuoso.url, [PROBE])


def test_virtuoso_durations_are_repaired_and_lexical_forms_are_canonical_on_both(virtuoso, probed):
    query = f"SELECT ?o WHERE {{ GRAPH <{PROBE}> {{ <{PROBE}#a> <{PROBE}#d> ?o }} }}"
    accept = {"Accept": "application/sparql-results+json"}
    raw = requests.get(virtuoso.url, params={"query": query}, headers=accept, timeout=10).json()
    assert {b["o"]["value"] for b in raw["results"]["bindings"]} == {"14", "48", "864000.0", "5400.0"}
    store = ox.Store()  # Oxigraph's store writes numbers and durations in canonical form too
    store.load(PROBE_QUADS.encode(), format=ox.RdfFormat.N_QUADS)
    here = EmbeddedGraph(store)
    for p in ("d", "n", "t"):
        args = (f"{PROBE}#a", f"{PROBE}#{p}")
        assert set(probed.objects(*args)) == set(here.objects(*args)), p
    durations = {o.value for o in probed.objects(f"{PROBE}#a", f"{PROBE}#d")}
    assert durations == {"P1Y2M", "P4Y", "P10D", "PT1H30M"}
    assert {o.value for o in probed.objects(f"{PROBE}#a", f"{PROBE}#n")} == {"1.5", "7", "2.5"}
    assert str(probed.objects(f"{PROBE}#a", f"{PROBE}#t")[0]) == '"Hi"@en-gb'
    described = {t.object for t in probed.construct("description", iri=f"{PROBE}#a")}
    assert described == {q.object for q in store}


def test_virtuoso_default_graph_is_every_graph_unless_the_request_names_them(virtuoso, embedded, base, probed):
    every = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
    accept = {"Accept": "application/sparql-results+json"}
    answer = requests.get(virtuoso.url, params=every, headers=accept, timeout=10).json()
    held = int(answer["results"]["bindings"][0]["n"]["value"])
    ours = embedded.count("void_triples")
    assert held > ours + len(PROBE_QUADS.splitlines()), "system graphs and the probe are in the default graph"
    named = reader(virtuoso.url, base)
    assert named.count("void_triples") == ours, "named by default-graph-uri: the release's graphs only"


def test_virtuoso_never_answers_a_direct_sparql_query_post(virtuoso):
    query, accept = "ASK { ?s ?p ?o }", {"Accept": "application/sparql-results+json"}
    form = requests.post(virtuoso.url, data={"query": query}, headers=accept, timeout=10)
    assert form.status_code == 200 and "boolean" in form.json(), "a form POST answers (ASK as a boolean)"
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(
            virtuoso.url,
            data=query.encode(),
            headers={**accept, "Content-Type": "application/sparql-query"},
            timeout=(2, 2),
        )


# --- search through Virtuoso's text index (engine_text_index = "virtuoso") --------------------

# Searches whose hits the text index gives exactly as the app's own index: whole words and
# starts of words of four letters or more, with their accents, in any case.
SAME_HITS = ("zou", "Zou", "coopération", "bénin", "agriculture familiale", "communauté", "hauts-de-seine", "programme")
# What the text index does not find that the app's own index does (docs/engines.md, "Search"):
# a word inside another, a word without its accents, the start of a word under four letters.
NOT_FOUND_BY_THE_TEXT_INDEX = {"ooper": "coopération", "cc": "occupe", "beninoise": "béninoise", "zo": "Zou"}


@pytest.fixture(scope="module")
def text_search(virtuoso, base):
    from server.text_search import EngineTextSearch

    graph = reader(virtuoso.url, base)
    yield EngineTextSearch(graph, base)
    graph.close()


def test_virtuoso_text_index_search_gives_the_same_hits_as_the_apps_index(text_search, embedded, base):
    index = SearchIndex.build(embedded, base)
    for query in SAME_HITS:
        for lang in ("fr", "en"):
            expected = index.search(query, lang)
            assert expected, query
            assert text_search.search(query, lang) == expected, query
    assert text_search.suggest("convention zou", "fr") == index.suggest("convention zou", "fr")
    for query, meant in NOT_FOUND_BY_THE_TEXT_INDEX.items():
        found = {hit.iri for hit in index.search(query, "fr")}
        assert found, query
        assert not found <= {hit.iri for hit in text_search.search(query, "fr")}, f"{query} (for {meant})"
    assert text_search.search("  ,;  ", "fr") == [] and text_search.search("\"' OR 1", "fr") == []
    for refused in VIRTUOSO_REFUSES_AS_WORDS:  # what Virtuoso would refuse (XM028, FT370) is not sent so
        assert text_search.search(refused, "fr") == index.search(refused, "fr"), refused


# Searches whose words, sent as they are, Virtuoso refuses (500): "_" alone is a noise word,
# "zou_" the start of a word under four letters, a word of 65 letters a noise word too.
VIRTUOSO_REFUSES_AS_WORDS = ("_", "zou_", "x" * 65, "coopération " + "y" * 80)


def test_the_app_searches_through_virtuosos_text_index_when_told(virtuoso, published, release_dir, client):
    app = create_app(
        {"release_dir": release_dir, "engine_url": virtuoso.url, "engine_text_index": "virtuoso"},
        published=published,
    )
    service = app.extensions["coopkg"]
    assert type(service.search).__name__ == "EngineTextSearch" and service.search.labels == []
    on_engine = app.test_client()
    for path in ("/search?q=zou", "/search?q=agriculture+familiale&lang=en", "/search.json?q=b%C3%A9nin"):
        here, there = client.get(path), on_engine.get(path)
        assert there.status_code == here.status_code == 200, path
        assert there.data == here.data, path
    assert on_engine.get("/id/organisation/nobody-at-all").status_code == 404  # suggestions read from it too
    for refused in VIRTUOSO_REFUSES_AS_WORDS:
        here, there = (
            client.get("/search.json", query_string={"q": refused}),
            on_engine.get("/search.json", query_string={"q": refused}),
        )
        assert there.status_code == here.status_code == 200, refused
        assert there.get_json() == here.get_json(), refused


# --- what Virtuoso cannot evaluate: 400 on /sparql, 502 on a page, by its status and error code ---

RENEWS = "https://w3id.org/coopkg/def/renews"
# Queries the embedded store and Oxigraph server answer and Virtuoso 7.2 refuses, with the SQL
# state and the code of its refusal (the first line of its 500 answer's body).
VIRTUOSO_CANNOT = {
    f"SELECT * WHERE {{ ?a <{RENEWS}>+ ?b }}": ("37000", "TR..."),
    f"SELECT * WHERE {{ ?a <{RENEWS}>* ?b }}": ("37000", "TR..."),
    f"SELECT * WHERE {{ ?a ^<{RENEWS}>+ ?b }}": ("37000", "TR..."),
    f"SELECT * WHERE {{ ?a (<{RENEWS}>|^<{RENEWS}>)* ?b }}": ("37000", "TR..."),
    "SELECT (1/0 AS ?x) WHERE {}": ("22012", "SR084"),  # the standard's error: an unbound ?x
}
RESULTS = "application/sparql-results+json"


@pytest.fixture(scope="module")
def on_virtuoso(virtuoso, published, release_dir):
    """The app with its pages and /sparql on Virtuoso."""
    app = create_app({"release_dir": release_dir, "engine_url": virtuoso.url}, published=published)
    app.config["TESTING"] = True
    return app.test_client()


def test_virtuoso_refuses_with_500_and_an_sql_state_what_the_others_answer(virtuoso, oxigraph, client):
    for query, (state, code) in VIRTUOSO_CANNOT.items():
        raw = requests.get(virtuoso.url, params={"query": query}, headers={"Accept": RESULTS}, timeout=60)
        assert raw.status_code == 500 and raw.headers["Content-Type"].startswith("text/plain"), query
        assert raw.text.startswith(f"Virtuoso {state} Error {code}: "), raw.text
        assert "SPARQL query:" in raw.text, "it echoes the query it was given"
        assert client.get("/sparql", query_string={"query": query}, headers={"Accept": RESULTS}).status_code == 200
        there = requests.get(oxigraph.url, params={"query": query}, headers={"Accept": RESULTS}, timeout=60)
        assert there.status_code == 200, query


def test_sparql_on_virtuoso_answers_400_naming_what_it_cannot_evaluate(on_virtuoso):
    for query, (state, code) in VIRTUOSO_CANNOT.items():
        answer = on_virtuoso.get("/sparql", query_string={"query": query}, headers={"Accept": RESULTS})
        text = answer.get_data(as_text=True)
        assert answer.status_code == 400 and answer.mimetype == "text/plain", (query, text)
        assert text.startswith(
            f"the SPARQL engine cannot evaluate this query (it says): Virtuoso {state} Error {code}: "
        )
        assert len(text.splitlines()) == 1 and "SPARQL query" not in text and "define" not in text
    syntax = on_virtuoso.get(
        "/sparql", query_string={"query": "SELECT ?s WHERE { ?s ?p }"}, headers={"Accept": RESULTS}
    )
    assert syntax.status_code == 400  # Virtuoso's own 400: malformed, its line alone
    assert syntax.get_data(as_text=True).startswith(
        "malformed query (the SPARQL engine says): Virtuoso 37000 Error SP030"
    )
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert on_virtuoso.get("/sparql", query_string={"query": count}, headers={"Accept": RESULTS}).status_code == 200


def test_the_query_page_on_virtuoso_shows_the_refusal_with_400(on_virtuoso):
    query = f"SELECT * WHERE {{ ?a <{RENEWS}>+ ?b }}"
    answer = on_virtuoso.get("/sparql", query_string={"query": query}, headers={"Accept": "text/html"})
    assert answer.status_code == 400 and answer.mimetype == "text/html"
    page = BeautifulSoup(answer.data, "html.parser").get_text(" ", strip=True)
    assert "transitive start not given" in page and "SPARQL query:" not in page


def test_a_query_of_the_pages_virtuoso_refuses_is_a_502_naming_its_code_never_a_500(virtuoso, base, on_virtuoso):
    graph = reader(virtuoso.url, base)
    two = [f"{base}id/observation/a", f"{base}id/observation/b"]  # VALUES with two rows: no end written in
    with pytest.raises(EngineError) as refused:
        graph.select("same_quantity_claims", observation=two)
    graph.close()
    message = str(refused.value)
    assert refused.value.status == 502 and "refused a query of the pages: Virtuoso 37000 Error TR..." in message
    assert "\n" not in message and "SELECT" not in message
    app = on_virtuoso.application
    with app.test_request_context("/id/organisation/cc-zou"):  # what the app answers a page raising it
        answer = app.make_response(app.handle_user_exception(refused.value))
    assert answer.status_code == 502 and answer.get_data(as_text=True).startswith("Bad Gateway: ")


def test_virtuoso_answering_part_of_a_query_at_its_own_time_limit_is_a_504(virtuoso, base):
    """Virtuoso's "anytime" answer: past its time limit (here its `timeout` parameter, 200 ms) a
    200 holding part of the rows, said only by `X-SQL-State: S1TAT`: never passed on as the answer."""
    from server.sparql.answer import QueryFailed
    from server.sparql.remote import RemoteEndpoint
    from server.sparql.worker import Job

    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?a ?b ?c FILTER(STR(?o) < STR(?c)) }"
    limited = reader(virtuoso.url + "?timeout=200", base)
    raw = limited.session.get(
        limited.url,
        params={"query": heavy, "default-graph-uri": list(limited.graphs.values())},
        headers={"Accept": RESULTS},
        timeout=60,
    )
    assert raw.status_code == 200 and raw.headers["X-SQL-State"] == "S1TAT", raw.headers
    with pytest.raises(QueryFailed) as stopped:
        RemoteEndpoint(limited, timeout=60).run(Job(heavy))
    limited.close()
    assert stopped.value.failure.status == 504
    assert "stopped it at its own time limit: RC...: Returning incomplete results" in stopped.value.failure.message


def test_a_construct_and_a_describe_on_virtuoso_answer_graphs_in_the_clients_format(on_virtuoso, client, base):
    """Asked for SPARQL JSON or N-Triples at once, Virtuoso answered a CONSTRUCT as a table of
    ?s ?p ?o (and a DESCRIBE with JSON we could not read): each form is asked for its own kind."""
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <http://www.w3.org/2002/07/owl#Class> ; ?p ?o FILTER(isIRI(?o)) }"
    describe = f"DESCRIBE <{base}id/organisation/cc-zou>"
    for accept, format_ in (("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES)):
        answers = [
            c.get("/sparql", query_string={"query": construct}, headers={"Accept": accept})
            for c in (client, on_virtuoso)
        ]
        assert [a.status_code for a in answers] == [200, 200] and answers[1].mimetype == accept
        here, there = ({q.triple for q in ox.parse(a.data, format=format_)} for a in answers)
        assert here and there == here, accept
        described = on_virtuoso.get("/sparql", query_string={"query": describe}, headers={"Accept": accept})
        assert described.status_code == 200 and described.mimetype == accept
        subjects = {q.subject for q in ox.parse(described.data, format=format_)}
        assert ox.NamedNode(f"{base}id/organisation/cc-zou") in subjects
    table = on_virtuoso.get("/sparql", query_string={"query": construct}, headers={"Accept": RESULTS})
    assert table.status_code == 406, "a graph is not a table of results"
