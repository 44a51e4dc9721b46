"""The read seam on an external SPARQL 1.1 engine (docs/engines.md), and `open_graph`, which
picks the graph the pages read: the release's own store, or the engine at `engine_url`.

`SparqlHttpGraph` sends the query files of server/rq/ (their portable text,
`query_files.bound_text`) and names the release's graphs in every request
(`default-graph-uri` and `named-graph-uri`), so an engine's own default graph is never read.
A connection pool, connect and read timeouts, a form POST for long queries; SPARQL JSON
results and N-Triples graphs are parsed into pyoxigraph terms. What Virtuoso 7.2 forces is
absorbed here (the bound end of a `*` or `+` path written into it, durations answered as
numbers written back as durations, basic or digest credentials). Whatever goes wrong raises
`graphs.EngineError`.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph as ox

from . import query_files
from .graphs import (
    LABELS_PER_QUERY,
    RECORD_PART,
    EmbeddedGraph,
    EngineError,
    ReadGraph,
    Row,
    label_order,
    labels_by_iri,
)
from .namespaces import PARTS, graph_iri
from .query_files import Binding
from .source_graphs import data_graphs

log = logging.getLogger(__name__)

# The longest query sent in a GET URL; longer ones go as a form POST (some engines, Virtuoso
# among them, answer long GET URLs wrongly). application/sparql-query POST is never used:
# Virtuoso 7.2 never answers it.
MAX_GET_QUERY = 2000
# The variables of the query files that name a graph (GRAPH ?graph, GRAPH ?g).
GRAPH_VARIABLES = frozenset({"graph", "g"})
_BLANK_ID = re.compile(r"[^A-Za-z0-9_]")
# A property path of any length (`*`, `+`) between two variables. Virtuoso 7.2 refuses one
# whose end is bound only by VALUES ("transitive start not given"): the end is written in.
_TRANSITIVE = re.compile(r"\?(\w+)(\s+[^\s?]\S*[*+]\s+)\?(\w+)")


class SparqlHttpGraph:
    """A SPARQL 1.1 endpoint over HTTP, reading the release's named graphs `graphs`.

    `timeout` is (connect, read) in seconds; `auth` is (user, password) or None, kept out of
    every log line and message; `pool` is the number of connections kept open.
    """

    def __init__(
        self,
        url: str,
        graphs: Sequence[str] | Mapping[str, str],
        *,
        timeout: tuple[float, float] = (3.0, 10.0),
        auth: tuple[str, str] | None = None,
        pool: int = 8,
    ):
        import requests
        from requests.adapters import HTTPAdapter

        self.url = self.name = url
        self.use_graphs(graphs if isinstance(graphs, Mapping) else {g: g for g in graphs})
        self.timeout = timeout
        self.requests = requests
        self.session = requests.Session()
        self.session.auth = _basic_or_digest(*auth) if auth else None
        self.session.trust_env = False  # no proxy from the environment between us and the engine
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def __repr__(self) -> str:
        return f"SparqlHttpGraph({self.url!r})"

    def close(self) -> None:
        self.session.close()

    def use_graphs(self, graphs: Mapping[str, str]) -> None:
        """Read the release's graphs under the names the engine stores them as: `graphs` maps
        each graph's own IRI to its stored name (`coopkg load` loads a release under new names,
        then switches). Queries and answers keep the graphs' own IRIs."""
        self.graphs = dict(graphs)
        self._own_names = {stored: own for own, stored in self.graphs.items() if stored != own}

    def release_record(self, record: str) -> tuple[str | None, dict[str, str]]:
        """Return the release the engine holds, as `coopkg load` recorded it in the graph
        `record`: its version and the stored name of each of its graphs ((None, {}) if none)."""
        rows = self._rows(self._json(query_files.bound_text("engine_release", record=record), named=[record]))
        graphs = {row["graph"].value: row["stored"].value for row in rows if row["graph"] and row["stored"]}
        version = next((row["version"].value for row in rows if row["version"] is not None), None)
        return version, graphs

    # --- HTTP ---------------------------------------------------------------------------

    def _send(self, text: str, accept: str, named: Sequence[str] | None = None) -> bytes:
        stored = list(self.graphs.values())
        params = [("named-graph-uri", g) for g in named] if named is not None else []
        if named is None:
            params = [("default-graph-uri", g) for g in stored] + [("named-graph-uri", g) for g in stored]
        headers = {"Accept": accept}
        requests = self.requests
        try:
            if len(text) <= MAX_GET_QUERY:
                answer = self.session.get(
                    self.url, params=[("query", text), *params], headers=headers, timeout=self.timeout
                )
            else:
                answer = self.session.post(
                    self.url, data=[("query", text), *params], headers=headers, timeout=self.timeout
                )
        except requests.exceptions.ConnectTimeout as error:
            raise EngineError(f"the SPARQL engine at {self.url} did not accept a connection in time", 503) from error
        except requests.exceptions.Timeout as error:
            raise EngineError(
                f"the SPARQL engine at {self.url} did not answer within {self.timeout[1]} s", 504
            ) from error
        except requests.exceptions.ConnectionError as error:
            raise EngineError(f"the SPARQL engine at {self.url} cannot be reached", 503) from error
        except requests.exceptions.RequestException as error:
            raise EngineError(f"the SPARQL engine at {self.url} failed: {type(error).__name__}", 502) from error
        if answer.status_code != 200:
            reason = answer.text[:200].strip().replace("\n", " ")
            status = 503 if answer.status_code == 503 else 504 if answer.status_code == 504 else 502
            raise EngineError(f"the SPARQL engine at {self.url} answered {answer.status_code}: {reason}", status)
        return answer.content

    def _json(self, text: str, named: Sequence[str] | None = None) -> dict:
        body = self._send(text, "application/sparql-results+json", named)
        try:
            return json.loads(body)
        except ValueError as error:
            raise EngineError(f"the SPARQL engine at {self.url} sent results that are not JSON", 502) from error

    # --- the protocol -------------------------------------------------------------------

    def _text(self, query: str, limit=None, offset=None, **bindings) -> str:
        """Return the text of query file `query`, a graph variable bound to a graph's stored name,
        the bound end of a `*` or `+` path written into it (`_fixed_path_ends`)."""
        if self._own_names:
            for name in GRAPH_VARIABLES & bindings.keys():
                bindings[name] = self._stored(bindings[name])
        return _fixed_path_ends(query_files.bound_text(query, limit=limit, offset=offset, **bindings), bindings)

    def _stored(self, value: Binding) -> Binding:
        if isinstance(value, str | ox.NamedNode):
            iri = value if isinstance(value, str) else value.value
            return self.graphs.get(iri, iri)
        if isinstance(value, Iterable):
            return [self._stored(v) for v in value]
        return value

    def _rows(self, results: dict) -> list[Row]:
        try:
            names = results["head"]["vars"]
            return [
                {name: self._term(binding[name]) if name in binding else None for name in names}
                for binding in results["results"]["bindings"]
            ]
        except (KeyError, TypeError, ValueError) as error:
            raise EngineError(f"the SPARQL engine at {self.url} sent results we cannot read: {error}", 502) from error

    def _term(self, value: dict):
        term = _term(value)
        if self._own_names and isinstance(term, ox.NamedNode) and term.value in self._own_names:
            return ox.NamedNode(self._own_names[term.value])
        return term

    def select(self, query, /, *, limit=None, offset=None, **bindings) -> list[Row]:
        return self._rows(self._json(self._text(query, limit, offset, **bindings)))

    def construct(self, query, /, **bindings) -> list[ox.Triple]:
        body = self._send(self._text(query, **bindings), "application/n-triples")
        try:
            return [_repaired(t) for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
        except (SyntaxError, ValueError) as error:
            raise EngineError(f"the SPARQL engine at {self.url} sent a graph we cannot read: {error}", 502) from error

    def ask(self, query, /, **bindings) -> bool:
        results = self._json(self._text(query, **bindings))
        if "boolean" in results:
            return bool(results["boolean"])
        rows = results.get("results", {}).get("bindings", [])  # an engine answering ASK as a row
        return bool(rows) and all(str(v.get("value")) in ("1", "true") for v in rows[0].values())

    def count(self, query, /, **bindings) -> int:
        rows = self.select(query, **bindings)
        return int(rows[0]["n"].value) if rows and rows[0].get("n") is not None else 0

    def labels(self, iris, predicates):
        return labels_by_iri(self.label_triples(iris, predicates))

    def label_triples(self, iris, predicates) -> list[ox.Triple]:
        keys = [iri for iri in dict.fromkeys(iris) if not iri.startswith("_:")]
        found: dict[ox.Triple, None] = {}
        for start in range(0, len(keys), LABELS_PER_QUERY):
            for row in self.select("labels", s=keys[start : start + LABELS_PER_QUERY], p=list(predicates)):
                if isinstance(row["label"], ox.Literal):
                    found[ox.Triple(row["s"], row["p"], row["label"])] = None
        return sorted(found, key=label_order(predicates))

    def description(self, key: str) -> list[ox.Triple]:
        if key.startswith("_:"):
            raise ValueError(f"a remote engine cannot be asked about the blank node {key}: describe its holder")
        return list(dict.fromkeys(self.construct("description", iri=key)))

    def objects(self, subject: str, predicate: str):
        return [row["o"] for row in self.select("objects", s=subject, p=predicate)]

    def subjects(self, predicate: str, obj: str):
        return [row["s"] for row in self.select("subjects", p=predicate, o=obj)]

    def mentions(self, iri: str) -> bool:
        return self.ask("mentions", iri=iri)


def open_graph(settings, store: ox.Store, version: str | None = None, environ: dict | None = None) -> ReadGraph:
    """Return the graph the pages read under `settings`: the release's `store`, or the engine
    at settings.engine_url, with the credentials of COOPKG_ENGINE_USER and
    COOPKG_ENGINE_PASSWORD when the environment sets them (`engine_credentials`).

    The engine reads the release's named graphs, under the names `coopkg load` recorded
    in it when it did (else under their own). Raises EngineError when the engine cannot be
    read, or (503) when it records a release other than `version`.
    """
    if not settings.engine_url:
        return EmbeddedGraph(store)
    auth = engine_credentials(environ)
    graphs = [graph_iri(settings.base_iri, part) for part in PARTS.values() if part != "data"]
    timeout = (min(3.0, settings.engine_timeout), settings.engine_timeout)
    graph = SparqlHttpGraph(settings.engine_url, graphs, timeout=timeout, auth=auth, pool=max(settings.threads, 1))
    held, stored = graph.release_record(graph_iri(settings.base_iri, RECORD_PART))
    if not stored:  # loaded under their own names: the source graphs are the engine's {base}graph/<name>
        everywhere = SparqlHttpGraph(settings.engine_url, [], timeout=timeout, auth=auth)
        try:
            graph.use_graphs({g: g for g in [*graphs, *data_graphs(everywhere, settings.base_iri)]})
        finally:
            everywhere.close()
    if held is not None and version is not None and held != version:
        raise EngineError(
            f"the SPARQL engine at {settings.engine_url} holds release {held}, this server serves {version} "
            "(`coopkg load` loads it)",
            503,
        )
    if stored:
        graph.use_graphs(stored)
    log.info(
        "pages read from the SPARQL engine at %s (release %s)%s",
        settings.engine_url,
        held or "not recorded",
        " as an authenticated user" if auth else "",
    )
    return graph


def _basic_or_digest(user: str, password: str):
    """Return the requests authentication for (user, password): HTTP basic or digest, whichever
    the engine's 401 asks for (Virtuoso's Graph Store Protocol endpoint, /sparql-graph-crud-auth,
    takes digest only and refuses a request that sends basic), then basic up front once an
    engine has asked for it. It equals the pair (user, password)."""
    from requests.auth import HTTPDigestAuth, _basic_auth_str

    class BasicOrDigest(HTTPDigestAuth):
        basic = False  # the engine asked for basic: send it with every request

        def __call__(self, request):
            if self.basic:
                request.headers["Authorization"] = _basic_auth_str(self.username, self.password)
                return request
            return super().__call__(request)

        def handle_401(self, answer, **kwargs):
            challenge = answer.headers.get("www-authenticate", "").lower()
            if self.basic or "digest" in challenge or "basic" not in challenge:
                return super().handle_401(answer, **kwargs)
            self.basic = True
            answer.content  # noqa: B018 - read the answer so that its connection can be reused
            answer.close()
            again = answer.request.copy()
            again.headers["Authorization"] = _basic_auth_str(self.username, self.password)
            retried = answer.connection.send(again, **kwargs)
            retried.history.append(answer)
            retried.request = again
            return retried

        def __eq__(self, other):
            if isinstance(other, tuple):
                return (self.username, self.password) == other
            return super().__eq__(other)

        __hash__ = None

        def __repr__(self) -> str:
            return f"BasicOrDigest({self.username!r})"

    return BasicOrDigest(user, password)


def engine_credentials(environ: dict | None = None) -> tuple[str, str] | None:
    """Return (user, password) from COOPKG_ENGINE_USER and COOPKG_ENGINE_PASSWORD, or None."""
    environ = os.environ if environ is None else environ
    user = environ.get("COOPKG_ENGINE_USER")
    return (user, environ.get("COOPKG_ENGINE_PASSWORD", "")) if user else None


def _fixed_path_ends(text: str, bindings: Mapping[str, Binding]) -> str:
    """Return `text` with each end of a `*` or `+` property path that is bound to one value
    written as that value (VALUES still binds it: the answers are the same on any engine).
    The query files put such paths in the group that VALUES binds (see query_files)."""

    def one(name: str) -> str:
        value = bindings.get(name)
        if isinstance(value, ox.NamedNode | ox.Literal):
            return str(value)
        if isinstance(value, str):
            return str(ox.NamedNode(value))
        return "?" + name

    return _TRANSITIVE.sub(lambda m: one(m[1]) + m[2] + one(m[3]), text)


def _term(value: dict):
    """Return the pyoxigraph term of one binding of SPARQL JSON results."""
    kind, text = value["type"], value["value"]
    if kind == "uri":
        return ox.NamedNode(text)
    if kind == "bnode":
        return ox.BlankNode(_BLANK_ID.sub("_", text))
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return ox.Literal(text, language=value["xml:lang"])
        if "datatype" in value:
            if value["datatype"] == XSD_DURATION:
                text = duration_text(text)
            return ox.Literal(text, datatype=ox.NamedNode(value["datatype"]))
        return ox.Literal(text)
    raise ValueError(f"unknown term type {kind!r}")


XSD_DURATION = "http://www.w3.org/2001/XMLSchema#duration"
_MONTHS = re.compile(r"-?\d+")
_SECONDS = re.compile(r"-?\d+\.\d*")


def duration_text(text: str) -> str:
    """Return an xsd:duration's lexical form as given, or, for what Virtuoso 7.2 answers in
    its place (a number, never a valid duration: months for a year-month duration, "14" for
    P1Y2M; seconds with a decimal point for a day-time one, "864000.0" for P10D), the
    duration's canonical form."""
    if _MONTHS.fullmatch(text):
        sign, months = ("-", -int(text)) if text.startswith("-") else ("", int(text))
        years, months = divmod(months, 12)
        parts = (f"{years}Y" if years else "") + (f"{months}M" if months or not years else "")
        return f"{sign}P{parts}"
    if _SECONDS.fullmatch(text):
        sign, seconds = ("-", -float(text)) if text.startswith("-") else ("", float(text))
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, rest = divmod(rest, 60)
        clock = (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "")
        clock += f"{rest:g}S" if rest or not (days or clock) else ""
        return f"{sign}P{int(days)}D" + (f"T{clock}" if clock else "") if days else f"{sign}PT{clock}"
    return text


def _repaired(triple: ox.Triple) -> ox.Triple:
    """Return `triple`, an xsd:duration object as `duration_text` repairs it."""
    obj = triple.object
    if isinstance(obj, ox.Literal) and obj.datatype.value == XSD_DURATION:
        text = duration_text(obj.value)
        if text != obj.value:
            return ox.Triple(triple.subject, triple.predicate, ox.Literal(text, datatype=obj.datatype))
    return triple
