"""What one app serves: the settings, the current release, its knowledge base and its store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .config import Settings
from .integrity import DamagedRelease, ReleaseFiles
from .knowledge import KnowledgeBase
from .public_files import PublicFiles, public_files
from .release import DataDoesNotConform, ensure_release
from .release_folder import Release

__all__ = ["DamagedRelease", "DataDoesNotConform", "Published"]


@dataclass
class Published:
    """The release the app publishes (kept on app.extensions['coopkg']).

    `store` is opened read-only from `store_path`, the release's on-disk Oxigraph store that
    other processes (query workers) may open read-only too. `knowledge` is None when opened
    from a release (nothing served reads it, and parsing a million triples again would cost
    seconds of every start-up): load_knowledge(release.sources) gives it. `refused` says why
    newer sources were not released (the previous good release is served meanwhile), or is None. `public` holds the
    release's catalogue, VoID and sitemap resolved against settings.public_root. `files` are
    the release's files as checked when it was opened (what dumps and archived sources are
    served from); `damaged` says why the release `current` points to is not the one served
    (an earlier intact one is), or is None.
    """

    settings: Settings
    knowledge: KnowledgeBase | None
    store: ox.Store
    store_path: Path
    release: Release | None = None
    refused: Exception | None = None
    public: PublicFiles | None = None
    files: ReleaseFiles | None = None
    damaged: DamagedRelease | None = None

    @property
    def version(self) -> str | None:
        return self.release.version if self.release else None

    @property
    def manifest(self) -> dict:
        return self.release.manifest if self.release else {}

    @classmethod
    def open(cls, settings: Settings, progress: Callable[[str], None] | None = None) -> Published:
        """Open the current release under settings.releases once checked against its manifest,
        building one first when there is none or the sources changed since (validation must
        pass before anything is written); when it is damaged, open the newest intact earlier
        one. `progress` is called with the name of each build step.

        Raises UnreadableSource or DataDoesNotConform when there is no good release to serve,
        DamagedRelease or OSError when no release can be opened nor built.
        """
        serving = ensure_release(settings, progress)
        release = serving.release
        store = ox.Store.read_only(str(release.store_path))
        public = public_files(release, settings.public_root)
        return cls(
            settings,
            None,
            store,
            release.store_path,
            release,
            serving.refused,
            public,
            serving.files,
            serving.damaged,
        )
