"""The data is one named graph per source (graph/<source>/ or graph/<name>.ttl): splitting the
topic files by source kept every fact, and each graph holds what its own source states."""

from __future__ import annotations

import rdflib
from rdflib.compare import to_isomorphic

from server.namespaces import CANONICAL_BASE, source_iri

PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
# The union of graph/*.ttl when the facts were split by topic (before #13): 1,122 triples,
# and its isomorphism-invariant digest (rdflib.compare), blank nodes included.
TRIPLES_BEFORE_SPLIT = 1122
DIGEST_BEFORE_SPLIT = 65594716799623116692273060686832261083975077035898596660998117740270766668203939


def _union(knowledge) -> rdflib.Graph:
    """Return the union of the data files, each parsed by rdflib (as the digest was taken)."""
    graph = rdflib.Graph()
    for files in knowledge.graph_files.values():
        for file in files:
            graph.parse(file, format="turtle")
    return graph


def test_the_split_by_source_kept_every_fact(knowledge):
    union = _union(knowledge)
    assert len(union) == TRIPLES_BEFORE_SPLIT
    assert to_isomorphic(union).graph_digest() == DIGEST_BEFORE_SPLIT


def test_each_graph_is_named_after_the_source_its_nodes_are_derived_from(knowledge):
    assert set(knowledge.graphs) == {
        "press-release-zou-delegation",
        "hds-news-2018-11-08-cooperation-benin",
        "devedjian-2017-05-15-cooperation-benin",
        "hds-page-zou-agricultural-production",
        "hds-news-renewed-cooperation-benin",
        "hds-page-benin",
        "links",
    }
    for name, triples in knowledge.graphs.items():
        derived = {t.object.value for t in triples if t.predicate.value == PROV_DERIVED}
        document = source_iri(CANONICAL_BASE, name)
        if name == "links":  # the graph's own links (Wikidata, ISO codes, claims of one quantity)
            assert derived == set()
            continue
        assert derived == {document}, name
        assert any(t.subject.value == document for t in triples), f"{name} describes its source"


def test_a_fact_two_sources_state_is_in_both_graphs(knowledge):
    def holding(s: str, p: str, o: str) -> set[str]:
        return {
            name
            for name, triples in knowledge.graphs.items()
            if any(str(t.subject.value) == s and t.predicate.value == p and t.object.value == o for t in triples)
        }

    convention = CANONICAL_BASE + "id/convention/2018"
    issued = holding(convention, "http://purl.org/dc/terms/issued", "2018")
    assert issued == {"press-release-zou-delegation", "hds-page-benin"}
    signed = holding(convention, CANONICAL_BASE + "def/signedOn", CANONICAL_BASE + "id/instant/2018-11-08")
    assert signed == {"hds-news-2018-11-08-cooperation-benin"}
