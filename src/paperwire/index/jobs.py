"""``paperwire index``: bring the keyword index and the vector tiers up to date.

The store numbers every write (``revision``); the index folder remembers up to which
revision it is current (``state.json``). One pass:

1. papers changed since that revision, in batches: upsert them into the keyword index
   and compute fast-tier vectors for those whose text changed (stored in the database,
   in the batch's transaction), then commit the keyword index and advance the state;
2. papers removed since (listing entries merged into their arXiv record) leave the
   keyword index;
3. HNSW graphs (only above the threshold) catch up with the stored vectors;
4. the days of new and changed papers are grouped into topics again where their papers
   changed (``paperwire.index.topics``), for the day page;
5. the similar papers of new and changed papers (and of their neighbours) are computed
   and stored, in small committed batches (``paperwire.index.neighbours``): pages and
   the API only read them. This comes before the quality tier, so new papers never
   wait for a long backfill;
6. with ``quality=True``: fill the quality tier, newest papers first, in small
   committed batches, until every paper has a current quality vector, and bring its
   graph up to date. Lists of papers that gained a quality vector are computed again
   by the next run.

The scheduler runs steps 1-5 (``update_index``) and the quality tier
(``fill_quality_slice``: a bounded time, then it stops) as two jobs that may run at
once, so new papers are searchable within a minute even during a long backfill. Graph
files are written under a lock file per tier, so two processes never write one at once.

Vectors of different models cannot be compared, so the store remembers which model made
each tier's vectors (the checkpoint ``index_models``: each weights file's SHA-256). When
an upgrade ships a new model, both jobs first mark that tier's vectors stale
(``note_models``); the index job then computes every fast vector again in its run, and
the quality job replaces the quality vectors newest first. The old vectors serve until
each is replaced.

A crash anywhere loses at most the batch in progress: the next run redoes it, and
redoing is harmless (upserts by id, vectors replaced by paper).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from paperwire.config import Settings, index_directory
from paperwire.index.embed import (
    Vectors,
    load_embedder,
    model_identity,
    paper_text,
    quality_encoder,
)
from paperwire.index.keyword import KeywordIndex
from paperwire.index.neighbours import processes, update_similar
from paperwire.index.semantic import VectorSearch, encode_vector
from paperwire.index.tiers import FAST, QUALITY, TIERS, Progress
from paperwire.index.topics import update_topics
from paperwire.models import Paper
from paperwire.normalize import text_hash
from paperwire.store.base import Store

BATCH = 2000
QUALITY_BATCH = 32
#: The checkpoint naming the model of each tier's stored vectors.
MODELS = "index_models"


@dataclass(slots=True)
class IndexReport:
    keyword: int = 0
    fast: int = 0
    quality: int = 0
    removed: int = 0
    graph: dict[str, int] = field(default_factory=dict)
    #: similar-paper lists computed: new or changed papers, their neighbours, refreshes
    similar: int = 0
    similar_changed: int = 0
    #: days grouped into topics again
    topic_days: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        line = (
            f"indexed {self.keyword} papers, {self.fast} fast vectors, "
            f"{self.quality} quality vectors, {self.removed} removed, "
            f"{self.similar} similar lists, {self.topic_days} days by topic"
        )
        return f"{line} in {self.seconds:.1f} s"


class IndexState:
    """``state.json`` in the index folder: up to which store revision it is current."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "state.json"

    def read(self) -> dict[str, Any]:
        try:
            value: dict[str, Any] = json.loads(self.path.read_text())
            return value
        except (FileNotFoundError, ValueError):
            return {}

    def write(self, value: dict[str, Any]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(value, sort_keys=True))
        os.replace(tmp, self.path)


def _fast_vectors(store: Store, papers: list[Paper]) -> int:
    stored = store.vector_hashes(FAST, [p.id for p in papers])
    todo = [p for p in papers if stored.get(p.id) != text_hash(p.title, p.abstract)]
    if not todo:
        return 0
    embedder = load_embedder(FAST)
    vectors = embedder.encode([paper_text(p.title, p.abstract) for p in todo])
    with store.atomic():
        store.save_vectors(
            FAST,
            [
                (p.id, text_hash(p.title, p.abstract), encode_vector(v))
                for p, v in zip(todo, vectors, strict=True)
            ],
        )
    return len(todo)


