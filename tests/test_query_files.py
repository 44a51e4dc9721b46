"""The SPARQL the server runs: one .rq file per query in server/rq/, values bound with VALUES."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.sparql import prepareQuery

from server.config import Settings
from server.namespaces import PREFIXES, graph_iri
from server.query_files import (
    QUERY_FOLDER,
    QueryBindingError,
    bound_text,
    count,
    query_file,
    query_names,
    select,
)
from server.source_graphs import store_data_graphs

SERVER = Path(__file__).resolve().parent.parent / "server"
SOME_IRI = ox.NamedNode("urn:coopkg:test:thing")
# What a query looks like in a Python string: a query form with its variables or braces, or
# a PREFIX declaration. Prose such as "SELECT and ASK" does not match.
SPARQL_IN_STRING = re.compile(
    r"\bSELECT\s+(DISTINCT\s+|REDUCED\s+)?[?($*]|\bCONSTRUCT\s*(\{|WHERE)|\bASK\s*(\{|WHERE)"
    r"|\bDESCRIBE\s+[?<]|\bPREFIX\s+[\w-]*:\s*<|\bWHERE\s*\{",
    re.IGNORECASE,
)


def _some_bindings(name: str) -> dict:
    return {variable: SOME_IRI for variable in query_file(name).bound}


def test_there_is_a_query_folder_with_queries():
    assert QUERY_FOLDER == SERVER / "rq"
    assert len(query_names()) >= 30


@pytest.mark.parametrize("name", query_names())
def test_each_query_file_says_what_it_returns_and_parses_with_its_bindings(name):
    text = (QUERY_FOLDER / f"{name}.rq").read_text(encoding="utf-8")
    assert text.startswith("# Returns "), "a query file starts by saying what it returns"
    assert re.search(r"^# Bound: ", text, re.MULTILINE), "and which variables the caller binds"
    assert not re.search(r"^\s*PREFIX\b", text, re.MULTILINE | re.IGNORECASE), "prefixes come from PREFIXES"
    bindings = _some_bindings(name)
    solutions = select(ox.Store(), name, **bindings)
    if isinstance(solutions, ox.QueryBoolean):  # an ASK query
        assert not solutions, "on an empty store, an ASK query finds nothing"
        solutions = []
    found = {term for row in solutions for term in row if term is not None}
    zero = ox.Literal("0", datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))
    assert found <= {zero, SOME_IRI}, "on an empty store, a query finds nothing but what it was given"
    prepareQuery(bound_text(name, **bindings))  # a second engine's parser reads the same text


def test_bound_text_declares_only_the_prefixes_the_query_uses():
    text = bound_text("observations", obs=SOME_IRI)
    declared = re.findall(r"^PREFIX ([\w-]+): <(.*)>$", text, re.MULTILINE)
    assert sorted(declared) == sorted(
        (p, PREFIXES[p]) for p in ("coop", "sdmx-measure", "sdmx-attribute", "sdmx-dimension")
    )


def test_values_are_bound_in_a_values_block_inside_the_where_clause():
    store = ox.Store()
    graph = ox.NamedNode("urn:coopkg:test:graph")
    cls = ox.NamedNode("urn:coopkg:test:Class")
    rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
    for i in range(5):
        store.add(ox.Quad(ox.NamedNode(f"urn:coopkg:test:i{i}"), rdf_type, cls, graph))
    text = bound_text("instances", graph=graph, cls=cls, limit=2, offset=1)
    assert "WHERE {\n  VALUES (?graph ?cls) { (<urn:coopkg:test:graph> <urn:coopkg:test:Class>) }" in text
    assert text.endswith("LIMIT 2\nOFFSET 1\n")
    rows = select(store, "instances", graph=graph, cls=cls.value, limit=2, offset=1)
    assert [row["s"].value for row in rows] == ["urn:coopkg:test:i1", "urn:coopkg:test:i2"]
    assert count(store, "instance_count", graph=graph, cls=cls) == 5
    assert count(store, "instance_count", graph=ox.NamedNode("urn:coopkg:test:other"), cls=cls) == 0


def test_several_values_give_one_solution_each_and_none_give_no_result():
    store = ox.Store()
    indicator = ox.NamedNode(PREFIXES["coop"] + "indicator")
    for i in range(3):
        store.add(ox.Quad(ox.NamedNode(f"urn:coopkg:test:o{i}"), indicator, ox.NamedNode(f"urn:coopkg:test:ind{i}")))
    some = [f"urn:coopkg:test:ind{i}" for i in (0, 2)]
    rows = select(store, "indicator_observations", ind=some)
    assert [(r["ind"].value, r["obs"].value) for r in rows] == [
        ("urn:coopkg:test:ind0", "urn:coopkg:test:o0"),
        ("urn:coopkg:test:ind2", "urn:coopkg:test:o2"),
    ]
    assert list(select(store, "indicator_observations", ind=[])) == []


@pytest.mark.parametrize(
    "bindings",
    [{}, {"graph": SOME_IRI}, {"graph": SOME_IRI, "cls": SOME_IRI, "shape": SOME_IRI}],
)
def test_bindings_must_be_the_variables_the_file_declares(bindings):
    with pytest.raises(QueryBindingError, match=r"instances\.rq binds \?cls \?graph"):
        bound_text("instances", **bindings)


def test_an_unknown_query_is_an_error():
    with pytest.raises(FileNotFoundError):
        bound_text("no_such_query")


@pytest.mark.parametrize(
    "hostile",
    [
        'urn:coopkg:test:" ) || true || ("',
        'urn:coopkg:test:\\" ) || true || (\\"',
        "urn:coopkg:test:' ) || true || ('",
        'urn:coopkg:test:"""\n} } SELECT * WHERE { ?s ?p ?o } #',
        "urn:coopkg:test:> } UNION { ?s ?p ?o",
    ],
)
def test_a_bound_literal_cannot_change_the_query(hostile):
    store = ox.Store()
    store.add(ox.Quad(SOME_IRI, ox.NamedNode("urn:coopkg:test:p"), ox.Literal("o"), SOME_IRI))
    assert count(store, "void_entities", space=ox.Literal("urn:coopkg:test:")) == 1
    # Were the value spliced into the text, the filter would become `... || true || ...`.
    assert count(store, "void_entities", space=ox.Literal(hostile)) == 0
    assert count(store, "void_entities", space=ox.Literal(hostile + "x", language="fr")) == 0


