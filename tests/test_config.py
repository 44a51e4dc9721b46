"""Settings: defaults, then coopkg.toml, then COOPKG_* variables, then overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import ConfigError, Settings
from server.namespaces import CANONICAL_BASE


def test_defaults():
    settings = Settings.load({}, environ={})
    assert settings.base_iri == CANONICAL_BASE
    assert settings.port == 8000
    assert settings.releases == settings.root / "releases"


def test_precedence_file_then_environment_then_overrides(tmp_path):
    config = tmp_path / "site.toml"
    config.write_text('[coopkg]\nport = 9001\nhost = "0.0.0.0"\nquery_timeout = 2.5\n', encoding="utf-8")
    environ = {"COOPKG_CONFIG": str(config), "COOPKG_PORT": "9002"}
    settings = Settings.load({"host": "127.0.0.2"}, environ=environ)
    assert (settings.port, settings.host, settings.query_timeout) == (9002, "127.0.0.2", 2.5)


@pytest.mark.parametrize(
    ("environ", "fragment"),
    [
        ({"COOPKG_PORT": "eighty"}, "port"),
        ({"COOPKG_BASE_IRI": "https://example.org/no-slash"}, "base_iri"),
        ({"COOPKG_BASE_IRI": "urn:x:"}, "base_iri"),
        ({"COOPKG_CONFIG": "/nonexistent/coopkg.toml"}, "no such configuration file"),
    ],
)
def test_bad_settings_are_refused_with_their_name(environ, fragment):
    with pytest.raises(ConfigError, match=fragment):
        Settings.load({}, environ=environ)


def test_unknown_setting_in_file_is_refused(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[coopkg]\nprot = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown setting 'prot'"):
        Settings.load({}, environ={"COOPKG_CONFIG": str(config)})


def test_malformed_file_is_refused(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[coopkg\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=str(config)):
        Settings.load({}, environ={"COOPKG_CONFIG": str(config)})


def test_paths_are_paths():
    settings = Settings.load({"release_dir": "/tmp/x"}, environ={})
    assert settings.releases == Path("/tmp/x")


def test_log_level_defaults_to_info_and_is_read_from_the_environment():
    assert Settings.load({}, environ={}).log_level == "info"
    assert Settings.load({}, environ={"COOPKG_LOG_LEVEL": "WARNING"}).log_level == "warning"
    with pytest.raises(ConfigError, match="log_level"):
        Settings.load({}, environ={"COOPKG_LOG_LEVEL": "chatty"})


@pytest.mark.parametrize("port", [-1, 65536, 70000])
def test_port_out_of_range_is_refused(port):
    with pytest.raises(ConfigError, match="'port' must be between 0 and 65535"):
        Settings.load({"port": port}, environ={})


def test_relative_paths_in_the_file_are_relative_to_its_folder(tmp_path, monkeypatch):
    (tmp_path / "site").mkdir()
    config = tmp_path / "site" / "coopkg.toml"
    config.write_text('[coopkg]\nroot = "."\nrelease_dir = "out/releases"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # elsewhere than the file
    settings = Settings.load({}, environ={"COOPKG_CONFIG": str(config)})
    assert settings.root == (tmp_path / "site").resolve()
    assert settings.releases == (tmp_path / "site" / "out" / "releases").resolve()
    # Elsewhere (environment, flags), a relative path stays relative to the working directory.
    assert Settings.load({}, environ={"COOPKG_ROOT": "data"}).root == Path("data")


def test_public_root_of_an_ipv6_host_has_brackets():
    assert Settings.load({"host": "::1", "port": 8001}, environ={}).public_root == "http://[::1]:8001/"


def test_the_servers_connection_settings_are_read_and_must_be_positive():
    settings = Settings.load(environ={"COOPKG_CONNECTION_LIMIT": "5000", "COOPKG_CHANNEL_TIMEOUT": "30"})
    assert (settings.connection_limit, settings.channel_timeout) == (5000, 30)
    assert Settings().connection_limit > 500  # the 500 slow sockets of bench/slow_clients.py fit
    for name in ("connection_limit", "channel_timeout", "threads", "max_post_length"):
        with pytest.raises(ConfigError, match=f"'{name}' must be at least 1"):
            Settings.load({name: 0}, environ={})
