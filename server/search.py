"""Full-text search over labels in French and English, ignoring case and accents.

The index is built once from the store (at app start) and kept on the app: every IRI's
rdfs:label, skos:prefLabel, skos:altLabel and foaf:name in the data and the ontology,
normalised ("Béninoise" and "beninoise" are the same words).
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from .graphs import ReadGraph
from .labels import pick_label
from .namespaces import PREFIXES, graph_iri
from .source_graphs import data_graphs

SEARCHED_PREDICATES = (
    PREFIXES["rdfs"] + "label",
    PREFIXES["skos"] + "prefLabel",
    PREFIXES["skos"] + "altLabel",
    PREFIXES["foaf"] + "name",
)
SEARCHED_PARTS = ("ontology",)  # and every source graph (source_graphs.data_graphs)
MAX_QUERY_LENGTH = 200
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "’": "'", "ʼ": "'"})
_WORD = re.compile(r"\w+")


class _Folding(dict):
    """str.translate's table folding one character at a time, each worked out on first sight.

    Case folding, the ligatures, NFKD and dropping combining marks all act on each character
    alone, so folding a text character by character is folding it whole.
    """

    def __missing__(self, char: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(char).casefold().translate(_LIGATURES))
        self[char] = folded = "".join(c for c in decomposed if not unicodedata.combining(c))
        return folded


_FOLDING = _Folding()


def normalise(text: str) -> str:
    """Return `text` folded for matching: lower case, no accents, ligatures spelled out."""
    return text.translate(_FOLDING)


def words(text: str) -> list[str]:
    """Return the normalised words of `text`."""
    return _WORD.findall(normalise(text))


@dataclass(frozen=True)
class IndexedLabel:
    iri: str
    text: str
    lang: str | None
    words: tuple[str, ...]
    folded: str


@dataclass(frozen=True)
class Hit:
    """One search result: the entity, the label that matched and the entity's own labels."""

    iri: str
    matched: str
    matched_lang: str | None
    labels: tuple[tuple[str, str | None], ...]
    score: float

    def label(self, lang: str) -> str:
        return pick_label(self.labels, lang) or self.matched


class SearchIndex:
    """Labels of the store, normalised once.

    Every folded label is also kept in one string, one label a line: a word of a query can
    only be found in labels holding it, so `search` finds those with the string's own search
    (in C) and scores only them, rather than every label in Python.
    """

    def __init__(self, labels: list[IndexedLabel]):
        self.labels = labels
        self._by_iri: dict[str, list[tuple[str, str | None]]] = {}
        for entry in labels:
            self._by_iri.setdefault(entry.iri, []).append((entry.text, entry.lang))
        self._starts: list[int] = []  # where each label begins in _folded
        offset = 0
        for entry in labels:
            self._starts.append(offset)
            offset += len(entry.folded) + 1
        self._folded = "\n".join(entry.folded for entry in labels)

    @classmethod
    def build(cls, graph: ReadGraph, base: str) -> SearchIndex:
        """Return the index of the labels of the data and ontology graphs of `graph` (one query)."""
        entries: dict[tuple[str, str, str | None], IndexedLabel] = {}
        rows = graph.select(
            "search_labels",
            g=[*data_graphs(graph, base), *(graph_iri(base, part) for part in SEARCHED_PARTS)],
            p=list(SEARCHED_PREDICATES),
        )
        for row in rows:
            label = row["label"]
            if isinstance(row["s"], ox.NamedNode) and isinstance(label, ox.Literal):
                iri, text, lang = row["s"].value, label.value, label.language
                if (iri, text, lang) not in entries:
                    folded = normalise(text)
                    entries[iri, text, lang] = IndexedLabel(iri, text, lang, tuple(_WORD.findall(folded)), folded)
        return cls(sorted(entries.values(), key=lambda e: (e.iri, e.text, e.lang or "")))

    def __len__(self) -> int:
        return len(self._by_iri)

    def search(self, query: str, lang: str = "fr", limit: int = 50) -> list[Hit]:
        """Return the entities whose labels contain every word of `query`, best first.

        A label scores higher when the words match whole words, match from the start of a
        word, and when it is in the reader's language. An empty query finds nothing.
        """
        terms = words(query[:MAX_QUERY_LENGTH])
        if not terms:
            return []
        best: dict[str, tuple[float, IndexedLabel]] = {}
        for entry in self._holding(max(terms, key=len)):
            score = _score(entry, terms, lang)
            if score and score > best.get(entry.iri, (0.0, None))[0]:
                best[entry.iri] = (score, entry)
        ranked = sorted(best.values(), key=lambda pair: (-pair[0], len(pair[1].text), pair[1].iri))
        return [Hit(e.iri, e.text, e.lang, tuple(self._by_iri[e.iri]), round(score, 3)) for score, e in ranked[:limit]]

    def _holding(self, term: str) -> list[IndexedLabel]:
        """Return the labels whose folded text holds `term` (a word: it never spans two lines), in order."""
        found, at = [], self._folded.find(term)
        while at != -1:
            index = bisect.bisect_right(self._starts, at) - 1
            found.append(self.labels[index])
            if index + 1 == len(self._starts):
                break
            at = self._folded.find(term, self._starts[index + 1])
        return found

    def suggest(self, text: str, lang: str = "fr", limit: int = 8) -> list[Hit]:
        """Return entities whose labels contain any word of `text` (for a page that was not
        found: its IRI's words), those matching most words first."""
        found: dict[str, Hit] = {}
        for word in dict.fromkeys(words(text[:MAX_QUERY_LENGTH])):
            for hit in self.search(word, lang, limit):
                known = found.get(hit.iri)
                total = hit.score + (known.score if known else 0)
                found[hit.iri] = Hit(hit.iri, hit.matched, hit.matched_lang, hit.labels, round(total, 3))
        return sorted(found.values(), key=lambda h: (-h.score, h.iri))[:limit]


class IndexInTheMaking:
    """A SearchIndex built by a background thread from the moment this is made, so that the
    server answers (SPARQL, pages) while the labels are read; a search waits for it.

    Raises, on first use, what building raised.
    """

    def __init__(self, build: Callable[[], SearchIndex]):
        self._built = threading.Event()
        self._index: SearchIndex | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._build, args=(build,), daemon=True, name="coopkg-search-index").start()

    def _build(self, build: Callable[[], SearchIndex]) -> None:
        try:
            self._index = build()
        except BaseException as error:  # raised again in whoever uses the index
            self._error = error
        finally:
            self._built.set()

    @property
    def index(self) -> SearchIndex:
        """Return the index, once built."""
        self._built.wait()
        if self._error is not None:
            raise self._error
        return self._index

    @property
    def labels(self) -> list[IndexedLabel]:
        return self.index.labels

    def __len__(self) -> int:
        return len(self.index)

    def search(self, query: str, lang: str = "fr", limit: int = 50) -> list[Hit]:
        return self.index.search(query, lang, limit)

    def suggest(self, text: str, lang: str = "fr", limit: int = 8) -> list[Hit]:
        return self.index.suggest(text, lang, limit)


def _score(entry: IndexedLabel, terms: list[str], lang: str) -> float:
    total = 0.0
    for term in terms:
        if term in entry.words:
            total += 3
        elif any(word.startswith(term) for word in entry.words):
            total += 2
        elif term in entry.folded:
            total += 1
        else:
            return 0.0
    if entry.lang == lang:
        total += 0.5
    return total / (1 + len(entry.words) / 20)
