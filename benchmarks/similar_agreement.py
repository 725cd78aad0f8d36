"""How the fast tier's similar-paper fusion weights were chosen, without graded data.

    python benchmarks/similar_agreement.py [--papers 400]

On the bundled sample (with its shipped MiniLM vectors), take the quality tier's 10
nearest papers of each paper as the reference, and measure how many of them the fast
tier finds (agreement@10) when it fuses lexical neighbours (BM25 over the paper's key
terms) and static-embedding neighbours with different weights.
"""

from __future__ import annotations

import argparse
import random
import tempfile

from paperwire.config import Settings
from paperwire.index.jobs import FAST, QUALITY, load_sample_vectors, update_index
from paperwire.index.search import Searcher, _meaning, _words, fuse
from paperwire.ingest import import_files, sample_path, sample_vectors_path
from paperwire.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--papers", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/sample.db")
        store = open_store(settings.database_url)
        store.migrate()
        import_files(store, [sample_path()])
        load_sample_vectors(store, sample_path(), sample_vectors_path())
        update_index(store, settings)
        searcher = Searcher(store, settings)
        ids = [p.id for p in store.list_papers(limit=10_000)]
        rows = []
        for pid in random.Random(1).sample(ids, args.papers):
            exclude = frozenset({pid})
            quality = searcher.vectors[QUALITY]
            reference = quality.vector_of(pid)
            assert reference is not None
            truth = {n.paper_id for n in quality.search(reference, limit=10, exclude=exclude)}
            fast = searcher.vectors[FAST]
            own = fast.vector_of(pid)
            assert own is not None
            lexical = _words(searcher.keyword.similar(pid, limit=50))
            static = _meaning(fast.search(own, limit=50, exclude=exclude), FAST)
            rows.append((truth, lexical, static))
        for w in (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0):
            weights = {"keyword": w, FAST: 1 - w}
            found = 0
            for truth, lexical, static in rows:
                fused = fuse([lexical, static], weights, limit=10)
                found += len(truth & {s.paper_id for s in fused})
            print(
                f"keyword {w:.1f} + fast {1 - w:.1f}: agreement@10 {found / (10 * len(rows)):.3f}"
            )
        store.close()


if __name__ == "__main__":
    main()
