"""What a query may not do here: call another service, or name graphs the store does not hold.

The query is parsed (never evaluated) with rdflib's SPARQL parser to find `SERVICE` clauses
and the `FROM` / `FROM NAMED` dataset clauses, so that a client gets a clear 400. This is a
courtesy, not the defence: rdflib and Oxigraph can read one text differently, so the query
workers that evaluate queries have no network at all (isolation.py), and a SERVICE missed
here fails to connect (docs/sandbox.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from pyparsing import ParseException
from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

# Words whose absence proves there is nothing to check: SPARQL keywords are case-insensitive
# tokens, so a keyword stands as a whole word (prov:wasDerivedFrom holds none); a \u escape
# could spell one, so its presence means a full parse too.
_WORTH_PARSING = re.compile(r"\b(?:service|from)\b|\\u", re.IGNORECASE)


SERVICE_REFUSED = "SERVICE is refused: this endpoint does not query other services"


class Refused(ValueError):
    """The query asks for something this endpoint never does (the message says what)."""


class Unchecked(ValueError):
    """rdflib could not parse the query, so it could not be checked (the message says why)."""


@dataclass(frozen=True)
class QueryDataset:
    """The graphs a query's FROM and FROM NAMED clauses name (empty when it has none)."""

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()

    @property
    def given(self) -> bool:
        return bool(self.default or self.named)


def check_query(text: str, graphs_held: frozenset[str]) -> QueryDataset:
    """Return the query's FROM / FROM NAMED graphs once it is known to be safe to evaluate.

    Raises Refused for a SERVICE clause or a FROM graph not in `graphs_held`, and Unchecked
    when rdflib cannot parse the query (the caller decides between a syntax error and this).
    """
    if not _WORTH_PARSING.search(text):
        return QueryDataset()
    try:
        parsed = parseQuery(text)
    except (ParseException, ValueError, TypeError, KeyError) as error:
        raise Unchecked(str(error)) from error
    prologue_part, query_part = parsed[0], parsed[1]
    if any(node.name == "ServiceGraphPattern" for node in _nodes(query_part)):
        raise Refused(SERVICE_REFUSED)
    prologue = translatePrologue(prologue_part, None)
    default, named = [], []
    # CompValue.get answers the key's name for a missing key: read it as the dict it is.
    for clause in dict.get(query_part, "datasetClause") or []:
        if dict.get(clause, "default") is not None:
            default.append(str(prologue.absolutize(clause["default"])))
        else:
            named.append(str(prologue.absolutize(clause["named"])))
    unknown = [iri for iri in (*default, *named) if iri not in graphs_held]
    if unknown:
        raise Refused(_not_held(unknown, graphs_held))
    return QueryDataset(tuple(default), tuple(named))


def check_graphs(iris: list[str], graphs_held: frozenset[str]) -> None:
    """Check the protocol's default-graph-uri / named-graph-uri values: each must be an IRI.

    A graph the store does not hold (`graphs_held` is not consulted) is read as an empty graph,
    as Oxigraph and Fuseki do and the W3C protocol tests expect: the dataset only selects
    graphs of the store, nothing is ever fetched.
    Raises Refused for a value that is not an absolute IRI.
    """
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError as error:
            raise Refused(f"graph name {iri!r} is not an absolute IRI: {error}") from None


def _not_held(unknown: list[str], graphs_held: frozenset[str]) -> str:
    return (
        f"graph not held by this endpoint (nothing is fetched): {', '.join(f'<{i}>' for i in unknown)}; "
        f"graphs held: {', '.join(f'<{g}>' for g in sorted(graphs_held))}"
    )


def _nodes(node) -> Iterator[CompValue]:
    """Yield every CompValue of an rdflib parse tree, depth first."""
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
        for value in node:
            yield from _nodes(value)
