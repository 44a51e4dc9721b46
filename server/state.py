"""What one app serves: the settings, the validated knowledge base and its store."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

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
    """The knowledge base as the app publishes it (kept on app.extensions['coopkg']).

    `store` is opened read-only from `store_path`, an on-disk Oxigraph store that other
    processes (query workers) may open read-only too.
    """

    settings: Settings
    knowledge: KnowledgeBase
    store: ox.Store
    store_path: Path

    @classmethod
    def open(cls, settings: Settings) -> Published:
        """Load and validate the sources, then build the store on disk and open it read-only.

        Raises UnreadableSource for a file that cannot be read and DataDoesNotConform
        when validation fails: nothing invalid is ever served.
        """
        knowledge = load_knowledge(settings.root)
        report = validate(knowledge)
        if not report.conforms:
            raise DataDoesNotConform(report)
        path = settings.store_path or _temporary_folder()
        writable = build_store(knowledge, settings.base_iri, path)
        writable.flush()
        del writable
        return cls(settings, knowledge, ox.Store.read_only(str(path)), Path(path))


def _temporary_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="coopkg-store-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
