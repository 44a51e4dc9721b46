"""Logging: one line per request, the level from --log-level or COOPKG_LOG_LEVEL."""

from __future__ import annotations

import logging
import re

import pytest

from server import create_app
from server.cli import main
from server.config import Settings
from server.layout import lay_out
from server.logs import MAX_TARGET, configure
from server.state import Published

REQUEST_LINE = re.compile(r"(?P<method>\S+) (?P<target>\S+) (?P<status>\d{3}) (?P<ms>\d+\.\d)ms (?P<bytes>\d+)B")


@pytest.fixture(autouse=True)
def _logging_restored():
    """The commands configure logging for the whole process: put it back after each test."""
    yield
    configure("info")


@pytest.fixture(scope="module")
def publisher(tmp_path_factory):
    folder = tmp_path_factory.mktemp("publisher") / "pub"
    lay_out(folder)
    return folder


@pytest.fixture(scope="module")
def client(publisher, tmp_path_factory):
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


def test_a_request_logs_one_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="coopkg.request"):
        body = client.get("/id/organisation/example?lang=en").data  # logged once the body is sent
    (line,) = _request_lines(caplog)
    assert (line["method"], line["target"], line["status"]) == ("GET", "/id/organisation/example?lang=en", "200")
    assert int(line["bytes"]) == len(body)


def test_a_missing_page_logs_its_status(client, caplog):
    with caplog.at_level(logging.INFO, logger="coopkg.request"):
        response = client.get("/no/such/page")
        assert response.status_code == 404 and response.data
    (line,) = _request_lines(caplog)
    assert line["target"] == "/no/such/page" and line["status"] == "404"


def test_a_long_query_string_is_cut_and_control_characters_escaped(client, caplog):
    with caplog.at_level(logging.INFO, logger="coopkg.request"):
        assert client.get("/search", query_string={"q": "é" * 500}).data
        assert client.get("/id/a%0Ab").data  # a newline in the path must not start a new log line
    long, odd = _request_lines(caplog)
    assert len(long["target"]) == MAX_TARGET and long["target"].endswith("…")
    assert long["target"].startswith("/search?q=%C3%A9")
    assert odd["target"] == "/id/a%0Ab"


def test_requests_are_not_logged_below_the_level(client, caplog):
    configure("warning")
    with caplog.at_level(logging.WARNING):
        assert client.get("/id/organisation/example").data
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
