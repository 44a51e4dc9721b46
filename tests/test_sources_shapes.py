"""The shapes of issue #6 reject what they are meant to reject.

A small, self-contained graph that conforms is broken one way per case (a SPARQL update);
each broken copy is validated with the project's ontology and shapes (read once per session),
and the report must name the expected focus node with the expected message. That the real graph
conforms is tests/test_shapes.py's test.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from shapes_support import TURTLE_PREFIXES

from server.knowledge import KnowledgeBase
from server.validation import validate

T = "https://w3id.org/coopkg/id/test/"

PREFIXES = TURTLE_PREFIXES + "@prefix t: <https://w3id.org/coopkg/id/test/> .\n"

# A conforming miniature of what issue #6 adds: a source document with its dates, an office
# held during a bounded period, a signed convention, two claims about one quantity, a
# territory's figure, a country entry and an ISO code.
BASELINE = """
t:doc a foaf:Document ; rdfs:label "document"@fr ; dct:title "Document"@fr ;
    dct:publisher t:org-a ; schema:url <http://example.org/doc> ;
    dct:issued "2020-01-01"^^xsd:date ; dct:modified "2020-02-01"^^xsd:date .
t:other-doc a foaf:Document ; rdfs:label "autre document"@fr ; dct:title "Autre document"@fr ;
    dct:publisher t:org-a .

t:org-a a coop:LocalAuthority ; rdfs:label "Collectivité A"@fr ; prov:wasDerivedFrom t:doc .
t:org-b a coop:LocalAuthority ; rdfs:label "Collectivité B"@fr ; prov:wasDerivedFrom t:doc .
t:person a foaf:Person ; rdfs:label "Personne"@fr ; foaf:name "Personne" ; prov:wasDerivedFrom t:doc .

t:membership a org:Membership ; rdfs:label "mandat"@fr ;
    org:member t:person ; org:organization t:org-a ; org:role role:president ;
    org:memberDuring t:term ; prov:wasDerivedFrom t:doc .
t:term a time:Interval ; rdfs:label "mandat"@fr ;
    time:hasBeginning t:begin ; time:hasEnd t:end ; time:inside t:day ; prov:wasDerivedFrom t:doc .
t:begin a time:Instant ; rdfs:label "début"@fr ;
    time:inXSDDate "2018-01-01"^^xsd:date ; prov:wasDerivedFrom t:doc .
t:end a time:Instant ; rdfs:label "fin"@fr ;
    time:inXSDDate "2020-01-01"^^xsd:date ; prov:wasDerivedFrom t:doc .
t:day a time:Instant ; rdfs:label "jour"@fr ;
    time:inXSDDate "2019-06-01"^^xsd:date ; prov:wasDerivedFrom t:doc .

t:partnership a coop:Partnership ; rdfs:label "partenariat"@fr ;
    org:hasMember t:org-a , t:org-b ; prov:wasDerivedFrom t:doc .
t:convention a coop:Convention ; rdfs:label "convention"@fr ;
    coop:party t:org-a , t:org-b ; coop:formalises t:partnership ;
    dct:issued "2018"^^xsd:gYear ; dct:temporal t:from-2018 ; coop:signedOn t:begin ;
    prov:wasDerivedFrom t:doc .
t:from-2018 a dct:PeriodOfTime ; rdfs:label "à partir de 2018"@fr ;
    dcat:startDate "2018"^^xsd:gYear ; prov:wasDerivedFrom t:doc .

t:country-a a schema:Country ; rdfs:label "Pays A"@fr ; prov:wasDerivedFrom t:doc ;
    skos:notation "AA"^^coop:iso3166-1-alpha-2 .
t:country-b a schema:Country ; rdfs:label "Pays B"@fr ; prov:wasDerivedFrom t:doc .
t:region a schema:AdministrativeArea ; rdfs:label "Région"@fr ; prov:wasDerivedFrom t:doc ;
    skos:notation "AA-RE"^^coop:iso3166-2 .
t:policy a coop:CooperationPolicy ; rdfs:label "politique"@fr ;
    prov:wasAttributedTo t:org-a ; coop:countryEntry t:entry ; prov:wasDerivedFrom t:doc .
t:entry a coop:CountryEntry ; rdfs:label "entrée"@fr ;
    coop:country t:country-b ; coop:afterCountry t:country-a ; prov:wasDerivedFrom t:doc .

t:scheme a skos:ConceptScheme ; skos:prefLabel "indicateurs"@fr ; prov:wasDerivedFrom t:doc .
t:indicator a coop:Indicator ; skos:prefLabel "indicateur"@fr ; skos:inScheme t:scheme ;
    coop:indicatorOf t:policy ; prov:wasDerivedFrom t:doc .
