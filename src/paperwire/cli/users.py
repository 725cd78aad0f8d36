"""``paperwire user``: accounts and API tokens."""

from __future__ import annotations

import click

from paperwire.accounts import ROLES, User
from paperwire.auth.links import BadEmail, normalize_email
from paperwire.auth.sessions import new_api_token
from paperwire.cli.common import Context, fail, json_option, pass_context, print_json
from paperwire.normalize import utcnow
from paperwire.store import Store


@click.group()
def user() -> None:
    """Accounts and API tokens."""


def _email(value: str) -> str:
    try:
        return normalize_email(value)
    except BadEmail as exc:
        fail(f"EMAIL {value!r}: {exc}", code=2)


def _existing(store: Store, email: str) -> User:
    found = store.user_by_email(_email(email))
    if found is None:
        fail(f"no account for {email!r}: create it with `paperwire user add {email}`")
    return found


@user.command("add")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="reader",
    show_default=True,
    help="reader: upvotes and submits (capped); curator: submits without caps, pins, "
    "hides and removes submissions; admin: as curator.",
)
@pass_context
def add(ctx: Context, email: str, role: str) -> None:
    """Create the account of EMAIL, or change its role."""
    address = _email(email)
    store = ctx.store(create=True)
    try:
        created = store.user_by_email(address) is None
        account = store.add_user(address, role=role, now=utcnow())
    finally:
        store.close()
    click.echo(f"{'added' if created else 'updated'} {account.email} ({account.role})")


@user.command("token")
@click.argument("email")
@pass_context
def token(ctx: Context, email: str) -> None:
    """Print a new API token for EMAIL (send it as `Authorization: Bearer TOKEN`).

    Only a hash of it is kept: it is shown this once.
    """
    store = ctx.store()
    try:
        click.echo(new_api_token(store, user=_existing(store, email)))
    finally:
        store.close()


@user.command("revoke-tokens")
@click.argument("email")
@pass_context
def revoke_tokens(ctx: Context, email: str) -> None:
    """Revoke every API token of EMAIL."""
    store = ctx.store()
    try:
        count = store.revoke_api_tokens(_existing(store, email).id, now=utcnow())
    finally:
        store.close()
    click.echo(f"revoked {count} token(s) of {email}")


@user.command("list")
@json_option
@pass_context
def list_(ctx: Context, as_json: bool) -> None:
    """The accounts, oldest first."""
    store = ctx.store()
    try:
        users = store.list_users()
    finally:
        store.close()
    if as_json:
        print_json([u.to_dict() for u in users])
        return
    for account in users:
        click.echo(f"{account.id}\t{account.email}\t{account.role}")
