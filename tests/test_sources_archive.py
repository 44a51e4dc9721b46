"""The documents the graph cites are archived in sources/, linked from their entities and served;
so are the originals of imported files, in sources/imported/."""

from __future__ import annotations

import hashlib
import shutil
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest
import rdflib
from shapes_support import TURTLE_PREFIXES

from server import create_app
from server.cli import main
from server.config import PROJECT_ROOT
from server.knowledge import KnowledgeBase
from server.validation import validate

ARCHIVED_AT = "https://schema.org/archivedAt"
ARCHIVE = "https://w3id.org/coopkg/sources/"
SOURCES_OF_FACTS = """SELECT DISTINCT ?source ?copy WHERE {
    ?fact <http://www.w3.org/ns/prov#wasDerivedFrom> ?source .
    OPTIONAL { ?source <https://schema.org/archivedAt> ?copy }
}"""


def archived_copies(store: ox.Store) -> dict[str, list[str]]:
    """Every document a fact is derived from, and the archived copies it links to."""
    copies: dict[str, list[str]] = {}
    for row in store.query(SOURCES_OF_FACTS, use_default_graph_as_union=True):
        copies.setdefault(row["source"].value, [])
        if row["copy"] is not None:
            copies[row["source"].value].append(row["copy"].value)
    return copies


def test_every_source_links_to_one_archived_copy_in_the_repository(store):
    copies = archived_copies(store)
    assert len(copies) == 6
    for source, links in copies.items():
        assert len(links) == 1, source
        assert links[0].startswith(ARCHIVE), links[0]
        assert (PROJECT_ROOT / "sources" / links[0].removeprefix(ARCHIVE)).is_file(), links[0]


def test_the_sources_readme_names_every_archived_file():
    readme = (PROJECT_ROOT / "sources" / "README.md").read_text(encoding="utf-8")
    for path in (PROJECT_ROOT / "sources").iterdir():
        if path.name != "README.md":
            assert f"`{path.name}`" in readme, path.name


