"""What one app serves: the settings, the validated knowledge base and its store."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .config import Settings
from .knowledge import KnowledgeBase, load_knowledge
from .store import build_store
from .validation import ValidationReport, validate


class DataDoesNotConform(Exception):
    """The data fails the shapes: it must not be published."""

    def __init__(self, report: ValidationReport):
        super().__init__(f"the data does not conform to the shapes ({len(report.violations)} violations)")
        self.report = report


@dataclass
class Published:
    """The knowledge base as the app publishes it (kept on app.extensions['coopkg'])."""

    settings: Settings
    knowledge: KnowledgeBase
    store: ox.Store

    @classmethod
    def open(cls, settings: Settings) -> Published:
        """Load and validate the sources, then build the store.

        Raises UnreadableSource for a file that cannot be read and DataDoesNotConform
        when validation fails: nothing invalid is ever served.
        """
        knowledge = load_knowledge(settings.root)
        report = validate(knowledge)
        if not report.conforms:
            raise DataDoesNotConform(report)
        store = build_store(knowledge, settings.base_iri, settings.store_path)
        return cls(settings, knowledge, store)
