"""The shapes hold on references: a node a fact points to must be of the class the property
asks for (sh:class). Each case removes every rdf:type of one real node and expects the
graph to stop conforming at the node that points to it, on that property."""

from __future__ import annotations

import pytest

from server.knowledge import KnowledgeBase
from server.validation import validate

ID = "https://w3id.org/coopkg/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
COOP, ORG, PROV = "https://w3id.org/coopkg/def/", "http://www.w3.org/ns/org#", "http://www.w3.org/ns/prov#"
DCT, SKOS, SCHEMA = "http://purl.org/dc/terms/", "http://www.w3.org/2004/02/skos/core#", "https://schema.org/"

# untyped node -> (a focus node that must be rejected, the property, the shape)
CASES = {
    "organisation/cc-zou": ("partnership/hauts-de-seine-zou", ORG + "hasMember", "PartnershipShape"),
    "organisation/hauts-de-seine": ("convention/2022-2026", COOP + "party", "ConventionShape"),
    "person/luc-setonjo-atrokpo": ("convention/2018", COOP + "signatory", "ConventionShape"),
    "indicator/programme-budget-for-year": (
        "observation/programme-budget-2017",
        COOP + "indicator",
        "ObservationShape",
    ),
    "event/zou-delegation-reception": ("convention/2022-2026", PROV + "wasGeneratedBy", "ConventionShape"),
    "period/hauts-de-seine-zou-relations-since-2017": (
        "partnership/hauts-de-seine-zou",
        DCT + "temporal",
        "PartnershipShape",
    ),
    "country-entry/hauts-de-seine-benin": (
        "policy/hauts-de-seine-international-cooperation",
        COOP + "countryEntry",
        "CooperationPolicyShape",
    ),
    "image/presidents-zou-hauts-de-seine": (
        "source/press-release-zou-delegation",
        SCHEMA + "image",
        "DocumentDatesShape",
    ),
    "person/willy-labre": ("image/presidents-zou-hauts-de-seine", SCHEMA + "creator", "ImageShape"),
    "scheme/indicators": ("indicator/programme-start-year", SKOS + "inScheme", "IndicatorShape"),
    "scheme/zou-programme-target-groups": ("target-group/rural-women", SKOS + "inScheme", "ConceptSchemeShape"),
}


def _untyped(knowledge: KnowledgeBase, iri: str) -> KnowledgeBase:
    data = [t for t in knowledge.parts["data"] if not (t.subject.value == iri and t.predicate.value == RDF_TYPE)]
    assert len(data) < len(knowledge.parts["data"]), f"{iri} has a type in the data"
    return KnowledgeBase({**knowledge.parts, "data": data})


@pytest.mark.parametrize("untyped", sorted(CASES))
def test_a_reference_to_a_node_without_its_class_does_not_conform(knowledge, untyped):
    focus, path, shape = CASES[untyped]
    report = validate(_untyped(knowledge, ID + untyped))
    assert not report.conforms
    found = {(v.focus, v.path, v.shape.rsplit("/", 1)[-1]) for v in report.violations if v.value == ID + untyped}
    assert (ID + focus, (path,), shape) in found, sorted(found)
