from __future__ import annotations

from datetime import date

import click

from paperwire.cli.common import Context, fail, json_option, pass_context, print_json
from paperwire.errors import PaperwireError
from paperwire.models import Paper
from paperwire.store.base_topics import DayTopics


@click.command()
@json_option
@pass_context
def stats(ctx: Context, as_json: bool) -> None:
    """Counts by source, category and day, and the fetch checkpoints."""
    store = ctx.store()
    try:
        result = store.stats()
    except PaperwireError as exc:
        fail(str(exc))
    finally:
        store.close()
    if as_json:
        print_json(result.to_dict())
        return
    click.echo(f"papers: {result.papers}")
    click.echo("by source:")
    for name, n in result.by_source.items():
        click.echo(f"  {name:<16} {n:>8}")
    click.echo("by category (top 15):")
    for name, n in list(result.by_category.items())[:15]:
        click.echo(f"  {name:<16} {n:>8}")
    days = list(result.by_day.items())
    click.echo(f"by day ({len(days)} days, latest 7):")
    for day, n in days[-7:]:
        click.echo(f"  {day:<16} {n:>8}")
    for tier, n in result.vectors.items():
        click.echo(f"vectors {tier}: {n} of {result.papers}")
    for name, value in result.checkpoints.items():
        click.echo(f"checkpoint {name}: {value}")


def _describe(paper: Paper) -> str:
    fields = paper.to_dict()
    lines = []
    for key, value in fields.items():
        if key == "authors":
            value = ", ".join(
                a["name"] + (f" ({a['affiliation']})" if a["affiliation"] else "") for a in value
            )
        elif key == "feed_dates":
            value = ", ".join(f"{f['date']} ({f['feed']})" for f in value)
        elif isinstance(value, list):
            value = ", ".join(value)
        lines.append(f"{key:>14}: {'' if value is None else value}")
    return "\n".join(lines)


@click.command()
@click.argument("paper_id")
@json_option
@pass_context
def show(ctx: Context, paper_id: str, as_json: bool) -> None:
    """One paper, every field."""
    from paperwire.normalize import split_arxiv_id

    store = ctx.store()
    try:
        split = split_arxiv_id(paper_id)
        paper = store.get_paper(split[0] if split else paper_id)
    except PaperwireError as exc:
        fail(str(exc))
    finally:
        store.close()
    if paper is None:
        fail(f"no paper {paper_id!r}")
    if as_json:
        print_json(paper.to_dict())
    else:
        click.echo(_describe(paper))


@click.command()
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Papers of one day's feed.")
@click.option("--category", metavar="C", help="Only papers in this category (cs.CV).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True)
@click.option(
    "--by-topic",
    is_flag=True,
    help="Every paper of the --date day under its topic (as `paperwire index` grouped "
    "the day; papers in no topic under Other); --limit does not apply.",
)
@json_option
@pass_context
def papers(
    ctx: Context, day: str | None, category: str | None, limit: int, by_topic: bool, as_json: bool
) -> None:
    """A listing of papers, newest first."""
    try:
        when = date.fromisoformat(day) if day else None
    except ValueError:
        raise click.BadParameter(
            f"{day!r} is not a date (YYYY-MM-DD)", param_hint="--date"
        ) from None
    if by_topic and when is None:
        raise click.UsageError("--by-topic needs --date: topics are those of one day")
    store = ctx.store()
    stored: DayTopics | None = None
    try:
        if by_topic and when is not None:
            found = store.list_papers(day=when, category=category, limit=100_000)
            stored = store.day_topics(when)
        else:
            found = store.list_papers(day=when, category=category, limit=limit)
    except PaperwireError as exc:
        fail(str(exc))
    finally:
        store.close()
    if by_topic:
        _print_topics(found, stored, when, as_json=as_json)
        return
    if as_json:
        print_json([_listed(p) for p in found])
        return
    for paper in found:
        click.echo(_line(paper))


def _listed(paper: Paper) -> dict[str, object]:
    return dict(paper.to_dict(), score=None)


def _line(paper: Paper) -> str:
    when_text = (
        paper.published_at.date().isoformat()
        if paper.published_at
        else (paper.feed_dates[0].day.isoformat() if paper.feed_dates else "")
    )
    cats = ",".join(paper.categories[:3])
    return f"{paper.id:<18} {when_text:<10} {cats:<20} {paper.title[:90]}"


def _print_topics(
    found: list[Paper], stored: DayTopics | None, day: date | None, *, as_json: bool
) -> None:
    from paperwire.index.topics import MIN_DAY, OTHER, TopicGroup, group_by_topic

    groups = group_by_topic(found, stored)
    if not groups and found:
        click.echo(
            f"note: {day} is not grouped into topics (`paperwire index` groups days of "
            f"{MIN_DAY} papers or more); every paper is under {OTHER}",
            err=True,
        )
        groups = [TopicGroup(OTHER, "topic-other", found)]
    if as_json:
        print_json([{"topic": g.label, "papers": [_listed(p) for p in g.papers]} for g in groups])
        return
    for group in groups:
        click.echo(f"## {group.label} ({len(group.papers)})")
        for paper in group.papers:
            click.echo(_line(paper))
