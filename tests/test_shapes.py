"""Each SHACL shape rejects at least one small counter-example, and the real graph conforms."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib.namespace import RDF, SH
from shapes_support import TURTLE_PREFIXES
from test_sources_shapes import CASE_SHAPES

from server.knowledge import KnowledgeBase
from server.validation import validate

PREFIXES = (
    TURTLE_PREFIXES
    + "@prefix ex: <https://w3id.org/coopkg/id/example/> .\n"
    + """

# A well-formed source, publisher and period that the counter-examples below can point to.
ex:source a coop:PressRelease ; rdfs:label "source"@fr ; dct:title "Source"@fr ; dct:publisher ex:publisher .
ex:publisher a org:Organization ; rdfs:label "éditeur"@fr ; prov:wasDerivedFrom ex:source .
ex:period a dct:PeriodOfTime ; rdfs:label "2020"@fr ; dcat:startDate "2020"^^xsd:gYear ;
    prov:wasDerivedFrom ex:source .
ex:partnership a coop:Partnership ; rdfs:label "partenariat"@fr ;
    org:hasMember ex:publisher , ex:partner ; prov:wasDerivedFrom ex:source .
ex:partner a org:Organization ; rdfs:label "partenaire"@fr ; prov:wasDerivedFrom ex:source .
"""
)

# shape local name -> (counter-example Turtle, IRI of the focus node it must be rejected at)
COUNTER_EXAMPLES = {
    "ConceptSchemeShape": (
        'ex:concept a skos:Concept ; skos:prefLabel "concept"@fr ; skos:inScheme ex:publisher ;'
        " prov:wasDerivedFrom ex:source .",
        "ex:concept",
    ),
    "ImageShape": (
        'ex:image a foaf:Image ; rdfs:label "image"@fr ; schema:creator ex:period ; prov:wasDerivedFrom ex:source .',
        "ex:image",
    ),
    "TracedShape": (
        'ex:untraced a org:Organization ; rdfs:label "sans source"@fr .',
        "ex:untraced",
    ),
    "SourceLinkShape": (
        'ex:bad-source a org:Organization ; rdfs:label "x"@fr ; prov:wasDerivedFrom ex:publisher .',
        "ex:bad-source",
    ),
    "DocumentShape": (
        'ex:untitled a coop:PressRelease ; rdfs:label "x"@fr ; dct:publisher ex:publisher .',
        "ex:untitled",
    ),
    "NamedEntityShape": (
        'ex:english-only a foaf:Person ; rdfs:label "only English"@en ; foaf:name "E" ;'
        " prov:wasDerivedFrom ex:source .",
        "ex:english-only",
    ),
    "ConceptShape": (
        'ex:concept a skos:Concept ; skos:prefLabel "only English"@en ; prov:wasDerivedFrom ex:source .',
        "ex:concept",
    ),
    "OrganisationShape": (
        'ex:org a org:Organization ; rdfs:label "x"@fr ; coop:country ex:partner ; prov:wasDerivedFrom ex:source .',
        "ex:org",
    ),
    "PersonShape": (
        'ex:nameless a foaf:Person ; rdfs:label "x"@fr ; prov:wasDerivedFrom ex:source .',
        "ex:nameless",
    ),
    "PostShape": (
        'ex:post a org:Post ; rdfs:label "poste"@fr ; org:role role:president ; prov:wasDerivedFrom ex:source .',
        "ex:post",
    ),
    "MembershipShape": (
        'ex:holding a org:Membership ; rdfs:label "mandat"@fr ; org:member ex:publisher ;'
        " org:organization ex:publisher ; org:role role:president ; prov:wasDerivedFrom ex:source .",
        "ex:holding",
    ),
    "PlaceShape": (
        'ex:place a schema:Place ; rdfs:label "lieu"@fr ; schema:containedInPlace ex:publisher ;'
        " prov:wasDerivedFrom ex:source .",
        "ex:place",
    ),
    "PartnershipShape": (
        'ex:alone a coop:Partnership ; rdfs:label "seul"@fr ; org:hasMember ex:publisher ;'
        " prov:wasDerivedFrom ex:source .",
        "ex:alone",
    ),
    "ConventionShape": (
        'ex:convention a coop:Convention ; rdfs:label "convention"@fr ; coop:party ex:publisher , ex:partner ;'
        " coop:formalises ex:partnership ; dct:temporal ex:open ; prov:wasDerivedFrom ex:source ."
        ' ex:open a dct:PeriodOfTime ; rdfs:label "sans début"@fr ; dcat:endDate "2026"^^xsd:gYear ;'
        " prov:wasDerivedFrom ex:source .",
        "ex:convention",
    ),
    "ProgrammeShape": (
        'ex:programme a coop:Programme ; rdfs:label "programme"@fr ; coop:stake ex:partner ;'
        " prov:wasDerivedFrom ex:source .",
        "ex:programme",
    ),
    "ActorAssociationShape": (
        'ex:programme2 a coop:Programme ; rdfs:label "programme"@fr ; prov:wasDerivedFrom ex:source ;'
        " prov:qualifiedAssociation [ prov:agent ex:publisher ; prov:hadRole role:president ] .",
        "ex:programme2",
    ),
    "StakeShape": (
        'ex:stake a coop:Stake ; skos:prefLabel "enjeu"@fr ; prov:wasDerivedFrom ex:source .',
        "ex:stake",
    ),
    "EventShape": (
        'ex:event a schema:Event ; rdfs:label "événement"@fr ; prov:wasDerivedFrom ex:source .',
        "ex:event",
    ),
    "CooperationPolicyShape": (
        'ex:policy a coop:CooperationPolicy ; rdfs:label "politique"@fr ; prov:wasDerivedFrom ex:source .',
        "ex:policy",
    ),
    "PeriodOfTimeShape": (
        'ex:backwards a dct:PeriodOfTime ; rdfs:label "à rebours"@fr ; dcat:startDate "2026"^^xsd:gYear ;'
        ' dcat:endDate "2022"^^xsd:gYear ; prov:wasDerivedFrom ex:source .',
        "ex:backwards",
    ),
    "IntervalShape": (
        'ex:interval a time:Interval ; rdfs:label "à rebours"@fr ; prov:wasDerivedFrom ex:source ;'
        ' time:hasBeginning [ a time:Instant ; time:inXSDDate "2020-05-02"^^xsd:date ] ;'
        ' time:hasEnd [ a time:Instant ; time:inXSDDate "2020-05-01"^^xsd:date ] .',
        "ex:interval",
    ),
    "InstantShape": (
        'ex:instant a time:Instant ; rdfs:label "instant"@fr ; time:inXSDDate "2020" ; prov:wasDerivedFrom ex:source .',
        "ex:instant",
    ),
    "ObservationShape": (
        'ex:obs a qb:Observation ; rdfs:label "sans unité"@fr ; qb:dataSet ex:dataset ;'
        " coop:indicator ex:indicator ; sdmx-dimension:refPeriod ex:period ; sdmx-measure:obsValue 3 ;"
        " coop:valueQualifier qualifier:as-stated ; coop:aggregation aggregation:at-date ;"
        ' coop:statedAs "trois"@fr ; prov:wasDerivedFrom ex:source .'
        ' ex:dataset a qb:DataSet ; rdfs:label "jeu"@fr ; qb:structure coop:IndicatorStructure ;'
        " prov:wasDerivedFrom ex:source ."
        ' ex:indicator a coop:Indicator ; skos:prefLabel "indicateur"@fr ; skos:inScheme ex:scheme ;'
        " coop:indicatorOf ex:policy2 ; prov:wasDerivedFrom ex:source ."
        ' ex:scheme a skos:ConceptScheme ; skos:prefLabel "schéma"@fr ; prov:wasDerivedFrom ex:source .'
        ' ex:policy2 a coop:CooperationPolicy ; rdfs:label "p"@fr ; prov:wasAttributedTo ex:publisher ;'
        " prov:wasDerivedFrom ex:source .",
        "ex:obs",
    ),
    "IndicatorShape": (
        'ex:orphan a coop:Indicator ; skos:prefLabel "orphelin"@fr ; skos:inScheme coop:Units ;'
        " prov:wasDerivedFrom ex:source .",
        "ex:orphan",
    ),
    "DataSetShape": (
        'ex:shapeless a qb:DataSet ; rdfs:label "sans structure"@fr ; prov:wasDerivedFrom ex:source .',
        "ex:shapeless",
    ),
}

EXAMPLE = "https://w3id.org/coopkg/id/example/"
SHAPES = "https://w3id.org/coopkg/shapes/"


def _knowledge_with(knowledge: KnowledgeBase, turtle: str) -> KnowledgeBase:
    data = [quad.triple for quad in ox.parse(PREFIXES + turtle, format=ox.RdfFormat.TURTLE)]
    return KnowledgeBase({**knowledge.parts, "data": data})


def test_real_graph_conforms(knowledge):
    report = validate(knowledge)
    assert report.conforms, [(v.focus, v.path, v.message("en")) for v in report.violations]


def test_the_counter_examples_share_a_conforming_base(knowledge):
    report = validate(_knowledge_with(knowledge, ""))
    assert report.conforms, [(v.focus, v.message("en")) for v in report.violations]


def test_every_shape_has_a_counter_example(knowledge):
    shapes = knowledge.rdflib_graph("shapes")
    named = {str(s).rsplit("/", 1)[-1] for s in shapes.subjects(RDF.type, SH.NodeShape) if "/shapes/" in str(s)}
    assert named == set(COUNTER_EXAMPLES) | set(CASE_SHAPES.values())


@pytest.mark.parametrize("shape", sorted(COUNTER_EXAMPLES))
def test_shape_rejects_its_counter_example(knowledge, shape):
    turtle, focus = COUNTER_EXAMPLES[shape]
    report = validate(_knowledge_with(knowledge, turtle))
    assert not report.conforms
    focus_iri = focus.replace("ex:", EXAMPLE)
    assert focus_iri in {v.focus for v in report.violations}
    assert SHAPES + shape in {v.shape for v in report.violations}
    assert all(v.message("fr") and v.message("en") for v in report.violations)


def test_messages_come_in_french_and_english(knowledge):
    shapes = knowledge.rdflib_graph("shapes")
    for shape in shapes.subjects(SH.message, None):
        languages = {m.language for m in shapes.objects(shape, SH.message)}
        assert {"fr", "en"} <= languages, shape
