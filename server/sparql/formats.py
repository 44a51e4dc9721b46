"""The media types the endpoint answers in: one table, negotiated with Werkzeug.

A SELECT or ASK query answers in a results format (`RESULTS`), a CONSTRUCT or DESCRIBE
query in an RDF format (`GRAPHS`). Clients choose by `Accept` or, when they cannot set
headers, by the `format` parameter (the short names below).
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept


@dataclass(frozen=True)
class Format:
    name: str  # the `format` parameter value
    media_type: str  # what the answer's Content-Type says
    aliases: tuple[str, ...] = ()  # other media types a client may ask for
    extension: str = ""

    @property
    def content_type(self) -> str:
        text = self.media_type.startswith("text/") or self.name in ("turtle", "ntriples", "nquads", "trig")
        return f"{self.media_type}; charset=utf-8" if text else self.media_type


# Order matters: with `Accept: */*` (curl) or no Accept at all, the first one is chosen.
RESULTS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", ("application/json",), "srj"),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml"), "srx"),
    Format("csv", "text/csv", (), "csv"),
    Format("tsv", "text/tab-separated-values", (), "tsv"),
)
GRAPHS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", ("application/x-turtle",), "ttl"),
    Format("ntriples", "application/n-triples", ("text/plain",), "nt"),
    Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml"), "rdf"),
    Format("jsonld", "application/ld+json", ("application/json",), "jsonld"),
    Format("nquads", "application/n-quads", (), "nq"),
    Format("trig", "application/trig", (), "trig"),
)
HTML = Format("html", "text/html", ("application/xhtml+xml",), "html")
BY_NAME: dict[str, Format] = {f.name: f for f in (*RESULTS, *GRAPHS, HTML)}


class UnknownFormat(ValueError):
    """The `format` parameter names no format of the table."""


def negotiate(accept: MIMEAccept, format_name: str | None, offered: tuple[Format, ...]) -> Format | None:
    """Return the format of `offered` the client prefers, or None when none is acceptable.

    `format_name` (the `format` parameter) wins over `Accept`; it may also be a media type.
    Raises UnknownFormat when `format_name` is set but names no known format.
    """
    if format_name:
        chosen = BY_NAME.get(format_name) or _by_media_type(format_name, offered)
        if chosen is None:
            raise UnknownFormat(f"unknown format {format_name!r}; known: {', '.join(BY_NAME)}")
        return chosen if chosen in offered else None
    if not accept:
        return offered[0]
    media_types = [t for f in offered for t in (f.media_type, *f.aliases)]
    best = accept.best_match(media_types)
    return None if best is None else _by_media_type(best, offered)


def _by_media_type(media_type: str, offered: tuple[Format, ...]) -> Format | None:
    media_type = media_type.split(";")[0].strip().lower()
    return next((f for f in offered if media_type == f.media_type or media_type in f.aliases), None)
