"""Pure functions of the core: labels, prefixes, IRI mapping, rebasing, reading sources."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from server.config import Settings
from server.iris import iri_for_path, local_url, path_for_iri
from server.knowledge import UnreadableSource, load_knowledge, rebase, turtle_files
from server.labels import local_name, pick_label
from server.namespaces import CANONICAL_BASE, PREFIXES, graph_iri, shorten
from server.state import DataDoesNotConform, Published
from server.store import build_store

LOCAL = "http://127.0.0.1:8000/"


@pytest.mark.parametrize(
    ("labels", "lang", "expected"),
    [
        ([("Bénin", "fr"), ("Benin", "en")], "en", "Benin"),
        ([("Bénin", "fr"), ("Benin", "en")], "fr", "Bénin"),
        ([("Bénin", "fr")], "en", "Bénin"),
        ([("Benin", "en")], "fr", "Benin"),
        ([("Benin", "EN")], "en", "Benin"),
        ([("Benín", "es")], "fr", "Benín"),
        ([("Zou", None), ("Zou (fr)", "fr")], "en", "Zou (fr)"),
        ([("Zou", None)], "en", "Zou"),
        ([], "fr", None),
    ],
)
def test_pick_label(labels, lang, expected):
    assert pick_label(labels, lang) == expected


@pytest.mark.parametrize(
    ("iri", "expected"),
    [
        ("https://w3id.org/coopkg/id/organisation/cc-zou", "cc-zou"),
        ("http://www.w3.org/ns/org#Post", "Post"),
        ("https://w3id.org/coopkg/def/", "def"),
    ],
)
def test_local_name(iri, expected):
    assert local_name(iri) == expected


@pytest.mark.parametrize(
    ("iri", "expected"),
    [
        ("http://www.w3.org/ns/org#Post", "org:Post"),
        (CANONICAL_BASE + "def/Convention", "coop:Convention"),
        (CANONICAL_BASE + "def/role/president", "coop:role/president"),
        ("http://example.org/x", "<http://example.org/x>"),
    ],
)
def test_shorten(iri, expected):
    assert shorten(iri, PREFIXES) == expected


@pytest.mark.parametrize(
    ("path", "base", "iri"),
    [
        ("id/organisation/cc-zou", CANONICAL_BASE, CANONICAL_BASE + "id/organisation/cc-zou"),
        ("id/organisation/cc-zou", LOCAL, LOCAL + "id/organisation/cc-zou"),
        ("def/Convention", LOCAL, CANONICAL_BASE + "def/Convention"),
        ("shapes/ConventionShape", LOCAL, CANONICAL_BASE + "shapes/ConventionShape"),
        ("sparql", LOCAL, None),
    ],
)
def test_paths_and_iris_map_both_ways(path, base, iri):
    assert iri_for_path(path, base) == iri
    if iri is not None:
        assert path_for_iri(iri, base) == path
        assert local_url(iri, base, "http://localhost:5000/") == "http://localhost:5000/" + path


def test_foreign_iris_have_no_local_url():
    assert local_url("http://metadata.un.org/sdg/2.1", CANONICAL_BASE, LOCAL) is None


def test_rebase_moves_data_iris_only():
    data = ox.NamedNode(CANONICAL_BASE + "id/country/benin")
    term = ox.NamedNode(CANONICAL_BASE + "def/country")
    literal = ox.Literal(CANONICAL_BASE + "id/country/benin")
    [moved] = rebase([ox.Triple(data, term, literal)], LOCAL)
    assert moved.subject.value == LOCAL + "id/country/benin"
    assert moved.predicate == term
    assert moved.object == literal


def test_store_holds_the_ontology_the_shapes_and_each_source_in_its_named_graph(knowledge):
    store = build_store(knowledge, LOCAL)
    sources = {graph_iri(LOCAL, name) for name in knowledge.graphs}
    assert "press-release-zou-delegation" in knowledge.graphs and "hds-page-benin" in knowledge.graphs
    assert {g.value for g in store.named_graphs()} == {graph_iri(LOCAL, p) for p in ("ontology", "shapes")} | sources
    assert len(store) == len(knowledge)
    benin = ox.NamedNode(LOCAL + "id/country/benin")
    press_release = ox.NamedNode(graph_iri(LOCAL, "press-release-zou-delegation"))
    assert list(store.quads_for_pattern(benin, None, None, press_release))


def test_turtle_files_of_an_empty_folder(tmp_path):
    with pytest.raises(UnreadableSource, match="no Turtle"):
        turtle_files(tmp_path)


def test_unreadable_source_names_file_and_line(project_copy):
    (project_copy / "graph" / "zz-broken.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(UnreadableSource) as caught:
        load_knowledge(project_copy)
    assert str(caught.value).startswith(str(project_copy / "graph" / "zz-broken.ttl") + ":1:")


def test_non_conforming_data_is_never_published(project_copy):
    partnership = project_copy / "graph" / "press-release-zou-delegation" / "partnership.ttl"
    text = partnership.read_text(encoding="utf-8")
    partnership.write_text(text.replace("    coop:party organisation:hauts-de-seine , organisation:cc-zou ;\n", "", 1))
    with pytest.raises(DataDoesNotConform) as caught:
        Published.open(Settings.load({"root": project_copy}, environ={}))
    assert any(v.focus.endswith("/convention/2018") for v in caught.value.report.violations)
