"""Index throughput and search latency, over the real corpus and over a million papers.

    python benchmarks/search_speed.py                 # 74,728 real papers
    python benchmarks/search_speed.py --papers 1000000
    python benchmarks/search_speed.py --papers 300000 --workdir /tmp/pw300k   # keep, reuse
    python benchmarks/search_speed.py --backends sqlite postgresql  # side by side

With ``--papers`` above the corpus size, the corpus is kept and synthetic copies of it
are added until the count is reached (``synthetic``, seeded). Copy ``n`` is based on
real paper ``n mod 74,728`` and gets:

- a fresh id ``9xxx.xxxxx``; the base paper's title, authors, categories and feed days;
- an abstract that differs in content, not only in order: each sentence of the base
  abstract is kept with probability 0.6 (at least one is kept), then about 0.4 times
  as many sentences as the base has (at least one) are drawn at random from two other
  real papers of the same primary category, and the result is shuffled.

So copies of one paper share most of their words but not all, and no two papers have
the same bag of words (a mere sentence shuffle gives static, bag-of-words vectors that
are identical for all ~13 copies of a paper, and ties make recall meaningless).

Prints: fast-tier index throughput (keyword index + static embeddings, papers/s),
quality-tier throughput (MiniLM on 300 abstracts; with ``--quality-full`` the wall time
of filling the quality tier of every stored paper, as the quality job does), search
latency p50/p95 per mode (single-threaded, 300 queries made of 2-4 words of real
titles), recall@10 of the
HNSW vector search against exact search (HNSW mode: strict id overlap, and tie-aware),
and the peak resident memory of a fresh process that opens the indexes and answers
the queries.

``--backends sqlite postgresql`` stores and indexes the same papers in each backend
(PostgreSQL: a new database on a server started on loopback, see ``backends.py``) and
prints the figures side by side. Both backends keep the keyword and vector indexes in
files; the database is read for filters and to load the papers a search returns.

``--workdir DIR`` keeps the SQLite database and the indexes in DIR; a later run with the
same ``--papers`` and DIR reuses the SQLite one (the index is caught up, throughput is not
measured). A PostgreSQL database is always made new: by storing and indexing the papers,
or with ``--copy`` by ``paperwire db copy`` of the first backend's database and a copy of
its index folder (the copy keeps each paper's row number, which the index files use).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from backends import NAMES, Backends

from paperwire.config import Settings, index_directory
from paperwire.index.embed import load_embedder, paper_text
from paperwire.index.jobs import fill_quality, sync_graph, update_index
from paperwire.index.neighbours import processes
from paperwire.index.search import MODES, Searcher
from paperwire.index.semantic import VectorSearch
from paperwire.index.tiers import FAST, QUALITY
from paperwire.models import Paper
from paperwire.sources.arxiv_jsonl import parse_record
from paperwire.store import open_store
from paperwire.store.transfer import copy_database

CORPUS = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv_daily_cs_2025_2026.jsonl.gz"
)
SENTENCE = re.compile(r"(?<=[.!?])\s+")


def corpus() -> list[Paper]:
    with gzip.open(CORPUS, "rb") as f:
        return [parse_record(json.loads(line), where=str(n)) for n, line in enumerate(f)]


def synthetic(papers: list[Paper], total: int, seed: int = 1) -> list[Paper]:
    """The real papers plus copies up to ``total`` (see the module docstring)."""
    rng = random.Random(seed)
    sentences = [SENTENCE.split(p.abstract) for p in papers]
    by_category: dict[str, list[int]] = {}
    for i, paper in enumerate(papers):
        by_category.setdefault(paper.categories[0] if paper.categories else "", []).append(i)
    out = list(papers)
    n = 0
    while len(out) < total:
        i = n % len(papers)
        base = papers[i]
        own = sentences[i]
        kept = [s for s in own if rng.random() < 0.6] or [rng.choice(own)]
        peers = by_category[base.categories[0] if base.categories else ""]
        donors = [sentences[rng.choice(peers)] for _ in range(2)]
        for _ in range(max(1, round(0.4 * len(own)))):
            kept.append(rng.choice(rng.choice(donors)))
        rng.shuffle(kept)
        out.append(
            Paper(
                id=f"9{n // 100000:03d}.{n % 100000:05d}",
                title=base.title,
                abstract=" ".join(kept),
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


def serve_queries(db_url: str, index_dir: str, qs: list[str], hnsw_threshold: int) -> None:
    """Run in a fresh process: open, answer every query in every mode, print the
    figures as one JSON object."""
    settings = Settings(database_url=db_url, index_dir=index_dir, hnsw_threshold=hnsw_threshold)
    store = open_store(db_url)
    searcher = Searcher(store, settings)
    for q in qs:
        for mode in MODES:
            # Warm up every mode on every query first, so no mode pays for cold page
            # cache (index files are memory-mapped) that the next one then enjoys.
            searcher.search(q, mode=mode, limit=10)
    figures: dict[str, object] = {}
    for mode in MODES:
        times = []
        for q in qs:
            start = time.perf_counter()
            searcher.search(q, mode=mode, limit=10)
            times.append(time.perf_counter() - start)
        figures[mode] = percentiles(times)
    figures["memory"] = resident()
    store.close()
    print(json.dumps(figures))


def resident() -> str:
    """The process's peak resident memory (VmHWM), and what is resident now, split into
    anonymous (heap) and file-backed (memory-mapped index files) pages.

    Not ``getrusage().ru_maxrss``: Linux carries that figure over from the parent across
    fork and exec, so a child of the benchmark (which holds every paper in memory while it
    builds the store) reported the parent's peak (3.1 GB at 1M) instead of its own."""
    try:
        status = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return f"{rss:,.0f} MiB (ru_maxrss; no /proc)"
    values = {}
    for line in status:
        name, _, value = line.partition(":")
        if name in ("VmHWM", "RssAnon", "RssFile"):
            values[name] = int(value.split()[0]) / 1024
    return (
        f"{values['VmHWM']:,.0f} MiB (VmHWM; now anonymous {values['RssAnon']:,.0f} MiB, "
        f"file-backed {values['RssFile']:,.0f} MiB)"
    )


