"""The DCAT-AP catalogue, VoID, sitemap.xml and robots.txt of the release."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF, SH, VOID

from server import create_app
from server.config import PROJECT_ROOT, Settings
from server.iris import local_url
from server.links import RELEASE_ROOT
from server.namespaces import graph_iri
from server.state import Published

# rdflib's own JSON-LD parser calls its deprecated ConjunctiveGraph API internally.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

DCAT_AP = PROJECT_ROOT / "reference" / "dcat-ap" / "3.0.1"
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
SD_NAME = rdflib.URIRef("http://www.w3.org/ns/sparql-service-description#name")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="session")
def dcat_ap_shapes() -> rdflib.Graph:
    """The official DCAT-AP 3.0.1 shapes (dcat-ap-SHACL.ttl).

    Upstream defect: that file names two property shapes of dcat:DataServiceShape (endpoint
    URL and endpoint description ranges) that only ranges.ttl defines, and pyshacl refuses
    such a shapes graph; their definitions are taken from ranges.ttl, nothing else is.
    """
    folder = DCAT_AP / "shacl"
    if not folder.is_dir():
        pytest.fail(f"the DCAT-AP shapes are missing: {folder}")
    shapes = rdflib.Graph().parse(folder / "dcat-ap-SHACL.ttl")
    ranges = rdflib.Graph().parse(folder / "ranges.ttl")
    for shape in set(shapes.objects(None, SH.property)):
        if (shape, None, None) not in shapes:
            for triple in ranges.triples((shape, None, None)):
                shapes.add(triple)
    return shapes


def violations(data: rdflib.Graph, shapes: rdflib.Graph) -> list[tuple[str, str]]:
    """Return (focus node, path) of each sh:Violation, read from the results graph."""
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    return [
        (str(results.value(r, SH.focusNode)), str(results.value(r, SH.resultPath)))
        for r in results.subjects(RDF.type, SH.ValidationResult)
        if results.value(r, SH.resultSeverity) == SH.Violation
    ]


@pytest.fixture(scope="module")
def release(published):
    return published.release


def served(app, path: str) -> rdflib.Graph:
    """The Turtle the app serves at `path`, its URLs resolved against the public URL."""
    with app.test_client().get(path, headers={"Accept": "text/turtle"}) as response:
        assert response.status_code == 200
        return rdflib.Graph().parse(data=response.get_data(), format="turtle")


@pytest.fixture(scope="module")
def catalog(app) -> rdflib.Graph:
    return served(app, "/catalog")


@pytest.fixture(scope="module")
def void(app) -> rdflib.Graph:
    return served(app, "/.well-known/void")


def get(client, path: str, **headers):
    """Return (status, content type, body) and close the response (it may hold a file open)."""
    headers = {name: value for name, value in headers.items() if value is not None}
    with client.get(path, headers=headers) as response:
        return response.status_code, response.mimetype, response.get_data()


# --- DCAT-AP ---------------------------------------------------------------------------


def test_catalogue_conforms_to_the_dcat_ap_shapes(catalog, dcat_ap_shapes):
    assert violations(catalog, dcat_ap_shapes) == []


def test_recommended_properties_are_present_but_the_documented_gaps(catalog):
    """shapes.ttl + shapes_recommended.ttl: warnings only, and only for what docs/distribution.md
    names as missing (no bounding box nor centroid for countries, no publisher type)."""
    shapes = rdflib.Graph()
    for name in ("shapes.ttl", "shapes_recommended.ttl"):
        shapes.parse(DCAT_AP / "html" / "shacl" / name)
    _, results, _ = pyshacl.validate(catalog, shacl_graph=shapes, inference="none", allow_warnings=True)
    found = {
        (results.value(r, SH.resultSeverity), results.value(r, SH.resultPath))
        for r in results.subjects(RDF.type, SH.ValidationResult)
    }
    assert found <= {(SH.Warning, DCAT.bbox), (SH.Warning, DCAT.centroid), (SH.Warning, DCTERMS.type)}


@pytest.mark.parametrize(
    ("remove", "focus_suffix"),
    [
        ((None, DCTERMS.title, None), "catalog#dataset"),
        ((None, DCTERMS.publisher, None), "catalog"),
        ((None, DCAT.accessURL, None), ".ttl"),
        ((None, SPDX.checksumValue, None), "-sha256"),
        ((None, DCAT.endpointURL, None), "catalog#sparql"),
    ],
)
def test_the_shapes_catch_a_catalogue_missing_a_mandatory_property(catalog, dcat_ap_shapes, remove, focus_suffix):
    broken = rdflib.Graph()
    for triple in catalog:
        broken.add(triple)
    subject = next(s for s, _, _ in catalog.triples(remove) if str(s).endswith(focus_suffix))
    broken.remove((subject, remove[1], None))
    assert (str(subject), str(remove[1])) in violations(broken, dcat_ap_shapes)


def test_catalogue_describes_dataset_distributions_and_endpoint(catalog, release):
    dataset = next(catalog.subjects(RDF.type, DCAT.Dataset))
    assert str(catalog.value(dataset, DCAT.version)) == release.version
    assert str(catalog.value(dataset, DCTERMS.modified)) == release.manifest["date"]
    assert str(catalog.value(dataset, DCTERMS.issued)) == release.manifest["issued"]
    assert str(catalog.value(dataset, DCTERMS.license)) == "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    assert {k.language for k in catalog.objects(dataset, DCAT.keyword)} == {"fr", "en"}
    assert {t.language for t in catalog.objects(dataset, DCTERMS.title)} == {"fr", "en"}
    assert len(list(catalog.objects(dataset, DCAT.theme))) >= 1
    assert len(list(catalog.objects(dataset, DCTERMS.spatial))) >= 1
    assert catalog.value(dataset, DCAT.contactPoint) is not None
    period = catalog.value(dataset, DCTERMS.temporal)
    assert catalog.value(period, DCAT.startDate) is not None and catalog.value(period, DCAT.endDate) is not None
    distributions = list(catalog.objects(dataset, DCAT.distribution))
    assert len(distributions) == len([f for f in release.manifest["files"] if f.startswith("dumps/")]) == 12
    for node in distributions:
        assert str(catalog.value(node, DCAT.mediaType)).startswith("http://www.iana.org/assignments/media-types/")
        fmt = str(catalog.value(node, DCTERMS.format))
        assert fmt.startswith("http://publications.europa.eu/resource/authority/file-type/")
        size = catalog.value(node, DCAT.byteSize)
        assert size.datatype == rdflib.XSD.nonNegativeInteger
    service = next(catalog.subjects(RDF.type, DCAT.DataService))
    assert str(catalog.value(service, DCAT.endpointURL)).endswith("/sparql")
    assert catalog.value(service, DCAT.servesDataset) == dataset


def test_catalogue_dates_and_period_follow_the_data(catalog, store, published):
    period = catalog.value(next(catalog.subjects(RDF.type, DCAT.Dataset)), DCTERMS.temporal)
    rows = published.store.query(
        "SELECT ?start ?end WHERE { GRAPH ?g { ?p a <http://purl.org/dc/terms/PeriodOfTime> "
        "OPTIONAL { ?p <http://www.w3.org/ns/dcat#startDate> ?start } "
        "OPTIONAL { ?p <http://www.w3.org/ns/dcat#endDate> ?end } } }"
    )
    starts, ends = set(), set()
    for row in rows:
        if row["start"] is not None:
            starts.add(int(row["start"].value[:4]))
        if row["end"] is not None:
            ends.add(int(row["end"].value[:4]))
    assert int(str(catalog.value(period, DCAT.startDate))[:4]) == min(starts)
    assert int(str(catalog.value(period, DCAT.endDate))[:4]) == max(ends)


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("*/*", "text/turtle", "turtle"),
        (None, "text/turtle", "turtle"),
        ("text/html;q=0.5, application/ld+json", "application/ld+json", "json-ld"),
    ],
)
def test_catalogue_negotiates_rdf_formats(client, catalog, accept, media_type, rdflib_format):
    status, mimetype, body = get(client, "/catalog", Accept=accept)
    assert (status, mimetype) == (200, media_type)
    parsed = rdflib.Graph().parse(data=body, format=rdflib_format)
    assert len(parsed) == len(catalog)
    assert set(parsed.subjects(RDF.type, DCAT.Distribution)) == set(catalog.subjects(RDF.type, DCAT.Distribution))


def test_catalogue_format_parameter_and_bad_requests(client):
    assert get(client, "/catalog?format=rdf")[:2] == (200, "application/rdf+xml")
    status, mimetype, body = get(client, "/catalog?format=csv")
    assert (status, mimetype) == (400, "text/plain") and b"ttl" in body
    status, mimetype, body = get(client, "/catalog", Accept="image/png")
    assert (status, mimetype) == (406, "text/plain") and b"text/turtle" in body
    assert get(client, "/catalog?lang=de", Accept="text/html")[0] == 200  # ignored, as on every page


class Page(HTMLParser):
    """The catalogue page's download rows: (link href, checksum text)."""

    def __init__(self):
        super().__init__()
        self.rows, self.alternates, self.lang = [], [], None
        self._href, self._in_checksum = None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "link" and attrs.get("rel") == "alternate" and "type" in attrs:  # not the hreflang ones
            self.alternates.append(attrs["type"])
        if tag == "a" and "/dumps/" in attrs.get("href", ""):
            self._href = attrs["href"]
        self._in_checksum = tag == "code" and attrs.get("class") == "checksum"

    def handle_data(self, data):
        if self._in_checksum:
            self.rows.append((self._href, data))
            self._in_checksum = False


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_catalogue_page_lists_every_download_with_its_checksum(client, catalog, lang):
    status, mimetype, body = get(client, "/catalog", Accept="text/html", **{"Accept-Language": lang})
    assert (status, mimetype) == (200, "text/html")
    page = Page()
    page.feed(body.decode())
    assert page.lang == lang
    expected = set()
    for node in catalog.subjects(RDF.type, DCAT.Distribution):
        checksum = catalog.value(catalog.value(node, SPDX.checksum), SPDX.checksumValue)
        expected.add((str(catalog.value(node, DCAT.downloadURL)), str(checksum)))
    assert set(page.rows) == expected
    assert {"text/turtle", "application/ld+json", "application/rdf+xml"} <= set(page.alternates)


