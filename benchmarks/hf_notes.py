"""What ``ai_summary`` and ``ai_keywords`` cost a Hugging Face compatible answer.

    python benchmarks/hf_notes.py --database sqlite:///corpus.db [--pages 30] [--size 50]

Needs a database whose days were grouped into topics (``paperwire index``, or
``benchmarks/day_topics.py --backfill``). For ``--pages`` days with at least ``--size``
papers (drawn with a fixed seed) it reads a page as ``/api/daily_papers?date=`` does and
times, with the summary cache and the cache of readable text emptied first (a page no
answer has shown yet):

- the page's read (``list_papers``), for scale;
- the read of its papers' stored topic terms (``topic_terms_of``), the summaries, the
  check of which topic terms each paper uses (after the summaries: readable text is
  then cached, as it is in ``notes_of``), and ``notes_of``, which does all three;
- ``notes_of`` for ``--size`` papers of as many different days (a search answer: one read
  of stored topics per day).

It prints medians in ms per page and per paper, and how many keywords papers got.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable

from paperwire import text
from paperwire.api.hf_notes import notes_of, summary_of, used_terms
from paperwire.models import Paper
from paperwire.store import open_store


def forget() -> None:
    """Empty the caches of summaries and of readable text."""
    summary_of.cache_clear()
    text._parsed.cache_clear()


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--size", type=int, default=50)
    args = parser.parse_args()
    store = open_store(args.database)
    rng = random.Random(20260612)
    days = store.days_written_after(0)
    rng.shuffle(days)
    figures: dict[str, list[float]] = {
        "read": [], "topics": [], "summaries": [], "keywords": [], "notes": [], "search": []
    }  # fmt: skip
    keywords: Counter[int] = Counter()
    one_each: list[Paper] = []
    chosen = []
    for day in days:
        page = store.list_papers(day=day, limit=args.size)
        if len(page) < args.size:
            continue
        if len(chosen) == args.pages:
            break
        chosen.append(day)
        pairs = [(p.id, day) for p in page]
        figures["read"].append(timed(lambda: store.list_papers(day=day, limit=args.size)))  # noqa: B023
        terms: dict[str, list[str]] = {}
        figures["topics"].append(timed(lambda: terms.update(store.topic_terms_of(pairs))))  # noqa: B023
        forget()
        figures["summaries"].append(timed(lambda: [summary_of(p.abstract) for p in page]))  # noqa: B023
        figures["keywords"].append(
            timed(lambda: [used_terms(p, terms.get(p.id, [])) for p in page])  # noqa: B023
        )
        forget()
        notes = {}
        figures["notes"].append(timed(lambda: notes.update(notes_of(store, page))))  # noqa: B023
        keywords.update(len(n.keywords or []) for n in notes.values())
        one_each.append(rng.choice(page))
    for _ in range(5):
        forget()
        figures["search"].append(timed(lambda: notes_of(store, one_each[: args.size])))
    store.close()
    print(f"{len(chosen)} pages of {args.size} papers; search page: {len(one_each)} days")
    for name, values in figures.items():
        middle = statistics.median(values)
        per_page = len(one_each[: args.size]) if name == "search" else args.size
        print(f"{name:10} median {middle:7.1f} ms a page, {middle / per_page:.3f} ms a paper")
    total = sum(keywords.values())
    shares = ", ".join(f"{n}: {count / total:.0%}" for n, count in sorted(keywords.items()))
    print(f"keywords a paper ({total} papers): {shares}")


if __name__ == "__main__":
    main()
