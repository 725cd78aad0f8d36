"""Keyword and vector search inside PostgreSQL against the index files paperwire keeps.

    python benchmarks/pg_engines.py --db sqlite:////path/paperwire.db [--papers 74728]

Reads papers and their fast-tier vectors from an indexed paperwire database, then, on a
PostgreSQL 16 + pgvector server started on loopback from the ``pgserver`` wheel
(``tests/pg.py``), compares in one run:

- keyword: paperwire's tantivy index (``KeywordIndex``, the same fields and weights as
  the service) against a ``tsvector`` column (title weight A, abstract B) with a GIN
  index, ranked by ``ts_rank_cd``, for all-words (``websearch_to_tsquery``) and
  any-word (``|``) queries; 300 queries of 2-3 words from real titles;
- vectors: a usearch HNSW graph (f16, inner product, connectivity 16, as the service
  builds it) against pgvector HNSW (m 16, ef_construction 64, ``vector_ip_ops``) at
  ef_search 40 and 200; 300 queries (papers' own vectors), recall@10 against exact
  search.

Prints build time, size and p50/p95 query latency (single thread, the database round
trip included for PostgreSQL) of each.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paperwire.index.keyword import KeywordIndex  # noqa: E402
from paperwire.store import open_store  # noqa: E402
from tests.pg import running_server  # noqa: E402

T = TypeVar("T")
WORD = re.compile(r"[A-Za-z][A-Za-z-]{3,}")


def timed(run: Callable[[T], object], inputs: list[T]) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds of ``run`` over ``inputs``."""
    took = []
    for value in inputs:
        start = time.perf_counter()
        run(value)
        took.append((time.perf_counter() - start) * 1000)
    took.sort()
    return statistics.median(took), took[int(len(took) * 0.95)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="an indexed paperwire database URL")
    parser.add_argument("--papers", type=int, default=0, help="at most this many (0: all)")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(7)

    store = open_store(args.db, create=False)
    papers = []
    for paper in store.iter_papers():
        papers.append(paper)
        if args.papers and len(papers) >= args.papers:
            break
    blobs = store.vectors_of("fast", [p.id for p in papers])
    store.close()
    papers = [p for p in papers if p.id in blobs]
    ids = [p.id for p in papers]
    matrix = np.stack([np.frombuffer(blobs[i], dtype=np.float16) for i in ids]).astype(np.float32)
    print(f"{len(papers):,} papers with fast vectors of {matrix.shape[1]} dimensions")

    texts: list[str] = []
    for paper in rng.sample(papers, args.queries):
        words = WORD.findall(paper.title)
        if len(words) >= 2:
            k = min(len(words), rng.choice((2, 3)))
            start = rng.randrange(len(words) - k + 1)
            texts.append(" ".join(words[start : start + k]))
    picks = rng.sample(range(len(ids)), args.queries)

    with tempfile.TemporaryDirectory() as tmp, running_server() as server:
        # -- keyword -------------------------------------------------------------------
        start = time.perf_counter()
        with KeywordIndex(Path(tmp) / "keyword") as index:
            index.add_papers(papers)
            index.commit()
            build = time.perf_counter() - start
            size = sum(f.stat().st_size for f in (Path(tmp) / "keyword").rglob("*") if f.is_file())
            p50, p95 = timed(lambda q: index.search(q, limit=20, explain=False), texts)
        print(
            f"keyword tantivy: build {build:.1f} s, {size / 1e6:.0f} MB, "
            f"query p50 {p50:.2f} ms p95 {p95:.2f} ms"
        )

        url = server.database()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE docs (id text PRIMARY KEY, title text, abstract text,"
                " doc tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', title), 'A')"
                " || setweight(to_tsvector('english', abstract), 'B')) STORED)"
            )
            start = time.perf_counter()
            with conn.cursor().copy("COPY docs (id, title, abstract) FROM STDIN") as copy:
                for paper in papers:
                    copy.write_row((paper.id, paper.title, paper.abstract))
            conn.execute("CREATE INDEX docs_doc ON docs USING gin (doc)")
            conn.execute("ANALYZE docs")
            build = time.perf_counter() - start
            size = conn.execute("SELECT pg_total_relation_size('docs')").fetchone()[0]  # type: ignore[index]
            sql_all = (
                "SELECT id FROM docs, websearch_to_tsquery('english', %s) q WHERE doc @@ q"
                " ORDER BY ts_rank_cd(doc, q) DESC LIMIT 20"
            )
            sql_any = (
                "SELECT id FROM docs, to_tsquery('english', %s) q WHERE doc @@ q"
                " ORDER BY ts_rank_cd(doc, q) DESC LIMIT 20"
            )
            a50, a95 = timed(lambda q: conn.execute(sql_all, (q,)).fetchall(), texts)
            o50, o95 = timed(
                lambda q: conn.execute(sql_any, (" | ".join(q.split()),)).fetchall(), texts
            )
        print(
            f"keyword tsvector+GIN: build {build:.1f} s, {size / 1e6:.0f} MB with text, "
            f"all-words p50 {a50:.2f} ms p95 {a95:.2f} ms, "
            f"any-word p50 {o50:.2f} ms p95 {o95:.2f} ms"
        )

        # -- vectors -------------------------------------------------------------------
        exact = {q: set(np.argsort(-(matrix @ matrix[q]))[:10].tolist()) for q in picks}
        from usearch.index import Index

        start = time.perf_counter()
        graph = Index(
            ndim=matrix.shape[1],
            metric="ip",
            dtype="f16",
            connectivity=16,
            expansion_add=128,
            expansion_search=3072,
        )
        graph.add(np.arange(len(ids), dtype=np.uint64), matrix)
        build = time.perf_counter() - start
        for ef in (40, 200, 3072):
            graph.expansion_search = ef
            found: dict[int, set[int]] = {}
            p50, p95 = timed(
                lambda q, found=found: found.__setitem__(
                    q, set(graph.search(matrix[q], 10).keys.tolist())
                ),
                picks,
            )
            recall = statistics.mean(len(found[q] & exact[q]) / 10 for q in picks)
            print(
                f"vectors usearch ef {ef}: build {build:.1f} s, p50 {p50:.2f} ms p95 {p95:.2f} ms,"
                f" recall@10 {recall:.3f}"
            )

        with psycopg.connect(url, autocommit=True) as conn:
            dim = matrix.shape[1]
            conn.execute(f"CREATE TABLE vecs (key int PRIMARY KEY, v vector({dim}))")
            start = time.perf_counter()
            with conn.cursor().copy("COPY vecs (key, v) FROM STDIN") as copy:
                for key, row in enumerate(matrix):
                    copy.write_row((key, "[" + ",".join(f"{x:.5f}" for x in row) + "]"))
            conn.execute("SET maintenance_work_mem = '512MB'")
            conn.execute(
                "CREATE INDEX vecs_v ON vecs USING hnsw (v vector_ip_ops)"
                " WITH (m = 16, ef_construction = 64)"
            )
            build = time.perf_counter() - start
            literals = {q: "[" + ",".join(f"{x:.5f}" for x in matrix[q]) + "]" for q in picks}
            for ef in (40, 200):
                conn.execute(f"SET hnsw.ef_search = {ef}")
                found = {}
                p50, p95 = timed(
                    lambda q, found=found: found.__setitem__(
                        q,
                        {
                            r[0]
                            for r in conn.execute(
                                "SELECT key FROM vecs ORDER BY v <#> %s::vector LIMIT 10",
                                (literals[q],),
                            ).fetchall()
                        },
                    ),
                    picks,
                )
                recall = statistics.mean(len(found[q] & exact[q]) / 10 for q in picks)
                print(
                    f"vectors pgvector ef {ef}: build {build:.1f} s, p50 {p50:.2f} ms "
                    f"p95 {p95:.2f} ms, recall@10 {recall:.3f}"
                )


if __name__ == "__main__":
    main()
