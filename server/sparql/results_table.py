"""Query results as a table for the query page: columns, then rows of cells that link their IRIs."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox

from ..iris import local_url
from ..namespaces import data_prefixes, shorten


@dataclass(frozen=True)
class Cell:
    text: str  # what is shown: a prefixed name, a literal's value, a blank node label
    href: str | None = None  # the entity's page on this server, or the IRI itself
    note: str = ""  # a literal's language or datatype, shown beside it
    local: bool = False  # the link stays on this server


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Cell | None]]
    boolean: bool | None = None  # the answer of an ASK query


class TableMaker:
    """Turns terms into Cells: data IRIs live under `base`, this server answers at `root_url`."""

    def __init__(self, base: str, root_url: str):
        self.base, self.root_url, self.prefixes = base, root_url, data_prefixes(base)

    def from_json_results(self, body: bytes) -> Table:
        """Return the table of SPARQL JSON results (SELECT or ASK).

        Raises ValueError if `body` is not JSON.
        """
        results = json.loads(body)
        if "boolean" in results:
            return Table([], [], boolean=bool(results["boolean"]))
        columns = results["head"].get("vars", [])
        rows = [[self._json_cell(row.get(name)) for name in columns] for row in results["results"]["bindings"]]
        return Table(columns, rows)

    def from_ntriples(self, body: bytes) -> Table:
        """Return the triples of an N-Triples document as a subject / predicate / object table."""
        triples = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
        rows = [[self.cell(t.subject), self.cell(t.predicate), self.cell(t.object)] for t in triples]
        return Table(["subject", "predicate", "object"], rows)

    def cell(self, term) -> Cell:
        """Return the Cell showing a pyoxigraph term."""
        if isinstance(term, ox.NamedNode):
            return self._iri_cell(term.value)
        if isinstance(term, ox.Literal):
            return Cell(term.value, note=_literal_note(term.language, term.datatype.value))
        if isinstance(term, ox.BlankNode):
            return Cell(f"_:{term.value}")
        return Cell(str(term))

    def _json_cell(self, binding: dict | None) -> Cell | None:
        if binding is None:
            return None
        kind, value = binding["type"], binding["value"]
        if kind == "uri":
            return self._iri_cell(value)
        if kind == "bnode":
            return Cell(f"_:{value}")
        if kind in ("literal", "typed-literal"):
            datatype = binding.get("datatype", PREFIX_XSD + "string")
            return Cell(value, note=_literal_note(binding.get("xml:lang"), datatype))
        return Cell(json.dumps(value))  # a quoted triple (RDF 1.2)

    def _iri_cell(self, iri: str) -> Cell:
        """Link our IRIs to their page here, other http(s) IRIs to themselves, others not at all
        (a query can make any IRI, `javascript:...` included, and its link can be shared)."""
        here = local_url(iri, self.base, self.root_url)
        if here is not None:
            return Cell(shorten(iri, self.prefixes), here, local=True)
        web = iri.lower().startswith(("http://", "https://"))
        return Cell(shorten(iri, self.prefixes), iri if web else None)


PREFIX_XSD = "http://www.w3.org/2001/XMLSchema#"


def _literal_note(language: str | None, datatype: str) -> str:
    if language:
        return f"@{language}"
    if datatype == PREFIX_XSD + "string":
        return ""
    return "^^" + shorten(datatype, {"xsd": PREFIX_XSD})
