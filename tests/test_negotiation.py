"""One rule for content negotiation and one for the page language, in every blueprint
(server/web/negotiation.py): a parametrized table each."""

from __future__ import annotations

import pytest
from pages_support import html
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.descriptions import DESCRIPTION_FORMATS
from server.representations import HTML, REPRESENTATIONS
from server.sparql import formats
from server.web.negotiation import best_offer

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
PAGES = REPRESENTATIONS
CATALOGUE = (*DESCRIPTION_FORMATS, HTML)
ENDPOINT = (*formats.RESULTS, formats.HTML)
SEARCH = ("text/html", "application/json")


def chosen(accept: str, offered) -> str | None:
    found = best_offer(parse_accept_header(accept, MIMEAccept), offered)
    return found if found is None or isinstance(found, str) else found.media_type


@pytest.mark.parametrize(
    ("offered", "accept", "expected"),
    [
        # no Accept header: the first offer, whatever it is
        (PAGES, "", "text/html"),
        (CATALOGUE, "", "text/turtle"),
        (ENDPOINT, "", "application/sparql-results+json"),
        (SEARCH, "", "text/html"),
        # */* too; a browser gets HTML wherever it is offered
        (PAGES, "*/*", "text/html"),
        (CATALOGUE, "*/*", "text/turtle"),
        (PAGES, BROWSER, "text/html"),
        (CATALOGUE, BROWSER, "text/html"),
        (ENDPOINT, BROWSER, "text/html"),
        (SEARCH, BROWSER, "text/html"),
        # quality wins over order
        (PAGES, "text/html;q=0.5, application/rdf+xml", "application/rdf+xml"),
        (CATALOGUE, "text/html;q=0.5, application/ld+json", "application/ld+json"),
        (SEARCH, "application/json", "application/json"),
        # aliases name the same rows, after every own media type
        (PAGES, "application/json", "application/ld+json"),
        (PAGES, "application/x-turtle", "text/turtle"),
        (PAGES, "text/plain", "application/n-triples"),
        (CATALOGUE, "application/json", "application/ld+json"),
        (ENDPOINT, "application/json", "application/sparql-results+json"),
        (ENDPOINT, "text/*", "text/csv"),
        (PAGES, "text/*", "text/html"),
        # nothing acceptable
        (PAGES, "image/png", None),
        (CATALOGUE, "image/png", None),
        (SEARCH, "image/png", None),
        ((), "*/*", None),
    ],
)
def test_one_rule_chooses_the_representation(offered, accept, expected):
    assert chosen(accept, offered) == expected


@pytest.mark.parametrize("accept", ["", "*/*", BROWSER, "application/json", "text/*", "text/xml", "image/png"])
@pytest.mark.parametrize("offered", [ENDPOINT, (*formats.GRAPHS, formats.HTML)], ids=["results", "graphs"])
def test_the_endpoints_table_negotiates_by_the_same_rule(offered, accept):
    expected = formats.negotiate(parse_accept_header(accept, MIMEAccept), None, offered)
    assert best_offer(parse_accept_header(accept, MIMEAccept), offered) is expected


LANGUAGE_CASES = [
    ({}, {}, "fr"),
    ({"Accept-Language": "en-GB,en;q=0.9"}, {}, "en"),
    ({"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}, {}, "fr"),
    ({"Accept-Language": "de"}, {}, "fr"),
    ({"Accept-Language": "fr"}, {"lang": "en"}, "en"),
    ({"Accept-Language": "en"}, {"lang": "fr"}, "fr"),
    # an unsupported ?lang= is ignored: Accept-Language, then French, decide
    ({}, {"lang": "xx"}, "fr"),
    ({"Accept-Language": "en"}, {"lang": "de"}, "en"),
    ({"Accept-Language": "en"}, {"lang": ""}, "en"),
]
PAGES_OF_EVERY_BLUEPRINT = [
    ("/", 200),
    ("/id/organisation/cc-zou", 200),
    ("/classes", 200),
    ("/search", 200),
    ("/sparql", 200),
    ("/catalog", 200),
    ("/no/such/page", 404),
]


@pytest.mark.parametrize(("path", "status"), PAGES_OF_EVERY_BLUEPRINT)
@pytest.mark.parametrize(("headers", "args", "lang"), LANGUAGE_CASES)
def test_one_rule_chooses_the_language_on_every_page(client, path, status, headers, args, lang):
    response = client.get(path, query_string=args, headers={"Accept": BROWSER, **headers})
    assert response.status_code == status
    page = html(response)
    assert page.html["lang"] == lang
    other = page.select_one("a.lang-switch")
    assert other["hreflang"] == {"fr": "en", "en": "fr"}[lang]
