"""The competency questions: one SPARQL file each in queries/, with the question in fr and
en as '# fr:' and '# en:' comment lines at the top. The server offers them as examples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .namespaces import CANONICAL_BASE


@dataclass(frozen=True)
class CompetencyQuery:
    slug: str
    question: dict[str, str]
    text: str


def competency_queries(folder: Path, base: str = CANONICAL_BASE) -> list[CompetencyQuery]:
    """Return the queries of `folder`, sorted by file name, data IRIs moved under `base`."""
    queries = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        question = {}
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            lang, _, words = line.lstrip("# ").partition(":")
            if lang in ("fr", "en"):
                question[lang] = words.strip()
        if base != CANONICAL_BASE:
            text = text.replace(CANONICAL_BASE + "id/", base + "id/")
        queries.append(CompetencyQuery(path.stem, question, text))
    return queries
