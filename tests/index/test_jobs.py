"""paperwire index: incremental, tiered, crash-safe."""

import gzip
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

from paperwire.config import Settings, index_directory
from paperwire.index.jobs import BATCH, FAST, QUALITY, QUALITY_BATCH, fill_quality, update_index
from paperwire.index.keyword import KeywordIndex
from paperwire.ingest import import_files
from paperwire.models import Paper
from paperwire.store import open_store


def test_second_run_indexes_only_what_changed(indexed):
    store, settings = indexed
    total = store.count_papers()
    assert store.count_vectors(FAST) == total
    again = update_index(store, settings, similar=False)
    assert (again.keyword, again.fast) == (0, 0)

    paper = store.list_papers(limit=1)[0]
    store.upsert_papers(
        [replace(paper, version=(paper.version or 1) + 1, abstract="A quokkanomic text.")]
    )
    store.upsert_papers([replace(store.list_papers(limit=2)[1], upvotes=99)])
    report = update_index(store, settings, similar=False)
    assert report.keyword == 2  # both changed papers reach the keyword index
    assert report.fast == 1  # only the one whose text changed is embedded again
    hits = KeywordIndex(index_directory(settings) / "keyword").search("quokkanomic", limit=3)
    assert hits[0].paper_id == paper.id


def test_merged_listing_entry_leaves_the_index(indexed):
    store, settings = indexed
    store.upsert_papers(
        [
            Paper(
                id="listing:x1",
                title="An Entirely Unique Listing Title",
                abstract="Zyzzyva quokka abstract.",
                sources=["listing"],
            )
        ]
    )
    update_index(store, settings, similar=False)
    keyword = KeywordIndex(index_directory(settings) / "keyword")
    assert [h.paper_id for h in keyword.search("zyzzyva quokka")] == ["listing:x1"]
    store.upsert_papers(
        [
            Paper(
                id="2699.00001",
                title="An entirely unique listing title",
                abstract="Zyzzyva quokka abstract.",
                sources=["arxiv-api"],
            )
        ]
    )
    report = update_index(store, settings, similar=False)
    assert report.removed == 1
    keyword = KeywordIndex(index_directory(settings) / "keyword")
    assert [h.paper_id for h in keyword.search("zyzzyva quokka")] == ["2699.00001"]


def test_quality_tier_fills_newest_first_and_resumes(indexed):
    store, settings = indexed
    total = store.count_papers()
    assert store.count_vectors(QUALITY) == 0
    assert fill_quality(store, limit=5) == 5
    assert store.count_vectors(QUALITY) == 5
    newest = {p.id for p in store.list_papers(limit=5)}
    assert set(store.vector_hashes(QUALITY, list(newest))) <= newest | set()
    assert store.count_vectors(QUALITY) < total


def test_quality_tier_in_two_processes_gives_the_vectors_of_one(indexed):
    import numpy as np

    store, _ = indexed
    here = QUALITY_BATCH * 2 + 5
    # More than a batch for each of two workers: they run; the last 5 are done the same way.
    assert fill_quality(store, limit=here, workers=2) == here
    every = [p.id for p in store.list_papers(limit=store.count_papers())]
    newest = sorted(store.vector_hashes(QUALITY, every))
    assert len(newest) == here
    parallel = store.vectors_of(QUALITY, newest)
    store.mark_vectors_stale(QUALITY)
    assert fill_quality(store, limit=here, workers=1) == here
    alone = store.vectors_of(QUALITY, newest)
    assert alone.keys() == parallel.keys() == set(newest)
    for paper_id in newest:
        a = np.frombuffer(parallel[paper_id], dtype="<f2").astype(np.float32)
        b = np.frombuffer(alone[paper_id], dtype="<f2").astype(np.float32)
        assert float(a @ b) / float(np.linalg.norm(a) * np.linalg.norm(b)) > 0.999, paper_id


def test_quality_tier_stops_between_batches_and_keeps_them(indexed):
    store, _ = indexed
    rounds: list[int] = []
    filled = fill_quality(
        store,
        workers=2,
        progress=lambda _tier, done, _total: rounds.append(done),
        should_stop=lambda: len(rounds) >= 2,
    )
    assert filled == QUALITY_BATCH * 2 * 2 == rounds[-1]
    assert store.count_vectors(QUALITY) == filled


def test_a_killed_index_run_is_finished_by_the_next(shared_data, tmp_path):
    db = tmp_path / "paperwire.db"
    url = f"sqlite:///{db}"
    lines = []
    with gzip.open(shared_data / "arxiv_daily_cs_2025_2026.jsonl.gz", "rb") as f:
        lines = [line for _, line in zip(range(12000), f, strict=False)]
    sample = tmp_path / "papers.jsonl"
    sample.write_bytes(b"".join(lines))
    store = open_store(url)
    store.migrate()
    assert import_files(store, [sample]).counts.new == 12000
    store.close()

    env = {**os.environ, "PAPERWIRE_DATABASE_URL": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "paperwire", "index"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    state = tmp_path / "paperwire.index" / "state.json"
    deadline = time.monotonic() + 60
    while not state.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"

    store = open_store(url)
    partial = KeywordIndex(tmp_path / "paperwire.index" / "keyword").count()
    assert 0 < partial < 12000
    report = update_index(store, Settings(database_url=url), similar=False)
    # the next run redoes at most the batch that was in progress, nothing before it
    assert 12000 - partial <= report.keyword <= 12000 - partial + BATCH
    assert KeywordIndex(tmp_path / "paperwire.index" / "keyword").count() == 12000
    assert store.count_vectors(FAST) == 12000
    assert update_index(store, Settings(database_url=url), similar=False).keyword == 0
    store.close()


def test_hnsw_mode_matches_exact_search_and_catches_up(indexed):
    from paperwire.index.embed import load_embedder
    from paperwire.index.semantic import VectorSearch

    store, settings = indexed
    directory = index_directory(settings)
    exact = VectorSearch(store, FAST, directory)
    graph = VectorSearch(store, FAST, directory, hnsw_threshold=100)
    assert graph.sync() == store.count_papers()
    assert (directory / "fast.usearch").exists()
    assert graph.sync() == 0
    embedder = load_embedder(FAST)
    queries = [
        "token pruning for vision language models",
        "robot grasping",
        "speech recognition",
        "medical image segmentation",
        "graph neural networks",
        "diffusion video editing",
    ]
    overlap = 0
    for q in queries:
        v = embedder.encode([q])[0]
        a = {n.paper_id for n in exact.search(v, limit=10)}
        b = {n.paper_id for n in graph.search(v, limit=10)}
        overlap += len(a & b)
    assert overlap / (10 * len(queries)) >= 0.9
    # A search with its own beam width (hybrid's nudge) answers, and the next search
    # uses the graph's own width again.
    v = embedder.encode([queries[0]])[0]
    full = [n.paper_id for n in graph.search(v, limit=10)]
    narrow = graph.search(v, limit=10, ef=10)
    assert len(narrow) == 10
    assert [n.paper_id for n in graph.search(v, limit=10)] == full
    # a new paper reaches the graph with the next sync
    paper = Paper(
        id="2699.00002",
        title="Quokka detection",
        abstract="Finding quokkas in photos.",
        sources=["test"],
    )
    store.upsert_papers([paper])
    update_index(store, settings.model_copy(update={"hnsw_threshold": 100}), similar=False)
    fresh = VectorSearch(store, FAST, directory, hnsw_threshold=100)
    found = fresh.search(embedder.encode(["quokka detection in photos"])[0], limit=3)
    assert found[0].paper_id == "2699.00002"
