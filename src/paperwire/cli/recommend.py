"""``paperwire recommend``: new papers for a reader, or for a batch of readers, from a
script.

A thin wrapper over ``paperwire.recommend.Recommender``; the reader is named by their
account's EMAIL, as in ``paperwire library`` (an address with no account is a usage
error, exit 2).
"""

from __future__ import annotations

import json
import sys
import textwrap
from datetime import date, timedelta
from typing import IO, TYPE_CHECKING, Any

import click

from paperwire.auth.links import BadEmail, normalize_email
from paperwire.cite import abs_url
from paperwire.cli.common import Context, fail, json_option, pass_context, print_json
from paperwire.cli.library import find_reader
from paperwire.errors import PaperwireError
from paperwire.normalize import utcnow
from paperwire.store import Store

if TYPE_CHECKING:  # loaded by the command itself: numpy and the models are slow to import
    from paperwire.recommend import Recommendation, Recommender

#: ``recommend`` looks this many days back when no --since is given.
DEFAULT_DAYS = 7


def _day(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        message = f"{value!r} is not a date (YYYY-MM-DD)"
        raise click.BadParameter(message, param_hint=where) from None


def _pick_json(pick: Recommendation) -> dict[str, Any]:
    paper = pick.paper
    return {
        "id": paper.id,
        "title": paper.title,
        "score": pick.score,
        "reason": pick.reason,
        "url": abs_url(paper),
        "published_at": paper.published_at.isoformat() if paper.published_at else None,
        "first_day": paper.first_day.isoformat() if paper.first_day else None,
        "close_to": list(pick.close_to),
        "terms": list(pick.terms),
    }


def _batch_requests(
    store: Store, stream: IO[str], default_since: date, name: str
) -> list[tuple[int, date] | str]:
    """Each line as (reader id, since), or the error that line makes."""
    requests: list[tuple[int, date] | str] = []
    readers: dict[str, int | None] = {}
    for number, raw in enumerate(stream, 1):
        words = raw.split()
        if not words or words[0].startswith("#"):
            continue
        where = f"{name}:{number}"
        if len(words) > 2:
            requests.append(f"{where}: expected EMAIL [SINCE], found {len(words)} words")
            continue
        try:
            since = date.fromisoformat(words[1]) if len(words) == 2 else default_since
        except ValueError:
            requests.append(f"{where}: {words[1]!r} is not a date (YYYY-MM-DD)")
            continue
        if words[0] not in readers:
            try:
                found = store.user_by_email(normalize_email(words[0]))
            except BadEmail:
                found = None
            readers[words[0]] = found.id if found else None
        user_id = readers[words[0]]
        if user_id is None:
            requests.append(f"{where}: no account for {words[0]!r}")
            continue
        requests.append((user_id, since))
    return requests


@click.command()
@click.argument("email", required=False)
@click.option(
    "--since",
    metavar="DATE",
    help=f"Papers first announced on or after DATE (default: {DEFAULT_DAYS} days ago).",
)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option(
    "--batch",
    type=click.File("r"),
    help="Read lines `EMAIL [SINCE]` from FILE ('-' for stdin); print one JSON array a "
    "line, in the same order (models loaded once). A line naming no account or no date "
    "prints [] and an error naming the line; the exit code is then 1.",
)
@json_option
@pass_context
def recommend(
    ctx: Context,
    email: str | None,
    since: str | None,
    limit: int,
    batch: IO[str] | None,
    as_json: bool,
) -> None:
    """New papers for the reader EMAIL, best first, each with its reason: the reader's
    papers it is closest to and the terms they share.

    Learnt from the papers the reader saved or upvoted, marked "not interested", and the
    authors and topics they follow; papers in their lists, upvoted or hidden never come
    back. --json prints an array of objects with id, title, score and reason.
    """
    from paperwire.config import index_directory
    from paperwire.recommend import Recommender

    if (email is None) == (batch is None):
        raise click.UsageError("give an EMAIL or --batch FILE")
    first = _day(since, "--since") if since else utcnow().date() - timedelta(days=DEFAULT_DAYS)
    store = ctx.store()
    try:
        recommender = Recommender(store, index_dir=index_directory(ctx.settings))
        if batch is not None:
            name = "stdin" if batch.name in ("<stdin>", "-") else str(batch.name)
            _recommend_batch(store, recommender, batch, first, limit, name)
            return
        assert email is not None
        user = find_reader(store, email)
        picks = recommender.for_reader(user.id, since=first, limit=limit)
        if not picks and not recommender.has_signals(user.id):
            click.echo(
                f"{email} has nothing to learn from yet: save papers with "
                f"`paperwire library add {email} ID...`",
                err=True,
            )
        elif not picks:
            click.echo(f"no new papers for {email} since {first}", err=True)
    except PaperwireError as exc:
        fail(str(exc))
    finally:
        store.close()
    if as_json:
        print_json([_pick_json(p) for p in picks])
        return
    for rank, pick in enumerate(picks, 1):
        click.echo(f"{rank:>3}. {pick.paper.id:<18} {pick.score:>8.4f}  {pick.paper.title[:80]}")
        click.echo(
            textwrap.fill(pick.reason, width=100, initial_indent=" " * 5, subsequent_indent=" " * 5)
        )


def _recommend_batch(
    store: Store, recommender: Recommender, stream: IO[str], since: date, limit: int, name: str
) -> None:
    requests = _batch_requests(store, stream, since, name)
    good = [r for r in requests if not isinstance(r, str)]
    results = iter(recommender.for_readers(good, limit=limit))
    for request in requests:
        if isinstance(request, str):
            click.echo(f"error: {request}", err=True)
            sys.stdout.write("[]\n")
        else:
            picks = next(results)
            sys.stdout.write(json.dumps([_pick_json(p) for p in picks], ensure_ascii=False) + "\n")
    if len(good) < len(requests):
        sys.exit(1)
