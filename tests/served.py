"""Serving a real ``paperwire`` process in tests: a free loopback port, waiting until it
answers, stopping it; or the app served by uvicorn in a thread of the test's process
(``Loopback``)."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn


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


class Loopback:
    """A socket bound on 127.0.0.1 at a port the OS picked: its address (``base``) is
    known before the app that will answer there is made, then ``serve`` serves it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    @contextmanager
    def serve(self, app: Any) -> Iterator[str]:
        """``app`` served by uvicorn in a thread while the block runs (it gets ``base``);
        then the server stops and the socket is closed."""
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 10
            while not server.started:
                assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
                time.sleep(0.02)
            yield self.base
        finally:
            server.should_exit = True
            thread.join(10)
            self.sock.close()
