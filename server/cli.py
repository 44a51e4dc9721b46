"""The coopkg command line: init, validate, import, export, release, serve, load."""

from __future__ import annotations

import logging
import os
import shlex
import signal
import sys
import time
from pathlib import Path

import click

from .config import ConfigError, Settings
from .knowledge import UnreadableSource, knowledge_files, load_knowledge
from .logs import configure
from .namespaces import PREFIXES, shorten
from .progress import RELEASE_STEPS, VALIDATE_STEPS, Steps, log_release
from .state import DamagedRelease, DataDoesNotConform
from .validation import ValidationReport, start_check_store, validate
from .words import words

EXIT_CONFORMS, EXIT_VIOLATIONS, EXIT_UNREADABLE, EXIT_CANNOT_LISTEN, EXIT_DAMAGED = 0, 1, 2, 3, 4
EXIT_CODES = """\b
Exit codes:
  0  done (the data conforms)
  1  the data does not conform to the shapes
  2  bad input: unreadable file, bad setting or option, init into a non-empty folder
  3  serve cannot listen on the host and port (in use, not allowed, no such address)
  4  no intact release to serve and none can be built; release --check: a release is damaged"""
LOG_LEVEL_HELP = "debug, info, warning, error or critical (setting 'log_level', default info)."
release_log = logging.getLogger("coopkg.release")


def _remember_log_level(context: click.Context, _parameter, value: str | None) -> None:
    if value is not None:
        context.meta["coopkg.log_level"] = value


def _log_level_option(command):
    return click.option(
        "--log-level", metavar="LEVEL", expose_value=False, callback=_remember_log_level, help=LOG_LEVEL_HELP
    )(command)


def _print_version(context: click.Context, _parameter, value: bool) -> None:
    if value and not context.resilient_parsing:
        from .version import coopkg_version

        click.echo(f"coopkg {coopkg_version()}")
        context.exit()


@click.group(epilog=EXIT_CODES)
@click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version, help="Print the version."
)
@_log_level_option
def main() -> None:
    """coopkg: the knowledge graph of decentralised international cooperation.

    Logs go to stderr, results to stdout. Settings: coopkg.toml, COOPKG_* variables, flags.
    """


@main.command("init", epilog=EXIT_CODES)
@click.argument("folder", type=click.Path(path_type=Path))
def init_command(folder: Path) -> None:
    """Lay out a new publisher's FOLDER: ontology/, shapes/, an example graph/ that conforms,
    catalog/dataset.ttl to edit, queries/ and a coopkg.toml whose `root` is the folder.

    FOLDER must not exist or be empty (else exit 2).
    """
    from .layout import CannotLayOut, lay_out

    try:
        files = lay_out(folder)
    except CannotLayOut as error:
        _fail(EXIT_UNREADABLE, f"cannot init: {error}")
    except OSError as error:
        _fail(EXIT_UNREADABLE, f"cannot init {folder}: {error.strerror or error}")
    click.echo(f"coopkg: laid out {folder} ({len(files)} files). Next:")
    click.echo(f"  cd {shlex.quote(str(folder))} && coopkg validate && coopkg serve")


@main.command("validate", epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--lang",
    type=click.Choice(["en", "fr"]),
    default="en",
    show_default=True,
    help="Language of labels and messages in the report.",
)
@_log_level_option
def validate_command(paths: tuple[Path, ...], lang: str) -> None:
    """Validate PATHS (default: graph/) with the ontology against shapes/.

    Exits 0 when the data conforms, 1 on violations, 2 when input cannot be read.
    """
    settings = _settings()
    try:
        with Steps("validate", VALIDATE_STEPS, logging.getLogger("coopkg.validation")) as step:
            step("read")
            layout = knowledge_files(settings.root, paths or None)
            filling = start_check_store(layout)  # filled while the files are read
            knowledge = load_knowledge(settings.root, paths or None, layout)
            step("validate")
            report = validate(knowledge, filling)
    except UnreadableSource as error:
        _fail(EXIT_UNREADABLE, f"cannot read {error}")
    checked = ", ".join(str(p) for p in paths) or "graph/"
    click.echo(format_report(report, lang, checked, len(knowledge.parts["data"])))
    sys.exit(EXIT_CONFORMS if report.conforms else EXIT_VIOLATIONS)


