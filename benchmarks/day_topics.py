"""How well each day's papers group into labelled topics, on the daily arXiv corpus.

    python benchmarks/day_topics.py [PATH] [--days N] [--sizes 15,20,30] [--database URL]
                                    [--backfill]

Imports the corpus (74,728 papers) into a temporary database and computes the fast-tier
vectors (about two minutes), or uses ``--database``, one already indexed. Then, for every
day with at least ``MIN_DAY`` papers (or ``--days N`` of them, drawn with a fixed seed),
groups the day (``paperwire.index.topics.day_topics``) and prints:

- topics per day (mean, min, max) and papers per topic;
- label coverage: the share of papers that use at least one of their topic's label
  terms in their title or abstract (stemmed, as labels are made), and all of them;
- silhouette (cosine distance over the fast vectors) of the topics, and of a random
  grouping of the same sizes (the mean of three shuffles);
- category agreement: the share of papers whose primary category is the most common
  one of their topic, for the topics and for the random grouping;
- the time to group the largest day and a 500-paper sample of it (median of 5 runs).

``--sizes`` repeats the figures for other numbers of papers per topic (how
``TOPIC_SIZE`` was chosen); ``--backfill`` also times the index job grouping every day
of the corpus (what the first run after an upgrade does).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt

from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.index.tiers import FAST
from paperwire.index.topics import MIN_DAY, TOPIC_SIZE, TermReader, day_topics, update_topics
from paperwire.ingest import import_files
from paperwire.models import Paper
from paperwire.store import Store, open_store
from paperwire.store.base_topics import Topic

DEFAULT = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv_daily_cs_2025_2026.jsonl.gz"
)


@dataclass
class Day:
    day: date
    papers: list[Paper]
    vectors: dict[str, npt.NDArray[np.float32]]


def silhouette(matrix: npt.NDArray[np.float32], labels: npt.NDArray[np.intp]) -> float:
    """Mean silhouette with cosine distance (a paper alone in its group counts 0)."""
    unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    distance = 1.0 - unit @ unit.T
    k = int(labels.max()) + 1
    rows = np.arange(len(labels))
    member = np.zeros((len(labels), k))
    member[rows, labels] = 1.0
    sums = distance @ member
    sizes = member.sum(axis=0)
    own = sums[rows, labels] / np.maximum(sizes[labels] - 1, 1)
    mean = sums / np.maximum(sizes, 1)
    mean[rows, labels] = np.inf
    other = mean.min(axis=1)
    scores = (other - own) / np.maximum(np.maximum(own, other), 1e-12)
    scores[sizes[labels] <= 1] = 0.0
    return float(scores.mean())


def category_agreement(papers: list[Paper], labels: npt.NDArray[np.intp]) -> float:
    agreeing = 0
    for group in np.unique(labels):
        cats = Counter(
            papers[i].categories[0] if papers[i].categories else ""
            for i in np.flatnonzero(labels == group)
        )
        agreeing += cats.most_common(1)[0][1]
    return agreeing / len(papers)


def label_stems(reader: TermReader, term: str) -> str:
    """The stemmed term a label shows (the longest one its words make)."""
    terms = reader.read(Paper(id="label", title=term)).terms()
    return max(terms, key=lambda t: (t.count(" "), t))


def load_days(store: Store, count: int | None) -> list[Day]:
    days = []
    for day in store.days_written_after(0):
        papers = store.list_papers(day=day, limit=100_000)
        if len(papers) >= MIN_DAY:
            days.append((day, papers))
    if count is not None and count < len(days):
        days = random.Random(1).sample(days, count)
    loaded = []
    for day, papers in sorted(days, key=lambda item: item[0]):
        blobs = store.vectors_of(FAST, [p.id for p in papers])
        vectors = {
            pid: np.frombuffer(b, dtype=np.float16).astype(np.float32) for pid, b in blobs.items()
        }
        loaded.append(Day(day, [p for p in papers if p.id in vectors], vectors))
    return loaded


def measure(days: list[Day], size: int) -> None:
    reader = TermReader()
    topics_per_day: list[int] = []
    topic_sizes: list[int] = []
    any_term = all_terms = papers_seen = 0
    ours, shuffled, ours_cats, shuffled_cats = [], [], [], []
    rng = np.random.default_rng(0)
    for day in days:
        topics: list[Topic] = day_topics(day.papers, day.vectors, size=size)
        row = {p.id: n for n, p in enumerate(day.papers)}
        labels = np.zeros(len(day.papers), dtype=np.intp)
        for n, topic in enumerate(topics):
            labels[[row[pid] for pid in topic.paper_ids]] = n
            stems = [label_stems(reader, term) for term in topic.terms]
            for pid in topic.paper_ids:
                used = reader.read(day.papers[row[pid]]).terms()
                found = [stem in used for stem in stems]
                any_term += any(found)
                all_terms += bool(found) and all(found)
            topic_sizes.append(len(topic.paper_ids))
        papers_seen += len(day.papers)
        topics_per_day.append(len(topics))
        matrix = np.stack([day.vectors[p.id] for p in day.papers])
        ours.append(silhouette(matrix, labels))
        ours_cats.append(category_agreement(day.papers, labels))
        for _ in range(3):
            mixed = rng.permutation(labels)
            shuffled.append(silhouette(matrix, mixed))
            shuffled_cats.append(category_agreement(day.papers, mixed))
    print(
        f"  topics per day: mean {statistics.mean(topics_per_day):.1f}, "
        f"min {min(topics_per_day)}, max {max(topics_per_day)}; papers per topic: "
        f"median {statistics.median(topic_sizes):.0f}, "
        f"min {min(topic_sizes)}, max {max(topic_sizes)}"
    )
    print(
        f"  label coverage: {any_term / papers_seen:.3f} of papers use a label term of their "
        f"topic, {all_terms / papers_seen:.3f} use all of them"
    )
    print(
        f"  silhouette (cosine, fast vectors): topics {statistics.mean(ours):.4f}, "
        f"random grouping of the same sizes {statistics.mean(shuffled):.4f}"
    )
    print(
        f"  category agreement: topics {statistics.mean(ours_cats):.3f}, "
        f"random grouping {statistics.mean(shuffled_cats):.3f}"
    )


def time_grouping(days: list[Day]) -> None:
    largest = max(days, key=lambda d: len(d.papers))
    sample = Day(
        largest.day,
        random.Random(2).sample(largest.papers, min(500, len(largest.papers))),
        largest.vectors,
    )
    for name, day in (
        (f"largest day ({largest.day}, {len(largest.papers)} papers)", largest),
        (f"500-paper sample of it ({len(sample.papers)} papers)", sample),
    ):
        wall, cpu = [], []
        for _ in range(5):
            started, started_cpu = time.perf_counter(), time.process_time()
            day_topics(day.papers, day.vectors)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        print(
            f"  {name}: {statistics.median(wall) * 1000:.0f} ms wall, "
            f"{statistics.median(cpu) * 1000:.0f} ms CPU (median of 5)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--days", type=int, default=None, help="a sample of this many days")
    parser.add_argument("--sizes", default="", help="other papers-per-topic values, e.g. 15,30")
    parser.add_argument("--database", help="an indexed database to use instead of importing")
    parser.add_argument("--backfill", action="store_true", help="time grouping every day")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/corpus.db"
        store = open_store(url)
        store.migrate()
        if not args.database:
            started = time.perf_counter()
            report = import_files(store, [args.path])
            assert report.ok, report.summary()
            update_index(store, Settings(database_url=url), similar=False, topics=False)
            seconds = time.perf_counter() - started
            print(f"imported and indexed {store.count_papers()} papers in {seconds:.0f} s")
        days = load_days(store, args.days)
        papers = sum(len(d.papers) for d in days)
        print(f"{len(days)} days of {MIN_DAY} papers or more, {papers} papers")
        for size in [TOPIC_SIZE, *(int(s) for s in args.sizes.split(",") if s)]:
            chosen = " (TOPIC_SIZE)" if size == TOPIC_SIZE else ""
            print(f"one topic per {size} papers{chosen}:")
            measure(days, size)
        print("time to group:")
        time_grouping(days)
        if args.backfill:
            started = time.perf_counter()
            result = update_topics(store)
            print(
                f"index job, every day: {result.summary()} ({time.perf_counter() - started:.0f} s)"
            )
        store.close()


if __name__ == "__main__":
    main()