def test_the_downloads_folder_leads_to_the_catalogue_page(client, catalog):
    response = client.get("/dumps/?lang=en", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/catalog?lang=en"
    page = Page()
    page.feed(client.get(response.headers["Location"], headers={"Accept": "text/html"}).get_data(as_text=True))
    assert page.lang == "en"
    assert {url for url, _ in page.rows} == {str(u) for u in catalog.objects(None, DCAT.downloadURL)}


# --- VoID ------------------------------------------------------------------------------


def count(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query, use_default_graph_as_union=True)))["n"].value)


def test_void_counts_equal_sparql_counts_on_the_store(void, published):
    store, base = published.store, published.settings.base_iri
    dataset = next(void.subjects(VOID.subset, None))
    stated = {p: int(void.value(dataset, VOID[p])) for p in ("triples", "entities", "classes", "properties")}
    every_quad = [q for q in store.quads_for_pattern(None, None, None, None)]
    assert stated["triples"] == len({q.triple for q in every_quad})
    assert stated["classes"] == count(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { [] a ?c }")
    assert stated["properties"] == count(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { [] ?p [] }")
    entities = f'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{base}id/")) }}'
    assert stated["entities"] == count(store, entities) > 10
    assert str(void.value(dataset, VOID.uriSpace)) == base + "id/"
    for subset in void.objects(dataset, VOID.subset):
        graph = ox.NamedNode(str(void.value(subset, SD_NAME)))
        assert int(void.value(subset, VOID.triples)) == len(list(store.quads_for_pattern(None, None, None, graph)))
    for partition in void.objects(dataset, VOID.classPartition):
        cls = str(void.value(partition, VOID["class"]))
        query = f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{cls}> }}"
        assert int(void.value(partition, VOID.entities)) == count(store, query), cls
    for partition in void.objects(dataset, VOID.propertyPartition):
        prop = str(void.value(partition, VOID.property))
        distinct = {q.triple for q in every_quad if q.predicate.value == prop}
        assert int(void.value(partition, VOID.triples)) == len(distinct), prop
    assert len(list(void.objects(dataset, VOID.classPartition))) == stated["classes"]
    assert len(list(void.objects(dataset, VOID.propertyPartition))) == stated["properties"]


