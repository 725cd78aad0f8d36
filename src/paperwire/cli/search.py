from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import date
from typing import IO, Any

import click

from paperwire.cli.common import Context, fail, json_option, pass_context, print_json
from paperwire.errors import PaperwireError
from paperwire.models import Filters, Scored
from paperwire.store.base import Store


@click.command()
@click.option("--quality", is_flag=True, help="Also fill the slower, better vector tier.")
@click.option(
    "--refresh-similar",
    is_flag=True,
    help="Recompute the similar papers of every paper, not only of new and changed ones.",
)
@json_option
@pass_context
def index(ctx: Context, quality: bool, refresh_similar: bool, as_json: bool) -> None:
    """Bring the keyword index, fast vectors, topics and similar papers up to date.

    Only papers new or changed since the last run are indexed and embedded, and get
    their similar papers stored (with the lists that may now name them; lists older
    than a week are refreshed a few thousand a run). The days they are listed on are
    grouped into topics again when their papers changed (docs/topics.md). With
    --quality it also computes the quality-tier vectors and returns when every paper has
    one. Safe to interrupt: the next run finishes the work. --json prints the counts as
    one object (papers indexed, vectors, removed, similar lists, days by topic, seconds).
    """
    from paperwire.index.jobs import update_index

    store = ctx.store(create=True)
    try:
        report = update_index(store, ctx.settings, quality=quality, refresh_similar=refresh_similar)
    except PaperwireError as exc:
        fail(str(exc))
    except OSError as exc:  # the index folder cannot be made, read or written
        fail(f"index folder: {exc}")
    finally:
        store.close()
    if as_json:
        print_json(asdict(report))
    else:
        click.echo(report.summary())


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from None


def _rows(store: Store, results: list[Scored]) -> list[dict[str, Any]]:
    papers = store.get_papers([r.paper_id for r in results])
    rows = []
    for r in results:
        paper = papers.get(r.paper_id)
        rows.append(
            {
                "id": r.paper_id,
                "title": paper.title if paper else "",
                "score": r.score,
                "reason": r.reason,
                "categories": paper.categories if paper else [],
                "published_at": paper.to_dict()["published_at"] if paper else None,
            }
        )
    return rows


def _print_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:<18} {row['score']:.4f}  {row['title'][:80]}")
        if row["reason"]:
            click.echo(f"{'':<26}{row['reason'][:90]}")


def _batch_lines(stream: IO[str]) -> list[str]:
    return [line.strip() for line in stream if line.strip()]


filters_options = [
    click.option("--category", metavar="C", help="Only papers in this category."),
    click.option("--since", metavar="DATE", help="Only papers from this date on (YYYY-MM-DD)."),
    click.option("--until", metavar="DATE", help="Only papers up to this date (YYYY-MM-DD)."),
    click.option("--has-code", is_flag=True, default=None, help="Only papers with a code link."),
    click.option("--author", metavar="NAME", help="Only papers by this author."),
]


def with_filters(f: Any) -> Any:
    for option in reversed(filters_options):
        f = option(f)
    return f


def _filters(
    category: str | None,
    since: str | None,
    until: str | None,
    has_code: bool | None,
    author: str | None,
) -> Filters:
    return Filters(
        category=category,
        since=_day(since, "--since"),
        until=_day(until, "--until"),
        has_code=has_code,
        author=author,
    )


@click.command()
@click.argument("query", required=False)
@click.option(
    "--mode",
    type=click.Choice(["hybrid", "keyword", "semantic"]),
    default="hybrid",
    show_default=True,
)
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option(
    "--batch",
    type=click.File("r"),
    help="Read one query a line from FILE ('-' for stdin); print one JSON array a line.",
)
@with_filters
@json_option
@pass_context
def search(
    ctx: Context,
    query: str | None,
    mode: str,
    limit: int,
    batch: IO[str] | None,
    category: str | None,
    since: str | None,
    until: str | None,
    has_code: bool | None,
    author: str | None,
    as_json: bool,
) -> None:
    """Search papers by words, by meaning, or both (hybrid, the default).

    A paper named by its arXiv id, an arxiv.org or Hugging Face link, or a DOI comes first,
    and so does a paper whose whole title the query is (three words or more).
    """
    from paperwire.index.search import Searcher
    from paperwire.lookup import find_named

    if (query is None) == (batch is None):
        raise click.UsageError("give a QUERY or --batch FILE")
    filters = _filters(category, since, until, has_code, author)
    store = ctx.store()
    try:
        searcher = Searcher(store, ctx.settings)
        if batch is not None:
            for line in _batch_lines(batch):
                found = searcher.search(line, mode=mode, limit=limit, filters=filters)  # type: ignore[arg-type]
                sys.stdout.write(json.dumps(_rows(store, found), ensure_ascii=False) + "\n")
            return
        assert query is not None
        found = searcher.search(query, mode=mode, limit=limit, filters=filters)  # type: ignore[arg-type]
        for missing in find_named(store, query).missing:  # an id or link of no stored paper
            click.echo(f"no paper {missing.label} here yet", err=True)
        _print_rows(_rows(store, found), as_json)
    except PaperwireError as exc:
        fail(str(exc))
    finally:
        store.close()


@click.command()
@click.argument("paper_id", required=False)
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option(
    "--batch",
    type=click.File("r"),
    help="Read one paper id a line from FILE ('-' for stdin); print one JSON array a line.",
)
@json_option
@pass_context
def similar(
    ctx: Context, paper_id: str | None, limit: int, batch: IO[str] | None, as_json: bool
) -> None:
    """Papers similar to one paper, each with the reason.

    Computed now from the search index (as a command may; pages and the API read the
    lists `paperwire index` stored, at most 20 a paper).
    """
    from paperwire.index.search import NotFound, Searcher
    from paperwire.normalize import split_arxiv_id

    if (paper_id is None) == (batch is None):
        raise click.UsageError("give a paper ID or --batch FILE")

    def canonical(raw: str) -> str:
        split = split_arxiv_id(raw)
        return split[0] if split else raw

    store = ctx.store()
    try:
        searcher = Searcher(store, ctx.settings)
        if batch is not None:
            for line in _batch_lines(batch):
                try:
                    found = searcher.similar(canonical(line), limit=limit)
                except NotFound as exc:
                    click.echo(f"error: {exc}", err=True)
                    found = []
                sys.stdout.write(json.dumps(_rows(store, found), ensure_ascii=False) + "\n")
            return
        assert paper_id is not None
        _print_rows(_rows(store, searcher.similar(canonical(paper_id), limit=limit)), as_json)
    except PaperwireError as exc:
        fail(str(exc))
    finally:
        store.close()
