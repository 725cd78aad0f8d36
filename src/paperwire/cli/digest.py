"""``paperwire digest`` and ``paperwire worker``: email digests and the scheduler."""

from __future__ import annotations

import click


@click.group()
def digest() -> None:
    """Email digests."""


@click.command()
def worker() -> None:
    """The scheduler: fetches, scoring, digests."""
