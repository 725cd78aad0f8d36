"""``paperwire user``: accounts and API tokens."""

from __future__ import annotations

import click


@click.group()
def user() -> None:
    """Accounts and API tokens."""
