"""What an engine's error answer says: a query it cannot evaluate, or an engine that failed.

An engine's error status alone does not tell. Oxigraph server answers 400 for a query it
cannot parse; Virtuoso 7.2 answers 400 for a syntax error and 500 for every other error,
the query's or its own, with a plain-text body whose first line names an SQL state and
its own code, then echoes the query:

    Virtuoso 37000 Error TR...: transitive start not given

    SPARQL query:
    (the query as it was sent, here a path with neither end bound)

The SQL state's class says whose fault it is (ISO/IEC 9075 and ODBC): 21 (cardinality), 22
(data exception: SR084 division by 0, SR468 `bif:contains` as a plain function), 37 and 42
(syntax or access rule: SP030 syntax errors, TR... paths it cannot run, the estimated time
over the engine's limit) are the query's; S1T00, HYT00 and HYT01 are timeouts; 08 (the
connection) and 40001 (a deadlock) are an engine that cannot answer now. `engine_failure`
reads the status and that line, never the query's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

ENGINE_MESSAGE_CHARS = 300  # of an engine's error, what the client is told
# The first line of Virtuoso's error answers: "Virtuoso <SQL state> Error <its code>: <text>".
# Its own code ("SR084", "TR...") is missing from some: "Virtuoso 42000 Error The estimated...".
_VIRTUOSO = re.compile(r"\A\s*(?P<line>Virtuoso (?P<state>[0-9A-Z]{5}) Error (?:(?P<code>[A-Z]{2}[0-9.]{3}): )?[^\n]*)")
QUERY_STATE_CLASSES = ("21", "22", "37", "42")
TIMEOUT_STATES = frozenset({"S1T00", "HYT00", "HYT01"})
UNAVAILABLE_STATES = ("08", "40001")
# Virtuoso's "anytime" answer: a 200 holding what it found before its own time limit, said only
# by this header ("RC...: Returning incomplete results, query interrupted by result timeout").
INCOMPLETE_STATE = "S1TAT"
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class EngineFailure:
    """An engine's error answer, read: `kind` is "query" (it refuses or cannot evaluate the
    query), "timeout", "unavailable" or "failed" (anything else); `message` its one line."""

    kind: str
    status: int  # the engine's HTTP status
    message: str
    state: str | None = None  # the SQL state, when the engine gives one (Virtuoso)
    code: str | None = None  # the engine's own error code (Virtuoso's "SR084", "TR...")


def engine_failure(status: int, body: str, content_type: str = "") -> EngineFailure:
    """Return what the engine's error answer (HTTP `status`, `body`) says, by its status and
    its error code: 503 is unavailable, 504 a timeout, 400 the query's fault; a body naming
    an SQL state (Virtuoso) is judged by the state's class; any other answer "failed"."""
    found = _VIRTUOSO.match(body)
    state, code = (found["state"], found["code"]) if found else (None, None)
    message = engine_message(found["line"] if found else body, content_type)
    if status == 503 or (state and state.startswith(UNAVAILABLE_STATES)):
        kind = "unavailable"
    elif status == 504 or state in TIMEOUT_STATES:
        kind = "timeout"
    elif status == 400 or (state and state.startswith(QUERY_STATE_CLASSES)):
        kind = "query"
    else:
        kind = "failed"
    return EngineFailure(kind, status, message, state, code)


def engine_message(text: str, content_type: str = "") -> str:
    """Return an engine's error body as one short line of plain text (markup and entities
    removed, whitespace collapsed, at most ENGINE_MESSAGE_CHARS characters)."""
    if "html" in content_type.lower() or text.lstrip().startswith("<"):
        text = unescape(_TAG.sub(" ", re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", text)))
    text = _SPACE.sub(" ", text).strip()
    if len(text) > ENGINE_MESSAGE_CHARS:
        text = text[: ENGINE_MESSAGE_CHARS - 1].rstrip() + "…"
    return text or "(no message)"


def incomplete_answer(headers) -> str | None:
    """Return the engine's message when its 200 answer says it is incomplete (Virtuoso's
    `X-SQL-State: S1TAT`, a query stopped at its own time limit), else None."""
    if headers.get("X-SQL-State", "").strip().upper() != INCOMPLETE_STATE:
        return None
    return engine_message(headers.get("X-SQL-Message", "").split("Activity:")[0]) or INCOMPLETE_STATE
