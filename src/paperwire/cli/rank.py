"""``paperwire rank`` and ``paperwire trending``: the trending scores."""

from __future__ import annotations

import click


@click.command()
def rank() -> None:
    """Compute trending scores (the scheduler runs it)."""


@click.command()
def trending() -> None:
    """Trending papers of a window."""