@pytest.mark.parametrize(
    ("name", "media_type"),
    [("000_e304bfd7c8cccc77.txt", "text/plain; charset=utf-8"), ("notes-web-pages.md", "text/markdown; charset=utf-8")],
)
def test_archived_copy_is_served_unchanged_from_the_release(client, published, name, media_type):
    with client.get(f"/sources/{name}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == media_type
        body = response.get_data()
        assert response.headers["ETag"] == f'"{hashlib.sha256(body).hexdigest()}"'
    assert body == (PROJECT_ROOT / "sources" / name).read_bytes() == published.release.archived(name).read_bytes()
    with client.get(f"/sources/{name}", headers={"If-None-Match": f'"{hashlib.sha256(body).hexdigest()}"'}) as again:
        assert again.status_code == 304


def test_unknown_archived_source_is_a_404_with_a_message(client):
    with client.get("/sources/nothing.txt") as response:
        assert (response.status_code, response.mimetype) == (404, "text/plain")
        assert b"nothing.txt" in response.get_data()


@pytest.mark.parametrize("path", ["/sources/..%2Fmanifest.json", "/sources/%2E%2E", "/sources/../manifest.json"])
def test_paths_out_of_the_archive_are_not_served(client, path):
    with client.get(path) as response:
        assert response.status_code == 404
        assert b'"version"' not in response.get_data()


class Links(HTMLParser):
    """The href of every link of a page."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href"):
            self.hrefs.append(dict(attrs)["href"])


@pytest.mark.parametrize(
    ("entity", "copy"),
    [
        ("/id/source/press-release-zou-delegation", "/sources/000_e304bfd7c8cccc77.txt"),
        ("/id/source/hds-page-benin", "/sources/notes-web-pages.md"),
    ],
)
def test_the_page_of_a_source_links_to_its_archived_copy(client, entity, copy):
    with client.get(entity, headers={"Accept": "text/html"}) as response:
        assert response.status_code == 200
        page = Links()
        page.feed(response.get_data(as_text=True))
    assert copy in page.hrefs
    with client.get(copy) as response:
        assert response.status_code == 200


def test_an_archived_copy_must_be_one_file_of_sources(knowledge):
    good = _documents({"doc": "<https://w3id.org/coopkg/sources/doc.txt>"})
    assert validate(KnowledgeBase({**knowledge.parts, "data": good})).conforms
    wrong = {
        "literal": '"sources/doc.txt"',
        "elsewhere": "<https://example.org/doc.txt>",
        "two": "<https://w3id.org/coopkg/sources/a.txt> , <https://w3id.org/coopkg/sources/b.txt>",
    }
    report = validate(KnowledgeBase({**knowledge.parts, "data": _documents(wrong)}))
    assert {(v.focus, v.path) for v in report.violations} == {(TEST + name, (ARCHIVED_AT,)) for name in wrong}


TEST = "https://w3id.org/coopkg/id/test/"


def _documents(copies: dict[str, str]) -> list[ox.Triple]:
    """Small conforming source documents, one per name, with the given archived copies, and a publisher."""
    turtle = TURTLE_PREFIXES + f'<{TEST}org> a coop:LocalAuthority ; rdfs:label "Collectivité"@fr .\n'
    for name, copy in copies.items():
        turtle += f"""<{TEST}{name}> a foaf:Document ; rdfs:label "document"@fr ; dct:title "Document"@fr ;
            dct:publisher <{TEST}org> ; schema:archivedAt {copy} .
        <{TEST}org> prov:wasDerivedFrom <{TEST}{name}> .\n"""
    return [quad.triple for quad in ox.parse(turtle, format=ox.RdfFormat.TURTLE)]


# --- the original of an imported file -------------------------------------------------------

SMALL_IATI = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
 <iati-activity xml:lang="fr" default-currency="XOF">
  <iati-identifier>XM-TEST-1-ARCHIVE</iati-identifier>
  <reporting-org ref="XM-TEST-1" type="10"><narrative>Commune d'essai</narrative></reporting-org>
  <title><narrative>Activité d'essai (exemple)</narrative></title>
 </iati-activity>
</iati-activities>
"""


def test_an_imported_original_is_archived_with_the_release_and_served_unchanged(runner, tmp_path):
    root, releases = tmp_path / "project", tmp_path / "releases"
    for folder in ("ontology", "shapes", "graph", "queries", "catalog", "sources"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    original = tmp_path / "Essai Archive.xml"
    original.write_bytes(SMALL_IATI.encode("utf-8"))
    env = {"COOPKG_ROOT": str(root), "COOPKG_RELEASE_DIR": str(releases)}
    imported = runner.invoke(main, ["import", "iati", str(original)], env=env)
    assert imported.exit_code == 0, imported.output
    released = runner.invoke(main, ["release"], env=env)
    assert released.exit_code == 0, released.output
    client = create_app({"root": root, "release_dir": releases}).test_client()

    with client.get("/id/source/essai-archive", headers={"Accept": "text/turtle"}) as response:
        described = rdflib.Graph().parse(data=response.get_data(), format="turtle")
    [copy] = described.objects(None, rdflib.URIRef(ARCHIVED_AT))
    assert str(copy) == ARCHIVE + "imported/essai-archive.xml"  # as the hand-written sources point at theirs
    with client.get("/id/source/essai-archive", headers={"Accept": "text/html"}) as response:
        page = Links()
        page.feed(response.get_data(as_text=True))
    assert "/sources/imported/essai-archive.xml" in page.hrefs
    with client.get("/sources/imported/essai-archive.xml") as response:
        assert (response.status_code, response.mimetype) == (200, "application/xml")
        assert response.get_data() == original.read_bytes()
        assert response.headers["ETag"] == f'"{hashlib.sha256(original.read_bytes()).hexdigest()}"'
    for path in (
        "/sources/imported/nothing.xml",
        "/sources/imported/..%2F..%2Fmanifest.json",
        "/sources/essai-archive.xml",
    ):
        with client.get(path) as response:
            assert response.status_code == 404, path
