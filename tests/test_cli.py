"""The command line for a newcomer: --version, `coopkg init`, a busy port, progress lines, and
logging (one line per request; the level from --log-level or COOPKG_LOG_LEVEL)."""

from __future__ import annotations

import io
import logging
import os
import re
import socket
import subprocess
import sys
import tomllib

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import ORG, RDF

from server import create_app
from server.cli import main
from server.config import PROJECT_ROOT, Settings
from server.layout import lay_out
from server.logs import MAX_TARGET, configure
from server.namespaces import graph_iri
from server.progress import RELEASE_STEPS, Steps
from server.release import build_release
from server.state import Published

REQUEST_LINE = re.compile(r"(?P<method>\S+) (?P<target>\S+) (?P<status>\d{3}) (?P<ms>\d+\.\d)ms (?P<bytes>\d+)B")
EXAMPLE = ox.NamedNode("https://w3id.org/coopkg/id/organisation/example")


@pytest.fixture(autouse=True)
def _logging_restored():
    """The commands configure logging for the whole process: put it back after each test."""
    yield
    configure("info")


@pytest.fixture(scope="module")
def publisher(tmp_path_factory):
    """A folder laid out by `coopkg init`."""
    folder = tmp_path_factory.mktemp("publisher") / "pub"
    lay_out(folder)
    return folder


def _environment(**settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOPKG_")}
    env.update({f"COOPKG_{name.upper()}": str(value) for name, value in settings.items()})
    return {**env, "PYTHONPATH": str(PROJECT_ROOT)}


def test_version_is_the_project_version(runner):
    version = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    result = runner.invoke(main, ["--version"])
    assert (result.exit_code, result.output) == (0, f"coopkg {version}\n")
    # From a checkout, without installing: the package beside the working directory.
    done = subprocess.run(
        [sys.executable, "-m", "server", "--version"],
        cwd=PROJECT_ROOT,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, f"coopkg {version}\n")


def test_help_documents_the_exit_codes(runner):
    for command in ([], ["serve"], ["validate"], ["release"], ["init"]):
        result = runner.invoke(main, [*command, "--help"])
        assert result.exit_code == 0
        assert re.search(r"^\s+3\s+serve cannot listen", result.output, re.MULTILINE), command


def test_init_lays_out_a_folder_that_conforms_and_releases(runner, tmp_path):
    folder = tmp_path / "my data"
    result = runner.invoke(main, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].strip() == f"cd '{folder}' && coopkg validate && coopkg serve"
    for part in ("ontology", "shapes"):
        copied = sorted(p.name for p in (folder / part).glob("*.ttl"))
        assert copied == sorted(p.name for p in (PROJECT_ROOT / part).glob("*.ttl"))
    assert (folder / "catalog" / "dataset.ttl").is_file() and list((folder / "queries").glob("*.rq"))
    config = {"COOPKG_CONFIG": str(folder / "coopkg.toml")}

    settings = Settings.load({"release_dir": tmp_path / "releases"}, environ=config)
    assert settings.root == folder.resolve()
    checked = runner.invoke(main, ["validate"], env=config)
    assert checked.exit_code == 0, checked.output
    assert re.search(r"graph/: conforms \(\d+ triples checked\)", checked.stdout)

    release = build_release(settings)
    data = ox.NamedNode(graph_iri(settings.base_iri, "example"))  # graph/example.ttl: its own graph
    quads = ox.parse(path=str(release.file("dumps/coopkg.trig")), format=ox.RdfFormat.TRIG)
    facts = {quad.triple for quad in quads if quad.graph_name == data}
    assert ox.Triple(EXAMPLE, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(ORG.Organization))) in facts
    assert len(facts) == len(rdflib.Graph().parse(folder / "graph" / "example.ttl"))


def test_init_refuses_a_folder_that_is_not_empty(runner, tmp_path):
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = runner.invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"coopkg: cannot init: {tmp_path} is not empty; init lays out a new or empty folder only"
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_init_refuses_a_file(runner, tmp_path):
    (tmp_path / "file").write_text("", encoding="utf-8")
    result = runner.invoke(main, ["init", str(tmp_path / "file")])
    assert result.exit_code == 2
    assert "is a file" in result.output and len(result.output.strip().splitlines()) == 1


def test_release_shows_each_step_on_stderr_and_keeps_stdout(runner, publisher, tmp_path):
    env = {"COOPKG_CONFIG": str(publisher / "coopkg.toml"), "COOPKG_RELEASE_DIR": str(tmp_path / "releases")}
    result = runner.invoke(main, ["release"], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("release ")  # the release and its files, as before
    assert "coopkg.release" not in result.stdout
    for step in RELEASE_STEPS:
        assert re.search(rf"INFO coopkg\.release {step}… \d+\.\d s$", result.stderr, re.MULTILINE), step
    assert re.search(r"switched to version \S+ \(\d+ triples, \d+ entities\) in \d+\.\d s", result.stderr)
    again = runner.invoke(main, ["release"], env=env)
    assert "reused current release" in again.stderr and "validate…" not in again.stderr


def test_steps_draw_a_progress_line_on_a_terminal(caplog):
    terminal = io.StringIO()
    log = logging.getLogger("coopkg.test")
    steps = Steps("build", ("one", "two"), log, first="building", terminal=terminal)
    with caplog.at_level(logging.INFO, logger="coopkg.test"), steps as step:
        step("one")
        step("two")
    messages = [record.getMessage() for record in caplog.records]
    assert messages[0] == "building"
    assert [re.sub(r"\d+\.\d", "N", m) for m in messages[1:]] == ["one… N s", "two… N s"]
    drawn = terminal.getvalue()
    assert "\r\033[Kbuild [" in drawn
    assert "1/2 one…" in drawn and "2/2 two…" in drawn
    assert drawn.endswith("\r\033[K")  # the line is cleared at the end


def test_serve_on_a_busy_port_says_so_in_one_line(publisher, tmp_path):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "server", "serve", "--port", str(port)],
            cwd=publisher,
            env=_environment(release_dir=tmp_path / "releases"),
            capture_output=True,
            text=True,
            timeout=240,
        )
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip().splitlines()[-1] == f"coopkg: cannot listen on 127.0.0.1:{port}: address already in use"
    assert "Traceback" not in done.stderr + done.stdout
    assert "serving on" not in done.stdout


