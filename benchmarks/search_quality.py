"""Title -> paper retrieval on the daily corpus, for every search mode and a baseline.

    python benchmarks/search_quality.py [--queries 2000] [--quality-subset 3000]

The index holds each paper's abstract (and authors) but not its title; the query is
the paper's real title and the target is that paper. Reports MRR@10 and recall@10
for paperwire's keyword, semantic and hybrid modes over all 74,728 papers (fast
tier), an arxiv-sanity-lite style tf-idf baseline (max_features 20000, ngrams 1-2,
min_df 5, max_df 0.1, sublinear tf, l2, English stop words) in the same run, and,
because the quality tier embeds ~10 abstracts/s here, the same modes with the quality
tier on a subset (queries drawn from the subset, the subset as the whole index).
Finally a few queries written in our own words, to see meaning found beyond words.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.index.search import MODES, Searcher
from paperwire.models import Paper
from paperwire.sources.arxiv_jsonl import parse_record
from paperwire.store import open_store

CORPUS = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv_daily_cs_2025_2026.jsonl.gz"
)

OWN_WORDS = [
    ("making vision-language models cheaper by dropping image tokens", "token pruning"),
    ("teaching a robot arm from videos of people doing chores", "imitation from human video"),
    ("checking whether a chatbot makes things up", "hallucination detection"),
    ("turning a few photos into a 3D scene you can walk through", "novel view synthesis"),
    ("making large language models forget private data", "machine unlearning"),
]


def load(limit: int | None = None) -> list[Paper]:
    papers = []
    with gzip.open(CORPUS, "rb") as f:
        for n, line in enumerate(f):
            if limit is not None and n >= limit:
                break
            papers.append(parse_record(json.loads(line), where=str(n)))
    return papers


def metrics(ranks: list[int | None]) -> tuple[float, float]:
    mrr = sum(1.0 / r for r in ranks if r is not None and r <= 10) / len(ranks)
    recall = sum(1 for r in ranks if r is not None and r <= 10) / len(ranks)
    return mrr, recall


def rank_of(target: str, ids: list[str]) -> int | None:
    return ids.index(target) + 1 if target in ids else None


def tfidf_ranks(papers: list[Paper], queries: list[Paper]) -> list[int | None]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        max_features=20000,
        ngram_range=(1, 2),
        min_df=5,
        max_df=0.1,
        sublinear_tf=True,
        norm="l2",
        stop_words="english",
    )
    matrix = vectorizer.fit_transform([p.abstract for p in papers]).T.tocsr()
    ranks: list[int | None] = []
    for start in range(0, len(queries), 200):
        chunk = queries[start : start + 200]
        scores = (vectorizer.transform([p.title for p in chunk]) @ matrix).toarray()
        for i, paper in enumerate(chunk):
            top = np.argpartition(-scores[i], 10)[:10]
            top = top[np.argsort(-scores[i][top])]
            ranks.append(rank_of(paper.id, [papers[j].id for j in top]))
    return ranks


def evaluate(papers: list[Paper], queries: list[Paper], *, quality: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db")
        store = open_store(settings.database_url)
        store.migrate()
        blanked = [
            Paper(
                id=p.id,
                title="",
                abstract=p.abstract,
                authors=p.authors,
                categories=p.categories,
                feed_dates=p.feed_dates,
                sources=p.sources,
            )
            for p in papers
        ]
        store.upsert_papers(blanked)
        started = time.perf_counter()
        # search reads neither the similar-paper lists nor the days' topics
        report = update_index(store, settings, quality=quality, similar=False, topics=False)
        print(
            f"  indexed {len(papers)} papers in {time.perf_counter() - started:.1f} s "
            f"({report.summary()})"
        )
        searcher = Searcher(store, settings)
        results: dict[str, float] = {}
        for mode in MODES:
            ranks = [
                rank_of(p.id, [s.paper_id for s in searcher.search(p.title, mode=mode, limit=10)])
                for p in queries
            ]
            mrr, recall = metrics(ranks)
            results[f"{mode} MRR@10"] = mrr
            results[f"{mode} recall@10"] = recall
        if quality:
            print("  own words:")
            for query, topic in OWN_WORDS:
                hits = searcher.search(query, mode="hybrid", limit=3)
                titles = store.get_papers([h.paper_id for h in hits])
                print(f"    {query!r} ({topic}):")
                for h in hits:
                    print(f"      - {titles[h.paper_id].abstract[:110]}...")
        store.close()
    return results


def show(name: str, results: dict[str, float]) -> None:
    print(f"{name}")
    for key, value in results.items():
        print(f"  {key:<22} {value:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--quality-subset", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    papers = [p for p in load() if p.abstract and p.title]
    queries = rng.sample(papers, args.queries)
    print(f"{len(papers)} papers, {len(queries)} title queries")

    mrr, recall = metrics(tfidf_ranks(papers, queries))
    show("tf-idf baseline (arxiv-sanity-lite settings)", {"MRR@10": mrr, "recall@10": recall})
    show("paperwire, fast tier, full corpus", evaluate(papers, queries, quality=False))

    if args.quality_subset:
        subset = rng.sample(papers, args.quality_subset)
        sub_queries = rng.sample(subset, min(args.queries, len(subset) // 2))
        print(f"subset: {len(subset)} papers, {len(sub_queries)} queries")
        mrr, recall = metrics(tfidf_ranks(subset, sub_queries))
        show("tf-idf baseline, subset", {"MRR@10": mrr, "recall@10": recall})
        show("paperwire, fast tier, subset", evaluate(subset, sub_queries, quality=False))
        show("paperwire, quality tier, subset", evaluate(subset, sub_queries, quality=True))


if __name__ == "__main__":
    main()
