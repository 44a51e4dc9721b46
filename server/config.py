"""Settings, read once: defaults, then a TOML file, then COOPKG_* environment variables,
then explicit overrides (tests, command-line flags). Relative paths in the TOML file are
relative to its folder; elsewhere, to the working directory."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .logs import LEVELS
from .namespaces import CANONICAL_BASE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
THREADS_FOR_PAGES = 2  # server threads SPARQL queries may never hold (docs/sparql.md)


class ConfigError(ValueError):
    """A setting could not be read or has a value of the wrong kind."""


# The engines' own text indexes search can use (setting engine_text_index; docs/engines.md).
TEXT_INDEXES = ("virtuoso",)


@dataclass(frozen=True)
class Settings:
    base_iri: str = CANONICAL_BASE
    root: Path = PROJECT_ROOT
    release_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    threads: int = 8
    connection_limit: int = 2000  # open connections held at once (slow clients included)
    channel_timeout: int = 60  # seconds a connection may stay silent before it is closed
    query_timeout: float = 5.0
    max_rows: int = 10_000
    max_query_length: int = 20_000  # characters of a query sent in a URL (GET)
    max_post_length: int = 1_000_000  # bytes of a POST body holding a query (form or direct)
    query_workers: int = 2
    query_queue: int | None = None  # queries that may wait for a worker; None: twice query_workers
    query_wait: float = 1.0  # seconds a query may wait for a free worker
    query_memory_mb: int = 1024  # MB a query worker may grow by for one query (0: no limit)
    query_niceness: int = 10  # how far below the web server's CPU priority query workers run (0-19)
    query_cache_mb: int = 64  # MB of answers kept for the release, given again without a worker (0: none)
    public_url: str | None = None
    log_level: str = "info"
    engine_url: str | None = None  # a SPARQL 1.1 endpoint the pages read from; None: the release's own store
    engine_store_url: str | None = None  # its Graph Store Protocol endpoint, where `coopkg load` writes
    engine_timeout: float = 10.0  # seconds the engine may take to answer one of the pages' queries
    iati_reporting_org: str | None = None  # the publisher's IATI organisation identifier (docs/export-iati.md)
    iati_reporting_org_type: str | None = None  # its IATI OrganisationType code (10, 11, 15, 21...)
    iati_reporting_org_name: str | None = None  # its name, as the IATI export's reporting-org says it
    engine_text_index: str | None = None  # the engine's own text index search uses ("virtuoso"); None: labels read once

    @property
    def releases(self) -> Path:
        return self.release_dir or self.root / "releases"

    @property
    def queries_in_flight(self) -> int:
        """The most SPARQL queries answered or waiting at once (each holds a server thread)."""
        return self.query_workers + (2 * self.query_workers if self.query_queue is None else self.query_queue)

    @property
    def public_root(self) -> str:
        """The absolute URL the server is reached at, ending in '/' (for catalogue, VoID, sitemap)."""
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address
        return self.public_url or f"http://{host}:{self.port}/"

    @classmethod
    def load(cls, overrides: dict | None = None, environ: dict | None = None) -> Settings:
        """Return settings from defaults, the TOML file, the environment and `overrides`.

        Raises ConfigError for an unreadable file, an unknown key or a bad value.
        """
        environ = os.environ if environ is None else environ
        values: dict = {}
        config_file = environ.get("COOPKG_CONFIG")
        path = Path(config_file) if config_file else Path("coopkg.toml")
        if path.is_file():
            try:
                values.update(tomllib.loads(path.read_text(encoding="utf-8")).get("coopkg", {}))
            except (OSError, tomllib.TOMLDecodeError) as error:
                raise ConfigError(f"{path}: {error}") from error
            values.update(_beside(path, values))
        elif config_file:
            raise ConfigError(f"{path}: no such configuration file")
        for field in fields(cls):
            key = "COOPKG_" + field.name.upper()
            if key in environ:
                values[field.name] = environ[key]
        values.update(overrides or {})
        return _checked(replace(cls(), **_typed(values)))


def _checked(settings: Settings) -> Settings:
    """Return `settings` if SPARQL queries always leave THREADS_FOR_PAGES threads to the pages;
    raise ConfigError otherwise."""
    if settings.queries_in_flight > settings.threads - THREADS_FOR_PAGES:
        raise ConfigError(
            f"settings 'query_workers' + 'query_queue' ({settings.queries_in_flight}) must leave at least "
            f"{THREADS_FOR_PAGES} of the {settings.threads} 'threads' to pages: raise 'threads' or lower "
            "'query_queue' (docs/sparql.md)"
        )
    return settings


def _beside(config_file: Path, values: dict) -> dict:
    """Return the relative paths of a configuration file (root, release_dir) made relative to
    the file's folder, so that a publisher's coopkg.toml works from any working directory."""
    paths = {field.name for field in fields(Settings) if "Path" in str(field.type)}
    return {
        name: str(config_file.resolve().parent / value)
        for name, value in values.items()
        if name in paths and isinstance(value, str) and value and not Path(value).is_absolute()
    }


def _typed(values: dict) -> dict:
    known = {field.name: field for field in fields(Settings)}
    typed = {}
    for name, value in values.items():
        if name not in known:
            raise ConfigError(f"unknown setting {name!r}")
        kind = known[name].type
        try:
            if value is None or value == "":
                typed[name] = None if "None" in kind else Settings.__dataclass_fields__[name].default
            elif "Path" in kind:
                typed[name] = Path(value)
            elif kind in ("int", "int | None"):
                typed[name] = int(value)
            elif kind == "float":
                typed[name] = float(value)
            else:
                typed[name] = str(value)
        except (TypeError, ValueError) as error:
            raise ConfigError(f"setting {name!r}: {error}") from error
    base = typed.get("base_iri")
    if base is not None and not (base.startswith(("http://", "https://")) and base.endswith("/")):
        raise ConfigError(f"setting 'base_iri' must be an http(s) IRI ending in '/': {base!r}")
    public = typed.get("public_url")
    if public is not None and not (public.startswith(("http://", "https://")) and public.endswith("/")):
        raise ConfigError(f"setting 'public_url' must be an http(s) URL ending in '/': {public!r}")
    for name in ("threads", "query_workers"):
        if typed.get(name) is not None and typed[name] < 1:
            raise ConfigError(f"setting {name!r} must be at least 1: {typed[name]}")
    for name in ("query_queue", "query_wait", "query_memory_mb", "query_cache_mb", "query_niceness"):
        if typed.get(name) is not None and typed[name] < 0:
            raise ConfigError(f"setting {name!r} must not be negative: {typed[name]}")
    for name in ("engine_url", "engine_store_url"):
        url = typed.get(name)
        if url is None:
            continue
        if "@" in url.partition("//")[2].partition("/")[0]:  # never echo it: it holds a password
            raise ConfigError(f"setting {name!r} holds credentials: set COOPKG_ENGINE_USER and COOPKG_ENGINE_PASSWORD")
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"setting {name!r} must be an http(s) URL: {url!r}")
    index = typed.get("engine_text_index")
    if index is not None and index not in TEXT_INDEXES:
        raise ConfigError(f"setting 'engine_text_index' must be one of {', '.join(TEXT_INDEXES)}: {index!r}")
    port = typed.get("port")
    if port is not None and not 0 <= port <= 65535:
        raise ConfigError(f"setting 'port' must be between 0 and 65535: {port}")
    for name in ("threads", "connection_limit", "channel_timeout", "max_post_length"):
        if typed.get(name) is not None and typed[name] < 1:
            raise ConfigError(f"setting {name!r} must be at least 1: {typed[name]}")
    level = typed.get("log_level")
    if level is not None:
        if level.lower() not in LEVELS:
            raise ConfigError(f"setting 'log_level' must be one of {', '.join(LEVELS)}: {level!r}")
        typed["log_level"] = level.lower()
    return typed
