"""``paperwire library``: what a reader can do with their library, from a script.

Thin wrappers over ``paperwire.library``. A reader is named
by their account's EMAIL (`paperwire user add EMAIL` makes one); an address with no
account is a usage error (exit 2). Papers are named by arXiv id, arXiv or Hugging Face
address, or DOI; one naming no stored paper is reported on stderr and makes the exit
code 1, the others are done.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from paperwire import library as lib
from paperwire.auth.links import BadEmail, normalize_email
from paperwire.auth.models import User
from paperwire.cite import abs_url
from paperwire.cli.common import Context, fail, json_option, pass_context, print_json
from paperwire.errors import PaperwireError
from paperwire.library_formats import MAX_BYTES, MAX_PROBLEMS
from paperwire.models import Paper
from paperwire.store import Store
from paperwire.store.base_library import InterestKind, LibraryEntry

_list_option = click.option(
    "--list", "list_name", metavar="NAME", help="The list (names compare without case)."
)


def find_reader(store: Store, email: str) -> User:
    """The account of EMAIL; exit 2 for an address that is not one or has no account."""
    try:
        address = normalize_email(email)
    except BadEmail as exc:
        fail(f"EMAIL {email!r}: {exc}", code=2)
    found = store.user_by_email(address)
    if found is None:
        fail(f"no account for {email!r}: create it with `paperwire user add {email}`", code=2)
    return found


@contextmanager
def _library_of(ctx: Context, email: str) -> Iterator[tuple[Store, User]]:
    """The store and the reader EMAIL; a refused request ends the command (exit 1)."""
    store = ctx.store()
    try:
        yield store, find_reader(store, email)
    except PaperwireError as exc:
        fail(str(exc))
    finally:
        store.close()


def _report(change: lib.Change, done: str, nothing: str) -> None:
    """Say what changed; name each reference of no stored paper (exit 1 then)."""
    if change.changed:
        click.echo(f"{done} {len(change.changed)}: {' '.join(change.changed)}")
    else:
        click.echo(nothing)
    _unknown(change.unknown)


def _unknown(refs: Sequence[str], where: str = "") -> None:
    for ref in refs:
        click.echo(f"error: {where}no paper {ref!r} here", err=True)
    if refs:
        sys.exit(1)


@click.group()
def library() -> None:
    """A reader's lists, read marks, "not interested", notes, export and import."""


@library.command("add")
@click.argument("email")
@click.argument("ids", nargs=-1, required=True)
@_list_option
@pass_context
def add(ctx: Context, email: str, ids: tuple[str, ...], list_name: str | None) -> None:
    """Save papers (IDS: arXiv ids, links or DOIs) to a list of EMAIL.

    Without --list: to Saved. A list of a new name is made (private).
    """
    with _library_of(ctx, email) as (store, user):
        change = lib.save(store, user.id, ids, list_name=list_name or lib.DEFAULT_LIST)
    _report(change, f"saved to {change.list_name}", f"nothing new saved to {change.list_name}")


@library.command("remove")
@click.argument("email")
@click.argument("ids", nargs=-1, required=True)
@_list_option
@pass_context
def remove(ctx: Context, email: str, ids: tuple[str, ...], list_name: str | None) -> None:
    """Take papers out of one list of EMAIL, or, without --list, out of every list."""
    with _library_of(ctx, email) as (store, user):
        change = lib.remove(store, user.id, ids, list_name=list_name)
    where = change.list_name or "every list"
    _report(change, f"removed from {where}", f"none of them was in {where}")


@library.command("hide")
@click.argument("email")
@click.argument("ids", nargs=-1, required=True)
@click.option("--undo", is_flag=True, help="Take the mark back.")
@pass_context
def hide(ctx: Context, email: str, ids: tuple[str, ...], undo: bool) -> None:
    """Mark papers "not interested" for EMAIL: never recommended, and a signal against
    papers like them. Their lists are left as they are."""
    with _library_of(ctx, email) as (store, user):
        change = lib.hide(store, user.id, ids, hidden=not undo)
    done = "shown again" if undo else "marked not interested"
    _report(change, done, "no mark changed")


@library.command("read")
@click.argument("email")
@click.argument("ids", nargs=-1, required=True)
@click.option("--undo", is_flag=True, help="Mark them unread.")
@pass_context
def read(ctx: Context, email: str, ids: tuple[str, ...], undo: bool) -> None:
    """Mark papers read (or, with --undo, unread) for EMAIL."""
    with _library_of(ctx, email) as (store, user):
        change = lib.mark_read(store, user.id, ids, read=not undo)
    _report(change, "marked unread" if undo else "marked read", "no mark changed")


