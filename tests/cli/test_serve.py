"""``paperwire serve`` as a real server: whose address the per-IP limits count (the
connection's peer unless proxy headers are configured), and one process per core."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from paperwire.cli import cli
from paperwire.cli.serve import default_workers
from tests.served import free_port, stop, wait_for


def start(tmp_path: Path, *options: str) -> tuple[str, subprocess.Popen[str]]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PAPERWIRE_")},
        "PAPERWIRE_DATABASE_URL": f"sqlite:///{tmp_path / 'paperwire.db'}",
        "PAPERWIRE_SMTP_URL": f"file://{tmp_path / 'outbox'}",
        "PAPERWIRE_LOGIN_LIMIT_PER_IP": "2",
        "FORWARDED_ALLOW_IPS": "*",  # uvicorn's own variable: must not matter either
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "paperwire", "serve", "--port", str(port), *options],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return f"http://127.0.0.1:{port}", process


@pytest.fixture
def serving(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    url, process = start(tmp_path, "--workers", "1", *request.param)
    try:
        wait_for(url, process)
        yield url
    finally:
        stop(process)


def sign_in_codes(url: str, forwarded_for: list[str]) -> list[int]:
    """POST /login once per X-Forwarded-For value, each with a fresh form."""
    codes = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for n, forwarded in enumerate(forwarded_for):
            page = client.get("/login")
            form = BeautifulSoup(page.text, "html.parser").select_one("form.login")
            assert form is not None
            token = form.select_one("input[name=csrf_token]")
            assert token is not None
            answer = client.post(
                "/login",
                data={"csrf_token": str(token["value"]), "email": f"r{n}@example.org"},
                headers={"X-Forwarded-For": forwarded},
            )
            codes.append(answer.status_code)
    return codes


SPOOFED = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"]


@pytest.mark.parametrize("serving", [()], indirect=True)
def test_forwarded_headers_are_ignored_unless_configured(serving: str) -> None:
    """Without --proxy-headers, a client cannot pick its own address: the per-IP sign-in
    limit counts the connection's peer."""
    assert sign_in_codes(serving, SPOOFED) == [200, 200, 429, 429]


@pytest.mark.parametrize(
    "serving", [("--proxy-headers", "--forwarded-allow-ips", "127.0.0.1")], indirect=True
)
def test_a_configured_proxy_is_trusted(serving: str) -> None:
    """Behind a trusted proxy each forwarded client counts on its own."""
    assert sign_in_codes(serving, SPOOFED) == [200, 200, 200, 200]
    assert sign_in_codes(serving, ["198.51.100.7"] * 3) == [200, 200, 429]


@pytest.mark.parametrize(
    "serving", [("--proxy-headers", "--forwarded-allow-ips", "192.0.2.1")], indirect=True
)
def test_an_untrusted_peer_is_not_believed(serving: str) -> None:
    assert sign_in_codes(serving, SPOOFED) == [200, 200, 429, 429]


def test_serve_uses_every_core_by_default() -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert default_workers() == min(64, cores or 1)
    help_text = CliRunner().invoke(cli, ["serve", "--help"]).output
    assert "one per CPU core" in help_text
    assert "one per CPU core" in CliRunner().invoke(cli, ["up", "--help"]).output
