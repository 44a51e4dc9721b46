"""Reading a SPARQL 1.1 Protocol request: query via GET, POST form or POST direct.

https://www.w3.org/TR/sparql11-protocol/#query-operation. Every way a request can be wrong
becomes a ProtocolError holding the HTTP status and a message that says what to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
READ_ONLY = (
    "updates are refused: this endpoint is read-only (the data changes through graph/ and a reload of the server)"
)


class ProtocolError(Exception):
    """The request breaks the protocol or a limit: `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class QueryRequest:
    """What a protocol request asks: a query (None when it gives none), its dataset, a format."""

    query: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    format_name: str | None = None

    @property
    def bare(self) -> bool:
        """True for a request that gives nothing at all (it asks for the page or the description)."""
        return self.query is None and not (self.default_graphs or self.named_graphs)


def read_query_request(request: Request, max_query_length: int) -> QueryRequest:
    """Return the protocol request that `request` carries.

    Raises ProtocolError: 400 for two queries or a dataset without a query, 403 for an update,
    413 for a query longer than `max_query_length`, 415 for an unsupported body type.
    """
    if request.method == "POST":
        params, query = _post_parameters(request, max_query_length)
    else:
        params, query = request.args, _single(request.args, "query")
    if "update" in params:
        raise ProtocolError(403, READ_ONLY)
    if query is not None and len(query) > max_query_length:
        raise ProtocolError(413, f"the query is {len(query)} characters long; the limit is {max_query_length}")
    asked = QueryRequest(
        query,
        tuple(params.getlist("default-graph-uri")),
        tuple(params.getlist("named-graph-uri")),
        params.get("format") or request.args.get("format") or None,
    )
    if query is None and (request.method == "POST" or not asked.bare):
        raise ProtocolError(400, "missing query: give it as the 'query' parameter or as the request body")
    if query is not None and not query.strip():
        raise ProtocolError(400, "the query is empty")
    return asked


def _post_parameters(request: Request, max_query_length: int) -> tuple[MultiDict, str | None]:
    media_type = request.mimetype
    if media_type == FORM:
        return request.form, _single(request.form, "query")
    if media_type == DIRECT:
        if (request.content_length or 0) > 4 * max_query_length:  # 4 bytes per character at most
            raise ProtocolError(413, f"the query is longer than the limit of {max_query_length} characters")
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise ProtocolError(400, f"the query body must be UTF-8 (the protocol says so), not {charset}")
        try:
            body = request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProtocolError(400, f"the query body is not valid UTF-8: {error}") from error
        return request.args, body
    if media_type == UPDATE:
        raise ProtocolError(403, READ_ONLY)
    raise ProtocolError(415, f"unsupported body type {media_type or '(none)'!r}: send {FORM} or {DIRECT}")


def _single(params: MultiDict, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise ProtocolError(400, f"{len(values)} '{name}' parameters given; give exactly one")
    return values[0] if values else None
