"""Real SPARQL clients against a real server: SPARQLWrapper (GET, POST form, POST direct),
rdflib's SPARQLStore, and curl in every results format get, for every competency question,
the answers the store itself gives."""

from __future__ import annotations

import csv
import io
import subprocess

import pyoxigraph as ox
import pytest
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from sparql_answers import rdflib_term, results_rows, store_rows, variables
from SPARQLWrapper import GET, JSON, POST, POSTDIRECTLY, URLENCODED, XML, SPARQLWrapper

from server.config import PROJECT_ROOT
from server.queries import competency_queries

QUESTIONS = competency_queries(PROJECT_ROOT / "queries")
IDS = [question.slug for question in QUESTIONS]


def test_every_question_has_answers(store):
    assert len(QUESTIONS) >= 7
    assert all(store_rows(store, question.text) for question in QUESTIONS)


@pytest.mark.parametrize("question", QUESTIONS, ids=IDS)
@pytest.mark.parametrize(
    ("method", "encoding", "return_format"),
    [(GET, URLENCODED, JSON), (POST, URLENCODED, JSON), (POST, POSTDIRECTLY, XML), (GET, URLENCODED, XML)],
)
def test_sparqlwrapper(server, store, question, method, encoding, return_format):
    client = SPARQLWrapper(server.sparql)
    client.setQuery(_without_question(question.text))
    client.setMethod(method)
    client.setRequestMethod(encoding)
    client.setReturnFormat(return_format)
    response = client.query().response.read()
    parsed = ox.parse_query_results(
        response, format=ox.QueryResultsFormat.JSON if return_format == JSON else ox.QueryResultsFormat.XML
    )
    assert results_rows(parsed) == store_rows(store, question.text)


@pytest.mark.parametrize("question", QUESTIONS, ids=IDS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_rdflib_sparqlstore(server, store, question, method):
    remote = SPARQLStore(query_endpoint=server.sparql, method=method)
    result = remote.query(question.text)
    names = [str(v) for v in result.vars]
    assert names == variables(store, question.text)
    rows = sorted(tuple(rdflib_term(row[name]) for name in names) for row in result)
    assert rows == store_rows(store, question.text)


@pytest.mark.parametrize("question", QUESTIONS, ids=IDS)
@pytest.mark.parametrize(
    ("media_type", "results_format"),
    [
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ],
)
def test_curl_in_every_results_format(server, store, question, media_type, results_format):
    body = _curl(server.sparql, question.text, media_type)
    assert results_rows(ox.parse_query_results(body, format=results_format)) == store_rows(store, question.text)


@pytest.mark.parametrize("question", QUESTIONS, ids=IDS)
def test_curl_csv(server, store, question):
    """CSV keeps only lexical forms: compare those (blank nodes by position only)."""
    table = list(csv.reader(io.StringIO(_curl(server.sparql, question.text, "text/csv").decode("utf-8"))))
    assert table[0] == variables(store, question.text)
    expected = sorted(
        tuple("" if t[0] in ("unbound", "bnode") else t[1] for t in row) for row in store_rows(store, question.text)
    )
    received = sorted(tuple("" if cell.startswith("_:") else cell for cell in row) for row in table[1:])
    assert received == expected


def _without_question(text: str) -> str:
    """Return the query without its '# fr:' / '# en:' lines: SPARQLWrapper 2.0 guesses the query
    form from the text, comments included, and takes "describe" in a question for DESCRIBE."""
    lines = text.splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines)


def _curl(url: str, query: str, media_type: str) -> bytes:
    """Return the body curl gets for GET `url`?query=... with Accept `media_type` (fails on >= 400)."""
    command = ["curl", "--silent", "--show-error", "--fail", "--get", url]
    command += ["--data-urlencode", f"query={query}", "-H", f"Accept: {media_type}"]
    return subprocess.run(command, check=True, capture_output=True, timeout=60).stdout