t:dataset a qb:DataSet ; rdfs:label "jeu"@fr ; qb:structure coop:IndicatorStructure ;
    prov:wasDerivedFrom t:doc .
t:territory-dataset a qb:DataSet ; rdfs:label "jeu territorial"@fr ;
    qb:structure coop:TerritoryIndicatorStructure ; prov:wasDerivedFrom t:doc .

t:claim-1 a qb:Observation ; rdfs:label "énoncé 1"@fr ; qb:dataSet t:dataset ;
    coop:indicator t:indicator ; sdmx-dimension:refPeriod t:day ;
    sdmx-measure:obsValue 465 ; sdmx-attribute:unitMeasure unit:farm ;
    coop:valueQualifier qualifier:as-stated ; coop:aggregation aggregation:at-date ;
    coop:statedAs "465"@fr ; coop:sameQuantityAs t:claim-2 ; prov:wasDerivedFrom t:doc .
t:claim-2 a qb:Observation ; rdfs:label "énoncé 2"@fr ; qb:dataSet t:dataset ;
    coop:indicator t:indicator ; sdmx-dimension:refPeriod t:day ;
    sdmx-measure:obsValue 450 ; sdmx-attribute:unitMeasure unit:farm ;
    coop:valueQualifier qualifier:more-than ; coop:aggregation aggregation:at-date ;
    coop:statedAs "more than 450"@en ; coop:sameQuantityAs t:claim-1 ; prov:wasDerivedFrom t:other-doc .
t:area-figure a qb:Observation ; rdfs:label "superficie"@fr ; qb:dataSet t:territory-dataset ;
    coop:indicator t:indicator ; sdmx-dimension:refArea t:country-a ; sdmx-dimension:refPeriod t:day ;
    sdmx-measure:obsValue 100 ; sdmx-attribute:unitMeasure unit:square-kilometre ;
    coop:valueQualifier qualifier:as-stated ; coop:aggregation aggregation:at-date ;
    coop:statedAs "100 km²"@en ; prov:wasDerivedFrom t:doc .
