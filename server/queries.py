"""The competency questions: one SPARQL file each in queries/, with the question in fr and
en as '# fr:' and '# en:' comment lines at the top. The server offers them as examples.

A question is written for French readers: its labels are filtered with `lang(?x) = "fr"`.
The query page offers it to a reader of another language with those filters naming that
language (`text_in("en")`), so an English page's examples answer in English. A line that
compares languages with both "fr" and "en" asks for both on purpose and is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .namespaces import CANONICAL_BASE

LANG_FILTER = re.compile(r'(lang\(\s*\?\w+\s*\)\s*=\s*)"fr"')
OTHER_LANG_FILTER = re.compile(r'lang\(\s*\?\w+\s*\)\s*=\s*"en"')


@dataclass(frozen=True)
class CompetencyQuery:
    slug: str
    question: dict[str, str]
    text: str

    def text_in(self, lang: str) -> str:
        """Return the query with its label filters in `lang` (see the module's docstring)."""
        if lang == "fr":
            return self.text
        return "\n".join(
            line if OTHER_LANG_FILTER.search(line) else LANG_FILTER.sub(rf'\g<1>"{lang}"', line)
            for line in self.text.split("\n")
        )


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
