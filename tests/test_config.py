"""Settings: a name that is no setting is an error naming it, where it came from and the
setting it is closest to; never silently ignored."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from paperwire.cli import cli
from paperwire.config import Settings
from paperwire.errors import ConfigError
from tests.served import free_port


def test_known_variables_and_keys_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "paperwire.toml").write_text('base_url = "https://papers.example.org"\n')
    monkeypatch.setenv("PAPERWIRE_REQUEST_DELAY", "0.5")
    monkeypatch.setenv("paperwire_fetch_days", "9")  # variables are read whatever their case
    settings = Settings()
    assert settings.base_url == "https://papers.example.org"
    assert settings.request_delay == 0.5
    assert settings.fetch_days == 9


def test_an_unknown_variable_names_the_closest_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERWIRE_DATABSE_URL", "sqlite:///elsewhere.db")
    with pytest.raises(ConfigError) as raised:
        Settings()
    assert str(raised.value) == (
        "PAPERWIRE_DATABSE_URL in the environment is not a setting "
        "(did you mean PAPERWIRE_DATABASE_URL?)"
    )


def test_an_unknown_variable_far_from_every_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERWIRE_SMTP__HOST", "mail.example.org")
    with pytest.raises(ConfigError, match=r"^PAPERWIRE_SMTP__HOST in the environment is not a "):
        Settings()


def test_an_unknown_key_names_its_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text('categories = "cs.CV"\ncategory = "cs.CL"\n[smtp]\nhost = "mail"\n')
    monkeypatch.setenv("PAPERWIRE_CONFIG", str(path))  # not a setting: where the file is
    with pytest.raises(ConfigError) as raised:
        Settings()
    assert str(raised.value) == (
        f"category in {path} is not a setting (did you mean categories?); "
        f"smtp in {path} is not a setting (the settings: docs/configuration.md)"
    )


def test_every_unknown_name_at_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "paperwire.toml").write_text('DATABASE_URL = "sqlite:///x.db"\n')
    monkeypatch.setenv("PAPERWIRE_REQUEST_DELAI", "1")
    with pytest.raises(ConfigError) as raised:
        Settings()
    assert str(raised.value) == (
        "PAPERWIRE_REQUEST_DELAI in the environment is not a setting "
        "(did you mean PAPERWIRE_REQUEST_DELAY?); "
        "DATABASE_URL in paperwire.toml is not a setting (did you mean database_url?)"
    )


def test_a_settings_file_that_is_no_toml(tmp_path: Path) -> None:
    (tmp_path / "paperwire.toml").write_text("base_url = \n")
    with pytest.raises(ConfigError, match=r"^paperwire.toml: .*line 1"):
        Settings()


def test_an_unknown_keyword_argument() -> None:
    with pytest.raises(ValidationError, match="databse_url"):
        Settings(databse_url="sqlite:///x.db")  # type: ignore[call-arg]


def test_the_command_line_says_so_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERWIRE_CATEGORY", "cs.CV")
    result = CliRunner().invoke(cli, ["stats"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: configuration: PAPERWIRE_CATEGORY in the environment is not a setting "
        "(did you mean PAPERWIRE_CATEGORIES?)\n"
    )


def test_serve_refuses_to_start(tmp_path: Path) -> None:
    """A real ``paperwire serve``: it exits before listening, naming the key."""
    (tmp_path / "paperwire.toml").write_text("proxy_header = true\n")
    done = subprocess.run(
        [sys.executable, "-m", "paperwire", "serve", "--port", str(free_port())],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "proxy_header in paperwire.toml is not a setting (did you mean proxy_headers?)" in (
        done.stderr
    )