def recall_at_10(
    db_url: str, index_dir: str, qs: list[str], hnsw_threshold: int
) -> tuple[float, float]:
    """Recall@10 of the HNSW search against exact search over the same stored vectors:
    (strict: share of the exact top-10 ids found, tie-aware: share of found neighbours
    at least as close as the exact 10th, less 1e-4)."""
    settings = Settings(database_url=db_url, index_dir=index_dir, hnsw_threshold=hnsw_threshold)
    store = open_store(db_url)
    directory = index_directory(settings)
    graph = VectorSearch(store, FAST, directory, hnsw_threshold=hnsw_threshold)
    exact = VectorSearch(store, FAST, directory, hnsw_threshold=10**12)
    embedder = load_embedder(FAST)
    strict = tied = 0
    for q in qs:
        v = embedder.encode([q])[0]
        truth = exact.search(v, limit=10)
        found = graph.search(v, limit=10)
        strict += len({n.paper_id for n in truth} & {n.paper_id for n in found})
        tenth = truth[-1].similarity - 1e-4
        tied += sum(1 for n in found if n.similarity >= tenth)
    store.close()
    return strict / (10 * len(qs)), tied / (10 * len(qs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=0)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--hnsw-threshold", type=int, default=200_000)
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the SQLite database here")
    parser.add_argument("--backends", nargs="+", default=["sqlite"], choices=NAMES)
    parser.add_argument("--postgres-url", help="an existing server (default: one on loopback)")
    parser.add_argument(
        "--copy",
        action="store_true",
        help="make each backend after the first by `db copy` of the first, index files copied",
    )
    parser.add_argument(
        "--quality-full",
        action="store_true",
        help="also fill the quality tier of every paper of the first backend, timed",
    )
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        url, index_dir, query_file = args.serve
        serve_queries(url, index_dir, json.loads(Path(query_file).read_text()), args.hnsw_threshold)
        return

    real = corpus()
    qs = queries(real, args.queries)
    results: dict[str, dict[str, str]] = {}
    with Backends(args.backends, args.postgres_url) as backends:
        if args.workdir is not None:
            args.workdir.mkdir(parents=True, exist_ok=True)
            run(args, real, qs, args.workdir, backends, results)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                run(args, real, qs, Path(tmp), backends, results)
    target = max(args.papers, len(real))
    print(f"\nsearch over {target:,} papers, {len(qs)} queries, single-threaded, p50 / p95:")
    rows = ["stored", "fast tier", *(["quality tier"] if args.quality_full else []), *MODES]
    rows.append("memory")
    if target > args.hnsw_threshold:
        rows.append("HNSW recall@10")
    for row in rows:
        cells = "".join(f" | {name}: {results[name].get(row, '-')}" for name in results)
        print(f"  {row:<16}{cells}")


def run(
    args: argparse.Namespace,
    real: list[Paper],
    qs: list[str],
    folder: Path,
    backends: Backends,
    results: dict[str, dict[str, str]],
) -> None:
    target = max(args.papers, len(real))
    query_file = folder / "queries.json"
    query_file.write_text(json.dumps(qs))
    papers: list[Paper] | None = None
    first: tuple[str, str] | None = None  # the first backend's URL and index folder
    for name in args.backends:
        figures = results.setdefault(name, {})
        if name == "sqlite" and args.workdir is not None:
            url = f"sqlite:///{folder}/bench.db"
        else:
            url = backends.url(name, folder)
        index_dir = str(folder / f"{name}.index")
        settings = Settings(
            database_url=url, index_dir=index_dir, hnsw_threshold=args.hnsw_threshold
        )
        if args.copy and first is not None:
            start = time.perf_counter()
            copied = copy_database(first[0], url)
            shutil.copytree(first[1], index_dir, dirs_exist_ok=True)
            elapsed = time.perf_counter() - start
            figures["stored"] = f"db copy {elapsed:.1f} s, equal: {copied.is_equal}"
            print(f"{name}: {copied.rows:,} rows copied from {first[0]} in {elapsed:.1f} s")
        store = open_store(url)
        store.migrate()
        if store.count_papers() == target:
            report = update_index(store, settings, similar=False, topics=False)
            print(f"{name}: reusing {target:,} papers in {folder}; catch-up: {report.summary()}")
        else:
            if papers is None:
                papers = synthetic(real, args.papers) if args.papers > len(real) else real
            start = time.perf_counter()
            for i in range(0, len(papers), 50_000):
                store.upsert_papers(papers[i : i + 50_000])
            elapsed = time.perf_counter() - start
            figures["stored"] = f"{elapsed:.1f} s ({len(papers) / elapsed:,.0f} papers/s)"
            print(f"{name}: {len(papers):,} papers stored in {elapsed:.1f} s", flush=True)

            start = time.perf_counter()
            # what search needs; the similar-paper lists and the days' topics are not timed
            report = update_index(store, settings, similar=False, topics=False)
            elapsed = time.perf_counter() - start
            graph = " + HNSW graph" if report.graph else ""
            figures["fast tier"] = f"{target / elapsed:,.0f} papers/s"
            print(
                f"{name}: fast tier {report.summary()}; {target / elapsed:,.0f} papers/s "
                f"(keyword index + static embeddings{graph})",
                flush=True,
            )
        if args.quality_full and first is None:
            # the whole store, as the quality job covers it, with the graph when it is due
            start = time.perf_counter()
            filled = fill_quality(store, workers=processes(settings))
            sync_graph(store, settings, QUALITY)
            elapsed = time.perf_counter() - start
            figures["quality tier"] = (
                f"{filled:,} papers in {elapsed / 60:.1f} min ({filled / elapsed:.1f}/s)"
            )
            print(f"{name}: quality tier {figures['quality tier']}", flush=True)
        store.close()
        first = first or (url, index_dir)

        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--serve",
                url,
                index_dir,
                str(query_file),
                "--hnsw-threshold",
                str(args.hnsw_threshold),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        figures.update(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"{name}: searched", flush=True)
        if target > args.hnsw_threshold:
            strict, tied = recall_at_10(url, index_dir, qs[:100], args.hnsw_threshold)
            figures["HNSW recall@10"] = f"{strict:.3f} ({tied:.3f} tie-aware)"

    sample = [paper_text(p.title, p.abstract) for p in random.Random(3).sample(real, 300)]
    quality = load_embedder("quality")
    quality.encode(sample[:4])
    start = time.perf_counter()
    quality.encode(sample)
    print(
        f"quality-tier throughput: {len(sample) / (time.perf_counter() - start):.1f} "
        "abstracts/s (MiniLM int8 ONNX, 2 threads; the same for both backends)"
    )


if __name__ == "__main__":
    main()
