"""Content negotiation over the one table of media types (pure function, parametrized)."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.sparql.formats import GRAPHS, HTML, RESULTS, UnknownFormat, negotiate

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
SPARQLWRAPPER_JSON = "application/sparql-results+json,application/json,text/javascript,application/javascript"


def chosen(accept: str, offered, format_name: str | None = None) -> str | None:
    found = negotiate(parse_accept_header(accept, MIMEAccept), format_name, offered)
    return None if found is None else found.name


@pytest.mark.parametrize(
    ("accept", "format_name", "expected"),
    [
        ("", None, "json"),
        ("*/*", None, "json"),
        ("application/sparql-results+json", None, "json"),
        ("application/json", None, "json"),
        (SPARQLWRAPPER_JSON, None, "json"),
        ("application/sparql-results+xml", None, "xml"),
        ("application/xml", None, "xml"),
        ("text/csv", None, "csv"),
        ("text/tab-separated-values", None, "tsv"),
        ("text/csv;q=0.4, text/tab-separated-values;q=0.6", None, "tsv"),
        ("text/*", None, "csv"),
        (BROWSER, None, "html"),
        ("image/png", None, None),
        ("text/turtle", None, None),
        ("image/png", "csv", "csv"),
        (SPARQLWRAPPER_JSON, "xml", "xml"),
        ("", "text/tab-separated-values", "tsv"),
        ("", "turtle", None),
        ("", "html", "html"),
    ],
)
def test_results_negotiation(accept, format_name, expected):
    assert chosen(accept, (*RESULTS, HTML), format_name) == expected


@pytest.mark.parametrize(
    ("accept", "format_name", "expected"),
    [
        ("", None, "turtle"),
        ("*/*", None, "turtle"),
        ("text/turtle", None, "turtle"),
        ("application/n-triples", None, "ntriples"),
        ("text/plain", None, "ntriples"),
        ("application/rdf+xml", None, "rdfxml"),
        ("application/xml", None, "rdfxml"),
        ("application/ld+json", None, "jsonld"),
        ("application/json", None, "jsonld"),
        ("application/n-quads", None, "nquads"),
        ("application/trig", None, "trig"),
        ("application/rdf+xml;q=0.5, text/turtle;q=0.9", None, "turtle"),
        (BROWSER, None, "html"),
        ("application/sparql-results+json", None, None),
        ("", "rdf+xml", "rdfxml"),
        ("", "json-ld", "jsonld"),
        ("", "xml", "rdfxml"),
        ("", "json", "jsonld"),
        ("", "nt", "ntriples"),
        ("", "csv", None),
    ],
)
def test_graph_negotiation(accept, format_name, expected):
    assert chosen(accept, (*GRAPHS, HTML), format_name) == expected


@pytest.mark.parametrize("format_name", ["pdf", "yaml", "text/html2"])
def test_unknown_format_parameter(format_name):
    with pytest.raises(UnknownFormat, match="unknown format"):
        chosen("", RESULTS, format_name)


def test_every_format_has_its_own_name_and_media_type():
    formats = (*RESULTS, *GRAPHS, HTML)
    assert len({f.name for f in formats}) == len({f.media_type for f in formats}) == len(formats)
