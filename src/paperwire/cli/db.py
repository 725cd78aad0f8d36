from __future__ import annotations

import click

from paperwire.cli.common import Context, fail, pass_context
from paperwire.errors import PaperwireError
from paperwire.store import open_store


@click.group()
def db() -> None:
    """Create or upgrade the database."""


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
