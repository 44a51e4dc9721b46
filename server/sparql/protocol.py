"""Reading a SPARQL 1.1 Protocol request: query via GET, POST form or POST direct.

https://www.w3.org/TR/sparql11-protocol/#query-operation. Every way a request can be wrong
becomes a ProtocolError holding the HTTP status and a message that says what to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

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


def read_query_request(request: Request, max_query_length: int, max_post_length: int) -> QueryRequest:
    """Return the protocol request that `request` carries.

    Raises ProtocolError: 400 for two queries, a query in the URL of a POST, a dataset without
    a query or text that is not UTF-8; 403 for an update; 413 for a URL query longer than
    `max_query_length` characters or a POST body longer than `max_post_length` bytes (refused
    before it is read); 415 for an unsupported body type.
    """
    url_params = _decoded(request.query_string, "the URL's query string")
    if request.method == "POST":
        if "query" in url_params:
            raise ProtocolError(400, "a POST carries its query in its body, not also in the URL's 'query' parameter")
        params, query = _post_parameters(request, url_params, max_post_length)
    else:
        params, query = url_params, _single(url_params, "query")
        if query is not None and len(query) > max_query_length:
            raise ProtocolError(
                413,
                f"the query is {len(query)} characters long; the limit in a URL is {max_query_length} "
                f"(send a longer one by POST, up to {max_post_length} bytes)",
            )
    if "update" in params:
        raise ProtocolError(403, READ_ONLY)
    asked = QueryRequest(
        query,
        tuple(params.getlist("default-graph-uri")),
        tuple(params.getlist("named-graph-uri")),
        params.get("format") or url_params.get("format") or None,
    )
    if query is None and (request.method == "POST" or not asked.bare):
        raise ProtocolError(400, "missing query: give it as the 'query' parameter or as the request body")
    if query is not None and not query.strip():
        raise ProtocolError(400, "the query is empty")
    return asked


def _post_parameters(request: Request, url_params: MultiDict, max_length: int) -> tuple[MultiDict, str | None]:
    media_type = request.mimetype
    if media_type == FORM:
        form = _decoded(_body(request, max_length), "the form body")
        return form, _single(form, "query")
    if media_type == DIRECT:
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise ProtocolError(400, f"the query body must be UTF-8 (the protocol says so), not {charset}")
        try:
            return url_params, _body(request, max_length).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProtocolError(400, f"the query body is not valid UTF-8: {error}") from error
    if media_type == UPDATE:
        raise ProtocolError(403, READ_ONLY)
    raise ProtocolError(415, f"unsupported body type {media_type or '(none)'!r}: send {FORM} or {DIRECT}")


def _body(request: Request, max_length: int) -> bytes:
    """Return the request body, read only if it is at most `max_length` bytes long.

    Raises ProtocolError(413) for a longer one: a declared length is refused before reading, a
    body of unknown length (chunked) once one byte more is read. (The app's MAX_CONTENT_LENGTH,
    one byte more than the same setting, lets that byte be read.)
    """
    too_long = ProtocolError(413, f"the request body is longer than the limit of {max_length} bytes for a query")
    if (request.content_length or 0) > max_length:
        raise too_long
    body = request.stream.read(max_length + 1)
    if len(body) > max_length:
        raise too_long
    return body


def _decoded(encoded: bytes, where: str) -> MultiDict:
    """Return the parameters of URL-encoded `encoded`, read strictly as UTF-8.

    Raises ProtocolError(400) when a parameter is not UTF-8 (`%FF`): never a silent replacement.
    """
    try:
        return MultiDict(parse_qsl(encoded.decode("utf-8"), keep_blank_values=True, errors="strict"))
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"{where} is not valid UTF-8 (the protocol says so): {error.reason}") from None


def _single(params: MultiDict, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise ProtocolError(400, f"{len(values)} '{name}' parameters given; give exactly one")
    return values[0] if values else None
