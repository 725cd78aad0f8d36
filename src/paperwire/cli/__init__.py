"""The ``paperwire`` command line: thin wrappers over the library.

Errors go to stderr with a non-zero exit code: 1 when something was rejected or
failed, 2 for usage errors.
"""

from __future__ import annotations

import click

from paperwire import __version__
from paperwire.cli.common import Context
from paperwire.cli.db import db
from paperwire.cli.digest import digest, worker
from paperwire.cli.ingest import fetch, import_
from paperwire.cli.library import library
from paperwire.cli.papers import papers, show, stats
from paperwire.cli.rank import rank, trending
from paperwire.cli.recommend import recommend
from paperwire.cli.search import index, search, similar
from paperwire.cli.serve import serve, up
from paperwire.cli.users import user


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="paperwire")
@click.option(
    "--database-url",
    metavar="URL",
    help="Overrides PAPERWIRE_DATABASE_URL (sqlite:///path or postgresql://...).",
)
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """paperwire keeps researchers on top of new papers."""
    ctx.obj = Context(database_url=database_url)


for command in (
    db, import_, fetch, stats, show, papers, index, search, similar, rank, trending,
    user, digest, worker, serve, up, library, recommend,
):  # fmt: skip
    cli.add_command(command)


def main() -> None:
    cli(prog_name="paperwire")