"""

PREFIX_LINES = "\n".join("PREFIX " + line.split()[1] + " " + line.split()[2] for line in PREFIXES.strip().splitlines())

# (case, SPARQL update that breaks the baseline, expected focus node, words of the message)
CASES = [
    (
        "office-ends-before-it-starts",
        "DELETE { t:end time:inXSDDate ?d } INSERT { t:end time:inXSDDate '2017-01-01'^^xsd:date }"
        " WHERE { t:end time:inXSDDate ?d }",
        "membership",
        "The office's period ends before it starts.",
    ),
    (
        "office-period-as-dates-ends-before-it-starts",
        "DELETE { t:term time:hasBeginning t:begin ; time:hasEnd t:end }"
        " INSERT { t:term a dct:PeriodOfTime ;"
        " dcat:startDate '2020'^^xsd:gYear ; dcat:endDate '2019'^^xsd:gYear }"
        " WHERE {}",
        "membership",
        "The office's period ends before it starts.",
    ),
    (
        "day-in-office-outside-the-period",
        "DELETE { t:day time:inXSDDate ?d } INSERT { t:day time:inXSDDate '2021-01-01'^^xsd:date }"
        " WHERE { t:day time:inXSDDate ?d }",
        "membership",
        "A day the person was in office falls outside the office's period.",
    ),
    (
        "claim-without-a-source",
        "DELETE { t:claim-2 prov:wasDerivedFrom ?s } WHERE { t:claim-2 prov:wasDerivedFrom ?s }",
        "claim-2",
        "An observation has a source (prov:wasDerivedFrom).",
    ),
    (
        "claim-without-a-source-is-untraced",
        "DELETE { t:claim-2 prov:wasDerivedFrom ?s } WHERE { t:claim-2 prov:wasDerivedFrom ?s }",
        "claim-2",
        "Entity without a source",
    ),
    (
        "same-quantity-written-one-way",
        "DELETE DATA { t:claim-2 coop:sameQuantityAs t:claim-1 }",
        "claim-1",
        "coop:sameQuantityAs is symmetric",
    ),
    (
        "same-quantity-with-itself",
        "INSERT DATA { t:claim-1 coop:sameQuantityAs t:claim-1 }",
        "claim-1",
        "only with another observation",
    ),
    (
        "same-quantity-on-a-non-observation",
        "INSERT DATA { t:org-a coop:sameQuantityAs t:claim-1 . t:claim-1 coop:sameQuantityAs t:org-a }",
        "org-a",
        "Only an observation (qb:Observation) carries coop:sameQuantityAs.",
    ),
    (
        "country-entered-after-itself",
        "INSERT DATA { t:entry coop:afterCountry t:country-b }",
        "entry",
        "never after itself",
    ),
    (
        "country-entry-outside-any-policy",
        "DELETE DATA { t:policy coop:countryEntry t:entry }",
        "entry",
        "A country entry must belong to a policy",
    ),
    (
        "malformed-iso-3166-1-code",
        "INSERT DATA { t:country-b skos:notation 'Benin'^^coop:iso3166-1-alpha-2 }",
        "country-b",
        "ISO 3166 datatype",
    ),
    (
        "malformed-iso-3166-2-code",
        "INSERT DATA { t:region skos:notation 'ZOU'^^coop:iso3166-2 }",
        "region",
        "ISO 3166 datatype",
    ),
    (
        "document-updated-before-published",
        "DELETE { t:doc dct:modified ?d } INSERT { t:doc dct:modified '2019-01-01'^^xsd:date }"
        " WHERE { t:doc dct:modified ?d }",
        "doc",
        "updated before it is published",
    ),
    (
        "signature-year-contradicts-formalisation-year",
        "DELETE { t:convention coop:signedOn t:begin } INSERT { t:convention coop:signedOn t:end } WHERE {}",
        "convention",
        "contradicts the year of formalisation",
    ),
    (
        "signature-instant-without-a-date",
        "DELETE { t:begin time:inXSDDate ?d } WHERE { t:begin time:inXSDDate ?d }",
        "begin",
        "carries its date",
    ),
    (
        "chief-town-of-a-non-organisation",
        "INSERT DATA { t:country-b coop:chiefTown t:region }",
        "country-b",
        "Only an organisation has a chief town",
    ),
    (
        "target-group-not-a-concept",
        "INSERT DATA { t:policy coop:targetGroup t:org-b }",
        "policy",
        "A target group is a concept",
    ),
    (
        "territory-figure-without-an-area",
        "DELETE DATA { t:area-figure sdmx-dimension:refArea t:country-a }",
        "area-figure",
        "requires a reference area",
    ),
]


# The shape each case must trip (tests/test_shapes.py checks that every shape has a case).
CASE_SHAPES = {
    "office-ends-before-it-starts": "MembershipPeriodShape",
    "office-period-as-dates-ends-before-it-starts": "MembershipPeriodShape",
    "day-in-office-outside-the-period": "MembershipPeriodShape",
    "claim-without-a-source": "ObservationShape",
    "claim-without-a-source-is-untraced": "TracedShape",
    "same-quantity-written-one-way": "SameQuantityShape",
    "same-quantity-with-itself": "SameQuantityShape",
    "same-quantity-on-a-non-observation": "SameQuantityShape",
    "country-entered-after-itself": "CountryEntryShape",
    "country-entry-outside-any-policy": "CountryEntryShape",
    "malformed-iso-3166-1-code": "IsoCodeShape",
    "malformed-iso-3166-2-code": "IsoCodeShape",
    "document-updated-before-published": "DocumentDatesShape",
    "signature-year-contradicts-formalisation-year": "ConventionSignatureShape",
    "signature-instant-without-a-date": "SignatureInstantShape",
    "chief-town-of-a-non-organisation": "ChiefTownShape",
    "target-group-not-a-concept": "TargetGroupShape",
    "territory-figure-without-an-area": "ObservationAreaShape",
}


def _report(knowledge: KnowledgeBase, update: str | None):
    """Validate the baseline, broken by `update`, as the only data beside the project's ontology."""
    graph = rdflib.Graph().parse(data=PREFIXES + BASELINE, format="turtle")
    if update:
        graph.update(PREFIX_LINES + "\n" + update)
    data = [quad.triple for quad in ox.parse(graph.serialize(format="nt"), format=ox.RdfFormat.N_TRIPLES)]
    return validate(KnowledgeBase({**knowledge.parts, "data": data}))


def _explain(report) -> str:
    return "\n".join(f"{v.focus} {v.path} {v.message('en')}" for v in report.violations)


def test_the_baseline_conforms(knowledge):
    report = _report(knowledge, None)
    assert report.conforms, _explain(report)


@pytest.mark.parametrize(("case", "update", "focus", "words"), CASES, ids=[c[0] for c in CASES])
def test_shapes_reject_the_broken_graph(knowledge, case, update, focus, words):
    report = _report(knowledge, update)
    assert not report.conforms
    hits = [v for v in report.violations if v.focus == T + focus and words in v.message("en")]
    assert hits, f"expected a violation on t:{focus} saying {words!r}; got:\n{_explain(report)}"
    assert {v.shape for v in hits} == {"https://w3id.org/coopkg/shapes/" + CASE_SHAPES[case]}
    assert all(v.message("fr") != v.message("en") for v in hits), "each message has a French version"
