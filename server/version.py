"""The version of coopkg, as `coopkg --version` prints it."""

from __future__ import annotations

import tomllib
from importlib import metadata

from .config import PROJECT_ROOT


def coopkg_version() -> str:
    """Return the version of the code that runs: from pyproject.toml when it runs from a
    checkout (installed or not), else from the installed package's metadata, else 'unknown'.

    A checkout's pyproject.toml comes first because installed metadata can describe another
    copy (an editable install of another clone) or an older state of this one.
    """
    pyproject = PROJECT_ROOT / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        project = {}
    if project.get("name") == "coopkg" and project.get("version"):
        return str(project["version"])
    try:
        return metadata.version("coopkg")
    except metadata.PackageNotFoundError:
        return "unknown"
