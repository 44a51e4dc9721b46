"""What one app serves: the settings, the current release, its knowledge base and its store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .config import Settings
from .knowledge import KnowledgeBase, load_knowledge
from .public_files import PublicFiles, public_files
from .release import DataDoesNotConform, Release, ensure_release

__all__ = ["DataDoesNotConform", "Published"]


@dataclass
class Published:
    """The release the app publishes (kept on app.extensions['coopkg']).

    `store` is opened read-only from `store_path`, the release's on-disk Oxigraph store that
    other processes (query workers) may open read-only too. `knowledge` is read from the
    Turtle the release was built from. `refused` says why newer sources were not released
    (the previous good release is served meanwhile), or is None. `public` holds the
    release's catalogue, VoID and sitemap resolved against settings.public_root.
    """

    settings: Settings
    knowledge: KnowledgeBase
    store: ox.Store
    store_path: Path
    release: Release | None = None
    refused: Exception | None = None
    public: PublicFiles | None = None

    @property
    def version(self) -> str | None:
        return self.release.version if self.release else None

    @property
    def manifest(self) -> dict:
        return self.release.manifest if self.release else {}

    @classmethod
    def open(cls, settings: Settings, progress: Callable[[str], None] | None = None) -> Published:
        """Open the current release under settings.releases, building one first when there is
        none or the sources changed since (validation must pass before anything is written);
        `progress` is called with the name of each build step.

        Raises UnreadableSource or DataDoesNotConform when there is no good release to serve,
        OSError or SyntaxError when the files of the release cannot be read.
        """
        release, refused = ensure_release(settings, progress)
        knowledge = load_knowledge(release.sources)
        store = ox.Store.read_only(str(release.store_path))
        public = public_files(release, settings.public_root)
        return cls(settings, knowledge, store, release.store_path, release, refused, public)
