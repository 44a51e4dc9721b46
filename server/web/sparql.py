"""/sparql: the SPARQL 1.1 Protocol endpoint, its service description and its query page.

The work is done elsewhere: server.sparql.protocol reads the request, formats names the
answer formats (and the `format` parameter's words), server.web.negotiation picks one by
Accept, engine runs the query in a killable worker process (or, when the pages read from a
SPARQL engine, remote forwards it there: service.SparqlEndpoint.pool is either). Errors
answer as text/plain with the status the protocol gives (the query page shows them in HTML
to browsers).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request
from flask_cors import CORS

from ..service import SparqlEndpoint
from ..sparql.answer import QueryFailed
from ..sparql.formats import BY_NAME, GRAPHS, HTML, RESULTS, Format, UnknownFormat, negotiate
from ..sparql.protocol import ProtocolError, QueryRequest, read_query_request
from ..sparql.results_table import Table, TableMaker
from ..sparql.service_description import serialize_description, service_description
from ..sparql.worker import Job
from . import site
from .headers import release_validators
from .negotiation import choose_language, choose_representation

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


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql():
    """Answer a protocol request, or describe the endpoint (RDF) or show the page (HTML)."""
    limits = site.settings()
    asked = read_query_request(request, limits.max_query_length, limits.max_post_length)
    if asked.query is None:
        return describe_or_show_page(asked)
    results_format = _chosen_format(asked, (*RESULTS, HTML))
    graph_format = _chosen_format(asked, (*GRAPHS, HTML))
    if HTML in (results_format, graph_format):
        return query_page(asked)
    if results_format is None and graph_format is None:
        raise ProtocolError(406, "no acceptable format; this endpoint answers in " + _media_types())
    answer = _endpoint().pool.run(_job(asked, results_format, graph_format))
    answer_format = BY_NAME[answer.head.format_name]
    # a whole body goes with its Content-Length; a longer one is streamed in chunks as it comes
    body = answer if answer.body is None else answer.body
    response = Response(body, content_type=answer_format.content_type)
    response.headers.update(release_validators(answer_format.media_type, None))
    if answer.head.truncated:
        response.headers[TRUNCATED_HEADER] = str(site.settings().max_rows)
    return response


def describe_or_show_page(asked: QueryRequest) -> Response:
    """Return the service description to an RDF client, the query page to a browser."""
    chosen = _chosen_format(asked, (*GRAPHS, HTML))
    if chosen is None:  # a results client (JSON, XML...) that forgot its query
        raise ProtocolError(400, "missing query; the service description is in " + _media_types(GRAPHS))
    if chosen is HTML:
        return query_page(asked)
    sizes = _endpoint().graph_sizes(site.store())
    triples = service_description(site.public_url("sparql"), sizes)
    body = serialize_description(triples, chosen.name)
    return Response(body, content_type=chosen.content_type)


def query_page(asked: QueryRequest) -> Response:
    """Return the query page: the editor, the examples and, with a query, its results table.
    Without a query, the editor starts with the first competency question, in the reader's
    language, ready to run."""
    if asked.query is None:
        examples = _endpoint().examples
        return _page_response(200, query=examples[0].text_in(choose_language()) if examples else "")
    page = _run_for_page(asked)
    status, retry_after = page.pop("status", 200), page.pop("retry_after", None)
    response = _page_response(status, query=asked.query, share_url=_url(asked, None), **page)
    return _retry_after(response, retry_after)


@blueprint.errorhandler(ProtocolError)
def protocol_error(error: ProtocolError):
    return _error(error.status, error.message)


@blueprint.errorhandler(QueryFailed)
def query_failed(error: QueryFailed):
    return _retry_after(_error(error.failure.status, error.failure.message), error.retry_after)


@blueprint.errorhandler(UnknownFormat)
def unknown_format(error: UnknownFormat):
    return _error(400, str(error))


def _run_for_page(asked: QueryRequest) -> dict:
    """Run the query for the page; return the table (or the error) and the download links."""
    try:
        answer = _endpoint().pool.run(_job(asked, BY_NAME["json"], BY_NAME["ntriples"]))
        body = answer.read()
    except QueryFailed as failure:
        return {"error": failure.failure.message, "status": failure.failure.status, "retry_after": failure.retry_after}
    maker = TableMaker(site.settings().base_iri, site.public_url(""))
    table: Table = maker.from_ntriples(body) if answer.head.form == "graph" else maker.from_json_results(body)
    offered = GRAPHS if answer.head.form == "graph" else RESULTS
    return {
        "table": table,
        "truncated": answer.head.truncated,
        "max_rows": site.settings().max_rows,
        "downloads": [(f, _url(asked, f.name)) for f in offered],
    }


def _chosen_format(asked: QueryRequest, offered: tuple[Format, ...]) -> Format | None:
    """Return the format of `offered` that the `format` parameter names (it wins over Accept;
    the endpoint's own names for its formats), else the one the Accept header prefers, or None.

    Raises UnknownFormat when the `format` parameter names no format of the endpoint.
    """
    if asked.format_name:
        return negotiate(request.accept_mimetypes, asked.format_name, offered)
    return choose_representation(offered)


def _job(asked: QueryRequest, results_format: Format | None, graph_format: Format | None) -> Job:
    return Job(
        asked.query,
        asked.default_graphs,
        asked.named_graphs,
        results_format.name if results_format else None,
        graph_format.name if graph_format else None,
        site.settings().max_rows,
    )


def _url(asked: QueryRequest, format_name: str | None) -> str:
    """Return the GET URL asking `asked` again (in `format_name`, if given): a shareable link."""
    params = [("query", asked.query)]
    params += [("default-graph-uri", g) for g in asked.default_graphs]
    params += [("named-graph-uri", g) for g in asked.named_graphs]
    if format_name:
        params.append(("format", format_name))
    return site.public_url("sparql") + "?" + urlencode(params)


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
        examples=_endpoint().examples,
        formats=(*RESULTS, *GRAPHS),
        **(defaults | page),
    )
    validators = release_validators("text/html", choose_language()) if status == 200 else {}
    return Response(html, status=status, headers=validators, content_type="text/html; charset=utf-8")


def _error(status: int, message: str) -> Response:
    """Return the error as text/plain, or on the query page to a browser (except for a 406)."""
    if choose_representation(("text/plain", "text/html")) == "text/html" and status != 406:
        return _page_response(status, error=message)
    return Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def _retry_after(response: Response, seconds: int | None) -> Response:
    """Return `response`, saying when to try again if `seconds` is given (a busy pool)."""
    if seconds is not None:
        response.headers["Retry-After"] = str(seconds)
    return response


def _endpoint() -> SparqlEndpoint:
    return site.service().sparql


def _media_types(formats: tuple[Format, ...] = (*RESULTS, *GRAPHS)) -> str:
    return ", ".join(f.media_type for f in formats)