def test_void_links_endpoint_dumps_and_examples(void, published):
    dataset = next(void.subjects(VOID.subset, None))
    assert str(void.value(dataset, VOID.sparqlEndpoint)).endswith("/sparql")
    assert len(list(void.objects(dataset, VOID.dataDump))) == 12
    examples = list(void.objects(dataset, VOID.exampleResource))
    assert examples
    for example in examples:
        assert any(True for _ in published.store.quads_for_pattern(ox.NamedNode(str(example)), None, None, None))


def test_void_is_served_at_well_known(client, void):
    status, mimetype, body = get(client, "/.well-known/void")
    assert (status, mimetype) == (200, "text/turtle")
    assert len(rdflib.Graph().parse(data=body, format="turtle")) == len(void)
    status, mimetype, body = get(client, "/.well-known/void", Accept="application/ld+json")
    assert len(rdflib.Graph().parse(data=body, format="json-ld")) == len(void)


# --- crawlers --------------------------------------------------------------------------


def test_sitemap_lists_the_page_of_every_entity(client, knowledge, published):
    status, mimetype, body = get(client, "/sitemap.xml")
    assert (status, mimetype) == (200, "application/xml")
    urls = [loc.text for loc in ET.fromstring(body).iter(SITEMAP + "loc")]
    base, root = published.settings.base_iri, published.settings.public_root
    subjects = {t.subject.value for t in knowledge.parts["data"] if isinstance(t.subject, ox.NamedNode)}
    expected = {local_url(iri, base, root) for iri in subjects if iri.startswith(base + "id/")}
    assert sorted(urls) == sorted(expected)
    assert all(url.startswith(root + "id/") for url in urls)
    sources = [ox.NamedNode(graph_iri(base, name)) for name in knowledge.graphs]
    assert len(urls) == len(
        {
            q.subject
            for data in sources
            for q in published.store.quads_for_pattern(None, None, None, data)
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(base + "id/")
        }
    )