def format_report(
    report: ValidationReport, lang: str, checked: str, triples: int, origins: dict[str, str] | None = None
) -> str:
    """Return the report as text: one block per violation (entity, where it came from when
    `origins` knows it (an imported file's row), property, message)."""
    if report.conforms:
        return f"{checked}: conforms ({triples} triples checked)."
    lines = [words(lang).plural("violations", len(report.violations), checked=checked)]
    for v in report.violations:
        label = v.label(lang) or "(no label)"
        lines.append(f"\n✗ {label} <{v.focus}>")
        if origins and v.focus in origins:
            lines.append(f"  row:      {origins[v.focus]}")
        if v.path:
            lines.append("  property: " + "/".join(shorten(step, PREFIXES) for step in v.path))
        if v.value:
            lines.append(f"  value:    {v.value}")
        lines.append(f"  message:  {v.message(lang)}")
    return "\n".join(lines)


@main.command("serve", epilog=EXIT_CODES)
@click.option("--host", help="Interface to listen on (setting 'host').")
@click.option("--port", type=int, help="Port to listen on (setting 'port').")
@_log_level_option
def serve_command(host: str | None, port: int | None) -> None:
    """Load, validate and serve the knowledge base under a production WSGI server.

    Builds a release first when there is none or the sources changed; serves the newest intact
    earlier release when the current one is damaged. Exits 1 when the data does not conform
    (and no earlier release can be served), 3 when it cannot listen, 4 when no release can be
    opened nor built.
    """
    from . import create_app
    from .graphs import EngineError
    from .http_server import create_server
    from .release import current_release
    from .sparql.answer import QueryFailed
    from .state import Published

    started = time.monotonic()
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = _settings(overrides)
    before = current_release(settings.releases)
    try:
        with Steps("release", RELEASE_STEPS, release_log, first=f"building a release of {settings.root}") as step:
            published = Published.open(settings, progress=step)
        now = current_release(settings.releases)
        if published.damaged is None or (now is not None and now.folder == published.release.folder):
            log_release(before, published.release, published.refused, step.elapsed)  # else: logged why not
        app = create_app(overrides, published=published)
    except UnreadableSource as error:
        _fail(EXIT_UNREADABLE, f"cannot read {error}")
    except DamagedRelease as error:
        _fail(EXIT_DAMAGED, f"nothing to serve: {error}")
    except OSError as error:
        _fail(EXIT_DAMAGED, f"nothing to serve: cannot open or build a release in {settings.releases}: {error}")
    except EngineError as error:
        _fail(EXIT_UNREADABLE, f"cannot read the pages from the engine: {error}")
    except DataDoesNotConform as error:
        click.echo(format_report(error.report, "en", "graph/", 0), err=True)
        _fail(
            EXIT_VIOLATIONS,
            "refusing to serve: the data does not conform to the shapes ("
            + words("en").plural("violations_listed", len(error.report.violations))
            + "; fix graph/ and check with `coopkg validate`)",
        )
    click.echo(f"coopkg: release {published.version} ({published.release.folder})")
    try:  # binds now: nothing else to undo if the address is taken
        server = create_server(app, settings)
    except (OSError, ValueError) as error:
        _fail(EXIT_CANNOT_LISTEN, f"cannot listen on {settings.host}:{settings.port}: {_socket_reason(error)}")
    try:
        app.extensions["coopkg"].sparql.pool.start()  # the first query need not wait for its worker
    except QueryFailed as error:
        server.close()
        _fail(EXIT_UNREADABLE, f"cannot start the SPARQL query workers: {error}")
    click.echo(
        f"coopkg: {len(published.store)} triples validated and loaded; ready in {time.monotonic() - started:.2f} s; "
        f"serving on {_listening_url(server)} (SPARQL: /sparql)"
    )
    # SIGTERM (systemd, docker stop) exits like Ctrl+C: the query workers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.run()


def _socket_reason(error: Exception) -> str:
    """Return why a socket could not be opened, in lower case ('address already in use')."""
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    reason = "invalid host or port" if isinstance(error, ValueError) else reason
    return reason[:1].lower() + reason[1:].rstrip(".")


def _listening_url(server) -> str:
    """Return the URL of the (first) socket the waitress server listens on."""
    listening = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    host, port = listening[0][:2]
    return f"http://[{host}]:{port}/" if ":" in str(host) else f"http://{host}:{port}/"


