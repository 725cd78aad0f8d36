"""Index throughput and search latency, over the real corpus and over a million papers.

    python benchmarks/search_speed.py                 # 74,728 real papers
    python benchmarks/search_speed.py --papers 1000000

With ``--papers`` above the corpus size, the corpus is copied until the count is
reached: each copy gets fresh ids (``9xxx.xxxxx``) and the sentences of its abstract
shuffled (seeded), so copies are different documents with the real vocabulary.

Prints: fast-tier index throughput (keyword index + static embeddings, papers/s),
quality-tier throughput (MiniLM on 300 abstracts), search latency p50/p95 per mode
(single-threaded, 300 queries made of 2-4 words of real titles), recall@10 of the
vector search against exact search (HNSW mode), and the peak resident memory of a
fresh process that opens the indexes and answers the queries.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from paperwire.config import Settings, index_directory
from paperwire.index.embed import load_embedder, paper_text
from paperwire.index.jobs import FAST, update_index
from paperwire.index.semantic import VectorSearch
from paperwire.models import Paper
from paperwire.search import MODES, Searcher
from paperwire.sources.arxiv_jsonl import parse_record
from paperwire.store import open_store

CORPUS = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv_daily_cs_2025_2026.jsonl.gz"
)
SENTENCE = re.compile(r"(?<=[.!?])\s+")


def corpus() -> list[Paper]:
    with gzip.open(CORPUS, "rb") as f:
        return [parse_record(json.loads(line), where=str(n)) for n, line in enumerate(f)]


def synthetic(papers: list[Paper], total: int, seed: int = 1) -> list[Paper]:
    rng = random.Random(seed)
    out = list(papers)
    n = 0
    while len(out) < total:
        base = papers[n % len(papers)]
        sentences = SENTENCE.split(base.abstract)
        rng.shuffle(sentences)
        out.append(
            Paper(
                id=f"9{n // 100000:03d}.{n % 100000:05d}",
                title=base.title,
                abstract=" ".join(sentences),
                authors=base.authors,
                categories=base.categories,
                feed_dates=base.feed_dates,
                sources=["synthetic"],
            )
        )
        n += 1
    return out


def queries(papers: list[Paper], n: int, seed: int = 2) -> list[str]:
    rng = random.Random(seed)
    out = []
    for paper in rng.sample(papers, n):
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z\-]+", paper.title) if len(w) > 3]
        if len(words) >= 2:
            k = rng.randint(2, min(4, len(words)))
            out.append(" ".join(rng.sample(words, k)))
    return out


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p50 = statistics.median(ms)
    p95 = ms[int(len(ms) * 0.95) - 1]
    return f"p50 {p50:6.2f} ms  p95 {p95:6.2f} ms"


def serve_queries(db_url: str, qs: list[str], hnsw_threshold: int) -> None:
    """Run in a fresh process: open, answer every query in every mode, print figures."""
    settings = Settings(database_url=db_url, hnsw_threshold=hnsw_threshold)
    store = open_store(db_url)
    searcher = Searcher(store, settings)
    for q in qs:
        for mode in MODES:
            # Warm up every mode on every query first, so no mode pays for cold page
            # cache (index files are memory-mapped) that the next one then enjoys.
            searcher.search(q, mode=mode, limit=10)
    for mode in MODES:
        times = []
        for q in qs:
            start = time.perf_counter()
            searcher.search(q, mode=mode, limit=10)
            times.append(time.perf_counter() - start)
        print(f"  {mode:<9} {percentiles(times)}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak resident memory of the search process: {rss:,.0f} MiB")


def recall_at_10(db_url: str, qs: list[str], hnsw_threshold: int) -> float:
    settings = Settings(database_url=db_url, hnsw_threshold=hnsw_threshold)
    store = open_store(db_url)
    directory = index_directory(settings)
    graph = VectorSearch(store, FAST, directory, hnsw_threshold=hnsw_threshold)
    exact = VectorSearch(store, FAST, directory, hnsw_threshold=10**12)
    embedder = load_embedder(FAST)
    hits = 0
    for q in qs:
        v = embedder.encode([q])[0]
        truth = exact.search(v, limit=10)
        # Tie-aware: synthetic copies share a bag of words, so static vectors repeat;
        # any neighbour as close as the 10th exact one is a correct answer.
        tenth = truth[-1].similarity - 1e-4
        found = graph.search(v, limit=10)
        hits += sum(1 for n in found if n.similarity >= tenth)
    store.close()
    return hits / (10 * len(qs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=0)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--hnsw-threshold", type=int, default=200_000)
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        qs = json.loads(Path(args.serve[1]).read_text())
        serve_queries(args.serve[0], qs, args.hnsw_threshold)
        return

    real = corpus()
    papers = synthetic(real, args.papers) if args.papers > len(real) else real
    qs = queries(real, args.queries)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        settings = Settings(database_url=url, hnsw_threshold=args.hnsw_threshold)
        store = open_store(url)
        store.migrate()
        start = time.perf_counter()
        for i in range(0, len(papers), 50_000):
            store.upsert_papers(papers[i : i + 50_000])
        print(f"{len(papers):,} papers stored in {time.perf_counter() - start:.1f} s")

        start = time.perf_counter()
        report = update_index(store, settings)
        elapsed = time.perf_counter() - start
        print(f"fast tier: {report.summary()}")
        print(
            f"fast-tier index throughput: {len(papers) / elapsed:,.0f} papers/s "
            f"(keyword index + static embeddings{' + HNSW graph' if report.graph else ''})"
        )

        sample = [paper_text(p.title, p.abstract) for p in random.Random(3).sample(real, 300)]
        quality = load_embedder("quality")
        quality.encode(sample[:4])
        start = time.perf_counter()
        quality.encode(sample)
        print(
            f"quality-tier throughput: {len(sample) / (time.perf_counter() - start):.1f} "
            "abstracts/s (MiniLM int8 ONNX, 2 threads)"
        )
        store.close()

        query_file = Path(tmp) / "queries.json"
        query_file.write_text(json.dumps(qs))
        print(f"search latency over {len(papers):,} papers, {len(qs)} queries, single-threaded:")
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--serve",
                url,
                str(query_file),
                "--hnsw-threshold",
                str(args.hnsw_threshold),
            ],
            check=True,
        )
        if len(papers) > args.hnsw_threshold:
            recall = recall_at_10(url, qs[:100], args.hnsw_threshold)
            print(f"vector recall@10 against exact search: {recall:.3f}")


if __name__ == "__main__":
    main()
