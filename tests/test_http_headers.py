"""The headers every answer carries (issue #10): nosniff and a CSP the pages satisfy, CORS on
every public read-only resource, a Vary naming exactly what changed the body, validators keyed
on the release with 304 answers, the release's version on every answer, no trace of the Host
header, and 400 for text that is not UTF-8."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest
from pages_support import html
from werkzeug.http import parse_date

from server import create_app
from server.release_folder import Release

ZOU = "/id/organisation/cc-zou"
JSON = "application/sparql-results+json"
ASK = "ASK { ?s ?p ?o }"
SELECT = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"
# Public read-only resources and the media type each is asked in.
READ_ONLY = [
    (ZOU, "text/html"),
    (ZOU, "text/turtle"),
    (ZOU + ".jsonld", "*/*"),
    ("/def/", "text/html"),
    ("/", "text/html"),
    ("/classes", "text/html"),
    ("/dumps/coopkg.ttl", "*/*"),
    ("/dumps/coopkg.nq.gz", "*/*"),
    ("/.well-known/void", "text/turtle"),
    ("/catalog", "text/html"),
    ("/catalog", "application/ld+json"),
    ("/sitemap.xml", "*/*"),
    ("/search.json?q=zou", "*/*"),
    ("/search?q=zou", "text/html"),
    ("/sparql", "text/turtle"),
]
PAGES = [ZOU, ZOU + ".html", "/", "/classes", "/shapes", "/def/", "/search?q=zou", "/catalog", "/sparql"]


def fetch(client, path: str, method: str = "GET", **kwargs):
    """Return the answer to a request, its body read and its file (if any) closed."""
    response = client.open(path, method=method, **kwargs)
    response.get_data()
    response.close()
    return response


def vary(response) -> set[str]:
    return {name.strip().lower() for line in response.headers.getlist("Vary") for name in line.split(",")}


# -- every answer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", ZOU + ".ttl"),
        ("GET", "/no/such/page"),
        ("GET", "/health"),
        ("GET", "/static/css/site.css"),
        ("GET", "/sitemap.xml"),
        ("GET", "/sparql?query=nonsense"),
        ("DELETE", "/sparql"),
        ("GET", "/classes?page=x"),
    ],
)
def test_every_answer_forbids_sniffing_framing_and_foreign_scripts(client, method, path):
    response = fetch(client, path, method)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'self'"


@pytest.mark.parametrize("path", [*PAGES, "/sparql?format=html&query=" + SELECT, "/no/such/page", "/classes?page=x"])
def test_pages_hold_nothing_the_policy_would_block(client, path):
    page = html(client.get(path, headers={"Accept": "text/html"}))
    inline = [s for s in page.find_all("script") if not s.get("src") and s.get("type") != "application/ld+json"]
    assert inline == []  # no inline script (a JSON-LD data block is data, never run)
    assert page.find_all("style") == []
    for element in page.find_all(True):
        assert "style" not in element.attrs, element
        assert not [name for name in element.attrs if name.startswith("on")], element
        for name in ("href", "src", "action"):
            assert not str(element.get(name, "")).lower().startswith("javascript:"), element


# -- CORS --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "accept"), READ_ONLY)
def test_public_resources_may_be_read_from_any_origin(client, path, accept):
    origin = "https://portal.example"
    for method in ("GET", "HEAD"):
        response = fetch(client, path, method, headers={"Origin": origin, "Accept": accept})
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] in ("*", origin)


@pytest.mark.parametrize("path", [ZOU, "/dumps/coopkg.ttl", "/catalog", "/search.json?q=zou"])
def test_preflight_allows_reading_and_exposes_the_validators(client, path):
    headers = {
        "Origin": "https://portal.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "accept, if-none-match",
    }
    preflight = client.options(path, headers=headers)
    assert preflight.status_code == 200
    allowed = {m.strip() for m in preflight.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "HEAD"} <= allowed and "POST" not in allowed
    assert "if-none-match" in preflight.headers["Access-Control-Allow-Headers"].lower()
    answer = fetch(client, path, headers={"Origin": "https://portal.example"})
    assert "etag" in answer.headers["Access-Control-Expose-Headers"].lower()


# -- Vary names what changes the body -------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [ZOU, ZOU + ".html", ZOU + ".ttl", "/", "/catalog", "/search?q=zou", "/search.json?q=zou", "/sparql", "/nowhere"],
)
@pytest.mark.parametrize("accept", ["text/html", "text/turtle", "application/json"])
def test_vary_names_accept_language_wherever_the_language_changes_the_body(client, path, accept):
    french, again, english = (
        fetch(client, path, headers={"Accept": accept, "Accept-Language": lang}) for lang in ("fr", "fr", "en")
    )
    if french.get_data() == again.get_data() != english.get_data():  # (blank node labels change anyway)
        assert "accept-language" in vary(french) and "accept-language" in vary(english)
    else:
        assert "accept-language" not in vary(french)


@pytest.mark.parametrize("path", [ZOU, ZOU + ".ttl", "/", "/catalog", "/.well-known/void", "/search", "/sparql"])
def test_vary_names_accept_wherever_negotiation_changes_the_body(client, path):
    as_html, as_turtle = (fetch(client, path, headers={"Accept": accept}) for accept in ("text/html", "text/turtle"))
    if as_html.get_data() != as_turtle.get_data():
        assert "accept" in vary(as_html) and "accept" in vary(as_turtle)


def test_the_query_page_varies_with_the_language_and_the_results_do_not(client):
    page = client.get("/sparql", query_string={"query": ASK}, headers={"Accept": "text/html"})
    results = client.get("/sparql", query_string={"query": ASK}, headers={"Accept": JSON})
    assert {"accept", "accept-language"} <= vary(page)
    assert "accept" in vary(results) and "accept-language" not in vary(results)


def test_no_vary_where_nothing_was_negotiated(client):
    assert vary(client.get(ZOU + ".ttl")) <= {"origin"}
    assert "accept-language" not in vary(client.get(ZOU + ".html?lang=en"))  # chosen in the URL


# -- validators keyed on the release ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        (ZOU, "text/html"),
        (ZOU, "text/turtle"),
        (ZOU + ".nt", "*/*"),
        ("/def/", "application/ld+json"),
        *((p, "text/html") for p in PAGES),
    ],
)
def test_documents_and_pages_carry_the_releases_validators(client, published, path, accept):
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    created = datetime.fromisoformat(published.manifest["created"])
    assert parse_date(response.headers["Last-Modified"]) == created.replace(microsecond=0)
    assert response.get_etag()[0].startswith(published.version)
    again = client.get(path, headers={"Accept": accept, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == response.headers["ETag"]
    since = client.get(path, headers={"Accept": accept, "If-Modified-Since": response.headers["Last-Modified"]})
    assert since.status_code == 304


def test_an_older_copy_is_sent_again(client):
    response = client.get(ZOU, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert response.status_code == 200 and response.get_data()
    other = client.get(ZOU, headers={"If-None-Match": 'W/"2001.01.01.1-0000000000000000"'})
    assert other.status_code == 200 and other.get_data()


def test_the_etag_differs_with_representation_language_and_url(client):
    def etag(path, **headers):
        return client.get(path, headers=headers).headers["ETag"]

    tags = {
        etag(ZOU, Accept="text/html", **{"Accept-Language": "fr"}),
        etag(ZOU, Accept="text/html", **{"Accept-Language": "en"}),
        etag(ZOU, Accept="text/turtle"),
        etag(ZOU, Accept="application/ld+json"),
        etag(ZOU + "?in=http%3A%2F%2Fwww.w3.org%2Fns%2Forg%23memberOf&page=1"),
        etag("/id/person/georges-siffredi"),
    }
    assert len(tags) == 6


def test_the_etag_changes_with_the_release(client, published):
    other = Release(published.release.folder, {**published.manifest, "version": "2099.01.01.1"})
    app = create_app({}, published=dataclasses.replace(published, release=other))
    before = client.get(ZOU, headers={"Accept": "text/turtle"})
    after = app.test_client().get(ZOU, headers={"Accept": "text/turtle", "If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.get_data() == before.get_data()


@pytest.mark.parametrize("path", ["/", ZOU + ".ttl", "/no/such/page", "/health", "/static/css/site.css", "/catalog"])
def test_every_answer_names_the_release_it_comes_from(client, published, path):
    assert fetch(client, path).headers["X-Coopkg-Release"] == published.version
    other = Release(published.release.folder, {**published.manifest, "version": "2099.01.01.1"})
    app = create_app({}, published=dataclasses.replace(published, release=other))
    assert fetch(app.test_client(), path).headers["X-Coopkg-Release"] == "2099.01.01.1"


def test_answers_that_are_not_found_carry_no_validators(client):
    response = client.get("/id/organisation/nobody")
    assert response.status_code == 404
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers


# -- absolute URLs come from public_url, never from Host ----------------------------------------

HOSTILE = "evil.example"


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/sparql", "text/turtle"),
        ("/sparql", "text/html"),
        ("/sparql?format=html&query=" + SELECT, "text/html"),
        ("/sparql?query=" + SELECT, JSON),
        ("/sparql?query=nonsense", "text/html"),
        ("/", "text/html"),
        (ZOU, "text/html"),
        (ZOU, "text/turtle"),
        ("/catalog", "text/html"),
        ("/catalog", "text/turtle"),
        ("/.well-known/void", "text/turtle"),
        ("/sitemap.xml", "*/*"),
        ("/robots.txt", "*/*"),
        ("/search.json?q=zou", "*/*"),
        ("/dumps/", "*/*"),
        ("/id/organisation/nobody", "text/html"),
    ],
)
def test_a_hostile_host_header_appears_nowhere(client, path, accept):
    headers = {"Host": HOSTILE, "X-Forwarded-Host": HOSTILE, "Accept": accept}
    response = fetch(client, path, headers=headers)
    assert response.status_code < 500
    assert HOSTILE not in response.get_data(as_text=True)
    assert not [value for _, value in response.headers.items() if HOSTILE in value]


def test_the_service_description_and_the_share_link_use_public_url(published):
    app = create_app({"public_url": "https://kg.example.org/"}, published=published)
    client = app.test_client()
    description = client.get("/sparql", headers={"Host": HOSTILE, "Accept": "text/turtle"}).get_data(as_text=True)
    assert "<https://kg.example.org/sparql>" in description
    page = html(client.get("/sparql", query_string={"query": SELECT, "format": "html"}, headers={"Host": HOSTILE}))
    assert page.find("input", id="sparql-share-url")["value"].startswith("https://kg.example.org/sparql?")


# -- text that is not UTF-8 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.get("/sparql?query=ASK%20%7B%7D%FF"),
        lambda c: c.get("/sparql?query=ASK%7B%7D&default-graph-uri=http://x/%FF"),
        lambda c: c.post("/sparql", data=b"query=ASK%20%7B%7D%FF", content_type="application/x-www-form-urlencoded"),
        lambda c: c.post("/sparql", data=b"query=ASK\xff", content_type="application/x-www-form-urlencoded"),
        lambda c: c.post("/sparql", data=b"ASK {} #\xff", content_type="application/sparql-query"),
        lambda c: c.post("/sparql?format=%FF", data=b"ASK {}", content_type="application/sparql-query"),
    ],
    ids=["GET", "GET dataset", "form", "form raw byte", "direct", "direct, URL"],
)
def test_a_query_that_is_not_utf8_is_a_400_on_every_transport(client, send):
    response = send(client)
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)
