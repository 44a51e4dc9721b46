"""The shapes as SPARQL queries over the whole graph (server/shape_check.py runs them).

compile_shapes turns each constraint of each shape with targets into one query listing the
focus nodes (?this) that fail it, with pyshacl's meaning of each SHACL term it accepts; a
shape using any other term makes it return None. A datatype test leaves a marker
`!{bad:DATATYPE}(?var)` that shape_check replaces with the ill-typed literals it found.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD

log = logging.getLogger(__name__)

# The terms of the SHACL vocabulary a shape may use for compile_shapes to accept it. Anything
# else under sh: (sh:closed, sh:xone, sh:lessThan, ...) leaves the shapes to pyshacl.
SUPPORTED = {
    SH[name]
    for name in [
        *("targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode", "property", "path", "deactivated"),
        *("class", "datatype", "nodeKind", "pattern", "flags", "minCount", "maxCount", "uniqueLang", "languageIn"),
        *("qualifiedValueShape", "qualifiedMinCount", "disjoint", "or", "and", "not", "node", "in", "hasValue"),
        *("sparql", "select", "prefixes", "declare", "prefix", "namespace", "message", "severity"),
        *("name", "description", "order", "group"),
        *("inversePath", "alternativePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath"),
    ]
}
INSTANCE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"
STORED_AS_IS = {XSD.string, RDF.langString}
NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}


class Unsupported(Exception):
    """The shapes use something this module does not implement."""


@dataclass(frozen=True)
class Check:
    """One query listing the focus nodes (?this) that fail one constraint of `shape`."""

    shape: str
    query: str


@dataclass
class CompiledShapes:
    checks: list[Check]
    datatypes: set[rdflib.URIRef] = field(default_factory=set)
    patterns: list[tuple[str, str, str, re.Pattern]] = field(default_factory=list)  # shape, target, path, regex


def _sparql(term) -> str:
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        return term.n3()
    raise Unsupported(f"a blank node where a term is needed: {term}")


class _Path:
    """A property path, written as a chain of triple patterns when it is a sequence of IRIs
    (Oxigraph evaluates `?s (<a>/<b>) ?o` with ?s bound by scanning every pair: quadratic)."""

    def __init__(self, compiler: _Compiler, steps: list[str]):
        self.compiler, self.steps = compiler, steps

    def __call__(self, subject: str, target: str) -> str:
        nodes = [subject] + [self.compiler.var() for _ in self.steps[1:]] + [target]
        return " . ".join(f"{a} {step} {b}" for a, step, b in zip(nodes, self.steps, nodes[1:], strict=False))

    def exists(self, subject: str, target: str, condition: str = "") -> str:
        """`EXISTS { subject path target condition }`, one triple pattern per EXISTS: with two
        joined patterns Oxigraph re-reads the whole second one for each row (130 s at 1M)."""
        if len(self.steps) == 1:
            return f"EXISTS {{ {subject} {self.steps[0]} {target} {condition} }}"
        middle = self.compiler.var()
        rest = _Path(self.compiler, self.steps[1:])
        return f"EXISTS {{ {subject} {self.steps[0]} {middle} FILTER {rest.exists(middle, target, condition)} }}"

    def single(self) -> str:
        """The path as one step, for patterns that use it twice (raises Unsupported otherwise)."""
        if len(self.steps) != 1:
            raise Unsupported("a sequence path under sh:maxCount, sh:uniqueLang or sh:disjoint in a nested shape")
        return self.steps[0]


class _Compiler:
    def __init__(self, shapes: rdflib.Graph):
        self.g = shapes
        self.names = 0
        self.datatypes: set[rdflib.URIRef] = set()
        self.patterns: list = []
        self.checks: list[Check] = []

    def var(self) -> str:
        self.names += 1
        return f"?v{self.names}"

    def items(self, node) -> list:
        return list(Collection(self.g, node))

    def one(self, node, predicate):
        values = list(self.g.objects(node, predicate))
        if len(values) > 1:
            raise Unsupported(f"several {predicate} on {node}")
        return values[0] if values else None

    def path(self, node) -> _Path:
        """The path of a property shape, to write as `path(subject, object)` in a pattern."""
        if (node, RDF.first, None) in self.g and all(isinstance(step, rdflib.URIRef) for step in self.items(node)):
            return _Path(self, [f"<{step}>" for step in self.items(node)])
        return _Path(self, [self.expression(node)])

    def expression(self, node) -> str:
        if isinstance(node, rdflib.URIRef):
            return f"<{node}>"
        if (node, RDF.first, None) in self.g:
            return "(" + "/".join(self.expression(step) for step in self.items(node)) + ")"
        for predicate, form in (
            (SH.inversePath, "^({})"),
            (SH.zeroOrMorePath, "({})*"),
            (SH.oneOrMorePath, "({})+"),
            (SH.zeroOrOnePath, "({})?"),
        ):
            inner = self.one(node, predicate)
            if inner is not None:
                return form.format(self.expression(inner))
        alternatives = self.one(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.expression(step) for step in self.items(alternatives)) + ")"
        raise Unsupported(f"path {node}")

    # --- a node conforms: a boolean SPARQL expression about the node in `v` ------------

    def conforms(self, shape, v: str) -> str:
        """Return an expression true when the node `v` conforms to `shape` (all its constraints)."""
        if self.one(shape, SH.deactivated) == rdflib.Literal(True):
            return "true"
        parts = self.node_parts(shape, v) + [self.property_conforms(p, v) for p in self.g.objects(shape, SH.property)]
        if (shape, SH.path, None) in self.g:
            parts.append(self.property_conforms(shape, v))
        if list(self.g.objects(shape, SH.sparql)):
            raise Unsupported(f"a SPARQL-based constraint in a nested shape {shape}")
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def node_parts(self, shape, v: str) -> list[str]:
        """The constraints of `shape` on the node itself (not through a path), as expressions."""
        if (shape, SH.path, None) in self.g:
            return []
        test = self.value_test(shape, v)
        return [test] if test != "true" else []

    def value_test(self, shape, v: str) -> str:
        """The constraints that apply to each value node one by one, as one expression on `v`."""
        tests = []
        for c in self.g.objects(shape, SH["class"]):
            tests.append(f"EXISTS {{ {v} {INSTANCE} {_sparql(c)} }}")
        for d in self.g.objects(shape, SH.datatype):
            tests.append(self.datatype_test(d, v))
        for kind in self.g.objects(shape, SH.nodeKind):
            if kind not in NODE_KINDS:
                raise Unsupported(f"node kind {kind}")
            tests.append(NODE_KINDS[kind].format(v=v))
        for languages in self.g.objects(shape, SH.languageIn):
            tags = [str(t).lower() for t in self.items(languages)]
            if "*" in tags:
                tests.append(f'(isLiteral({v}) && lang({v}) != "")')
            else:
                listed = ", ".join(f'"{t}"' for t in tags)
                tests.append(
                    f'(isLiteral({v}) && lang({v}) != "" && (LCASE(lang({v})) IN ({listed})'
                    f' || LCASE(STRBEFORE(CONCAT(lang({v}), "-"), "-")) IN ({listed})))'
                )
        for alternatives in self.g.objects(shape, SH["or"]):
            tests.append("(" + " || ".join(self.conforms(s, v) for s in self.items(alternatives)) + ")")
        for members in self.g.objects(shape, SH["and"]):
            tests.append("(" + " && ".join(self.conforms(s, v) for s in self.items(members)) + ")")
        for negated in self.g.objects(shape, SH["not"]):
            tests.append(f"!{self.conforms(negated, v)}")
        for node in self.g.objects(shape, SH.node):
            tests.append(self.conforms(node, v))
        for listed in self.g.objects(shape, SH["in"]):
            tests.append("(" + " || ".join(f"sameTerm({v}, {_sparql(t)})" for t in self.items(listed)) + ")")
        if (shape, SH.path, None) not in self.g:
            for value in self.g.objects(shape, SH.hasValue):
                tests.append(f"sameTerm({v}, {_sparql(value)})")
        if (shape, SH.path, None) not in self.g and list(self.g.objects(shape, SH.pattern)):
            raise Unsupported(f"sh:pattern on a node shape {shape}")
        return " && ".join(tests) if tests else "true"

    def datatype_test(self, datatype, v: str) -> str:
        self.datatypes.add(datatype)
        return f"(isLiteral({v}) && sameTerm(datatype({v}), {_sparql(datatype)}) && !{{bad:{datatype}}}({v}))"

    def property_conforms(self, prop, v: str) -> str:
        """An expression true when the node `v` meets every constraint of property shape `prop`."""
        path = self.path(self.one(prop, SH.path))
        x, y = self.var(), self.var()
        parts = []
        test = self.value_test(prop, x)
        if test != "true":
            parts.append(f"!{path.exists(v, x, f'FILTER (!({test}))')}")
        minimum, maximum = self.one(prop, SH.minCount), self.one(prop, SH.maxCount)
        if minimum is not None and int(minimum) > 0:
            if int(minimum) != 1:
                raise Unsupported("sh:minCount above 1 in a nested shape")
            parts.append(path.exists(v, x))
        if maximum is not None:
            if int(maximum) == 0:
                parts.append(f"!{path.exists(v, x)}")
            elif int(maximum) == 1:
                step = path.single()
                parts.append(f"NOT EXISTS {{ {v} {step} {x} . {v} {step} {y} FILTER (!sameTerm({x}, {y})) }}")
            else:
                raise Unsupported("sh:maxCount above 1 in a nested shape")
        if self.one(prop, SH.uniqueLang) == rdflib.Literal(True):
            path.single()
            parts.append(f"NOT EXISTS {{ {self.same_language(v, path, x, y)} }}")
        for other in self.g.objects(prop, SH.disjoint):
            parts.append(f"NOT EXISTS {{ {v} {path.single()} {x} . {v} {_sparql(other)} {x} }}")
        for value in self.g.objects(prop, SH.hasValue):
            parts.append(path.exists(v, _sparql(value)))
        qualified = self.one(prop, SH.qualifiedValueShape)
        if qualified is not None:
            parts.append(self.qualified(prop, qualified, v, path, x))
        if list(self.g.objects(prop, SH.pattern)):
            raise Unsupported("sh:pattern in a nested shape")
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def same_language(self, v: str, path: _Path, x: str, y: str) -> str:
        return (
            f"{path(v, x)} . {path(v, y)} FILTER (!sameTerm({x}, {y}) && isLiteral({x}) && isLiteral({y})"
            f' && lang({x}) != "" && LCASE(lang({x})) = LCASE(lang({y})))'
        )

    def qualified(self, prop, qualified, v: str, path: _Path, x: str) -> str:
        minimum = self.one(prop, SH.qualifiedMinCount)
        if self.one(prop, SH.qualifiedMaxCount) is not None or self.one(prop, SH.qualifiedValueShapesDisjoint):
            raise Unsupported("sh:qualifiedMaxCount or sh:qualifiedValueShapesDisjoint")
        if minimum is None or int(minimum) == 0:
            return "true"
        if int(minimum) != 1:
            raise Unsupported("sh:qualifiedMinCount above 1")
        return path.exists(v, x, f"FILTER ({self.conforms(qualified, x)})")

    # --- the queries of a shape with targets -------------------------------------------

    def target(self, shape) -> str:
        patterns = []
        for c in self.g.objects(shape, SH.targetClass):
            patterns.append(f"{{ ?this {INSTANCE} {_sparql(c)} }}")
        for p in self.g.objects(shape, SH.targetSubjectsOf):
            patterns.append(f"{{ SELECT DISTINCT ?this WHERE {{ ?this {_sparql(p)} [] }} }}")
        for p in self.g.objects(shape, SH.targetObjectsOf):
            patterns.append(f"{{ SELECT DISTINCT ?this WHERE {{ [] {_sparql(p)} ?this }} }}")
        for n in self.g.objects(shape, SH.targetNode):
            patterns.append(f"{{ VALUES ?this {{ {_sparql(n)} }} }}")
        if (shape, RDF.type, rdflib.RDFS.Class) in self.g or (shape, RDF.type, rdflib.OWL.Class) in self.g:
            raise Unsupported(f"implicit class target of {shape}")
        return "{ " + " UNION ".join(patterns) + " }" if patterns else ""

    def add(self, shape, query: str) -> None:
        self.checks.append(Check(str(shape), query))

    def shape_checks(self, shape) -> None:
        if self.one(shape, SH.deactivated) == rdflib.Literal(True):
            return
        target = self.target(shape)
        if not target:
            return
        if not isinstance(shape, rdflib.URIRef):
            raise Unsupported("a shape with targets named by a blank node")
        test = self.value_test(shape, "?this") if (shape, SH.path, None) not in self.g else "true"
        if test != "true":
            self.add(shape, f"SELECT DISTINCT ?this WHERE {{ {target} FILTER (!({test})) }}")
        props = list(self.g.objects(shape, SH.property))
        if (shape, SH.path, None) in self.g:
            props.append(shape)
        for prop in props:
            if self.one(prop, SH.deactivated) != rdflib.Literal(True):
                self.property_checks(shape, prop, target)
        for constraint in self.g.objects(shape, SH.sparql):
            if self.one(constraint, SH.deactivated) != rdflib.Literal(True):
                self.add(shape, self.sparql_check(constraint, target))

    def property_checks(self, shape, prop, target: str) -> None:
        """One query per constraint of a property shape whose focus nodes are `target`."""
        path = self.path(self.one(prop, SH.path))
        test = self.value_test(prop, "?value")
        minimum, maximum = self.one(prop, SH.minCount), self.one(prop, SH.maxCount)
        low = int(minimum) if minimum is not None else 0
        high = int(maximum) if maximum is not None else None
        bounds = ([f"?n < {low}"] if low > 0 else []) + ([f"?n > {high}"] if high is not None else [])
        if bounds:
            # the counts and the test of each value in one pass (at 1M, one pass is about 1 s):
            # ?bad is 1 when a value fails the test (an error in the test is not a failure,
            # as in FILTER); OPTIONAL rather than NOT EXISTS (see _Path.exists)
            if test != "true":
                bounds.append("?bad = 1")
                failing = f"IF(BOUND(?value), IF({test}, 0, 1), 0)"
                bad = f" (MAX(COALESCE({failing}, 0)) AS ?bad)"
            else:
                bad = ""
            self.add(
                shape,
                f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?n){bad} WHERE {{ {target}"
                f" OPTIONAL {{ {path('?this', '?value')} }} }} GROUP BY ?this }} FILTER ({' || '.join(bounds)}) }}",
            )
        elif test != "true":
            self.add(shape, f"SELECT DISTINCT ?this WHERE {{ {target} {path('?this', '?value')} FILTER (!({test})) }}")
        if self.one(prop, SH.uniqueLang) == rdflib.Literal(True):
            pattern = self.same_language("?this", path, "?a", "?b")
            self.add(shape, f"SELECT DISTINCT ?this WHERE {{ {target} {pattern} }}")
        for other in self.g.objects(prop, SH.disjoint):
            self.add(
                shape,
                f"SELECT DISTINCT ?this WHERE {{ {target} {path('?this', '?value')} . ?this {_sparql(other)} ?value }}",
            )
        for value in self.g.objects(prop, SH.hasValue):
            missing = f"FILTER (!{path.exists('?this', _sparql(value))})"
            self.add(shape, f"SELECT DISTINCT ?this WHERE {{ {target} {missing} }}")
        qualified = self.one(prop, SH.qualifiedValueShape)
        if qualified is not None:
            test = self.qualified(prop, qualified, "?this", path, "?value")
            if test != "true":
                self.add(shape, f"SELECT DISTINCT ?this WHERE {{ {target} FILTER (!({test})) }}")
        for regex in self.g.objects(prop, SH.pattern):
            flags = str(self.one(prop, SH.flags) or "").lower()
            compiled = re.compile(str(regex), (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0))
            if set(flags) - {"i", "m"}:
                raise Unsupported(f"regular expression flags {flags}")
            self.patterns.append((str(shape), target, path, compiled))

    def sparql_check(self, constraint, target: str) -> str:
        """The constraint's SELECT, run once with its target joined in, listing ?this."""
        text = str(self.one(constraint, SH.select) or "")
        if not text or re.search(r"\$(?!this\b)\w+|\bMINUS\b|\bSERVICE\b|\bVALUES\b", text, re.I):
            raise Unsupported("a SPARQL-based constraint with pre-bound variables other than $this")
        if len(re.findall(r"\bSELECT\b", text, re.I)) != 1:
            raise Unsupported("a SPARQL-based constraint with a subquery")
        body = re.sub(r"\$this\b", "?this", text)
        found = re.search(r"\bSELECT\b[^{]*?\bWHERE\s*\{", body, re.I | re.S)
        if not found:
            raise Unsupported("a SPARQL-based constraint not of the form SELECT ... WHERE { ... }")
        where = body[found.end() :]
        # rdflib (so pyshacl) knows its usual prefixes (xsd:, rdfs:...) without a declaration
        known = {prefix: str(namespace) for prefix, namespace in rdflib.Graph().namespaces() if prefix}
        known.update(p for owner in self.g.objects(constraint, SH.prefixes) for p in self.declared(owner))
        prefixes = "".join(f"PREFIX {p}: <{n}>\n" for p, n in sorted(known.items()))
        return f"{prefixes}SELECT DISTINCT ?this WHERE {{ {target} {where}"

    def declared(self, owner) -> Iterable[tuple[str, str]]:
        for declaration in self.g.objects(owner, SH.declare):
            yield str(self.one(declaration, SH.prefix)), str(self.one(declaration, SH.namespace))


def compile_shapes(shapes: rdflib.Graph) -> CompiledShapes | None:
    """Return the checks of every shape with targets, or None when a shape uses what is not
    implemented here (then only pyshacl can say whether the data conforms)."""
    used = {p for p in shapes.predicates() if str(p).startswith(str(SH))}
    if used - SUPPORTED:
        log.info("shapes checked by pyshacl alone: they use %s", ", ".join(sorted(str(p) for p in used - SUPPORTED)))
        return None
    compiler = _Compiler(shapes)
    try:
        shapes_with_targets = {
            s
            for p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
            for s in shapes.subjects(p, None)
        }
        for shape in sorted(shapes_with_targets, key=str):
            compiler.shape_checks(shape)
    except (Unsupported, ValueError) as error:
        log.info("shapes checked by pyshacl alone: %s", error)
        return None
    return CompiledShapes(compiler.checks, compiler.datatypes, compiler.patterns)
