"""The media types the endpoint answers in: one table, negotiated with Werkzeug.

A SELECT or ASK query answers in a results format (`RESULTS`), a CONSTRUCT or DESCRIBE
query in an RDF format (`GRAPHS`). Clients choose by `Accept` or, when they cannot set
headers, by the `format` parameter (the short names below).
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept

from ..rdf_syntaxes import syntaxes


@dataclass(frozen=True)
class Format:
    name: str  # the `format` parameter value
    media_type: str  # what the answer's Content-Type says
    aliases: tuple[str, ...] = ()  # other media types a client may ask for
    extension: str = ""
    words: tuple[str, ...] = ()  # other `format` values that mean it (SPARQLWrapper sends some)

    def is_named(self, word: str) -> bool:
        """Return whether the `format` parameter value `word` asks for this format."""
        word = word.split(";")[0].strip().lower()
        return word in (self.name, self.media_type, *self.aliases, *self.words)

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
# For CONSTRUCT and DESCRIBE, "json" and "xml" mean JSON-LD and RDF/XML (as Accept aliases do).
GRAPHS: tuple[Format, ...] = tuple(
    Format(s.name, s.media_type, s.aliases, s.suffix, s.words)
    for s in syntaxes("ttl", "nt", "rdf", "jsonld", "nq", "trig")
)
HTML = Format("html", "text/html", ("application/xhtml+xml",), "html")
BY_NAME: dict[str, Format] = {f.name: f for f in (*RESULTS, *GRAPHS, HTML)}


class UnknownFormat(ValueError):
    """The `format` parameter names no format of the table."""


def negotiate(accept: MIMEAccept, format_name: str | None, offered: tuple[Format, ...]) -> Format | None:
    """Return the format of `offered` the client prefers, or None when none is acceptable.

    `format_name` (the `format` parameter) wins over `Accept`: a name of the table, a media
    type, or another word a client uses for it.
    Raises UnknownFormat when `format_name` is set but names no known format.
    """
    if format_name:
        if not any(f.is_named(format_name) for f in BY_NAME.values()):
            raise UnknownFormat(f"unknown format {format_name!r}; known: {', '.join(BY_NAME)}")
        return next((f for f in offered if f.is_named(format_name)), None)
    if not accept:
        return offered[0]
    # Own media types before aliases: `text/*` means CSV rather than SPARQL XML as text/xml.
    media_types = [f.media_type for f in offered] + [alias for f in offered for alias in f.aliases]
    best = accept.best_match(media_types)
    return None if best is None else _by_media_type(best, offered)


def _by_media_type(media_type: str, offered: tuple[Format, ...]) -> Format | None:
    media_type = media_type.split(";")[0].strip().lower()
    return next((f for f in offered if media_type == f.media_type or media_type in f.aliases), None)
