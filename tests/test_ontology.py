"""The vocabulary: a described ontology, every term labelled and defined in fr and en."""

from __future__ import annotations

import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

COOP = rdflib.Namespace("https://w3id.org/coopkg/def/")


def _languages(graph, subject, predicate):
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, rdflib.Literal)}


def test_ontology_header(knowledge):
    ontology = knowledge.rdflib_graph("ontology")
    header = rdflib.URIRef(str(COOP))
    assert (header, RDF.type, OWL.Ontology) in ontology
    for predicate in (OWL.versionInfo, DCTERMS.license, DCTERMS.creator):
        assert ontology.value(header, predicate) is not None, predicate
    assert {"fr", "en"} <= _languages(ontology, header, DCTERMS.title)


def test_every_declared_term_is_labelled_and_defined_in_french_and_english(knowledge):
    ontology = knowledge.rdflib_graph("ontology")
    terms = set(ontology.subjects(RDFS.isDefinedBy, rdflib.URIRef(str(COOP))))
    assert len(terms) > 30
    for term in terms:
        assert {"fr", "en"} <= _languages(ontology, term, RDFS.label), term
        assert {"fr", "en"} <= _languages(ontology, term, SKOS.definition), term


def test_every_concept_of_the_vocabulary_is_labelled_and_defined(knowledge):
    ontology = knowledge.rdflib_graph("ontology")
    concepts = {s for s in ontology.subjects(SKOS.inScheme, None)}
    assert concepts
    for concept in concepts:
        assert {"fr", "en"} <= _languages(ontology, concept, SKOS.prefLabel), concept
        assert {"fr", "en"} <= _languages(ontology, concept, SKOS.definition), concept


def test_every_term_the_data_uses_has_labels_in_french_and_english(knowledge):
    ontology = knowledge.rdflib_graph("ontology")
    data = knowledge.rdflib_graph("data")
    used = set(data.predicates()) | set(data.objects(None, RDF.type))
    for term in used:
        assert {"fr", "en"} <= _languages(ontology, term, RDFS.label), term
