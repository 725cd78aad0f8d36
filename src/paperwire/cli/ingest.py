from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from paperwire.cli.common import Context, fail, json_option, pass_context, print_json
from paperwire.errors import StoreBusy
from paperwire.ingest import (
    FETCHERS,
    SAMPLE_DESCRIPTION,
    fetch_source,
    import_files,
    sample_path,
    sample_vectors_path,
)
from paperwire.ingest import Progress as ProgressFn
from paperwire.models import IngestReport
from paperwire.sources.formats import FORMATS


@contextmanager
def _progress(label: str) -> Iterator[ProgressFn | None]:
    """A rich progress bar on a terminal; nothing when stdout is a pipe or file."""
    if not sys.stdout.isatty():
        yield None
        return
    columns = (TextColumn(label), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _say_waiting(message: str) -> None:
    click.echo(f"{message}...", err=True)


def _finish(report: IngestReport, *, as_json: bool, **more: object) -> None:
    """What was rejected or failed on stderr, one line each; the counts on stdout (one
    JSON object with ``as_json``, with ``more`` in it); exit code 1 unless all went in."""
    for rejected in report.rejected:
        click.echo(f"rejected {rejected}", err=True)
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    if as_json:
        print_json({**more, **report.to_dict()})
    else:
        click.echo(report.summary())
    sys.exit(0 if report.ok else 1)


@click.command("import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", *FORMATS]),
    default="auto",
    show_default=True,
    help="The file format; auto recognises it from the content.",
)
@click.option(
    "--sample",
    is_flag=True,
    help=f"Also import the bundled sample ({SAMPLE_DESCRIPTION}).",
)
@json_option
@pass_context
def import_(ctx: Context, paths: tuple[str, ...], fmt: str, sample: bool, as_json: bool) -> None:
    """Import papers from files (.gz and .tar.gz accepted).

    Bad records are reported with file and line and skipped; a file (or a member of an
    archive) that cannot be read to its end is reported and leaves the database as it
    was. Papers are written in short batches, so the site and other imports keep
    writing meanwhile; when another writer holds the database, the import says so and
    waits. Exit code 0 when everything was imported, 1 when anything was rejected.
    --json prints the counts as one object (new, updated, unchanged, rejected, failed; with
    --sample also sample_vectors).
    """
    if not paths and not sample:
        raise click.UsageError("give one or more PATHS, or --sample")
    files: list[str | Path] = list(paths)
    if sample:
        files.append(sample_path())
    store = ctx.store(create=True)
    more: dict[str, object] = {}
    try:
        with _progress("importing") as progress:
            report = import_files(store, files, fmt=fmt, progress=progress, waiting=_say_waiting)
        if sample:
            from paperwire.index.jobs import load_sample_vectors

            loaded = load_sample_vectors(store, sample_path(), sample_vectors_path())
            click.echo(f"loaded {loaded} precomputed quality vectors of the sample", err=True)
            more["sample_vectors"] = loaded
    except StoreBusy as exc:
        fail(str(exc))
    finally:
        store.close()
    _finish(report, as_json=as_json, **more)


@click.command()
@click.argument("source", type=click.Choice(list(FETCHERS)))
@json_option
@pass_context
def fetch(ctx: Context, source: str, as_json: bool) -> None:
    """Fetch new papers from a network source (incremental, polite, resumable).

    arxiv: the arXiv API by category and date window; oai: OAI-PMH ListRecords;
    rss: the daily RSS feed of each category; hf-daily: the Hugging Face daily papers;
    github: star counts of the papers' GitHub repositories (stops when the rate limit is
    spent and resumes where it stopped). The categories come from PAPERWIRE_CATEGORIES.
    --json prints the counts as one object (source, new, updated, unchanged, rejected,
    failed, requests).
    """
    store = ctx.store(create=True)
    try:
        if sys.stdout.isatty():
            from rich.console import Console

            with Console().status(f"fetching {source}"):
                report = fetch_source(store, ctx.settings, source)
        else:
            report = fetch_source(store, ctx.settings, source)
    finally:
        store.close()
    click.echo(f"{source}: {report.requests} request(s)", err=True)
    _finish(report, as_json=as_json, source=source)
