"""``paperwire rank`` and ``paperwire trending``: the trending scores."""

from __future__ import annotations

from datetime import date

import click

from paperwire.cli.common import Context, fail, json_option, pass_context, print_json
from paperwire.errors import PaperwireError
from paperwire.http.params import FIRST_DAY, LAST_DAY, is_shown_day
from paperwire.rank.compute import WINDOW_DAYS

WINDOWS = list(WINDOW_DAYS)


def _day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"expected a date YYYY-MM-DD, got {value!r}") from None
    if not is_shown_day(day):
        raise click.BadParameter(f"out of range: days from {FIRST_DAY} to {LAST_DAY} only")
    return day


_at_option = click.option(
    "--at",
    metavar="DATE",
    callback=_day,
    help="The ranking as it stood at the end of this day (YYYY-MM-DD); default: the "
    "latest day with papers or upvotes.",
)


@click.command()
@_at_option
@click.option(
    "--window",
    "windows",
    type=click.Choice(WINDOWS),
    multiple=True,
    help="Rank only this window (repeatable); default: day, week and month.",
)
@json_option
@pass_context
def rank(ctx: Context, at: date | None, windows: tuple[str, ...], as_json: bool) -> None:
    """Compute and store trending scores (the scheduler runs it).

    --json prints one object: the day ranked as of (null: no papers yet) and how many
    papers each window's ranking holds.
    """
    from paperwire.rank.jobs import rank_windows

    store = ctx.store()
    try:
        report = rank_windows(store, ctx.settings, at=at, windows=windows or tuple(WINDOWS))
    except PaperwireError as exc:
        fail(str(exc))
    finally:
        store.close()
    if as_json:
        print_json(report.to_dict())
    else:
        click.echo(report.summary())


@click.command()
@click.option(
    "--window", type=click.Choice(WINDOWS), default="week", show_default=True, help="The window."
)
@_at_option
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    help="How many papers.",
)
@json_option
@pass_context
def trending(ctx: Context, window: str, at: date | None, limit: int, as_json: bool) -> None:
    """Trending papers of a window, each with its score and reason.

    Reads the stored ranking (`paperwire rank`); computes it, without storing it, when
    none is stored (pages, feeds, the API and digests never do: they show nothing).
    """
    from paperwire.rank.trending import trending_scores

    store = ctx.store()
    try:
        ranked = trending_scores(
            store, window=window, at=at, limit=limit, settings=ctx.settings, compute=True
        )
    except PaperwireError as exc:
        fail(str(exc))
    finally:
        store.close()
    if as_json:
        print_json(
            [
                {
                    "rank": n,
                    "id": paper.id,
                    "title": paper.title,
                    "score": scored.score,
                    "reason": scored.reason,
                    "upvotes": paper.upvotes,
                    "github_repo": paper.github_repo,
                    "github_stars": paper.github_stars,
                }
                for n, (paper, scored) in enumerate(ranked, start=1)
            ]
        )
        return
    if not ranked:
        click.echo("nothing trending", err=True)
        return
    for n, (paper, scored) in enumerate(ranked, start=1):
        click.echo(f"{n:>3}. {paper.id:<14} {scored.score:>8.3f}  {paper.title}")
        click.echo(f"     {scored.reason}")
