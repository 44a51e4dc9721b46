"""/sparql: the SPARQL 1.1 Protocol endpoint, its service description and its query page.

The work is done elsewhere: server.sparql.protocol reads the request, formats negotiates,
engine runs the query in a killable worker process. Errors answer as text/plain with the
status the protocol gives (the query page shows them in HTML to browsers).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request
from flask_cors import CORS

from ..queries import CompetencyQuery, competency_queries
from ..sparql.engine import QueryFailed, QueryPool
from ..sparql.formats import BY_NAME, GRAPHS, HTML, RESULTS, Format, UnknownFormat, negotiate
from ..sparql.protocol import ProtocolError, QueryRequest, read_query_request
from ..sparql.results_table import Table, TableMaker
from ..sparql.service_description import graph_sizes, serialize_description, service_description
from ..sparql.worker import Job

blueprint = Blueprint("sparql", __name__)
CORS(
    blueprint,
    origins="*",
    methods=["GET", "POST", "OPTIONS"],
    allow_headers=["Content-Type", "Accept"],
    expose_headers=["X-SPARQL-MaxRows", "Content-Type"],
    max_age=86400,
)
TRUNCATED_HEADER = "X-SPARQL-MaxRows"  # as Virtuoso says that it cut an answer


@dataclass
class Endpoint:
    """The endpoint's state on the app (app.extensions['coopkg.sparql'])."""

    pool: QueryPool
    examples: list[CompetencyQuery]
    _graph_sizes: dict[str, int] | None = None

    def graph_sizes(self, store) -> dict[str, int]:
        """Return the size of each named graph, counted on first use (the store never changes)."""
        if self._graph_sizes is None:
            self._graph_sizes = graph_sizes(store)
        return self._graph_sizes


@blueprint.record_once
def _attach(state) -> None:
    settings, published = state.app.config["COOPKG"], state.app.extensions["coopkg"]
    state.app.extensions["coopkg.sparql"] = Endpoint(
        QueryPool(published.store_path, settings.query_workers, settings.query_timeout),
        competency_queries(settings.root / "queries", settings.base_iri),
    )


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql():
    """Answer a protocol request, or describe the endpoint (RDF) or show the page (HTML)."""
    asked = read_query_request(request, current_app.config["COOPKG"].max_query_length)
    if asked.query is None:
        return describe_or_show_page(asked)
    results_format = negotiate(request.accept_mimetypes, asked.format_name, (*RESULTS, HTML))
    graph_format = negotiate(request.accept_mimetypes, asked.format_name, (*GRAPHS, HTML))
    if HTML in (results_format, graph_format):
        return query_page(asked)
    if results_format is None and graph_format is None:
        raise ProtocolError(406, "no acceptable format; this endpoint answers in " + _media_types())
    answer = _endpoint().pool.run(_job(asked, results_format, graph_format))
    answer_format = BY_NAME[answer.head.format_name]
    response = Response(answer, content_type=answer_format.content_type)
    if answer.head.truncated:
        response.headers[TRUNCATED_HEADER] = str(current_app.config["COOPKG"].max_rows)
    return _vary(response)


def describe_or_show_page(asked: QueryRequest) -> Response:
    """Return the service description to an RDF client, the query page to a browser."""
    chosen = negotiate(request.accept_mimetypes, asked.format_name, (*GRAPHS, HTML))
    if chosen is None:  # a results client (JSON, XML...) that forgot its query
        raise ProtocolError(400, "missing query; the service description is in " + _media_types(GRAPHS))
    if chosen is HTML:
        return query_page(asked)
    sizes = _endpoint().graph_sizes(current_app.extensions["coopkg"].store)
    triples = service_description(request.base_url, sizes)
    body = serialize_description(triples, chosen.name)
    return _vary(Response(body, content_type=chosen.content_type))


def query_page(asked: QueryRequest) -> Response:
    """Return the query page: the editor, the examples and, with a query, its results table."""
    if asked.query is None:
        return _page_response(200)
    page = _run_for_page(asked)
    status = page.pop("status", 200)
    return _page_response(status, query=asked.query, share_url=_url(asked, None), **page)


@blueprint.errorhandler(ProtocolError)
def protocol_error(error: ProtocolError):
    return _error(error.status, error.message)


@blueprint.errorhandler(QueryFailed)
def query_failed(error: QueryFailed):
    return _error(error.failure.status, error.failure.message)


@blueprint.errorhandler(UnknownFormat)
def unknown_format(error: UnknownFormat):
    return _error(400, str(error))


def _run_for_page(asked: QueryRequest) -> dict:
    """Run the query for the page; return the table (or the error) and the download links."""
    try:
        answer = _endpoint().pool.run(_job(asked, BY_NAME["json"], BY_NAME["ntriples"]))
        body = answer.read()
    except QueryFailed as failure:
        return {"error": failure.failure.message, "status": failure.failure.status}
    maker = TableMaker(current_app.config["COOPKG"].base_iri, request.url_root)
    table: Table = maker.from_ntriples(body) if answer.head.form == "graph" else maker.from_json_results(body)
    offered = GRAPHS if answer.head.form == "graph" else RESULTS
    return {
        "table": table,
        "truncated": answer.head.truncated,
        "max_rows": current_app.config["COOPKG"].max_rows,
        "downloads": [(f, _url(asked, f.name)) for f in offered],
    }


def _job(asked: QueryRequest, results_format: Format | None, graph_format: Format | None) -> Job:
    return Job(
        asked.query,
        asked.default_graphs,
        asked.named_graphs,
        results_format.name if results_format else None,
        graph_format.name if graph_format else None,
        current_app.config["COOPKG"].max_rows,
    )


def _url(asked: QueryRequest, format_name: str | None) -> str:
    """Return the GET URL asking `asked` again (in `format_name`, if given): a shareable link."""
    params = [("query", asked.query)]
    params += [("default-graph-uri", g) for g in asked.default_graphs]
    params += [("named-graph-uri", g) for g in asked.named_graphs]
    if format_name:
        params.append(("format", format_name))
    return request.base_url + "?" + urlencode(params)


def _page_response(status: int, **page) -> Response:
    """Return the query page with `page`'s values (query, table, error...) over the defaults."""
    defaults = {
        "query": "",
        "table": None,
        "error": None,
        "truncated": False,
        "downloads": [],
        "share_url": None,
    }
    html = render_template(
        "sparql/query.html",
        lang=_lang(),
        examples=_endpoint().examples,
        formats=(*RESULTS, *GRAPHS),
        **(defaults | page),
    )
    return _vary(Response(html, status=status, content_type="text/html; charset=utf-8"))


def _error(status: int, message: str) -> Response:
    """Return the error as text/plain, or on the query page to a browser (except for a 406)."""
    if request.accept_mimetypes.best_match(["text/plain", "text/html"]) == "text/html" and status != 406:
        return _page_response(status, error=message)
    return _vary(Response(message + "\n", status=status, content_type="text/plain; charset=utf-8"))


def _endpoint() -> Endpoint:
    return current_app.extensions["coopkg.sparql"]


def _lang() -> str:
    asked = request.args.get("lang")
    return asked if asked in ("fr", "en") else request.accept_languages.best_match(["fr", "en"], default="fr")


def _media_types(formats: tuple[Format, ...] = (*RESULTS, *GRAPHS)) -> str:
    return ", ".join(f.media_type for f in formats)


def _vary(response: Response) -> Response:
    response.vary.add("Accept")
    return response
