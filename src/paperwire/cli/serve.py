"""``paperwire serve`` (the web server) and ``paperwire up`` (the one-command start)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import click

from paperwire.cli.common import Context, fail, pass_context
from paperwire.config import Settings
from paperwire.errors import PaperwireError
from paperwire.store import Store, open_store

APP_FACTORY = "paperwire.web.app:create_app"
#: Seconds ``up`` waits to learn whether the arXiv API can be reached at all.
PROBE_TIMEOUT = 3.0


def local_url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def served_settings(settings: Settings, host: str, port: int) -> Settings:
    """Links in pages, feeds and mail point at the address served, unless
    ``PAPERWIRE_BASE_URL`` names the public one (behind a proxy, say)."""
    if "base_url" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"base_url": local_url(host, port)})


def default_workers() -> int:
    """One server process per core this process may run on (at most 64)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(64, cores))


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy settings: forwarded headers are trusted only when
    ``proxy_headers`` is on (uvicorn itself trusts them from loopback by default)."""
    if not settings.proxy_headers:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips}


def run_server(
    settings: Settings, *, host: str, port: int, workers: int = 1, announce: bool = True
) -> None:
    """Serve the app with uvicorn until interrupted.

    One worker runs in this process; several are separate processes that each build the
    app from the environment (``create_app`` as an import-string factory), so the
    database URL is handed to them through ``PAPERWIRE_DATABASE_URL``, and
    ``PROMETHEUS_MULTIPROC_DIR`` (a fresh temporary folder unless set) lets any of them
    report the metrics of all.
    """
    import uvicorn

    from paperwire.web.middleware import logging_config

    url = local_url(host, port)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": logging_config(),
        "access_log": False,  # the middleware logs every request, as JSON
        "server_header": False,
        # asyncio's own loop answers connections in the order they became ready; under a
        # crowd uvloop left some waiting for seconds (p99 1.9 s vs 0.5 s, 32 clients of
        # search; 55 timeouts vs none, 150 clients of the mixed load), for no more req/s.
        "loop": "asyncio",
        **proxy_options(settings),
    }
    if workers == 1:
        from paperwire.web.app import create_app

        class AnnouncingServer(uvicorn.Server):
            async def startup(self, sockets: Any = None) -> None:
                await super().startup(sockets=sockets)
                if self.started and announce:
                    click.echo(f"paperwire is running at {url}")

        config = uvicorn.Config(create_app(settings), **options)
        server = AnnouncingServer(config)
        server.run()
        if not server.started:
            fail(f"could not serve on {host}:{port} (see the log above)")
        return
    os.environ["PAPERWIRE_DATABASE_URL"] = settings.database_url
    os.environ["PAPERWIRE_BASE_URL"] = settings.base_url
    metrics_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = tempfile.mkdtemp(prefix="paperwire-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    if announce:
        click.echo(f"paperwire is running at {url} ({workers} workers)")
    try:
        uvicorn.run(APP_FACTORY, factory=True, workers=workers, **options)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)


host_option = click.option(
    "--host", default="127.0.0.1", show_default=True, help="The address to listen on."
)
port_option = click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="The port to listen on.",
)


workers_option = click.option(
    "--workers",
    default=default_workers,
    show_default="one per CPU core",
    type=click.IntRange(1, 64),
    help="Server processes; 1 serves from this process.",
)
proxy_headers_option = click.option(
    "--proxy-headers/--no-proxy-headers",
    default=None,
    help="Trust X-Forwarded-For/-Proto from --forwarded-allow-ips (behind a reverse proxy); "
    "default: PAPERWIRE_PROXY_HEADERS (off).",
)
forwarded_option = click.option(
    "--forwarded-allow-ips",
    metavar="IPS",
    default=None,
    help="The proxies trusted with --proxy-headers (comma separated); default: "
    "PAPERWIRE_FORWARDED_ALLOW_IPS (127.0.0.1,::1).",
)


def with_proxy(
    settings: Settings, proxy_headers: bool | None, forwarded_allow_ips: str | None
) -> Settings:
    update: dict[str, Any] = {}
    if proxy_headers is not None:
        update["proxy_headers"] = proxy_headers
    if forwarded_allow_ips is not None:
        update["forwarded_allow_ips"] = forwarded_allow_ips
    # uvicorn applies them (in every worker process): the app does not read them.
    return settings.model_copy(update=update) if update else settings


@click.command()
@host_option
@port_option
@workers_option
@proxy_headers_option
@forwarded_option
@pass_context
def serve(
    ctx: Context,
    host: str,
    port: int,
    workers: int,
    proxy_headers: bool | None,
    forwarded_allow_ips: str | None,
) -> None:
    """Serve the web pages, the JSON API and the Atom/RSS feeds (uvicorn).

    Logs go to stderr as JSON lines, one per request (method, route, status, ms).
    /healthz answers 200 while the database does; /metrics is for Prometheus.
    The client's address (which the per-IP limits count) is the connection's peer,
    unless --proxy-headers trusts X-Forwarded-For from --forwarded-allow-ips.
    """
    settings = with_proxy(
        served_settings(ctx.settings, host, port), proxy_headers, forwarded_allow_ips
    )
    store = ctx.store(create=True)  # fails early, with a clear message, on a bad database
    store.close()
    run_server(settings, host=host, port=port, workers=workers)


# -- up ----------------------------------------------------------------------------------


def network_problem(url: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """Why ``url``'s server cannot be reached (None when a TCP connection opens), found
    within ``timeout`` seconds, name resolution included."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        return f"{url} names no host"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    outcome: list[str | None] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                outcome.append(None)
        except OSError as exc:
            outcome.append(f"{host}:{port}: {exc.strerror or exc}")

    thread = threading.Thread(target=probe, name="paperwire-probe", daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    if not outcome:
        return f"{host}:{port}: no answer within {timeout:g} s"
    return outcome[0]


def _import_sample(store: Store) -> None:
    from paperwire.index.jobs import load_sample_vectors
    from paperwire.ingest import (
        SAMPLE_DESCRIPTION,
        import_files,
        sample_path,
        sample_vectors_path,
    )

    click.echo(f"papers: importing the bundled sample ({SAMPLE_DESCRIPTION})")
    report = import_files(store, [sample_path()])
    for problem in [*map(str, report.rejected), *report.errors]:
        click.echo(f"error: {problem}", err=True)
    click.echo(f"papers: {report.summary()}")
    loaded = load_sample_vectors(store, sample_path(), sample_vectors_path())
    click.echo(f"papers: loaded {loaded} precomputed quality vectors of the sample")


def _fetch(store: Store, settings: Settings) -> None:
    from paperwire.ingest import fetch_source

    # Retry little: the scheduler fetches again later, and a first start should not hang.
    quick = settings.model_copy(
        update={
            "request_timeout": min(settings.request_timeout, 15.0),
            "max_retries": min(settings.max_retries, 1),
            "max_retry_wait": min(settings.max_retry_wait, 10.0),
        }
    )
    categories = ", ".join(settings.categories)
    click.echo(f"papers: fetching the last {settings.fetch_days} days of {categories} from arXiv")
    report = fetch_source(store, quick, "arxiv")
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    click.echo(f"papers: {report.summary()} ({report.requests} requests)")


def load_papers(store: Store, settings: Settings, *, offline: bool) -> None:
    """Fill an empty database: fetch from arXiv, else (offline, unreachable, nothing
    fetched) import the bundled sample. A database with papers is left as it is."""
    count = store.count_papers()
    if count:
        click.echo(
            f"papers: {count:,} in the database, none loaded "
            "(`paperwire fetch arxiv` brings new ones)"
        )
        return
    if offline:
        click.echo("papers: offline")
    else:
        problem = network_problem(settings.arxiv_api_url)
        if problem is None:
            _fetch(store, settings)
            if store.count_papers():
                return
            click.echo("papers: the fetch brought no papers")
        else:
            click.echo(f"papers: the arXiv API cannot be reached ({problem})")
    _import_sample(store)


@click.command()
@click.option("--offline", is_flag=True, help="Do not try the network: load the bundled sample.")
@host_option
@port_option
@workers_option
@proxy_headers_option
@forwarded_option
@click.option("--no-serve", is_flag=True, help="Stop after indexing (for scripts and tests).")
@pass_context
def up(
    ctx: Context,
    offline: bool,
    host: str,
    port: int,
    workers: int,
    proxy_headers: bool | None,
    forwarded_allow_ips: str | None,
    no_serve: bool,
) -> None:
    """Start paperwire with one command: migrate, load papers, index, serve.

    \b
    1. Creates the database or applies pending migrations.
    2. Loads papers when the database has none: fetches the configured categories
       (PAPERWIRE_CATEGORIES) from the arXiv API; when the network is unreachable,
       the fetch brings nothing, or with --offline, imports the bundled sample of
       3,294 real arXiv papers (with precomputed vectors) instead. A database that
       has papers is left as it is, so the next `up` starts in seconds.
    3. Brings the search index up to date (only what changed) and ranks what is
       trending; similar papers are computed beside the server by the index job.
    4. Serves the web pages, the JSON API and the feeds (one server process per
       CPU core unless --workers says otherwise), and prints the address.

    5. Runs the scheduler (`paperwire worker`) beside the server: scoring, the
       index and digests. It fetches from the network only when PAPERWIRE_UP_FETCH
       is true (and never with --offline); `paperwire worker` fetches by default.
    """
    from paperwire.index.jobs import update_index
    from paperwire.rank.jobs import run_rank

    started = time.perf_counter()
    settings = with_proxy(
        served_settings(ctx.settings, host, port), proxy_headers, forwarded_allow_ips
    )
    try:
        store = open_store(settings.database_url)
        applied = store.migrate()
    except PaperwireError as exc:
        fail(str(exc))
    try:
        if applied:
            click.echo(f"database: applied {len(applied)} migration(s): {', '.join(applied)}")
        else:
            click.echo("database: up to date")
        load_papers(store, settings, offline=offline)
        report = update_index(store, settings, similar=False)
        click.echo(f"index: {report.summary()}")
        click.echo(f"rank: {run_rank(store, settings)}")
    except PaperwireError as exc:
        fail(str(exc))
    finally:
        store.close()
    click.echo(f"ready in {time.perf_counter() - started:.1f} s")
    if not no_serve:
        from paperwire.worker import start_background, stop_background

        fetching = settings.up_fetch and not offline
        # Similar papers are computed by the index job, at once, beside the server.
        scheduler = start_background(settings, fetch=fetching, run_now=("index",))
        click.echo(f"worker: running (network fetch {'on' if fetching else 'off'})")
        try:
            run_server(settings, host=host, port=port, workers=workers)
        finally:
            stop_background(scheduler)
