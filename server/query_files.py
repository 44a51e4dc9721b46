"""The SPARQL queries the server runs, one `.rq` file each in server/rq/, and how to run them.

A file starts with comment lines saying what the query returns and, on a `# Bound:` line,
the variables the caller must bind (`# Bound: ?iri ?graph`, or `# Bound: none`). It uses
the prefixes of namespaces.PREFIXES without declaring them and has an explicit `WHERE {`.

Values are never formatted into the text by hand: `bound_text` puts them in one `VALUES`
block just inside the query's first `WHERE {`, each term written by pyoxigraph in its
N-Triples form (which escapes it), so the same text runs on any SPARQL 1.1 engine. A bound
variable is thus joined with the whole outer group: a subquery, or a FILTER or BIND in a
nested group, does not see it (a subquery that needs it groups by it and projects it, see
temporal_coverage.rq). pyoxigraph's own `substitutions=` is not used: it only binds
variables of the SELECT projection, and most of these queries count or group. The queries
are written for a dataset whose default graph is the union of its named graphs.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from .namespaces import PREFIXES

QUERY_FOLDER = Path(__file__).parent / "rq"

# What VALUES may hold (a blank node may not); a string is taken as an IRI.
Term = ox.NamedNode | ox.Literal
# A value to bind: a term, an IRI as a string, or several of them (one solution each).
Binding = Term | str | Iterable[Term | str]

_BOUND = re.compile(r"^#\s*Bound:(.*)$", re.MULTILINE)
_VARIABLE = re.compile(r"\?(\w+)")
_PREFIXED = re.compile(r"(?<![\w<:?$-])([A-Za-z][\w-]*):")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_COMMENT_LINE = re.compile(r"^[ \t]*#.*\n?", re.MULTILINE)


@dataclass(frozen=True)
class QueryFile:
    """One query file: its name (the file's stem), the variables it binds, and its SPARQL
    without the comment lines (which cost Oxigraph more to parse than the query itself),
    cut where the VALUES block goes: just inside the first `WHERE {`."""

    name: str
    bound: tuple[str, ...]
    head: str  # the PREFIX declarations of the prefixes the query uses, and the query up to `WHERE {`
    tail: str


class QueryBindingError(ValueError):
    """The bindings given to a query are not the variables its file says it binds."""


def query_names() -> list[str]:
    """Return the names of every query file, sorted."""
    return sorted(path.stem for path in QUERY_FOLDER.glob("*.rq"))


@cache
def query_file(name: str) -> QueryFile:
    """Return the query file `name` (read once, then kept).

    Raises FileNotFoundError for an unknown name, ValueError for a file without `# Bound:`
    line or without `WHERE {`.
    """
    path = QUERY_FOLDER / f"{name}.rq"
    text = path.read_text(encoding="utf-8")
    declared = _BOUND.search(text)
    if declared is None:
        raise ValueError(f"{path.name}: no '# Bound:' line")
    sparql = _COMMENT_LINE.sub("", text).strip() + "\n"
    where = _WHERE.search(sparql)
    if where is None:
        raise ValueError(f"{path.name}: no 'WHERE {{' to put the bound values in")
    used = dict.fromkeys(p for p in _PREFIXED.findall(sparql) if p in PREFIXES)
    prefixes = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in used)
    return QueryFile(
        name=name,
        bound=tuple(_VARIABLE.findall(declared.group(1))),
        head=prefixes + sparql[: where.end()],
        tail=sparql[where.end() :],
    )


def bound_text(name: str, /, *, limit: int | None = None, offset: int | None = None, **bindings: Binding) -> str:
    """Return the SPARQL text of query `name` with its variables bound, ready for any engine.

    Each binding is a term, an IRI given as a string, or an iterable of them (several
    solutions; an empty one gives no result). `limit` and `offset` add LIMIT and OFFSET.
    Raises QueryBindingError when the bindings are not the variables the file declares,
    ValueError when a string is not a valid IRI.
    """
    query = query_file(name)
    if set(bindings) != set(query.bound):
        raise QueryBindingError(
            f"{name}.rq binds {_names(query.bound) or 'nothing'}; given {_names(bindings) or 'nothing'}"
        )
    text = query.head + _values(bindings) + query.tail
    if limit is not None:
        text += f"LIMIT {operator.index(limit)}\n"
    if offset is not None:
        text += f"OFFSET {max(operator.index(offset), 0)}\n"
    return text


def select(store: ox.Store, name: str, /, *, limit: int | None = None, offset: int | None = None, **bindings: Binding):
    """Return the solutions of query `name` on `store`, its variables bound (see bound_text).

    The store's default graph is the union of its named graphs.
    """
    return store.query(bound_text(name, limit=limit, offset=offset, **bindings), use_default_graph_as_union=True)


def ask(store: ox.Store, name: str, /, **bindings: Binding) -> bool:
    """Return the answer of the ASK query `name` on `store`, its variables bound (see bound_text)."""
    return bool(select(store, name, **bindings))


def count(store: ox.Store, name: str, /, **bindings: Binding) -> int:
    """Return the number `?n` that the counting query `name` gives (0 when it gives no row)."""
    row = next(iter(select(store, name, **bindings)), None)
    return int(row["n"].value) if row is not None else 0


def _values(bindings: dict[str, Binding]) -> str:
    """Return one VALUES block binding every variable: a row per combination of their values.

    One block, not one per variable: Oxigraph plans a join with one block far better.
    """
    if not bindings:
        return ""
    columns = [[str(_term(v)) for v in _several(value)] for value in bindings.values()]
    rows = " ".join(f"({' '.join(row)})" for row in itertools.product(*columns))
    return f"\n  VALUES ({' '.join('?' + v for v in bindings)}) {{ {rows} }}"


def _several(value: Binding) -> Iterable[Term | str]:
    return value if isinstance(value, Iterable) and not isinstance(value, str) else [value]


def _term(value: Term | str) -> Term:
    if isinstance(value, str):
        return ox.NamedNode(value)
    if isinstance(value, Term):
        return value
    raise TypeError(f"cannot bind {type(value).__name__} {value!r}: give a pyoxigraph term or an IRI string")


def _names(variables: Iterable[str]) -> str:
    return " ".join(f"?{v}" for v in sorted(variables))