def note_models(store: Store) -> list[str]:
    """Mark stale the stored vectors of each tier whose model is not the one this
    paperwire loads (see the module docstring); returns the tiers marked. Tiers marked
    before and not yet computed again stay listed under ``stale`` in the checkpoint."""
    current = {tier: model_identity(tier) for tier in TIERS}

    def changed_tiers() -> list[str]:
        known = store.get_checkpoint(MODELS) or {}
        return [tier for tier in TIERS if known.get(tier) != current[tier]]

    if not changed_tiers():  # every run: a read, no write transaction
        return []
    with store.atomic():
        known = store.get_checkpoint(MODELS) or {}
        changed = changed_tiers()
        if not changed:
            return []
        marked = [tier for tier in changed if store.mark_vectors_stale(tier)]
        stale = sorted({*known.get("stale", []), *marked})
        store.set_checkpoint(MODELS, {**current, "stale": stale})
    return marked


def _stale_tiers(store: Store) -> list[str]:
    return list((store.get_checkpoint(MODELS) or {}).get("stale", []))


def _done_with_stale(store: Store, tier: str) -> None:
    with store.atomic():
        value = store.get_checkpoint(MODELS) or {}
        value["stale"] = [t for t in value.get("stale", []) if t != tier]
        store.set_checkpoint(MODELS, value)


def _refresh_fast(store: Store) -> int:
    """Compute again every fast vector marked stale; returns how many."""
    done = 0
    last: set[str] = set()
    while papers := store.papers_missing_vectors(FAST, limit=BATCH):
        ids = {p.id for p in papers}
        if ids == last:  # removed while we computed them: nothing more to do
            break
        last = ids
        done += _fast_vectors(store, papers)
    _done_with_stale(store, FAST)
    return done


