"""What to say about a query the SPARQL parser refuses: its own words, and, when the query does
not begin with a query form (a typo such as SELEC for SELECT, which Oxigraph's parser answers
"expected CONSTRUCT"), a sentence that names the forms and the closest one."""

from __future__ import annotations

import difflib
import re

QUERY_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
# comments, then PREFIX and BASE declarations (`PREFIX ex: <...>`, `BASE <...>`), in any case
_PROLOGUE = re.compile(r"(?:\s+|#[^\n]*|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z]+")


def malformed_query_message(query: str, parser_message: str) -> str:
    """Return the message answering a query the parser refused with `parser_message`."""
    start = _PROLOGUE.match(query).end()
    word = _WORD.match(query, start)
    found = word.group(0) if word else query[start : start + 12].strip()
    if word and found.upper() in QUERY_FORMS:
        return f"malformed query: {parser_message}"
    forms = "a query begins with SELECT, CONSTRUCT, ASK or DESCRIBE (after its PREFIX and BASE lines)"
    if not found:
        return f"malformed query: {parser_message}; {forms}, and this one has none"
    closest = difflib.get_close_matches(found.upper(), QUERY_FORMS, n=1, cutoff=0.6)
    hint = f"; did you mean {closest[0]}?" if closest else ""
    return f'malformed query: {parser_message}; {forms}, not "{found}"{hint}'


def query_form(query: str) -> str | None:
    """Return the form of `query` (SELECT, CONSTRUCT, ASK or DESCRIBE), its first word after
    the prologue, or None when it begins with none of them."""
    word = _WORD.match(query, _PROLOGUE.match(query).end())
    form = word.group(0).upper() if word else None
    return form if form in QUERY_FORMS else None
