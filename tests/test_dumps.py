"""The dumps of the release: complete, checkable, and served as files over real HTTP."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import re
import subprocess
import urllib.request
from collections import Counter
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import VOID

from server.release import current_release

# rdflib's own JSON-LD and dataset parsers call its deprecated ConjunctiveGraph API internally.
pytestmark = [
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning"),
]

SD_NAME = rdflib.URIRef("http://www.w3.org/ns/sparql-service-description#name")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
# suffix -> (rdflib parser, rapper parser or None when rapper cannot read it)
PARSERS = {
    "ttl": ("turtle", "turtle"),
    "nt": ("nt", "ntriples"),
    "rdf": ("xml", "rdfxml"),
    "jsonld": ("json-ld", None),
    "nq": ("nquads", "nquads"),
    "trig": ("trig", "trig"),
}
PLAIN = sorted(PARSERS)


@pytest.fixture(scope="module")
def release(release_dir, server):
    """The release the session's test server serves (read once that server is up)."""
    return current_release(release_dir)


def served(server: str, path: str) -> rdflib.Graph:
    """The Turtle the test server (host:port) serves at `path` (its URLs under the server's own root)."""
    request = urllib.request.Request(f"http://{server}/{path}", headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return rdflib.Graph().parse(data=response.read(), format="turtle")


@pytest.fixture(scope="module")
def void(server) -> rdflib.Graph:
    return served(server, ".well-known/void")


@pytest.fixture(scope="module")
def stated(void):
    """What VoID states: the dataset's triple count, and the triple count of each named graph."""
    dataset = next(void.subjects(VOID.subset, None))
    graphs = {str(void.value(s, SD_NAME)): int(void.value(s, VOID.triples)) for s in void.objects(dataset, VOID.subset)}
    return int(void.value(dataset, VOID.triples)), graphs


def rdflib_counts(path, fmt: str) -> Counter:
    """Triples per named graph (None for a graph format) as rdflib reads the file."""
    if fmt in ("nquads", "trig"):
        dataset = rdflib.Dataset()
        dataset.parse(path, format=fmt)
        return Counter({str(g.identifier): len(g) for g in dataset.graphs() if len(g)})
    return Counter({None: len(rdflib.Graph().parse(path, format=fmt))})


def rapper_counts(path, parser: str) -> Counter:
    """Triples per named graph as Raptor's `rapper` reads the file (an independent parser)."""
    if parser in ("nquads", "trig"):
        out = subprocess.run(
            ["rapper", "-q", "-i", parser, "-o", "nquads", str(path)],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        return Counter(re.search(r"<([^<>]*)> \.$", line).group(1) for line in out.splitlines() if line)
    done = subprocess.run(["rapper", "-i", parser, "-c", str(path)], capture_output=True, check=True, text=True)
    return Counter({None: int(re.search(r"returned (\d+) triples", done.stderr).group(1))})


def oxigraph_counts(path, suffix: str) -> Counter:
    """Triples per named graph as pyoxigraph's parser reads the file (None: the default graph)."""
    quads = ox.parse(path=str(path), format=ox.RdfFormat.from_extension(suffix))
    return Counter(None if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value for q in quads)


@pytest.mark.parametrize("suffix", PLAIN)
def test_dump_parses_back_to_the_counts_void_states(release, stated, suffix):
    triples, graphs = stated
    expected = Counter(graphs) if suffix in ("nq", "trig") else Counter({None: triples})
    path = release.file(f"dumps/coopkg.{suffix}")
    rdflib_format, rapper_parser = PARSERS[suffix]
    assert rdflib_counts(path, rdflib_format) == expected
    if rapper_parser:
        assert rapper_counts(path, rapper_parser) == expected
    else:  # rapper reads no JSON-LD: pyoxigraph's parser is the second one
        assert oxigraph_counts(path, suffix) == expected
    # A fact two sources state is in both their graphs, once in the union.
    assert sum(graphs.values()) >= sum(expected.values()) >= 1000


@pytest.mark.parametrize("suffix", PLAIN)
def test_gzip_copy_decompresses_to_the_same_bytes(release, suffix):
    plain = release.file(f"dumps/coopkg.{suffix}").read_bytes()
    assert gzip.decompress(release.file(f"dumps/coopkg.{suffix}.gz").read_bytes()) == plain


def test_turtle_dump_is_readable_with_prefixes_and_json_ld_has_a_context(release, knowledge):
    turtle = release.file("dumps/coopkg.ttl").read_text(encoding="utf-8")
    assert "@prefix coop: <https://w3id.org/coopkg/def/> ." in turtle
    kinds = {
        t.subject.value.split("/id/")[1].split("/")[0] for t in knowledge.parts["data"] if "/id/" in str(t.subject)
    }
    assert len(kinds) > 5
    for kind in kinds:
        assert re.search(rf"^@prefix [\w-]+: <https://w3id.org/coopkg/id/{kind}/> \.$", turtle, re.MULTILINE), kind
    assert "\\/" not in turtle, "local names should not need escaped slashes"
    document = json.loads(release.file("dumps/coopkg.jsonld").read_text(encoding="utf-8"))
    assert document["@context"]["coop"] == "https://w3id.org/coopkg/def/"
    assert isinstance(document["@graph"], list) and document["@graph"]


@pytest.mark.parametrize(("suffix", "rdflib_format"), [("trig", "trig"), ("nq", "nquads")])
def test_dataset_dumps_keep_each_source_in_its_graph(release, knowledge, suffix, rdflib_format):
    dataset = rdflib.Dataset().parse(release.file(f"dumps/coopkg.{suffix}"), format=rdflib_format)
    sizes = {str(g.identifier).rsplit("/", 1)[-1]: len(g) for g in dataset.graphs() if len(g)}
    parts = {part: knowledge.parts[part] for part in ("ontology", "shapes")}
    assert sizes == {name: len(set(map(str, triples))) for name, triples in {**parts, **knowledge.graphs}.items()}
    # A fact two sources state is in both their graphs.
    issued = (
        rdflib.URIRef("https://w3id.org/coopkg/id/convention/2018"),
        rdflib.DCTERMS.issued,
        rdflib.Literal("2018", datatype=rdflib.XSD.gYear),
    )
    holding = {str(g).rsplit("/", 1)[-1] for _, _, _, g in dataset.quads(issued)}
    assert holding == {"press-release-zou-delegation", "hds-page-benin"}


def test_catalogue_checksums_and_sizes_match_the_files(release, server):
    catalog = served(server, "catalog")
    seen = set()
    for distribution in catalog.subjects(rdflib.RDF.type, DCAT.Distribution):
        url = str(catalog.value(distribution, DCAT.downloadURL))
        assert url.startswith(f"http://{server}/dumps/")
        name = url.rsplit("/dumps/", 1)[1]
        data = release.file(f"dumps/{name}").read_bytes()
        checksum = catalog.value(distribution, SPDX.checksum)
        assert catalog.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(catalog.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest()
        assert int(catalog.value(distribution, DCAT.byteSize)) == len(data)
        seen.add(name)
    assert seen == {p.name for p in release.file("dumps/coopkg.ttl").parent.iterdir()}
    assert len(seen) == 12


# --- over HTTP, from a real server on loopback -------------------------------------------


@pytest.fixture(scope="module")
def server(server) -> str:
    """host:port of the session's running `coopkg serve` (tests/conftest.py)."""
    return urlsplit(server.url).netloc


def fetch(server: str, path: str, method: str = "GET", headers: dict | None = None):
    """Return (status, headers, body) of one request to the test server (host:port)."""
    connection = http.client.HTTPConnection(server, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("coopkg.ttl", "text/turtle"),
        ("coopkg.nt", "application/n-triples"),
        ("coopkg.nq", "application/n-quads"),
        ("coopkg.trig", "application/trig"),
        ("coopkg.jsonld", "application/ld+json"),
        ("coopkg.rdf", "application/rdf+xml"),
        ("coopkg.ttl.gz", "application/gzip"),
        ("coopkg.jsonld.gz", "application/gzip"),
    ],
)
def test_dump_is_served_as_a_file_with_its_version_in_the_name(server, release, name, media_type):
    status, headers, body = fetch(server, f"/dumps/{name}")
    assert status == 200
    assert headers.get_content_type() == media_type
    assert int(headers["Content-Length"]) == len(body) == release.file(f"dumps/{name}").stat().st_size
    assert headers["ETag"] == f'"{hashlib.sha256(body).hexdigest()}"'
    stem, _, suffix = name.partition(".")
    assert headers.get_filename() == f"{stem}-{release.version}.{suffix}"
    assert parsedate_to_datetime(headers["Last-Modified"]).year >= 2024


def test_conditional_requests_answer_304(server):
    _, headers, _ = fetch(server, "/dumps/coopkg.nt")
    for condition in ({"If-None-Match": headers["ETag"]}, {"If-Modified-Since": headers["Last-Modified"]}):
        status, again, body = fetch(server, "/dumps/coopkg.nt", headers=condition)
        assert (status, body) == (304, b"")
        assert again["ETag"] == headers["ETag"]
    status, _, body = fetch(server, "/dumps/coopkg.nt", headers={"If-None-Match": '"something-else"'})
    assert status == 200 and body


def test_head_gives_the_headers_without_the_body(server):
    _, full, body = fetch(server, "/dumps/coopkg.trig")
    status, headers, empty = fetch(server, "/dumps/coopkg.trig", method="HEAD")
    assert (status, empty) == (200, b"")
    assert int(headers["Content-Length"]) == len(body)
    assert headers["ETag"] == full["ETag"]


def test_range_requests_answer_206_with_the_asked_bytes(server):
    _, _, whole = fetch(server, "/dumps/coopkg.ttl.gz")
    status, headers, part = fetch(server, "/dumps/coopkg.ttl.gz", headers={"Range": "bytes=100-1099"})
    assert status == 206
    assert part == whole[100:1100]
    assert headers["Content-Range"] == f"bytes 100-1099/{len(whole)}"
    status, _, tail = fetch(server, "/dumps/coopkg.ttl.gz", headers={"Range": "bytes=-10"})
    assert (status, tail) == (206, whole[-10:])
    status, _, _ = fetch(server, "/dumps/coopkg.ttl.gz", headers={"Range": f"bytes={len(whole) + 5}-"})
    assert status == 416


@pytest.mark.parametrize("name", ["nothing.ttl", "coopkg.xml", "coopkg.ttl.bz2", "manifest.json"])
def test_unknown_dump_is_a_404_with_a_message(server, name):
    status, headers, body = fetch(server, f"/dumps/{name}")
    assert status == 404
    assert headers.get_content_type() == "text/plain"
    assert b"/catalog" in body


@pytest.mark.parametrize("path", ["/dumps/..%2Fmanifest.json", "/dumps/../manifest.json", "/dumps/%2E%2E/store"])
def test_paths_out_of_the_dumps_folder_are_not_served(server, path):
    status, _, body = fetch(server, path)
    assert status == 404
    assert b'"version"' not in body


def test_every_void_data_dump_is_downloadable(server, void):
    dumps = sorted(str(o) for o in void.objects(None, VOID.dataDump))
    assert len(dumps) == 12
    for url in dumps:
        assert url.startswith(f"http://{server}/dumps/"), url
        status, _, _ = fetch(server, urlsplit(url).path, method="HEAD")
        assert status == 200, url