@pytest.mark.parametrize(
    "hostile",
    [
        "urn:coopkg:test:thing> } UNION { ?s ?p ?target",
        'urn:coopkg:test:thing" . ?s ?p ?o',
        "urn:coopkg:test:thing>",
        "urn:coopkg:test:a b",
        "not an iri",
    ],
)
def test_an_iri_that_could_break_out_of_its_brackets_is_refused(hostile):
    with pytest.raises(ValueError):
        bound_text("incoming_link_counts", target=hostile)


def test_a_value_that_is_no_term_is_refused():
    with pytest.raises(TypeError, match="pyoxigraph term or an IRI string"):
        bound_text("incoming_link_counts", target=42)
    with pytest.raises(TypeError):
        bound_text("incoming_link_counts", target=ox.BlankNode("b0"))  # VALUES holds no blank node
    with pytest.raises(TypeError):
        bound_text("instances", graph=SOME_IRI, cls=SOME_IRI, limit="10; DROP ALL")


@pytest.fixture(scope="module")
def second_engine(store) -> rdflib.Dataset:
    """The project's store loaded into rdflib, whose default graph is the union too."""
    dataset = rdflib.Dataset(default_union=True)
    for graph in store.named_graphs():
        triples = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph).decode()
        dataset.graph(rdflib.URIRef(graph.value)).parse(data=triples, format="nt")
    return dataset


def _answers(rows) -> list[tuple[str, ...]]:
    def key(term) -> str:
        if term is None:
            return ""
        if isinstance(term, ox.BlankNode | rdflib.BNode):
            return "_:"  # blank-node labels differ between the two stores
        return str(term) if isinstance(term, rdflib.term.Node) else term.value

    return sorted(tuple(key(term) for term in row) for row in rows)


# rdflib's SPARQL engine calls its own deprecated Dataset API internally.
@pytest.mark.filterwarnings("ignore:Dataset.contexts is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")
def test_the_bound_text_gives_the_same_answers_on_a_second_engine(store, second_engine):
    base = Settings().base_iri  # as the `store` fixture builds it
    data, shapes = [g.value for g in store_data_graphs(store, base)], graph_iri(base, "shapes")
    target = base + "id/country/benin"
    cases = [
        ("temporal_coverage", {"graph": data}),
        ("shape_rules", {"graph": shapes}),
        ("incoming_link_counts", {"target": target}),
        ("incoming_links", {"target": target, "p": PREFIXES["coop"] + "country"}),
        ("class_and_subclasses_count", {"graph": data, "cls": PREFIXES["org"] + "Organization"}),
        ("sitemap_entities", {"graph": data, "space": ox.Literal(base + "id/")}),
        (
            "indicator_observations",
            {"ind": [r["s"] for r in select(store, "instances", graph=data, cls=PREFIXES["coop"] + "Indicator")]},
        ),
    ]
    for name, bindings in cases:
        answers = _answers(select(store, name, **bindings))
        assert answers, f"{name} finds something in the project's data"
        assert _answers(second_engine.query(bound_text(name, **bindings))) == answers, name


def _strings(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else "?x" for v in node.values]
            yield node.lineno, "".join(parts)


def test_no_module_of_the_server_holds_sparql_text_of_its_own():
    found = []
    for path in sorted(SERVER.rglob("*.py")):
        if path.name in ("query_files.py", "shape_compiler.py", "shape_check.py"):  # shape_*: shapes compiled to SPARQL
            continue
        for line, text in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            if SPARQL_IN_STRING.search(text):
                found.append(f"{path.relative_to(SERVER.parent)}:{line}: {text[:60]!r}")
    assert found == [], "SPARQL belongs in server/rq/*.rq, run through server/query_files.py"


def test_the_checker_finds_sparql_in_strings():
    for text in (
        "SELECT ?s WHERE { ?s ?p ?o }",
        "select distinct ?s {}",
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
        "CONSTRUCT WHERE { ?s ?p ?o }",
        "ASK { ?s ?p ?o }",
        "SELECT (COUNT(*) AS ?n)",
    ):
        assert SPARQL_IN_STRING.search(text), text
    for text in ("SELECT and ASK", "for CONSTRUCT and DESCRIBE", "a select box"):
        assert not SPARQL_IN_STRING.search(text), text
