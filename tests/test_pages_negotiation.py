"""Dereferencing IRIs: content negotiation, representation URLs, Link headers, 404s."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from pages_support import BASE, html, path_of, rdf, select

from server.representations import BY_SUFFIX, description, representation_for, split_suffix

ZOU = BASE + "id/organisation/cc-zou"

NEGOTIATION = [
    (None, "text/html"),
    ("*/*", "text/html"),
    ("text/html", "text/html"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("text/turtle", "text/turtle"),
    ("application/x-turtle", "text/turtle"),
    ("text/turtle;q=0.9, text/html;q=0.8", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("text/html;q=0.5, application/rdf+xml", "application/rdf+xml"),
]


@pytest.mark.parametrize(("accept", "expected"), NEGOTIATION)
def test_the_bare_iri_answers_what_the_client_accepts(client, accept, expected):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/id/organisation/cc-zou", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == expected
    assert "Accept" in response.headers["Vary"]
    suffix = next(r.suffix for r in BY_SUFFIX.values() if r.media_type == expected)
    assert response.headers["Content-Location"] == f"/id/organisation/cc-zou.{suffix}"


def test_nothing_acceptable_gives_406(client):
    response = client.get("/id/organisation/cc-zou", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "stem", "suffix"),
    [
        ("id/organisation/cc-zou.ttl", "id/organisation/cc-zou", "ttl"),
        ("id/organisation/cc-zou.jsonld", "id/organisation/cc-zou", "jsonld"),
        ("id/convention/2022-2026.nt", "id/convention/2022-2026", "nt"),
        ("id/convention/2022-2026.rdf", "id/convention/2022-2026", "rdf"),
        ("id/convention/2022-2026.html", "id/convention/2022-2026", "html"),
        ("id/convention/2022-2026", "id/convention/2022-2026", None),
        ("id/convention/2022-2026.pdf", "id/convention/2022-2026.pdf", None),
    ],
)
def test_a_suffix_names_one_representation(path, stem, suffix):
    found_stem, representation = split_suffix(path)
    assert found_stem == stem
    assert (representation.suffix if representation else None) == suffix


@pytest.mark.parametrize(
    ("media_type", "suffix"),
    [
        ("text/turtle", "ttl"),
        ("application/json", "jsonld"),
        ("text/plain", "nt"),
        ("image/png", None),
        (None, None),
    ],
)
def test_media_types_map_to_representations(media_type, suffix):
    found = representation_for(media_type)
    assert (found.suffix if found else None) == suffix


@pytest.mark.parametrize("suffix", ["ttl", "jsonld", "nt", "rdf"])
def test_each_rdf_url_gives_the_entity_description_that_parses(client, store, suffix):
    response = client.get(f"/id/organisation/cc-zou.{suffix}")
    assert response.status_code == 200
    assert response.mimetype == BY_SUFFIX[suffix].media_type
    assert "Content-Location" not in response.headers
    graph = rdf(response)
    subject = rdflib.URIRef(ZOU)
    expected = select(store, f"SELECT DISTINCT ?p ?o WHERE {{ <{ZOU}> ?p ?o FILTER(!isBlank(?o)) }}")
    assert expected
    for row in expected:
        assert any(str(p) == row["p"] and str(o) == row["o"] for p, o in graph.predicate_objects(subject)), row
    # the labels of what it links to come along, so that a client can name them
    country = select(store, f"SELECT ?c WHERE {{ <{ZOU}> <{BASE}def/country> ?c }}")[0]["c"]
    assert any(graph.objects(rdflib.URIRef(country), rdflib.RDFS.label))


def test_the_html_page_names_its_alternates_in_the_header_and_the_head(client):
    response = client.get("/id/organisation/cc-zou")
    page = html(response)
    links = {link["type"]: link["href"] for link in page.select('head link[rel="alternate"][type]')}
    assert links["text/turtle"] == "/id/organisation/cc-zou.ttl"
    assert 'rel="alternate"; type="text/turtle"' in response.headers["Link"]
    assert "</id/organisation/cc-zou.ttl>" in response.headers["Link"]
    for media_type, url in links.items():
        answer = client.get(url)
        assert answer.status_code == 200 and answer.mimetype == media_type
        assert len(rdf(answer)) > 0


def test_every_data_entity_dereferences_to_html_and_turtle(client, store):
    subjects = [
        r["s"]
        for r in select(
            store,
            f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s a ?c FILTER isIRI(?s) }} "
            f"FILTER(?g NOT IN (<{BASE}graph/ontology>, <{BASE}graph/shapes>)) }}",
        )
    ]
    assert subjects
    for iri in subjects:
        page = client.get(path_of(iri))
        assert page.status_code == 200, iri
        assert len(html(page).find_all("h1")) == 1
        turtle = client.get(path_of(iri), headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200, iri
        assert any(rdf(turtle).predicate_objects(rdflib.URIRef(iri))), iri


def test_unknown_iri_gives_a_helpful_page_to_browsers(client):
    response = client.get("/id/organisation/zou-unknown", headers={"Accept": "text/html"})
    assert response.status_code == 404
    page = html(response)
    assert page.find("form", attrs={"role": "search"}) is not None
    suggested = [a["href"] for a in page.select("main ul a")]
    assert "/id/organisation/cc-zou" in suggested  # the search on 'zou unknown' suggests the Zou


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json", "application/n-triples"])
def test_unknown_iri_gives_a_plain_404_to_rdf_clients(client, accept):
    response = client.get("/id/organisation/nobody", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


@pytest.mark.parametrize(
    "path", ["/id/", "/id/%3Cscript%3E", "/id/a b", "/def/NoSuchTerm", "/shapes/Nope.ttl", "/classes/nope:X"]
)
def test_odd_paths_are_404_not_500(client, path):
    assert client.get(path).status_code == 404


def test_a_bad_page_number_is_a_400(client):
    response = client.get("/id/organisation/cc-zou?in=x&page=minus-one")
    assert response.status_code == 400
    assert "page" in html(response).find("main").get_text()


def test_vocabulary_and_shapes_dereference_under_their_canonical_iris(client):
    term = client.get("/def/Convention", headers={"Accept": "text/turtle"})
    assert (rdflib.URIRef(BASE + "def/Convention"), rdflib.RDF.type, rdflib.OWL.Class) in rdf(term)
    shape = client.get("/shapes/ConventionShape.ttl")
    assert any(rdf(shape).predicate_objects(rdflib.URIRef(BASE + "shapes/ConventionShape")))


@pytest.mark.parametrize("path", ["/id/organisation/cc-zou", "/def/", "/def/Convention", "/shapes/ConventionShape"])
def test_every_url_of_the_link_header_answers_in_its_media_type(client, path):
    header = client.get(path).headers["Link"]
    for part in header.split(", "):
        url, rel, kind = (p.strip() for p in part.split(";"))
        assert rel == 'rel="alternate"'
        answer = client.get(url.strip("<>"))
        assert answer.status_code == 200, url
        assert f'type="{answer.mimetype}"' == kind


@pytest.mark.parametrize("path", ["/classes/foaf:a%3E%20%7B", "/classes/foaf:Nobody", "/id/a%3Eb"])
def test_iris_that_cannot_exist_are_404(client, path):
    assert client.get(path).status_code == 404


@pytest.fixture(scope="module")
def rebased_client(tmp_path_factory):
    from server import create_app
    from server.config import Settings
    from server.state import Published

    config = {"base_iri": "http://data.example.org/coop/", "release_dir": tmp_path_factory.mktemp("rebased")}
    settings = Settings.load(config, environ={})
    return create_app(config, published=Published.open(settings)).test_client()


def test_a_configured_base_serves_its_own_iris_on_the_same_paths(rebased_client):
    response = rebased_client.get("/id/organisation/cc-zou", headers={"Accept": "text/turtle"})
    graph = rdf(response)
    subject = rdflib.URIRef("http://data.example.org/coop/id/organisation/cc-zou")
    assert any(graph.predicate_objects(subject))
    assert not any(graph.predicate_objects(rdflib.URIRef(ZOU)))
    # the vocabulary keeps its canonical IRI, and pages link to it on this server
    assert (subject, rdflib.RDF.type, rdflib.URIRef(BASE + "def/LocalAuthority")) in graph
    page = html(rebased_client.get("/id/organisation/cc-zou"))
    assert "/def/LocalAuthority" in {a["href"] for a in page.select("a.type")}


@pytest.mark.parametrize(("suffix", "syntax"), [("ttl", "turtle"), ("nt", "ntriples"), ("rdf", "rdfxml")])
def test_an_independent_parser_reads_each_representation(client, tmp_path, suffix, syntax):
    import subprocess

    body = client.get(f"/id/convention/2022-2026.{suffix}").get_data()
    path = tmp_path / f"convention.{suffix}"
    path.write_bytes(body)
    result = subprocess.run(
        ["rapper", "--count", "-i", syntax, str(path), BASE], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "returned 0 triples" not in result.stderr


def _held(subject, about) -> tuple[set, int]:
    """Return the triples about `subject` and the blank nodes it holds, however deep, as
    `about(node)` gives each node's triples; and how many blank nodes deep they go."""
    reachable, todo, depth = set(), [(subject, 0)], 0
    while todo:
        node, level = todo.pop()
        depth = max(depth, level)
        for triple in about(node):
            if triple not in reachable:
                reachable.add(triple)
                if isinstance(triple.object, ox.BlankNode):
                    todo.append((triple.object, level + 1))
    return reachable, depth


def _canonical(triples) -> set:
    """Return `triples` with canonical blank-node labels (RDFC-1.0): equal for isomorphic graphs."""
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {quad.triple for quad in dataset}


def test_a_description_holds_every_blank_node_an_iri_holds_however_deep(store, graph):
    """The RDF of an entity holds all that its blank nodes say (the shapes' RDF lists are the
    deepest: each member is one blank node further). Each engine names blank nodes its own way
    (docs/engines.md, difference 1): what an IRI holds is compared up to their names."""
    deepest = 0
    for subject in {q.subject for q in store.quads_for_pattern(None, None, None, None)}:
        if not isinstance(subject, ox.NamedNode):
            continue
        reachable, depth = _held(
            subject, lambda node: (q.triple for q in store.quads_for_pattern(node, None, None, None))
        )
        deepest = max(deepest, depth)
        described: dict = {}
        for triple in description(graph, subject.value):
            described.setdefault(triple.subject, []).append(triple)
        found, _ = _held(subject, lambda node, held=described: held.get(node, ()))
        assert _canonical(found) == _canonical(reachable), subject.value
    assert deepest > 2, "the data holds blank nodes within blank nodes"
