"""Search through the engine's own text index (setting `engine_text_index`, docs/engines.md,
"Search"), for an engine whose labels are too many to read into the app.

The engine finds the entities one of whose labels holds every word of the query, as a word or
the start of one (Virtuoso's `bif:contains`, `"word*"`); their labels are then read and ranked
by the same rules as the index the app builds itself (server/search.py), so that both give the
same hits, in the same order, for the words the engine's index finds. What it does not find
that the app's own index does, by the engine's rules: a word inside another ("ooper" in
"coopération"), a word the query writes without the accents the label has ("beninoise" for
"béninoise"; the other way round is found, each accented word being also asked for without its
accents), and the start
of a word shorter than four letters ("zo" for "Zou": Virtuoso searches it as a whole word).
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from .graphs import ReadGraph
from .namespaces import graph_iri
from .search import MAX_QUERY_LENGTH, SEARCHED_PARTS, SEARCHED_PREDICATES, Hit, IndexedLabel, SearchIndex, normalise
from .search import words as folded_words
from .source_graphs import data_graphs

# Virtuoso's words are letters and digits: "_" separates them, and alone it is a noise word
# (a query of noise words only is refused, XM028).
_WORD = re.compile(r"[^\W_]+")
# Virtuoso refuses a word ending in * with fewer letters before it ("FT370").
SHORTEST_PREFIX = 4
# A longer word is a noise word to Virtuoso (XM028 again; 64 letters answer, 65 do not): no
# label holds one, so such a query finds nothing, as the app's own index finds nothing.
LONGEST_WORD = 64


def expression(query: str) -> str | None:
    """Return the free-text expression for `query` (every word, as the start of a word where
    it is long enough), or None when it has no word or a word longer than any label's."""
    found = list(dict.fromkeys(_WORD.findall(query[:MAX_QUERY_LENGTH].casefold())))
    if not found or max(len(word) for word in found) > LONGEST_WORD:
        return None

    def term(word: str) -> str:
        return f'"{word}*"' if len(word) >= SHORTEST_PREFIX else f'"{word}"'

    def either(word: str) -> str:  # a word with accents also finds it written without ("bénin", "Benin")
        folded = normalise(word)
        return term(word) if folded == word else f"({term(word)} OR {term(folded)})"

    return " AND ".join(either(w) for w in found)


class EngineTextSearch(SearchIndex):
    """The search of server/search.py over the labels of the entities the engine's text index
    finds: nothing is read at start, each search asks the engine."""

    def __init__(self, graph: ReadGraph, base: str):
        super().__init__([])
        self.graph = graph
        self.base = base

    @property
    def graphs(self) -> list[str]:
        """The graphs searched: every source graph (read each time, as the engine's release
        may change under a running app) and the ontology's."""
        return [*data_graphs(self.graph, self.base), *(graph_iri(self.base, part) for part in SEARCHED_PARTS)]

    def search(self, query: str, lang: str = "fr", limit: int = 50) -> list[Hit]:
        text = expression(query)
        if text is None:
            return []
        rows = self.graph.select("text_search", g=self.graphs, p=list(SEARCHED_PREDICATES), expression=ox.Literal(text))
        iris = sorted({row["s"].value for row in rows if isinstance(row["s"], ox.NamedNode)})
        entries = [
            IndexedLabel(iri, label, lang_, tuple(folded_words(label)), normalise(label))
            for iri, pairs in self.graph.labels(iris, list(SEARCHED_PREDICATES)).items()
            for label, lang_ in pairs
        ]
        ranked = SearchIndex(sorted(entries, key=lambda e: (e.iri, e.text, e.lang or "")))
        return ranked.search(query, lang, limit)
