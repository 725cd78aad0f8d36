"""The deployment files in deploy/ run what paperwire has: every command line they start
is one the CLI accepts, every setting they set is one paperwire knows, and the proxy
sends to the ports the web units listen on."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest
import yaml

from paperwire.cli import cli
from paperwire.config import Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
KNOWN = {f"PAPERWIRE_{name.upper()}" for name in Settings.model_fields}
INSTANCES = ["01", "02", "03", "04"]


def accepts(argv: list[str]) -> None:
    """The CLI parses ``argv`` (``paperwire ...``): names and values of every option."""
    assert Path(argv[0]).name == "paperwire", argv
    with cli.make_context("paperwire", argv[1:2]) as group:  # the group's settings (-h)
        command = cli.get_command(group, argv[1])
        assert command is not None, f"no command {argv[1]!r}"
        with command.make_context(argv[1], argv[2:], parent=group) as context:
            assert context.params is not None


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


@pytest.mark.parametrize("name", ["paperwire-web@.service", "paperwire-worker@.service"])
def test_the_units_start_commands_the_cli_accepts(name: str) -> None:
    service = unit(name)["Service"]
    for instance in INSTANCES:
        accepts(shlex.split(service["ExecStart"].replace("%i", instance)))
    assert service["EnvironmentFile"] == "/etc/paperwire/paperwire.env"
    assert service["User"] == "paperwire"


def test_the_web_units_listen_where_the_proxy_sends() -> None:
    start = unit("paperwire-web@.service")["Service"]["ExecStart"]
    ports = {start.replace("%i", i).split("--port ")[1].split()[0] for i in INSTANCES}
    upstream = set(re.findall(r"server 127\.0\.0\.1:(\d+);", (DEPLOY / "nginx.conf").read_text()))
    assert ports == upstream == {"8001", "8002", "8003", "8004"}
    assert "--forwarded-allow-ips 127.0.0.1" in start  # the proxy, and only it


def test_the_environment_file_sets_only_known_settings() -> None:
    keys = [
        line.split("=", 1)[0]
        for line in (DEPLOY / "paperwire.env").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert keys and set(keys) <= KNOWN, set(keys) - KNOWN
    assert "PAPERWIRE_DATABASE_URL" in keys and "PAPERWIRE_SECRET_KEY" in keys


def test_the_compose_file_runs_the_cli_with_known_settings() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "web", "worker", "proxy"}
    for name in ("web", "worker"):
        service = services[name]
        accepts([str(part) for part in service["command"]])
        assert set(service["environment"]) <= KNOWN
        assert "index:/var/lib/paperwire/index" in service["volumes"]
    web = [str(part) for part in services["web"]["command"]]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert web[web.index("--forwarded-allow-ips") + 1] == subnet
    assert "web:8000" in (DEPLOY / "Caddyfile").read_text()
    assert "pgvector" in services["db"]["image"]
