"""``paperwire digest`` and ``paperwire worker``: email digests and the scheduler."""

from __future__ import annotations

import logging
from datetime import date

import click

from paperwire.cli.common import Context, fail, pass_context, print_json
from paperwire.errors import PaperwireError


@click.group()
def digest() -> None:
    """Email digests."""


@digest.command("send")
@click.option(
    "--frequency",
    type=click.Choice(["daily", "weekly"]),
    help="Only these subscribers (default: both kinds).",
)
@click.option(
    "--at",
    "at",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Compose for the period holding this day (default: the latest day with papers).",
)
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and store nothing.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: print JSON.")
@pass_context
def send(ctx: Context, frequency: str | None, at: object, dry_run: bool, as_json: bool) -> None:
    """Compose the latest period's digests into the outbox, then send the outbox.

    Every confirmed subscriber gets one digest per period, however often this runs:
    composing skips digests already in the outbox, and sending picks up where a
    stopped run left off. The scheduler (`paperwire worker`) does the same on its own,
    in each subscriber's time zone.
    """
    from paperwire.digest.outbox import compose_frequency
    from paperwire.digest.send import send_outbox

    settings = ctx.settings
    store = ctx.store()
    day: date | None = at.date() if at is not None else None  # type: ignore[attr-defined]
    try:
        reports = [
            compose_frequency(store, settings, f, at=day, dry_run=dry_run)
            for f in ([frequency] if frequency else ["daily", "weekly"])
        ]
        if dry_run:
            digests = [d for r in reports for d in r.digests]
            if as_json:
                print_json(
                    [
                        {
                            "email": d.subscriber.email,
                            "period": d.period.key,
                            "subject": d.subject,
                            "groups": [
                                {
                                    "heading": g.heading,
                                    "papers": [
                                        {
                                            "id": i.paper.id,
                                            "title": i.paper.title,
                                            "reason": i.reason,
                                        }
                                        for i in g.items
                                    ],
                                }
                                for g in d.groups
                            ],
                        }
                        for d in digests
                    ]
                )
                return
            for d in digests:
                click.echo(f"{d.subscriber.email}  {d.period.key}  {d.subject}")
                for g in d.groups:
                    click.echo(f"  {g.heading}")
                    for i in g.items:
                        click.echo(f"    {i.paper.id}  {i.paper.title[:70]}  ({i.reason})")
            click.echo(f"dry run: {len(digests)} digest(s) would be sent; nothing was stored")
            return
        for report in reports:
            click.echo(f"compose: {report.summary()}")
        click.echo(f"send: {send_outbox(store, settings).summary()}")
    except PaperwireError as exc:
        fail(str(exc))
    finally:
        store.close()


@click.command()
@click.option(
    "--no-fetch", is_flag=True, help="Do not fetch from the network (rank, index, digests only)."
)
@pass_context
def worker(ctx: Context, no_fetch: bool) -> None:
    """The scheduler: fetches, scoring, digests.

    Runs, on the crontab schedules of the PAPERWIRE_WORKER_*_CRON settings: fetching
    new papers (PAPERWIRE_WORKER_FETCH_SOURCES), trending scores, the search index
    and its quality vectors, and the digests that are due (each subscriber's daily
    digest from PAPERWIRE_DIGEST_HOUR in their own time zone), then the outbox.
    """
    from paperwire.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    store = ctx.store(create=True)  # migrate before the first job
    store.close()
    run_worker(ctx.settings, fetch=not no_fetch, announce=click.echo)