@library.command("note")
@click.argument("email")
@click.argument("paper_id", metavar="ID")
@click.argument("text")
@pass_context
def note(ctx: Context, email: str, paper_id: str, text: str) -> None:
    """Write the private note of EMAIL on a paper; an empty TEXT removes it."""
    with _library_of(ctx, email) as (store, user):
        written = lib.set_note(store, user.id, paper_id, text)
    if not written:
        _unknown([paper_id])
    click.echo(f"note {'written' if lib.clean_note(text) else 'removed'}")


def _entry_json(paper: Paper, entry: LibraryEntry) -> dict[str, Any]:
    return {
        "id": paper.id,
        "title": paper.title,
        "score": None,
        "lists": list(entry.lists),
        "read": entry.is_read,
        "hidden": entry.is_hidden,
        "note": entry.note,
        "added_at": entry.added_at.isoformat() if entry.added_at else None,
        "url": abs_url(paper),
    }


def _marks(entry: LibraryEntry) -> str:
    marks = [name for name, on in (("read", entry.is_read), ("hidden", entry.is_hidden)) if on]
    return ",".join(marks) or "-"


@library.command("list")
@click.argument("email")
@_list_option
@click.option(
    "--only",
    type=click.Choice(["saved", "hidden", "read", "notes"]),
    help="Only papers in some list, not interested, read, or with a note.",
)
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0, help="Papers to skip.")
@json_option
@pass_context
def list_(
    ctx: Context,
    email: str,
    list_name: str | None,
    only: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """The library of EMAIL: its lists with their counts, then its papers, the latest
    first (with --list: that list's papers, the last added first).

    --json prints one array of papers, each with id, title, lists, read, hidden, note
    and added_at.
    """
    with _library_of(ctx, email) as (store, user):
        lists = store.reader_lists(user.id)
        rows = lib.library_view(
            store,
            user.id,
            list_name=list_name,
            only=only,  # type: ignore[arg-type]
            limit=limit,
            offset=offset,
        )
    if as_json:
        print_json([_entry_json(p, e) for p, e in rows])
        return
    if list_name is None:
        for reader_list in lists:
            shared = "public" if reader_list.is_public else "private"
            click.echo(f"list {reader_list.name!r}: {reader_list.count} paper(s), {shared}")
        if lists:
            click.echo()
    for paper, entry in rows:
        lists_text = ", ".join(entry.lists) or "-"
        click.echo(f"{paper.id:<18} {_marks(entry):<11} [{lists_text}] {paper.title[:80]}")
        if entry.note:
            click.echo(f"{'':<19}note: {' '.join(entry.note.split())[:90]}")


@library.command("lists")
@click.argument("email")
@json_option
@pass_context
def lists_(ctx: Context, email: str, as_json: bool) -> None:
    """The lists of EMAIL, Saved first, with their counts."""
    with _library_of(ctx, email) as (store, user):
        found = store.reader_lists(user.id)
    if as_json:
        print_json(
            [
                {
                    "id": lst.id,
                    "name": lst.name,
                    "public": lst.is_public,
                    "count": lst.count,
                    "created_at": lst.created_at.isoformat(),
                    "updated_at": lst.updated_at.isoformat() if lst.updated_at else None,
                }
                for lst in found
            ]
        )
        return
    for lst in found:
        shared = "public" if lst.is_public else "private"
        click.echo(f"{lst.name}\t{lst.count}\t{shared}")


@library.command("rename")
@click.argument("email")
@click.argument("name")
@click.argument("new_name")
@pass_context
def rename(ctx: Context, email: str, name: str, new_name: str) -> None:
    """Rename the list NAME of EMAIL (Saved keeps its name)."""
    with _library_of(ctx, email) as (store, user):
        renamed = lib.rename_list(store, user.id, name, new_name)
    click.echo(f"renamed to {renamed.name}")


@library.command("share")
@click.argument("email")
@click.argument("name")
@click.option("--private", is_flag=True, help="Make the list private again.")
@pass_context
def share(ctx: Context, email: str, name: str, private: bool) -> None:
    """Make the list NAME of EMAIL public (its page and feed can be shared)."""
    with _library_of(ctx, email) as (store, user):
        shared = lib.set_public(store, user.id, name, not private)
    click.echo(f"{shared.name} is {'public' if shared.is_public else 'private'}")


@library.command("drop")
@click.argument("email")
@click.argument("name")
@pass_context
def drop(ctx: Context, email: str, name: str) -> None:
    """Delete the list NAME of EMAIL (its papers' marks and notes stay)."""
    with _library_of(ctx, email) as (store, user):
        found = lib.find_reader_list(store, user.id, name)
        lib.delete_list(store, user.id, found.id)
    click.echo(f"deleted {found.name} ({found.count} paper(s))")


@library.command("follow")
@click.argument("email")
@click.option("--author", "authors", multiple=True, metavar="NAME", help="An author to follow.")
@click.option("--topic", "topics", multiple=True, metavar="TEXT", help="A topic, in words.")
@click.option("--undo", is_flag=True, help="Stop following them.")
@pass_context
def follow(
    ctx: Context, email: str, authors: tuple[str, ...], topics: tuple[str, ...], undo: bool
) -> None:
    """Follow authors and topics for EMAIL: recommendations start from them before the
    reader has saved anything. Without --author or --topic: what EMAIL follows."""
    wanted: list[tuple[InterestKind, str]] = [("author", a) for a in authors]
    wanted += [("topic", t) for t in topics]
    with _library_of(ctx, email) as (store, user):
        changed = [
            lib.follow(store, user.id, kind, value, following=not undo) for kind, value in wanted
        ]
        following = store.interests(user.id)
    if wanted:
        done = "stopped following" if undo else "now following"
        click.echo(f"{done} {sum(changed)} of {len(wanted)}")
        return
    for interest in following:
        click.echo(f"{interest.kind}\t{interest.value}")


def _write(path: str, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file, then renamed).
    A new file is readable by its owner alone (a library holds private notes); a file
    written over keeps its permissions."""
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        if target.exists():
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@library.command("export")
@click.argument("email")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "bibtex"]),
    default="json",
    show_default=True,
    help="json: everything (lists, marks, notes, interests), for `library import`; "
    "bibtex: the papers of the lists, for a reference manager.",
)
@_list_option
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to FILE (whole or not at all) instead of stdout.",
)
@pass_context
def export(ctx: Context, email: str, fmt: str, list_name: str | None, output: str | None) -> None:
    """Export the library of EMAIL (or one list of it)."""
    with _library_of(ctx, email) as (store, user):
        text = lib.export_library(store, user.id, fmt=fmt, list_name=list_name)  # type: ignore[arg-type]
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        _write(output, text)
    except OSError as exc:
        fail(f"{output}: {exc.strerror or exc}")
    click.echo(f"wrote {output}", err=True)


def _line_of(text: str, lowered: str, ref: str) -> int | None:
    """The first line of the file naming ``ref`` (an id or ``doi:...``)."""
    key = ref.removeprefix("doi:")
    at = text.find(key)
    if at < 0:
        at = lowered.find(key.lower())
    return None if at < 0 else text.count("\n", 0, at) + 1


@library.command("import")
@click.argument("email")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--list",
    "list_name",
    metavar="NAME",
    default=lib.DEFAULT_LIST,
    show_default=True,
    help="The list a BibTeX or id file fills (a JSON export names its own lists).",
)
@pass_context
def import_(ctx: Context, email: str, file: str, list_name: str) -> None:
    """Import a library into EMAIL's: paperwire's JSON export, a BibTeX file (Zotero,
    Google Scholar, arXiv) or plain text with one arXiv id, address or DOI a line
    (arxiv-sanity-lite's list of ids).

    Everything is written in one transaction, papers in the file's order. Papers that
    are not stored here are named and left out (import them first with `paperwire
    import` or `paperwire fetch`), entries that cannot be read are named by line. Exit
    code 0 when everything was taken, 1 when anything was left out or the file cannot
    be read (then nothing is written).
    """
    name = "stdin" if file == "-" else file
    try:
        with click.open_file(file, "rb") as source:
            data = source.read(MAX_BYTES + 1)
    except OSError as exc:
        fail(f"{name}: {exc.strerror or exc}")
    with _library_of(ctx, email) as (store, user):
        report = lib.import_library(store, user.id, data, name=name, list_name=list_name)
    for problem in report.problems:
        click.echo(f"rejected {problem}", err=True)
    text = data.decode("utf-8", errors="replace")
    lowered = text.lower()
    for ref in report.unknown[:MAX_PROBLEMS]:
        line = _line_of(text, lowered, ref)
        where = f"{name}:{line}" if line else name
        click.echo(f"unknown {where}: no paper {ref} here", err=True)
    if len(report.unknown) > MAX_PROBLEMS:
        more = len(report.unknown) - MAX_PROBLEMS
        click.echo(f"unknown {name}: and {more:,} more papers not here", err=True)
    click.echo(report.summary())
    sys.exit(0 if report.ok else 1)
