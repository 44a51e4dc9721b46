"""The Oxigraph check (server/shape_check.py) fails exactly the (shape, focus node) pairs pyshacl fails.

On every case of the shape tests (tests/test_shapes.py, tests/test_sources_shapes.py), a few
more that reach the corners (ill-typed literals, sub-classes, language ranges, blank nodes),
and the real graph: the pairs that pyshacl's top-level results name are those the queries find.
"""

from __future__ import annotations

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
import test_shapes
import test_sources_shapes
from rdflib.namespace import SH

from server.knowledge import KnowledgeBase
from server.shape_check import compile_shapes
from server.validation import _node_shape, _PreparingGraph, quick_failures, validate

EXTRA = {
    # an ill-typed date where a date is required, and where a year or a date will do
    "ill-typed-instant-date": 'ex:i a time:Instant ; rdfs:label "i"@fr ; time:inXSDDate "2020-13-45"^^xsd:date ;'
    " prov:wasDerivedFrom ex:source .",
    "ill-typed-issued": 'ex:d a foaf:Document ; rdfs:label "d"@fr ; dct:title "D"@fr ; dct:publisher ex:publisher ;'
    ' dct:issued "20x0"^^xsd:date .',
    "year-month-start": 'ex:p2 a dct:PeriodOfTime ; rdfs:label "p"@fr ; dcat:startDate "2020-05"^^xsd:gYearMonth ;'
    " prov:wasDerivedFrom ex:source .",
    # a French label with a region, and one in upper case
    "french-region-label": 'ex:o2 a org:Organization ; rdfs:label "o"@fr-CA ; prov:wasDerivedFrom ex:source .',
    "two-french-labels-by-case": 'ex:o3 a org:Organization ; rdfs:label "o"@fr , "p"@FR ;'
    " prov:wasDerivedFrom ex:source .",
    # a sub-class instance (a local authority is an organisation) as a value and as a focus node
    "subclass-member": 'ex:la a coop:LocalAuthority ; rdfs:label "c"@fr ; prov:wasDerivedFrom ex:source .'
    ' ex:pp a coop:Partnership ; rdfs:label "p"@fr ; org:hasMember ex:la , ex:publisher ;'
    " prov:wasDerivedFrom ex:source .",
    "subclass-untraced": 'ex:la2 a coop:LocalAuthority ; rdfs:label "c"@fr .',
    # an untraced blank node, and an untraced node outside the data namespace
    "untraced-blank-node": '[] a org:Organization ; rdfs:label "b"@fr .',
    "untraced-outside-id": '<https://example.org/x> a org:Organization ; rdfs:label "x"@fr .',
    # a literal where a node of a class is needed, several values where one is allowed
    "literal-for-a-class": 'ex:o4 a org:Organization ; rdfs:label "o"@fr ; coop:country "France" ;'
    " prov:wasDerivedFrom ex:source .",
    "two-names": 'ex:np a foaf:Person ; rdfs:label "n"@fr ; foaf:name "A" , "B" ; prov:wasDerivedFrom ex:source .',
    "bad-email": 'ex:em a foaf:Person ; rdfs:label "n"@fr ; foaf:name "N" ; schema:email "n@example.org\\n" ;'
    " prov:wasDerivedFrom ex:source .",
    "typed-label": 'ex:tl a org:Organization ; rdfs:label "o"@fr , "o" ; prov:wasDerivedFrom ex:source .',
}


def _cases():
    for name, (turtle, _) in sorted(test_shapes.COUNTER_EXAMPLES.items()):
        yield pytest.param("counter", turtle, id="counter-" + name)
    for name, turtle in sorted(EXTRA.items()):
        yield pytest.param("counter", turtle, id="extra-" + name)
    yield pytest.param("counter", "", id="counter-base")
    for case, update, _, _ in test_sources_shapes.CASES:
        yield pytest.param("sources", update, id="sources-" + case)
    yield pytest.param("sources", None, id="sources-baseline")


def _knowledge(knowledge: KnowledgeBase, kind: str, change) -> KnowledgeBase:
    if kind == "counter":
        text = test_shapes.PREFIXES + change
        data = [quad.triple for quad in ox.parse(text, format=ox.RdfFormat.TURTLE)]
        return KnowledgeBase({**knowledge.parts, "data": data})
    graph = rdflib.Graph().parse(data=test_sources_shapes.PREFIXES + test_sources_shapes.BASELINE, format="turtle")
    if change:
        graph.update(test_sources_shapes.PREFIX_LINES + "\n" + change)
    data = [quad.triple for quad in ox.parse(graph.serialize(format="nt"), format=ox.RdfFormat.N_TRIPLES)]
    return KnowledgeBase({**knowledge.parts, "data": data})


def _pyshacl_pairs(knowledge: KnowledgeBase, shapes: rdflib.Graph) -> set[tuple[str, str]]:
    """The (node shape, focus node) of each top-level result of pyshacl's report.

    The data graph parses each SPARQL text once, as the server's own report does
    (validation._PreparingGraph): pyshacl evaluates the same, without parsing the same text
    again for each of about 2,500 focus nodes (35 s a case instead of 2 s).
    """
    data = _PreparingGraph()
    data += knowledge.rdflib_graph("data", "ontology")
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    pairs = set()
    for report in results.subjects(rdflib.RDF.type, SH.ValidationReport):
        for result in results.objects(report, SH.result):
            focus = results.value(result, SH.focusNode)
            pairs.add((_node_shape(shapes, results.value(result, SH.sourceShape)), focus.n3()))
    return pairs


@pytest.fixture(scope="module")
def shapes(knowledge):
    return knowledge.rdflib_graph("shapes")


def test_the_project_shapes_compile(shapes):
    assert compile_shapes(shapes) is not None


@pytest.mark.parametrize(("kind", "change"), list(_cases()))
def test_same_failures_as_pyshacl(knowledge, shapes, kind, change):
    case = _knowledge(knowledge, kind, change)
    assert quick_failures(case, shapes) == _pyshacl_pairs(case, shapes)


def test_same_on_the_real_graph(knowledge, shapes):
    assert quick_failures(knowledge, shapes) == _pyshacl_pairs(knowledge, shapes) == set()


def test_a_literal_the_store_would_rewrite_leaves_it_to_pyshacl(knowledge, shapes):
    turtle = 'ex:obs9 a foaf:Person ; rdfs:label "x"@fr ; foaf:name "N" ; coop:unnamedInSource "1"^^xsd:boolean .'
    case = _knowledge(knowledge, "counter", turtle)
    assert quick_failures(case, shapes) is None
    assert not validate(case).conforms


def test_shapes_with_an_unknown_term_are_left_to_pyshacl(shapes):
    more = rdflib.Graph()
    for triple in shapes:
        more.add(triple)
    more.add((rdflib.URIRef("https://w3id.org/coopkg/shapes/PersonShape"), SH.closed, rdflib.Literal(True)))
    assert compile_shapes(more) is None
