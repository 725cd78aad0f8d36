"""Similar papers of every paper, computed by the index job and stored for the web.

A paper page, ``/api/v1/papers/{id}/similar`` and the digests read the stored list
(``Store.stored_similar``); nothing is ranked on request. The lists are the ones
``Searcher.similar`` gives (``paperwire.index.search``): lexical neighbours (BM25 over the
paper's key terms) fused with the vector neighbours of each tier the paper has a
vector in, with the same weights, the same "same title" rule and the same reasons.
Only the vector part is batched: in exact mode (below ``hnsw_threshold``) one matrix
product finds the nearest papers of a whole batch at once; above it, each paper asks
the HNSW graph.

What a list was computed from is stored beside it: the paper's text hash and the tiers
that took part (``basis``, "fast" or "fast+quality"). One run (``update_similar``):

1. lists of papers removed from the store are deleted;
2. **changed**: papers without a list, with one computed from older text, or with one
   computed without the quality tier while the paper now has a quality vector;
3. **neighbours**: a new or changed paper can enter older papers' lists, or leave them.
   Recomputed once more (no cascade): the lists that name a changed or removed paper,
   and the lists of the ``NEIGHBOURS_TO_REFRESH`` best neighbours of each changed
   paper (similarity is close to symmetric: when B is among A's nearest, A is likely
   among B's). A paper that would enter the list of a paper it is not near enough to
   name itself is missed until step 4;
4. **refresh**: up to ``REFRESH_PER_RUN`` lists older than ``REFRESH_DAYS`` are
   recomputed, oldest first, so every list follows the corpus within about a week
   (hourly runs: 2,000 x 168 lists a week) without a burst of work on one run.
   ``refresh_all`` recomputes every list (``paperwire index --refresh-similar``).

Lists are written in batches of ``BATCH`` papers, one short transaction each: the web
and imports never wait long behind this job, and a crash loses at most one batch (the
markers say what is still to do). A run with at least ``PARALLEL_FROM`` batches to do
computes them in ``index_processes`` processes (one per core by default; each reads
the store and the index on its own) while this process writes what they find.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from paperwire.config import Settings
from paperwire.index.keyword import SIMILAR_TERMS
from paperwire.index.search import SIMILAR_WEIGHTS, SIMILAR_WEIGHTS_QUALITY, Ranked, Searcher, fuse
from paperwire.index.semantic import Neighbour
from paperwire.index.tiers import FAST, QUALITY, Progress
from paperwire.models import Filters, Scored
from paperwire.normalize import text_hash, title_key, utcnow
from paperwire.store import open_store
from paperwire.store.base import SimilarList, Store

#: How many similar papers are stored per paper (pages show 6, the API up to this many).
LIST_SIZE = 20
#: Papers per committed batch.
BATCH = 200
#: Batches to do from which a run computes them in several processes.
PARALLEL_FROM = 8
#: How many of a changed paper's best neighbours get their lists recomputed.
NEIGHBOURS_TO_REFRESH = 10
#: Lists older than this are recomputed, at most ``REFRESH_PER_RUN`` per run.
REFRESH_DAYS = 7
REFRESH_PER_RUN = 2000
STAGE = "similar"
#: Papers whose key terms are kept in memory during one run (they explain neighbours).
_TERMS_CACHE = 100_000


@dataclass(slots=True)
class SimilarReport:
    changed: int = 0
    neighbours: int = 0
    refreshed: int = 0
    removed: int = 0
    seconds: float = 0.0

    @property
    def computed(self) -> int:
        return self.changed + self.neighbours + self.refreshed

    def summary(self) -> str:
        return (
            f"{self.computed} similar lists ({self.changed} new or changed, "
            f"{self.neighbours} neighbours, {self.refreshed} refreshed)"
        )


class _Exact:
    """All vectors of one tier as a matrix, for batched exact neighbour search."""

    def __init__(self, store: Store, tier: str) -> None:
        ids: list[str] = []
        chunks: list[npt.NDArray[np.float16]] = []
        after = 0
        while True:
            rows = store.vectors_after(tier, after=after, limit=20_000)
            if not rows:
                break
            chunks.append(np.stack([np.frombuffer(r.vector, dtype=np.float16) for r in rows]))
            ids.extend(r.paper_id for r in rows)
            after = rows[-1].seq
        self.ids = ids
        self.row_of = {pid: n for n, pid in enumerate(ids)}
        self.matrix: npt.NDArray[np.float32] | None = (
            np.concatenate(chunks).astype(np.float32) if chunks else None
        )

    def neighbours(self, paper_ids: Sequence[str], depth: int) -> dict[str, list[Neighbour]]:
        """The ``depth`` nearest papers of each paper that has a vector, itself excluded."""
        present = [pid for pid in paper_ids if pid in self.row_of]
        if self.matrix is None or not present:
            return {}
        rows = np.array([self.row_of[pid] for pid in present])
        scores = self.matrix[rows] @ self.matrix.T
        scores[np.arange(len(rows)), rows] = -np.inf
        k = min(depth, scores.shape[1] - 1)
        if k <= 0:
            return {pid: [] for pid in present}
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        found: dict[str, list[Neighbour]] = {}
        for n, pid in enumerate(present):
            best = top[n][np.argsort(-scores[n, top[n]], kind="stable")]
            found[pid] = [
                Neighbour(self.ids[i], float(scores[n, i]))
                for i in best
                if np.isfinite(scores[n, i])
            ]
        return found


class SimilarFinder:
    """``Searcher.similar`` for many papers at once, as stored lists."""

    def __init__(self, store: Store, settings: Settings, searcher: Searcher | None = None) -> None:
        self.store = store
        self.searcher = searcher or Searcher(store, settings)
        self._exact: dict[str, _Exact | None] = {}
        for tier in (FAST, QUALITY):
            uses_hnsw = self.searcher.vectors[tier].uses_hnsw
            self._exact[tier] = None if uses_hnsw else _Exact(store, tier)
        self._terms: OrderedDict[str, tuple[str, ...]] = OrderedDict()

    def _vector_lists(self, ids: Sequence[str], depth: int) -> dict[str, dict[str, Ranked]]:
        lists: dict[str, dict[str, Ranked]] = {pid: {} for pid in ids}
        for tier in (FAST, QUALITY):
            exact = self._exact[tier]
            if exact is not None:
                found = exact.neighbours(ids, depth)
            else:
                found = {}
                graph = self.searcher.vectors[tier]
                for pid in ids:
                    vector = graph.vector_of(pid)
                    if vector is not None:
                        found[pid] = graph.search(vector, limit=depth, exclude=frozenset({pid}))
            for pid, neighbours in found.items():
                lists[pid][tier] = Ranked(
                    tier,
                    [(n.paper_id, n.similarity) for n in neighbours],
                    {n.paper_id: "close in meaning" for n in neighbours},
                    scaled=True,
                )
        return lists

    def key_terms(self, paper_id: str) -> tuple[str, ...]:
        """The paper's ``SIMILAR_TERMS`` most distinctive words (cached for the run)."""
        terms = self._terms.get(paper_id)
        if terms is None:
            terms = tuple(self.searcher.keyword.key_terms(paper_id, SIMILAR_TERMS))
            self._remember(paper_id, terms)
        else:
            self._terms.move_to_end(paper_id)
        return terms

    def _remember(self, paper_id: str, terms: tuple[str, ...]) -> None:
        self._terms[paper_id] = terms
        if len(self._terms) > _TERMS_CACHE:
            self._terms.popitem(last=False)

    def _explain(self, paper_id: str, scored: Scored) -> Scored:
        """Name up to four key terms both papers share, the paper's most distinctive
        first (``Searcher.similar`` names those of its terms found in the other's text;
        the lists' reasons compare the two papers' ``SIMILAR_TERMS`` key terms instead,
        which needs no second reading of every candidate's text)."""
        theirs = set(self.key_terms(scored.paper_id))
        shared = [t for t in self.key_terms(paper_id) if t in theirs][:4]
        reason = f"shared terms: {', '.join(shared)}" if shared else scored.reason
        if shared and scored.reason:
            reason = f"{reason}; {scored.reason}"
        return Scored(scored.paper_id, scored.score, reason)

    def lists(self, paper_ids: Sequence[str], *, limit: int = LIST_SIZE) -> list[SimilarList]:
        """The similar papers of each stored paper among ``paper_ids``."""
        papers = self.store.get_papers(paper_ids)
        ids = [pid for pid in paper_ids if pid in papers]
        depth = max(50, limit * 3)
        vectors = self._vector_lists(ids, depth)
        fused: dict[str, list[Scored]] = {}
        for pid in ids:
            # Reasons are worked out for the kept papers only (``_explain``).
            lexical = self.searcher.keyword.similar(pid, limit=depth, explain=False)
            lists = [
                Ranked("keyword", [(h.paper_id, h.score) for h in lexical], {}),
                *vectors[pid].values(),
            ]
            weights = SIMILAR_WEIGHTS_QUALITY if QUALITY in vectors[pid] else SIMILAR_WEIGHTS
            fused[pid] = fuse(lists, weights, limit=limit * 2 + 5)
        others = self.store.get_papers(sorted({s.paper_id for f in fused.values() for s in f}))
        kept: dict[str, list[Scored]] = {}
        for pid in ids:
            own = title_key(papers[pid].title)
            kept[pid] = [
                s
                for s in fused[pid]
                if s.paper_id in others and title_key(others[s.paper_id].title) != own
            ][:limit]
        # The key terms of every paper a reason may name, from the texts just read.
        named = {pid: papers[pid] for pid in ids}
        named.update((s.paper_id, others[s.paper_id]) for k in kept.values() for s in k)
        unknown = [p for pid, p in named.items() if pid not in self._terms]
        for pid, terms in self.searcher.keyword.terms_of(unknown, SIMILAR_TERMS).items():
            self._remember(pid, tuple(terms))
        out = []
        for pid in ids:
            paper = papers[pid]
            out.append(
                SimilarList(
                    paper_id=pid,
                    text_hash=text_hash(paper.title, paper.abstract),
                    basis="fast+quality" if QUALITY in vectors[pid] else "fast",
                    papers=[self._explain(pid, s) for s in kept[pid]],
                )
            )
        return out


