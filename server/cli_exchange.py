"""The commands that bring others' files in and write ours out: `coopkg import KIND FILE...`
(server/imports/, docs/imports.md) and `coopkg export iati` (server/iati_export.py,
docs/export-iati.md). They are registered on the command group of server/cli.py."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import click

from .cli import (
    EXIT_CODES,
    EXIT_UNREADABLE,
    EXIT_VIOLATIONS,
    _fail,
    _log_level_option,
    _settings,
    format_report,
    main,
)
from .config import Settings
from .knowledge import UnreadableSource
from .progress import Steps
from .state import DamagedRelease, DataDoesNotConform


def _import_kinds() -> list[str]:
    from .imports import KINDS

    return sorted(KINDS)


# Where each kind's problems and violations are listed: a spreadsheet's on stdout, one per line
# (the list to fix); an IATI file's on stderr, each line as coopkg's other messages ("coopkg: …").
PROBLEMS_ON_STDERR = frozenset({"iati"})


@main.command("import", epilog=EXIT_CODES)
@click.argument("kind", type=click.Choice(_import_kinds()))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--into", type=click.Path(path_type=Path, file_okay=False), help="Project folder to write into (default: root)."
)
@click.option(
    "--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True, help="Language of the messages."
)
@_log_level_option
def import_command(kind: str, files: tuple[Path, ...], into: Path | None, lang: str) -> None:
    """Import FILES of KIND (sheet: an .xlsx workbook or a folder of CSV files; iati: IATI
    activity XML) through its mapping in mappings/, into imports/<slug>.ttl and
    sources/imported/ (see docs/imports.md, docs/imports-iati.md).

    The batch is all or nothing: exits 1 with each bad cell or element (file:row:column or
    file:line:xpath: expected …, found …) or each violation of the shapes, and writes nothing;
    2 when a file cannot be read.
    """
    from .imports import KINDS
    from .imports.batch import import_batch
    from .imports.mapping import MappingFailed
    from .progress import IMPORT_STEPS

    settings = _settings()
    inputs = _import_inputs(files)
    for path in inputs:
        if not path.exists():
            _fail(EXIT_UNREADABLE, f"cannot read {path}: no such file or folder")
    target = into or settings.root
    log = logging.getLogger("coopkg.import")
    try:
        with Steps("import", IMPORT_STEPS, log, first=f"importing {len(inputs)} file(s) of kind {kind}") as step:
            outcome = import_batch(KINDS[kind], inputs, settings.root, target, progress=step, tick=step.advance)
    except UnreadableSource as error:
        _fail(EXIT_UNREADABLE, f"cannot read {error}")
    except MappingFailed as error:
        _fail(EXIT_UNREADABLE, f"cannot run the mapping: {error}")
    except (ValueError, OSError) as error:
        _fail(EXIT_UNREADABLE, f"cannot import: {error}")
    on_stderr = kind in PROBLEMS_ON_STDERR
    if outcome.problems:
        for problem in outcome.problems:
            click.echo(f"coopkg: {problem.render(lang)}" if on_stderr else problem.render(lang), err=on_stderr)
        _fail(
            EXIT_VIOLATIONS,
            f"import refused: {len(outcome.problems)} problem(s) in the files (listed above); nothing written",
        )
    if outcome.report is not None and not outcome.report.conforms:
        click.echo(format_report(outcome.report, lang, "import", 0, outcome.origins), err=on_stderr)
        _fail(EXIT_VIOLATIONS, "import refused: the imported data does not conform to the shapes; nothing written")
    for path, triples in outcome.written:
        click.echo(f"{path} ({triples} triples)")
    click.echo("coopkg: imported; `coopkg release` publishes it")


def _import_inputs(files: tuple[Path, ...]) -> list[Path]:
    """The inputs of an import: CSV files given one by one stand for the folder that holds them."""
    inputs: list[Path] = []
    for path in files:
        path = path.parent if path.suffix.lower() == ".csv" else path
        if path not in inputs:
            inputs.append(path)
    return inputs


@main.group("export")
def export_group() -> None:
    """Write the data in another standard's format."""


