"""The store the shapes are checked on, filled by Oxigraph from the files while Python reads them."""

from __future__ import annotations

import platform
import sys

import pyoxigraph as ox

from server.knowledge import knowledge_files, load_knowledge
from server.memory import give_back_freed_memory
from server.shape_check import turtle_store
from server.validation import quick_failures, start_check_store, validate

PREFIXES = """@prefix ex: <https://example.org/> .
@prefix coop: <https://w3id.org/coopkg/def/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def _blank_nodes(triples) -> set:
    return {term for t in triples for term in (t.subject, t.object) if isinstance(term, ox.BlankNode)}


def test_a_blank_node_label_belongs_to_its_file(project_copy):
    (project_copy / "graph" / "one.ttl").write_text(PREFIXES + '_:n rdfs:comment "one" .\n', encoding="utf-8")
    (project_copy / "graph" / "two.ttl").write_text(PREFIXES + '_:n rdfs:comment "two" .\n', encoding="utf-8")
    knowledge = load_knowledge(project_copy)
    read = [t for name in ("one", "two") for t in knowledge.graphs[name]]
    assert len(_blank_nodes(read)) == 2
    files = [project_copy / "graph" / "one.ttl", project_copy / "graph" / "two.ttl"]
    assert len(_blank_nodes(q.triple for q in turtle_store(files))) == 2


def test_the_same_files_give_the_same_blank_node_labels(project_copy):
    (project_copy / "graph" / "one.ttl").write_text(PREFIXES + 'ex:a ex:p [ rdfs:comment "x" ] .\n', encoding="utf-8")
    first, second = load_knowledge(project_copy), load_knowledge(project_copy)
    assert first.graphs["one"] == second.graphs["one"]
    assert _blank_nodes(first.graphs["one"])


def _canonical(quads) -> set:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def test_the_store_holds_the_data_and_the_ontology_as_read(project_copy):
    knowledge = load_knowledge(project_copy)
    store = start_check_store(knowledge_files(project_copy)).result()
    read = [ox.Quad(t.subject, t.predicate, t.object) for t in knowledge.triples("data", "ontology")]
    assert _blank_nodes(q.triple for q in read)  # the graph has some: they are compared canonically
    assert _canonical(store) == _canonical(read)
    assert knowledge_files(project_copy)["ontology"]["ontology"] == knowledge.files["ontology"]


def test_a_violation_is_found_on_the_store_filled_from_the_files(project_copy, knowledge):
    shapes = knowledge.rdflib_graph("shapes")
    (project_copy / "graph" / "broken.ttl").write_text(
        PREFIXES + 'ex:nobody a coop:Partnership ; rdfs:label "sans rien"@fr .\n', encoding="utf-8"
    )
    broken = load_knowledge(project_copy)
    filled = start_check_store(knowledge_files(project_copy)).result()
    found = quick_failures(broken, shapes, filled)
    assert found and found == quick_failures(broken, shapes)
    assert not validate(broken, start_check_store(knowledge_files(project_copy))).conforms


def test_the_project_conforms_on_the_store_filled_from_the_files(project_copy):
    assert validate(load_knowledge(project_copy), start_check_store(knowledge_files(project_copy))).conforms


def test_freed_memory_is_given_back_where_glibc_can():
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert give_back_freed_memory() is glibc