def test_robots_txt_points_to_the_sitemap(client, published):
    status, mimetype, body = get(client, "/robots.txt")
    assert (status, mimetype) == (200, "text/plain")
    lines = body.decode().splitlines()
    root = published.settings.public_root
    assert f"Sitemap: {root}sitemap.xml" in lines
    assert "User-agent: *" in lines
    assert "Disallow: /sparql" in lines


def test_description_file_is_the_catalogue_source(release):
    copied = release.sources / "catalog" / "dataset.ttl"
    assert copied.read_bytes() == (PROJECT_ROOT / "catalog" / "dataset.ttl").read_bytes()
    assert Path(release.file("catalog.ttl")).stat().st_size > copied.stat().st_size


# --- the public URL is resolved when served ----------------------------------------------

SERVED_DIGESTS = """
import sys
from server.config import Settings
from server.state import Published
settings = Settings.load({"release_dir": sys.argv[1], "public_url": "https://data.example.org/coopkg/"}, environ={})
for name, file in sorted(Published.open(settings).public.files.items()):
    print(name, file.sha256)
"""


def test_what_is_served_is_the_same_bytes_at_every_start(published):
    """rdflib's serializers follow Python's hash order, which changes with PYTHONHASHSEED."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPKG_")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", SERVED_DIGESTS, str(published.settings.releases)],
            cwd=PROJECT_ROOT,
            env={**env, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=180,
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1]
    assert len(runs[0].splitlines()) == 9


def test_another_public_url_gets_its_own_urls_from_the_same_release(published, dcat_ap_shapes):
    root = "https://data.example.org/coopkg/"
    settings = Settings.load({"release_dir": published.settings.releases, "public_url": root}, environ={})
    elsewhere = Published.open(settings)
    assert elsewhere.release.folder == published.release.folder
    client = create_app({}, published=elsewhere).test_client()
    graphs = []
    for media_type, fmt in (
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
    ):
        for path in ("/catalog", "/.well-known/void"):
            status, _, body = get(client, path, Accept=media_type)
            assert status == 200 and RELEASE_ROOT.encode() not in body
            graphs.append(rdflib.Graph().parse(data=body, format=fmt))
    catalog = graphs[0]
    assert violations(catalog, dcat_ap_shapes) == []
    dataset = rdflib.URIRef(root + "catalog#dataset")
    assert str(catalog.value(dataset, DCTERMS.identifier)) == root + "catalog#dataset"
    urls = {str(o) for o in catalog.objects(None, DCAT.downloadURL)} | {
        str(o) for o in graphs[1].objects(None, VOID.dataDump)
    }
    assert len(urls) == 12 and all(url.startswith(root + "dumps/") for url in urls)
    _, _, sitemap = get(client, "/sitemap.xml")
    locs = [loc.text for loc in ET.fromstring(sitemap).iter(SITEMAP + "loc")]
    assert locs and all(loc.startswith(root + "id/") for loc in locs)


def _sitemap_locs(body: bytes, kind: str) -> list[str]:
    """The <loc> of a sitemap (kind 'urlset') or a sitemap index ('sitemapindex'), checked as such."""
    root = ET.fromstring(body)
    assert root.tag == SITEMAP + kind
    entry = "url" if kind == "urlset" else "sitemap"
    assert all(child.tag == SITEMAP + entry for child in root)
    assert all(child.find(SITEMAP + "lastmod") is not None for child in root)
    return [child.find(SITEMAP + "loc").text for child in root]


def test_past_its_limit_the_sitemap_is_an_index_of_sitemaps(published, tmp_path):
    from server.graphs import EmbeddedGraph
    from server.sitemap import entity_iris, write_sitemap

    graph, base, root = EmbeddedGraph(published.store), published.settings.base_iri, "http://example.test/"
    every = entity_iris(graph, base)
    assert len(every) > 25
    names = write_sitemap(graph, base, root, tmp_path, "2026-12-01", limit=10)
    parts = [f"sitemap-{n}.xml" for n in range(1, -(-len(every) // 10) + 1)]
    assert names == ["sitemap.xml", *parts]
    assert _sitemap_locs((tmp_path / "sitemap.xml").read_bytes(), "sitemapindex") == [root + p for p in parts]
    listed = [_sitemap_locs((tmp_path / part).read_bytes(), "urlset") for part in parts]
    assert all(len(locs) == 10 for locs in listed[:-1]) and 0 < len(listed[-1]) <= 10
    assert [loc for locs in listed for loc in locs] == [local_url(iri, base, root) for iri in every]


def test_the_server_serves_the_sitemap_index_and_its_sitemaps(published, tmp_path):
    """A copy of the session's release whose sitemap was written with a limit of 10 URLs."""
    import json
    import shutil

    from server.graphs import EmbeddedGraph
    from server.integrity import file_table
    from server.sitemap import entity_iris, write_sitemap

    releases = tmp_path / "releases"
    folder = releases / published.release.version
    shutil.copytree(published.release.folder, folder)
    base = published.settings.base_iri
    every = entity_iris(EmbeddedGraph(published.store), base)
    write_sitemap(EmbeddedGraph(published.store), base, RELEASE_ROOT, folder, "2026-12-01", limit=10)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {k: v for k, v in file_table(folder, skip="store/").items() if k != "manifest.json"}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (releases / "current").symlink_to(folder.name)
    root = "https://data.example.org/coopkg/"
    settings = Settings.load({"release_dir": releases, "public_url": root}, environ={})
    client = create_app({}, published=Published.open(settings)).test_client()

    status, mimetype, body = get(client, "/sitemap.xml")
    assert (status, mimetype) == (200, "application/xml")
    sitemaps = _sitemap_locs(body, "sitemapindex")
    assert len(sitemaps) == -(-len(every) // 10) and all(loc.startswith(root + "sitemap-") for loc in sitemaps)
    urls = []
    for loc in sitemaps:
        status, mimetype, body = get(client, "/" + loc.removeprefix(root))
        assert (status, mimetype) == (200, "application/xml")
        urls += _sitemap_locs(body, "urlset")
    assert urls == [local_url(iri, base, root) for iri in every]
    status, _, body = get(client, "/robots.txt")
    assert f"Sitemap: {root}sitemap.xml" in body.decode().splitlines()
    status, _, body = get(client, f"/sitemap-{len(sitemaps) + 1}.xml")
    assert status == 404 and b"/sitemap.xml" in body


# --- the source graphs ------------------------------------------------------------------

SD_NAME = rdflib.URIRef("http://www.w3.org/ns/sparql-service-description#name")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")


@pytest.mark.parametrize("described", ["catalog", "void"])
def test_each_source_graph_is_described_with_its_source_checksum_and_licence(request, knowledge, published, described):
    graph = request.getfixturevalue(described)
    base = published.settings.base_iri
    if described == "void":
        dataset = graph.value(None, rdflib.FOAF.primaryTopic)
    else:
        dataset = next(graph.subjects(rdflib.RDF.type, DCAT.Dataset))
    licence = rdflib.URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    for name, files in knowledge.graph_files.items():
        node = graph.value(None, SD_NAME, rdflib.URIRef(graph_iri(base, name)))
        assert node is not None, name
        assert (dataset, rdflib.DCTERMS.hasPart if described == "catalog" else rdflib.VOID.subset, node) in graph
        assert (node, rdflib.RDF.type, PROV.Entity) in graph
        assert {t.language for t in graph.objects(node, rdflib.DCTERMS.title)} == {"fr", "en"}
        digest = hashlib.sha256(b"".join(file.read_bytes() for file in files)).hexdigest()
        assert str(graph.value(graph.value(node, SPDX.checksum), SPDX.checksumValue)) == digest
        if described == "catalog":
            assert graph.value(node, rdflib.DCTERMS.license) == licence
        document = graph.value(node, PROV.wasDerivedFrom)
        if name == "links":  # the graph's own links: no source document
            assert document is None
        else:
            assert document == rdflib.URIRef(base + "id/source/" + name)
    # The source document's own SHA-256: that of its archived copy.
    press_release = rdflib.URIRef(base + "id/source/press-release-zou-delegation")
    archived = PROJECT_ROOT / "sources" / "000_e304bfd7c8cccc77.txt"
    stated = graph.value(graph.value(press_release, SPDX.checksum), SPDX.checksumValue)
    assert str(stated) == hashlib.sha256(archived.read_bytes()).hexdigest()
    page = graph.value(None, SD_NAME, rdflib.URIRef(graph_iri(base, "hds-page-benin")))
    assert 'Graph of the source "Le Bénin"' in {str(t) for t in graph.objects(page, rdflib.DCTERMS.title)}
    assert graph.value(page, PROV.hadPrimarySource) == rdflib.URIRef(
        "https://www.hauts-de-seine.fr/mon-departement/les-hauts-de-seine/missions-et-actions/"
        "attractivite-du-territoire-et-innovation/solidarite-internationale/"
        "la-lutte-contre-linsecurite-alimentaire/le-benin"
    )
