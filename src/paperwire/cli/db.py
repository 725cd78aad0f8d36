from __future__ import annotations

import time
from pathlib import Path

import click

from paperwire.cli.common import Context, fail, json_option, pass_context, print_json
from paperwire.config import index_directory
from paperwire.errors import PaperwireError
from paperwire.store import open_store
from paperwire.store.transfer import BATCH, CopyResult, Progress, copy_database
from paperwire.store.transfer_backup import FORMATS, backup_database, restore_database


@click.group()
def db() -> None:
    """Create, upgrade, copy, back up and restore the database."""


@db.command()
@pass_context
def migrate(ctx: Context) -> None:
    """Create the database or apply pending migrations; safe to run twice."""
    try:
        store = open_store(ctx.settings.database_url)
        applied = store.migrate()
        store.close()
    except PaperwireError as exc:
        fail(str(exc))
    if applied:
        click.echo(f"applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        click.echo("database is up to date")


class _Progress:
    """A line on stderr when a table is done, and every few seconds within a long one."""

    def __init__(self, every: float = 2.0) -> None:
        self.every = every
        self.began = self.last = time.monotonic()

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if progress.is_finished:
            if progress.total:
                rows = f"{progress.total:,} row{'s' if progress.total != 1 else ''}"
                click.echo(f"  {progress.table}: {rows}, {now - self.began:.1f} s", err=True)
            self.began = self.last = now
        elif now - self.last >= self.every:
            click.echo(f"  {progress.table}: {progress.done:,} of {progress.total:,}", err=True)
            self.last = now


def _report_copy(result: CopyResult, *, as_json: bool, done: str) -> None:
    if as_json:
        print_json(result.as_json())
    if not result.is_finished:
        fail(f"stopped after a batch limit: run the same copy again with --resume ({done})")
    differ = [t for t in result.tables if not t.is_equal]
    if differ:
        shown = ", ".join(f"{t.name} ({t.rows} rows, {t.target_rows} in the copy)" for t in differ)
        fail(f"the copy differs from the source in {shown}")
    if not as_json:
        click.echo(
            f"{done}: {result.rows:,} rows in {len(result.tables)} tables in "
            f"{result.seconds:.1f} s; counts and checksums equal"
        )


@db.command("copy")
@click.argument("from_url", metavar="FROM_URL")
@click.argument("to_url", metavar="TO_URL")
@click.option(
    "--resume",
    is_flag=True,
    help="Continue an interrupted copy into TO_URL: each table goes on after the largest "
    "key it holds.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=BATCH,
    show_default=True,
    help="Rows a batch; each batch is committed.",
)
@click.option("--stop-after-batches", type=click.IntRange(0), hidden=True)
@json_option
def copy_(
    from_url: str, to_url: str, resume: bool, batch_size: int, stop_after_batches: int | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Copy an instance into another database, between SQLite and PostgreSQL either way.

    FROM_URL and TO_URL are database URLs (sqlite:///path or postgresql://...). The
    target is created and migrated first, must be at the source's migration level and
    must be empty (unless --resume). The source is read as it is at one moment, so the
    service may keep running; rows are written in batches, each committed. At the end
    each table's row count and checksum are compared. Search indexes are not copied:
    run `paperwire index` against the copy.
    """
    try:
        result = copy_database(
            from_url,
            to_url,
            resume=resume,
            batch_size=batch_size,
            max_batches=stop_after_batches,
            progress=_Progress(),
        )
    except PaperwireError as exc:
        fail(str(exc))
    _report_copy(result, as_json=as_json, done=f"copied {result.source} to {result.target}")


@db.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "kind",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="sqlite: a SQLite file (any backend; `db restore` and `db copy sqlite:///PATH` "
    "read it); pg_dump: pg_dump's custom format (PostgreSQL); auto: pg_dump for "
    "PostgreSQL when a pg_dump of the server's version is on PATH, else sqlite.",
)
@json_option
@pass_context
def backup(ctx: Context, path: Path, kind: str, as_json: bool) -> None:
    """Back up the database into the new file PATH, as it is at one moment (the service
    may keep running). Search indexes are not included: `paperwire index` rebuilds them."""
    try:
        result = backup_database(ctx.settings.database_url, path, kind=kind, progress=_Progress())
    except PaperwireError as exc:
        fail(str(exc))
    if result.note:
        click.echo(f"note: {result.note}: wrote a portable SQLite backup instead", err=True)
    if as_json:
        print_json(result.as_json())
        return
    rows = f"{sum(result.tables.values()):,} rows, " if result.tables else ""
    click.echo(
        f"backed up to {result.path} ({result.format}, {rows}{result.size / 1e6:.1f} MB) "
        f"in {result.seconds:.1f} s"
    )


@db.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--force",
    is_flag=True,
    help="Delete what the database holds before restoring (asks first, unless --yes).",
)
@click.option("--yes", is_flag=True, help="With --force: replace without asking.")
@json_option
@pass_context
def restore(ctx: Context, path: Path, force: bool, yes: bool, as_json: bool) -> None:
    """Restore a backup (a SQLite file from `db backup`, or a pg_dump file) into the
    configured database, which must be empty unless --force. A backup made by an older
    paperwire is brought up to date. Prints the rows restored a table."""
    if force and not yes:
        click.confirm(
            f"Replace everything in the configured database with {path}?", abort=True, err=True
        )
    try:
        result = restore_database(
            path, ctx.settings.database_url, replace=force, progress=_Progress()
        )
    except PaperwireError as exc:
        fail(str(exc))
    if result.copy is not None and not result.is_equal:
        _report_copy(result.copy, as_json=as_json, done="restored")
    if (folder := index_directory(ctx.settings)).exists():
        click.echo(
            f"note: the search indexes in {folder} describe the database as it was before: "
            "remove that folder and run `paperwire index`",
            err=True,
        )
    if as_json:
        print_json(result.as_json())
        return
    for name, rows in result.tables.items():
        if rows:
            click.echo(f"{name}: {rows:,}")
    click.echo(
        f"restored {sum(result.tables.values()):,} rows from {path} ({result.format}) into "
        f"{result.target} in {result.seconds:.1f} s"
    )
