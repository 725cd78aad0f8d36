"""Serving a real ``paperwire`` process in tests: a free loopback port, waiting until it
answers, stopping it."""

from __future__ import annotations

import socket
import subprocess
import time
from typing import Any

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(url: str, process: subprocess.Popen[Any], seconds: float = 60) -> None:
    """Return once ``url``/healthz answers 200; fail if the process exits first."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the server exited with {process.returncode}:\n{out}\n{err}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the server did not answer /healthz within {seconds} s")
        time.sleep(0.1)


def stop(process: subprocess.Popen[Any]) -> None:
    """SIGTERM, then SIGKILL if it has not ended within 15 s."""
    process.terminate()
    try:
        process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