def _batches(ids: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


_FINDER: SimilarFinder | None = None  # in a worker process: its own store and index


def _start_worker(settings: Settings) -> None:
    global _FINDER
    _FINDER = SimilarFinder(open_store(settings.database_url), settings)


def _worker_lists(batch: list[str]) -> list[SimilarList]:
    assert _FINDER is not None, "the worker process was not started"
    return _FINDER.lists(batch)


def processes(settings: Settings) -> int:
    if settings.index_processes:
        return settings.index_processes
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


Compute = Callable[[list[list[str]]], Iterator[list[SimilarList]]]


@contextmanager
def _computing(store: Store, settings: Settings, work: int) -> Iterator[Compute]:
    """Something that turns batches of ids into their lists, in order: here, or in
    worker processes when there are ``PARALLEL_FROM`` batches or more to do."""
    count = processes(settings)
    if work < PARALLEL_FROM or count < 2:
        finder = SimilarFinder(store, settings)
        yield lambda batches: (finder.lists(batch) for batch in batches)
        return
    context = multiprocessing.get_context("spawn")  # safe from a thread of a server
    pool = ProcessPoolExecutor(
        count, mp_context=context, initializer=_start_worker, initargs=(settings,)
    )
    try:
        yield lambda batches: pool.map(_worker_lists, batches)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def store_similar(store: Store, settings: Settings, paper_ids: Sequence[str]) -> int:
    """Compute and store the lists of these papers now, whatever their markers say;
    returns how many were stored."""
    finder = SimilarFinder(store, settings)
    saved = 0
    for batch in _batches(list(paper_ids), BATCH):
        lists = finder.lists(batch)
        with store.atomic():
            saved += store.save_similar(lists)
    return saved


def update_similar(
    store: Store,
    settings: Settings,
    *,
    removed: Sequence[str] = (),
    refresh_all: bool = False,
    progress: Progress | None = None,
) -> SimilarReport:
    """Store the similar papers of every paper that needs them (see the module
    docstring); ``removed``: ids of papers that left the store since the last run."""
    started = time.perf_counter()
    report = SimilarReport()
    if removed:
        with store.atomic():
            report.removed = store.delete_similar(removed)
    changed = store.papers_missing_similar()
    if refresh_all:
        changed = list(dict.fromkeys([*changed, *store.matching_ids(Filters())]))
    listing = store.papers_listing([*changed, *removed]) if changed or removed else set()
    cutoff = utcnow() - timedelta(days=REFRESH_DAYS)
    if not changed and not listing and not store.similar_computed_before(cutoff, limit=1):
        report.seconds = time.perf_counter() - started
        return report
    done: set[str] = set()
    near: set[str] = set()
    total = len(changed)

    def run(ids: Sequence[str], stage: str) -> int:
        count = 0
        batches = list(_batches([pid for pid in ids if pid not in done], BATCH))
        with _computing(store, settings, len(batches)) as compute:
            for batch, lists in zip(batches, compute(batches), strict=True):
                with store.atomic():
                    count += store.save_similar(lists)
                done.update(batch)
                if stage == STAGE:
                    near.update(s.paper_id for i in lists for s in i.papers[:NEIGHBOURS_TO_REFRESH])
                if progress is not None:
                    progress(stage, len(done), total)
        return count

    report.changed = run(changed, STAGE)
    again = sorted((listing | near) - done)
    total += len(again)
    report.neighbours = run(again, f"{STAGE} neighbours")
    stale = [
        p for p in store.similar_computed_before(cutoff, limit=REFRESH_PER_RUN) if p not in done
    ]
    total += len(stale)
    report.refreshed = run(stale, f"{STAGE} refresh")
    report.seconds = time.perf_counter() - started
    return report