@export_group.command("iati", epilog=EXIT_CODES)
@click.argument("programmes", nargs=-1, metavar="[PROGRAMME]...")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (default: stdout).")
@click.option("--check", is_flag=True, help="Validate the document against the IATI 2.03 schemas (exit 1 if invalid).")
@_log_level_option
def export_iati_command(programmes: tuple[str, ...], out: Path | None, check: bool) -> None:
    """Write PROGRAMMEs (IRIs, or paths such as id/programme/zou-agricultural-development;
    default: every programme) as an IATI 2.03 iati-activities document (docs/export-iati.md).

    A programme that lacks what IATI requires is left out, with the reason on stderr; dates are
    planned or actual as of the release. Exits 2 when a programme needs the iati_reporting_org
    settings and they are not set, a PROGRAMME is not a programme, or no release can be read;
    1 when no programme can be exported or, with --check, the document breaks the schema (each
    problem as path: reason).
    """
    from .iati_export import NotConfigured, Reporter, is_programme, programme_iri, read_activities
    from .iati_export import programmes as all_programmes
    from .iati_xml import IATI_VERSION, activities_document
    from .iati_xml import check as check_document

    settings = _settings()
    try:  # without iati_reporting_org, only activities whose data names their reporter are written
        reporter = Reporter.from_settings(settings) if settings.iati_reporting_org else None
    except NotConfigured as error:
        _fail(EXIT_UNREADABLE, f"cannot export to IATI: {error}")
    graph, created = _release_graph(settings)
    iris = [programme_iri(name, settings.base_iri) for name in programmes] or all_programmes(graph)
    if not iris:
        _fail(EXIT_VIOLATIONS, "nothing to export: the data has no programme")
    for iri in iris:
        if not is_programme(graph, iri):
            _fail(EXIT_UNREADABLE, f"cannot export to IATI: {iri} is not a programme")
    try:
        activities, left_out = read_activities(graph, iris, reporter, created.date() if created else None)
    except NotConfigured as error:
        _fail(EXIT_UNREADABLE, f"cannot export to IATI: {error}")
    for refusal in left_out:
        click.echo(f"coopkg: left out of the IATI export: {refusal}", err=True)
    if not activities:
        _fail(EXIT_VIOLATIONS, "nothing to export: no programme has what IATI requires")
    document = activities_document(activities, created)
    if check:
        problems = check_document(document)
        for problem in problems:
            click.echo(f"coopkg: IATI schema: {problem}", err=True)
        if problems:
            _fail(
                EXIT_VIOLATIONS,
                f"the IATI document breaks the IATI {IATI_VERSION} schemas ({len(problems)} problem(s))",
            )
    if out is None:
        click.get_binary_stream("stdout").write(document)
        return
    try:
        out.write_bytes(document)
    except OSError as error:
        _fail(EXIT_UNREADABLE, f"cannot write {out}: {error.strerror or error}")
    click.echo(
        f"coopkg: {len(activities)} IATI activit{'y' if len(activities) == 1 else 'ies'} written to {out}", err=True
    )


def _release_graph(settings: Settings):
    """Return the graph of the release `coopkg serve` would publish (building it if needed),
    read as the pages read it, and the release's creation time; exit on failure."""

    from .engine_graph import open_graph
    from .graphs import EngineError
    from .state import Published

    try:
        published = Published.open(settings)
        graph = open_graph(settings, published.store, published.version)
    except UnreadableSource as error:
        _fail(EXIT_UNREADABLE, f"cannot read {error}")
    except DataDoesNotConform:
        _fail(EXIT_VIOLATIONS, "no release: the data does not conform to the shapes (see `coopkg validate`)")
    except (DamagedRelease, OSError) as error:
        _fail(EXIT_UNREADABLE, f"cannot open or build a release in {settings.releases}: {error}")
    except EngineError as error:
        _fail(EXIT_UNREADABLE, f"cannot read the engine: {error}")
    created = published.manifest.get("created")
    return graph, datetime.fromisoformat(created) if created else None