@contextmanager
def graph_lock(directory: Path, tier: str) -> Iterator[None]:
    """Hold the lock of ``tier``'s graph files in ``directory`` (other threads and
    processes wait for it)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f".{tier}.graph.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync_graph(store: Store, settings: Settings, tier: str) -> int:
    """Bring ``tier``'s HNSW graph up to date with its stored vectors (under its lock);
    returns how many vectors it gained."""
    directory = index_directory(settings)
    with graph_lock(directory, tier):
        graph = VectorSearch(store, tier, directory, hnsw_threshold=settings.hnsw_threshold)
        return graph.sync()


def fill_quality_slice(
    store: Store,
    settings: Settings,
    *,
    seconds: float,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[int, int]:
    """Fill quality vectors for at most ``seconds`` (stopping between two batches), then
    bring the quality graph up to date. Returns (vectors filled, vectors left to fill)."""
    deadline = time.monotonic() + seconds
    filled = fill_quality(
        store,
        progress=progress,
        should_stop=lambda: should_stop() or time.monotonic() >= deadline,
        workers=processes(settings),
    )
    if filled:
        sync_graph(store, settings, QUALITY)
    return filled, store.count_papers() - store.count_vectors(QUALITY)


def fill_quality(
    store: Store,
    *,
    limit: int | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    workers: int = 1,
) -> int:
    """Compute missing or stale quality vectors, newest papers first; returns how many.
    With ``workers`` > 1 and more than a batch for each to do, in that many processes."""
    done = 0
    note_models(store)
    size = QUALITY_BATCH * max(1, workers)

    def missing() -> list[Paper] | None:
        """The next papers to do; None when ``limit`` is reached."""
        left = size if limit is None else min(size, limit - done)
        return store.papers_missing_vectors(QUALITY, limit=left) if left > 0 else None

    papers = missing()
    with ExitStack() as stack:
        # the model (or its processes) starts with the first batch
        encode: Callable[[Sequence[str]], Vectors] | None = None
        while papers and not should_stop():
            if encode is None:
                encode = stack.enter_context(quality_encoder(workers if len(papers) == size else 1))
            vectors = encode([paper_text(p.title, p.abstract) for p in papers])
            with store.atomic():
                store.save_vectors(
                    QUALITY,
                    [
                        (p.id, text_hash(p.title, p.abstract), encode_vector(v))
                        for p, v in zip(papers, vectors, strict=True)
                    ],
                )
            done += len(papers)
            if progress is not None:
                left = store.count_papers() - store.count_vectors(QUALITY)
                progress(QUALITY, done, done + left)
            papers = missing()
    if papers == [] and QUALITY in _stale_tiers(store):
        _done_with_stale(store, QUALITY)
    return done


def update_index(
    store: Store,
    settings: Settings,
    *,
    quality: bool = False,
    similar: bool = True,
    refresh_similar: bool = False,
    topics: bool = True,
    progress: Progress | None = None,
) -> IndexReport:
    """One pass (see the module docstring). ``similar=False`` leaves the similar papers
    for a later run; ``refresh_similar`` recomputes every list, not only those of new
    and changed papers; ``topics=False`` leaves the days' topics for a later run."""
    started = time.perf_counter()
    directory = index_directory(settings)
    directory.mkdir(parents=True, exist_ok=True)
    report = IndexReport()
    note_models(store)
    state_file = IndexState(directory)
    state = state_file.read()
    keyword = KeywordIndex(directory / "keyword")
    if state.get("keyword_generation") != keyword.generation:
        # A new or rebuilt keyword index (perhaps rebuilt by another process): fill it again.
        state = {"keyword_generation": keyword.generation}
    after = int(state.get("revision", 0))
    target = store.max_revision()
    deleted = store.deleted_papers(after=int(state.get("deleted", 0)))
    removed = [pid for _, pid, _ in deleted]
    if deleted:
        keyword.delete(removed)
        keyword.commit()
        with store.atomic():
            store.delete_similar(removed)
        report.removed = len(deleted)
        state["deleted"] = deleted[-1][0]
        state_file.write(state)
    while True:
        changed = store.changed_papers(after=after, limit=BATCH)
        if not changed:
            break
        papers = [p for _, p in changed]
        report.fast += _fast_vectors(store, papers)
        keyword.add_papers(papers)
        keyword.commit()
        after = changed[-1][0]
        report.keyword += len(papers)
        state["revision"] = after
        state_file.write(state)
        if progress is not None:
            progress("keyword", after, target)

    if FAST in _stale_tiers(store):
        report.fast += _refresh_fast(store)

    def sync_graphs() -> None:
        for tier in TIERS:
            added = sync_graph(store, settings, tier)
            if added:
                report.graph[tier] = report.graph.get(tier, 0) + added

    sync_graphs()
    if topics:
        report.topic_days = update_topics(store, progress=progress).grouped
    if similar:
        lists = update_similar(
            store, settings, removed=removed, refresh_all=refresh_similar, progress=progress
        )
        report.similar, report.similar_changed = lists.computed, lists.changed
    if quality:
        report.quality = fill_quality(store, progress=progress, workers=processes(settings))
        if report.quality:
            sync_graphs()
    report.seconds = time.perf_counter() - started
    return report


def load_sample_vectors(store: Store, papers_path: Path, vectors_path: Path) -> int:
    """Store the shipped quality vectors of the bundled sample, for each paper whose
    stored text is still the text they were computed from; returns how many."""
    import gzip

    import numpy as np

    from paperwire.sources.arxiv_jsonl import parse_arxiv_jsonl

    with gzip.open(papers_path, "rb") as stream:
        shipped = {
            p.id: text_hash(p.title, p.abstract)
            for p in parse_arxiv_jsonl(cast(IO[bytes], stream), origin=str(papers_path))
            if isinstance(p, Paper)
        }
    note_models(store)  # first, so these vectors are never marked as another model's
    data = np.load(vectors_path)
    ids = [str(i) for i in data["ids"]]
    stored = store.get_papers(ids)
    current = store.vector_hashes(QUALITY, ids)
    rows = [
        (pid, shipped[pid], encode_vector(vector))
        for pid, vector in zip(ids, data["vectors"], strict=True)
        if pid in stored
        and pid in shipped
        and text_hash(stored[pid].title, stored[pid].abstract) == shipped[pid]
        and current.get(pid) != shipped[pid]
    ]
    with store.atomic():
        return store.save_vectors(QUALITY, rows)