@main.command("release", epilog=EXIT_CODES)
@click.option("--force", is_flag=True, help="Build a new release even if the sources did not change.")
@click.option("--check", is_flag=True, help="Check every release against its manifest instead of building.")
@_log_level_option
def release_command(force: bool, check: bool) -> None:
    """Validate the sources and publish them as a new release (see docs/distribution.md).

    Exits 0 with the release's files, 1 on violations, 2 when input cannot be read;
    on failure the current release stays served and untouched. With --check, builds nothing:
    checks every file (SHA-256 included, whatever its size) and the store of each release,
    lists them, and exits 4 when the current one is damaged.
    """
    from .release import build_release, current_release

    settings = _settings()
    if check:
        sys.exit(_check_releases(settings.releases))
    before = current_release(settings.releases)
    try:
        with Steps("release", RELEASE_STEPS, release_log, first=f"building a release of {settings.root}") as step:
            release = build_release(settings, force=force, progress=step)
    except UnreadableSource as error:
        _fail(EXIT_UNREADABLE, f"cannot read {error}")
    except DataDoesNotConform as error:
        click.echo(format_report(error.report, "en", "graph/", 0), err=True)
        _fail(EXIT_VIOLATIONS, "release refused: the data does not conform to the shapes")
    except OSError as error:
        _fail(EXIT_UNREADABLE, f"cannot write the release: {error}")
    log_release(before, release, seconds=step.elapsed)
    if before is not None and before.folder == release.folder:
        click.echo("coopkg: the sources did not change since this release (--force builds a new one)")
    click.echo(format_release(release))


def _check_releases(releases: Path) -> int:
    """Print each release under `releases` as intact or damaged (why); return the exit code."""
    from .integrity import check_release
    from .release_folder import CURRENT, earlier_releases, read_release

    try:
        current = os.readlink(releases / CURRENT)
        folders = earlier_releases(releases)
    except OSError as error:
        _fail(EXIT_DAMAGED, f"no release to check in {releases}: {error.strerror or error}")
    code = EXIT_CONFORMS if any(folder.name == current for folder in folders) else EXIT_DAMAGED
    if code:
        click.echo(f"current -> {current}: no such release")
    for folder in folders:
        mark = " (current)" if folder.name == current else ""
        try:
            check_release(folder, read_release(folder).manifest, hash_limit=None)
        except DamagedRelease as damage:
            click.echo(f"{folder.name}{mark}: damaged: {damage.reason}")
            code = EXIT_DAMAGED if mark else code
        else:
            click.echo(f"{folder.name}{mark}: intact")
    return code


@main.command("load", epilog=EXIT_CODES)
@_log_level_option
def load_command() -> None:
    """Load the current release into the SPARQL engine (settings engine_url and
    engine_store_url; see docs/engines.md): its graphs under new names, then the switch, then
    the previous release's graphs dropped.

    Exits 0 once the engine holds the release, 2 when there is no release or the engine
    refuses it or cannot be reached (the engine keeps the release it held).
    """
    from .graphs import EngineError
    from .load import load_release
    from .release import current_release

    settings = _settings()
    if not settings.engine_url or not settings.engine_store_url:
        _fail(EXIT_UNREADABLE, "no engine to load into: set engine_url and engine_store_url (docs/engines.md)")
    release = current_release(settings.releases)
    if release is None:
        _fail(EXIT_UNREADABLE, f"no release in {settings.releases}: build one with `coopkg release`")
    try:
        loaded = load_release(release, settings, progress=lambda line: click.echo(f"coopkg: {line}"))
    except EngineError as error:
        _fail(EXIT_UNREADABLE, f"cannot load release {release.version}: {error}")
    total = sum(loaded.triples.values())
    click.echo(f"coopkg: the engine holds release {loaded.version} ({total} triples) in {loaded.seconds:.1f} s")


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
    """Return the settings (with --log-level if given) and set up logging at their level."""
    level = click.get_current_context().meta.get("coopkg.log_level")
    try:
        settings = Settings.load({**(overrides or {}), **({"log_level": level} if level else {})})
    except ConfigError as error:
        _fail(EXIT_UNREADABLE, f"configuration: {error}")
    configure(settings.log_level)
    return settings


def _fail(code: int, reason: str) -> None:
    click.echo(f"coopkg: {reason}", err=True)
    sys.exit(code)


from . import cli_exchange  # noqa: E402, F401 - registers `import` and `export` on `main`