def test_serve_refuses_a_port_out_of_range(runner):
    result = runner.invoke(main, ["serve", "--port", "70000"])
    assert result.exit_code == 2
    assert result.output.strip() == "coopkg: configuration: setting 'port' must be between 0 and 65535: 70000"


@pytest.fixture(scope="module")
def publisher_client(publisher, tmp_path_factory):
    """The app serving the publisher's small example, built in a temporary releases folder."""
    settings = {"root": str(publisher), "release_dir": str(tmp_path_factory.mktemp("releases"))}
    published = Published.open(Settings.load(settings, environ={}))
    app = create_app(settings, published=published)
    app.config["TESTING"] = True
    return app.test_client()


def _request_lines(caplog) -> list[re.Match]:
    lines = [record.getMessage() for record in caplog.records if record.name == "coopkg.request"]
    matches = [REQUEST_LINE.fullmatch(line) for line in lines]
    assert all(matches), lines
    return matches


def test_a_request_logs_one_line(publisher_client, caplog):
    with caplog.at_level(logging.INFO, logger="coopkg.request"):
        body = publisher_client.get("/id/organisation/example?lang=en").data  # logged once the body is sent
    (line,) = _request_lines(caplog)
    assert (line["method"], line["target"], line["status"]) == ("GET", "/id/organisation/example?lang=en", "200")
    assert int(line["bytes"]) == len(body)


def test_a_missing_page_logs_its_status(publisher_client, caplog):
    with caplog.at_level(logging.INFO, logger="coopkg.request"):
        response = publisher_client.get("/no/such/page")
        assert response.status_code == 404 and response.data
    (line,) = _request_lines(caplog)
    assert line["target"] == "/no/such/page" and line["status"] == "404"


def test_a_long_query_string_is_cut_and_control_characters_escaped(publisher_client, caplog):
    with caplog.at_level(logging.INFO, logger="coopkg.request"):
        assert publisher_client.get("/search", query_string={"q": "é" * 500}).data
        assert publisher_client.get("/id/a%0Ab").data  # a newline in the path must not start a new log line
    long, odd = _request_lines(caplog)
    assert len(long["target"]) == MAX_TARGET and long["target"].endswith("…")
    assert long["target"].startswith("/search?q=%C3%A9")
    assert odd["target"] == "/id/a%0Ab"


def test_requests_are_not_logged_below_the_level(publisher_client, caplog):
    configure("warning")
    with caplog.at_level(logging.WARNING):
        assert publisher_client.get("/id/organisation/example").data
    assert not [record for record in caplog.records if record.name == "coopkg.request"]


def _bad_turtle(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> \n", encoding="utf-8")
    return bad


def test_log_level_debug_shows_debug_records(runner, tmp_path):
    bad = _bad_turtle(tmp_path)
    quiet = runner.invoke(main, ["validate", str(bad)])
    assert quiet.exit_code == 2 and " DEBUG " not in quiet.stderr
    for arguments in (["--log-level", "debug", "validate", str(bad)], ["validate", "--log-level", "DEBUG", str(bad)]):
        loud = runner.invoke(main, arguments)
        assert loud.exit_code == 2
        assert re.search(r"^\S+ \S+ DEBUG coopkg\.validation read… stopped after", loud.stderr, re.MULTILINE)


def test_coopkg_log_level_warning_hides_progress(runner, publisher):
    config = {"COOPKG_CONFIG": str(publisher / "coopkg.toml")}
    shown = runner.invoke(main, ["validate"], env=config)
    assert shown.exit_code == 0 and re.search(r"INFO coopkg\.validation validate… \d+\.\d s", shown.stderr)
    hidden = runner.invoke(main, ["validate"], env={**config, "COOPKG_LOG_LEVEL": "warning"})
    assert hidden.exit_code == 0 and "conforms" in hidden.stdout
    assert hidden.stderr == ""


@pytest.mark.parametrize(
    ("arguments", "env"),
    [(["--log-level", "loud", "validate"], {}), (["validate"], {"COOPKG_LOG_LEVEL": "loud"})],
)
def test_a_bad_log_level_is_one_line_and_exit_2(runner, arguments, env):
    result = runner.invoke(main, arguments, env=env)
    assert result.exit_code == 2
    assert result.output.strip() == (
        "coopkg: configuration: setting 'log_level' must be one of debug, info, warning, error, critical: 'loud'"
    )
