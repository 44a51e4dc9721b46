"""The coopkg command line: validate, release, serve."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import click

from .config import ConfigError, Settings
from .knowledge import UnreadableSource, load_knowledge
from .namespaces import PREFIXES, shorten
from .state import DataDoesNotConform
from .validation import ValidationReport, validate

EXIT_CONFORMS, EXIT_VIOLATIONS, EXIT_UNREADABLE = 0, 1, 2


@click.group()
def main() -> None:
    """coopkg: the knowledge graph of decentralised international cooperation."""


@main.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--lang",
    type=click.Choice(["en", "fr"]),
    default="en",
    show_default=True,
    help="Language of labels and messages in the report.",
)
def validate_command(paths: tuple[Path, ...], lang: str) -> None:
    """Validate PATHS (default: graph/) with the ontology against shapes/.

    Exits 0 when the data conforms, 1 on violations, 2 when input cannot be read.
    """
    settings = _settings()
    try:
        knowledge = load_knowledge(settings.root, paths or None)
    except UnreadableSource as error:
        _fail(EXIT_UNREADABLE, f"cannot read {error}")
    report = validate(knowledge)
    checked = ", ".join(str(p) for p in paths) or "graph/"
    click.echo(format_report(report, lang, checked, len(knowledge.parts["data"])))
    sys.exit(EXIT_CONFORMS if report.conforms else EXIT_VIOLATIONS)


def format_report(report: ValidationReport, lang: str, checked: str, triples: int) -> str:
    """Return the report as text: one block per violation (entity, property, message)."""
    if report.conforms:
        return f"{checked}: conforms ({triples} triples checked)."
    lines = [f"{checked}: {len(report.violations)} violation(s) of the shapes."]
    for v in report.violations:
        label = v.label(lang) or "(no label)"
        lines.append(f"\n✗ {label} <{v.focus}>")
        if v.path:
            lines.append("  property: " + "/".join(shorten(step, PREFIXES) for step in v.path))
        if v.value:
            lines.append(f"  value:    {v.value}")
        lines.append(f"  message:  {v.message(lang)}")
    return "\n".join(lines)


@main.command("serve")
@click.option("--host", help="Interface to listen on (setting 'host').")
@click.option("--port", type=int, help="Port to listen on (setting 'port').")
def serve_command(host: str | None, port: int | None) -> None:
    """Load, validate and serve the knowledge base under a production WSGI server."""
    import waitress

    from . import create_app
    from .sparql.engine import QueryFailed

    started = time.monotonic()
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = _settings(overrides)
    try:
        app = create_app(overrides)
    except UnreadableSource as error:
        _fail(EXIT_UNREADABLE, f"cannot read {error}")
    except DataDoesNotConform as error:
        click.echo(format_report(error.report, "en", "graph/", 0), err=True)
        _fail(
            EXIT_VIOLATIONS,
            f"refusing to serve: the data does not conform to the shapes ({len(error.report.violations)} "
            "violation(s) listed above; fix graph/ and check with `coopkg validate`)",
        )
    published = app.extensions["coopkg"].published
    if published.refused is not None:
        reason = f"sources not released ({published.refused}); serving the last good release"
        click.echo(f"coopkg: {reason}", err=True)
    click.echo(f"coopkg: release {published.version} ({published.release.folder})")
    try:
        app.extensions["coopkg"].sparql.pool.start()  # the first query need not wait for its worker
    except QueryFailed as error:
        _fail(EXIT_UNREADABLE, f"cannot start the SPARQL query workers: {error}")
    click.echo(
        f"coopkg: {len(published.store)} triples validated and loaded; ready in {time.monotonic() - started:.2f} s; "
        f"serving on http://{settings.host}:{settings.port}/ (SPARQL: /sparql)"
    )
    # SIGTERM (systemd, docker stop) exits like Ctrl+C: the query workers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    waitress.serve(app, host=settings.host, port=settings.port, threads=settings.threads, ident="coopkg")


@main.command("release")
@click.option("--force", is_flag=True, help="Build a new release even if the sources did not change.")
def release_command(force: bool) -> None:
    """Validate the sources and publish them as a new release (see docs/distribution.md).

    Exits 0 with the release's files, 1 on violations, 2 when input cannot be read;
    on failure the current release stays served and untouched.
    """
    from .release import build_release, current_release

    settings = _settings()
    before = current_release(settings.releases)
    try:
        release = build_release(settings, force=force)
    except UnreadableSource as error:
        _fail(EXIT_UNREADABLE, f"cannot read {error}")
    except DataDoesNotConform as error:
        click.echo(format_report(error.report, "en", "graph/", 0), err=True)
        _fail(EXIT_VIOLATIONS, "release refused: the data does not conform to the shapes")
    except OSError as error:
        _fail(EXIT_UNREADABLE, f"cannot write the release: {error}")
    if before is not None and before.folder == release.folder:
        click.echo("coopkg: the sources did not change since this release (--force builds a new one)")
    click.echo(format_release(release))


def format_release(release) -> str:
    """Return the release as text: version, folder, counts, then each file's size and SHA-256."""
    counts = release.manifest["counts"]
    lines = [
        f"release {release.version} ({release.manifest['date']}): {release.folder}",
        f"{counts['triples']} triples, {counts['entities']} entities; "
        + ", ".join(f"{graph}: {n}" for graph, n in counts["graphs"].items()),
    ]
    for name, entry in release.manifest["files"].items():
        if not name.startswith("sources/"):
            lines.append(f"{entry['bytes']:>10}  {entry['sha256']}  {name}")
    return "\n".join(lines)


def _settings(overrides: dict | None = None) -> Settings:
    try:
        return Settings.load(overrides)
    except ConfigError as error:
        _fail(EXIT_UNREADABLE, f"configuration: {error}")


def _fail(code: int, reason: str) -> None:
    click.echo(f"coopkg: {reason}", err=True)
    sys.exit(code)
