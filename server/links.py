"""The public URLs of a release: where the catalogue, VoID, dumps and endpoint are served.

They are absolute, under the configured public root (setting `public_url`, by default
http://{host}:{port}/), because catalogues and VoID are read by harvesters elsewhere. A
release writes them under RELEASE_ROOT, a placeholder that the server replaces with its
public root when it loads the release (see public_files): the address a release is served
at is not part of the release.
"""

from __future__ import annotations

from dataclasses import dataclass

# The root URL the files of a release are written against (.invalid: it can name no host).
RELEASE_ROOT = "https://public-url.invalid/"


@dataclass(frozen=True)
class PublicLinks:
    """The absolute URLs under `root` ('http://host/', ending in '/')."""

    root: str

    @property
    def catalog(self) -> str:
        return self.root + "catalog"

    @property
    def dataset(self) -> str:
        """The IRI of the dataset that the catalogue and VoID both describe."""
        return self.root + "catalog#dataset"

    @property
    def void(self) -> str:
        return self.root + ".well-known/void"

    @property
    def sparql(self) -> str:
        return self.root + "sparql"

    @property
    def sitemap(self) -> str:
        return self.root + "sitemap.xml"

    def dump(self, name: str) -> str:
        return self.root + "dumps/" + name
