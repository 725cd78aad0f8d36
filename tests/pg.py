"""A real PostgreSQL server on loopback for tests and benchmarks.

The server is the one the ``pgserver`` wheel bundles (PostgreSQL 16 with pgvector), run
from a temporary data directory: ``initdb`` then ``pg_ctl start`` listening on
127.0.0.1 only, trust authentication for the one local role, ``fsync`` off (the data is
thrown away). PostgreSQL refuses to run as root, so under root the data directory
belongs to, and the server runs as, an unprivileged user (``postgres`` if the machine
has one, else ``nobody``).

``PostgresServer.database()`` makes a new, empty database with the ``vector`` extension
and returns its URL: each test gets its own.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROLE = "paperwire"


def server_bin() -> Path:
    """The ``bin`` directory of the PostgreSQL build inside the ``pgserver`` wheel."""
    # found without importing it: importing pgserver sets up its own server helpers
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pgserver is not installed: scripts/install dev")
    found = Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"
    if not (found / "pg_ctl").exists():
        raise RuntimeError(f"no pg_ctl in {found}: reinstall with scripts/install dev")
    return found


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run as")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PostgresServer:
    """One running server; ``stop()`` ends it and removes its files."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="paperwire-pg-", dir=root))
        self.user = _run_as()
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self.root.chmod(0o700)
        self.data = self.root / "data"
        self.bin = server_bin()
        self.port = _free_port()
        self._command(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            ROLE,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._command(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        self.url = f"postgresql://{ROLE}@127.0.0.1:{self.port}/postgres"

    def _command(self, name: str, *args: str) -> None:
        done = subprocess.run(
            [str(self.bin / name), *args],
            user=self.user,
            capture_output=True,
            text=True,
            cwd=self.root,
            check=False,
        )
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{name} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")

    def database(self, name: str | None = None) -> str:
        """A new empty database with pgvector; its URL."""
        import psycopg

        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
        url = f"postgresql://{ROLE}@127.0.0.1:{self.port}/{name}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        return url

    def stop(self) -> None:
        if self.data.exists():
            self._command("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def running_server(root: Path | None = None) -> Iterator[PostgresServer]:
    server = PostgresServer(root)
    try:
        yield server
    finally:
        server.stop()
