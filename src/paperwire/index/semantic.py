"""Nearest neighbours over the stored vectors of one tier.

The store keeps every vector (float16, normalised) and is the source of truth. This
module keeps a search structure in step with it:

- up to ``hnsw_threshold`` vectors (default 200,000): an exact search over a matrix
  loaded from the store (numpy; about 5 ms at 75k x 256);
- above it: a usearch HNSW graph persisted beside the database (``<tier>.usearch``
  with ``<tier>.json`` saying up to which stored ``seq`` it is current). ``sync()``
  adds what the store gained since; a crash between saving the graph and its state
  only means the next sync adds the same vectors again (adding is idempotent). Search
  opens the graph as a read-only memory map (``view=True``): it is never loaded into
  the heap, and only the pages searches touch become resident (the kernel shares and
  drops them as it needs). ``EF_SEARCH`` sets the recall it reaches.

Filters are applied by over-fetching neighbours and asking the store which of them
match; exact mode filters before ranking.

A ``VectorSearch`` that lives long (a web process's) follows what the index job of
another process stores: at most every ``follow_seconds`` (10) a search first reads the
vectors stored since the last look and adds them to the matrix (a changed paper's row is
replaced), or opens the graph again when its file changed. Each version of the matrix
is a new ``_Exact`` snapshot, so a search running in another thread keeps the rows it
started with (a changed paper's row may turn new under it).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from paperwire.models import Filters
from paperwire.store.base import Store

Vector = npt.NDArray[np.float32]
_SYNC_BATCH = 20_000
_OVERFETCH = (10, 100, 1000)
#: HNSW beam width of a search (usearch ``expansion_search``). Short queries against
#: abstracts are hard for a graph: the nearest papers are many and almost equally close.
#: Recall@10 against exact search, 300,000 papers (benchmarks/search_speed.py copies),
#: fast tier, connectivity 16: ef 128 0.81, 256 0.89, 512 0.93, 1024 0.95, 2048 0.96,
#: at p95 ~2, ~4, ~8, ~6, ~9 ms (2 busy cores, noisy). At 1,000,000 papers (quiet):
#: ef 2048 0.949, 3072 0.956, semantic p95 20 and 34 ms.
EF_SEARCH = 3072
#: The beam width where vectors only nudge a keyword ranking (hybrid search on the fast
#: tier, weight 0.1): at 1,000,000 papers its top 10 share 0.93 with ef 2048's, at a
#: fifth of the time (p50 2.5 vs 13.2 ms, ``benchmarks/search_speed.py``).
EF_NUDGE = 512


#: How often a search looks for vectors stored since it last looked.
FOLLOW_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class _Exact:
    """The vectors of exact mode as one snapshot: row ``i`` of ``matrix`` (the first
    rows of ``buffer``) is ``ids[i]``; ``seq`` is the last stored ``seq`` it holds."""

    ids: list[str]
    row_of: dict[str, int]
    buffer: npt.NDArray[np.float32]
    matrix: npt.NDArray[np.float32]
    seq: int


@dataclass(frozen=True, slots=True)
class Neighbour:
    paper_id: str
    similarity: float  # cosine similarity, 1.0 = the same direction


def _decode(blob: bytes) -> npt.NDArray[np.float16]:
    return np.frombuffer(blob, dtype=np.float16)


def encode_vector(vector: Vector) -> bytes:
    """How vectors are stored: little-endian float16."""
    return np.asarray(vector, dtype="<f2").tobytes()


class VectorSearch:
    def __init__(
        self,
        store: Store,
        tier: str,
        directory: Path,
        *,
        hnsw_threshold: int = 200_000,
        ef_search: int = EF_SEARCH,
        follow_seconds: float = FOLLOW_SECONDS,
    ) -> None:
        self.store = store
        self.tier = tier
        self.directory = directory
        self.hnsw_threshold = hnsw_threshold
        self.ef_search = ef_search
        self.follow_seconds = follow_seconds
        self._ef_lock = threading.Lock()
        self._follow_lock = threading.Lock()
        self._exact: _Exact | None = None
        self._hnsw: Any = None
        self._graph_stamp: int | None = None
        self._looked = 0.0
        self._loaded = False

    # -- state -------------------------------------------------------------------------

    @property
    def _graph_path(self) -> Path:
        return self.directory / f"{self.tier}.usearch"

    @property
    def _state_path(self) -> Path:
        return self.directory / f"{self.tier}.json"

    def _read_state(self) -> dict[str, Any]:
        try:
            state: dict[str, Any] = json.loads(self._state_path.read_text())
            return state
        except (FileNotFoundError, ValueError):
            return {}

    def _write_state(self, state: dict[str, Any]) -> None:
        tmp = self._state_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self._state_path)

    @property
    def uses_hnsw(self) -> bool:
        return self.store.count_vectors(self.tier) > self.hnsw_threshold

    def __len__(self) -> int:
        self._load()
        if self._hnsw is not None:
            return int(len(self._hnsw))
        return 0 if self._exact is None else len(self._exact.ids)

    # -- building ----------------------------------------------------------------------

    def sync(self) -> int:
        """Bring the HNSW graph up to date with the store (no-op in exact mode).
        Returns the number of vectors added."""
        if not self.uses_hnsw:
            return 0
        from usearch.index import Index

        self.directory.mkdir(parents=True, exist_ok=True)
        state = self._read_state()
        index: Any = None
        if self._graph_path.exists() and state.get("tier") == self.tier:
            index = Index.restore(str(self._graph_path))
        after = int(state.get("seq", 0)) if index is not None else 0
        added = 0
        while True:
            rows = self.store.vectors_after(self.tier, after=after, limit=_SYNC_BATCH)
            if not rows:
                break
            vectors = np.stack([_decode(r.vector) for r in rows]).astype(np.float32)
            if index is None:
                index = Index(
                    ndim=vectors.shape[1],
                    metric="ip",
                    dtype="f16",
                    connectivity=16,
                    expansion_add=128,
                    expansion_search=self.ef_search,
                )
            keys = np.array([r.key for r in rows], dtype=np.uint64)
            present = np.asarray(index.contains(keys), dtype=bool)
            for key in keys[present]:
                index.remove(int(key))
            index.add(keys, vectors, threads=os.cpu_count() or 1)
            added += len(rows)
            after = rows[-1].seq
        if index is not None and added:
            tmp = self._graph_path.with_suffix(".usearch.tmp")
            index.save(str(tmp))
            os.replace(tmp, self._graph_path)
            self._write_state({"tier": self.tier, "seq": after, "count": int(len(index))})
        self._loaded = False
        return added

    def _graph_file_stamp(self) -> int | None:
        try:
            return self._graph_path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def _load(self) -> None:
        if self._loaded:
            self._follow()
            return
        self._loaded = True
        self._looked = time.monotonic()
        self._hnsw = None
        self._exact = None
        if self.uses_hnsw and self._graph_path.exists():
            from usearch.index import Index

            self._graph_stamp = self._graph_file_stamp()
            self._hnsw = Index.restore(str(self._graph_path), view=True)
            self._hnsw.expansion_search = self.ef_search
            return
        self._exact = self._read_exact(None)

    def _read_exact(self, base: _Exact | None) -> _Exact | None:
        """``base`` with the vectors stored after it (all of them without a ``base``).

        Rows are written into ``base``'s buffer past its end (no snapshot sees them) or in
        place for a changed paper; the buffer grows by half when full, so following a
        backfill costs the new rows, not a copy of the matrix each time."""
        ids = list(base.ids) if base is not None else []
        row_of = dict(base.row_of) if base is not None else {}
        buffer = base.buffer if base is not None else None
        after = base.seq if base is not None else 0
        size = len(ids)
        while True:
            rows = self.store.vectors_after(self.tier, after=after, limit=_SYNC_BATCH)
            if not rows:
                break
            chunk = np.stack([_decode(r.vector) for r in rows]).astype(np.float32)
            if buffer is None:
                capacity = max(self.store.count_vectors(self.tier), len(rows))
                buffer = np.empty((capacity, chunk.shape[1]), dtype=np.float32)
            new = sum(1 for r in rows if r.paper_id not in row_of)
            if size + new > len(buffer):
                rows_wanted = max(size + new, len(buffer) * 3 // 2)
                grown = np.empty((rows_wanted, buffer.shape[1]), dtype=np.float32)
                grown[:size] = buffer[:size]
                buffer = grown
            for row, vector in zip(rows, chunk, strict=True):
                at = row_of.get(row.paper_id)
                if at is None:
                    at = row_of[row.paper_id] = size
                    ids.append(row.paper_id)
                    size += 1
                buffer[at] = vector
            after = rows[-1].seq
        if buffer is None:
            return None
        if base is not None and after == base.seq:
            return base
        return _Exact(ids, row_of, buffer, buffer[:size], after)

    def _follow(self) -> None:
        """Take in what the store gained since the last look, at most every
        ``follow_seconds`` (see the module docstring)."""
        if time.monotonic() - self._looked < self.follow_seconds:
            return
        with self._follow_lock:
            if time.monotonic() - self._looked < self.follow_seconds:
                return
            self._looked = time.monotonic()
            if self._hnsw is not None or self.uses_hnsw:
                if self._hnsw is None or self._graph_file_stamp() != self._graph_stamp:
                    self._loaded = False
                    self._load()
                return
            self._exact = self._read_exact(self._exact)

    # -- searching ---------------------------------------------------------------------

    def vector_of(self, paper_id: str) -> Vector | None:
        self._load()
        if self._hnsw is not None:
            key = self.store.keys_for_ids([paper_id]).get(paper_id)
            if key is None:
                return None
            found = self._hnsw.get(np.uint64(key))
            return None if found is None else np.asarray(found, dtype=np.float32)
        exact = self._exact
        row = None if exact is None else exact.row_of.get(paper_id)
        if exact is None or row is None:
            return None
        vector: Vector = exact.matrix[row]
        return vector

    def having(self, paper_ids: Sequence[str]) -> set[str]:
        """Those of ``paper_ids`` that have a vector of this tier."""
        self._load()
        exact = self._exact
        if self._hnsw is None:
            return set() if exact is None else {p for p in paper_ids if p in exact.row_of}
        return set(self.store.vector_hashes(self.tier, list(paper_ids)))

    def similarities(self, query: Vector, paper_ids: Sequence[str]) -> dict[str, float]:
        """Cosine similarity of ``query`` to each of ``paper_ids`` that has a vector: a
        few hundred dot products instead of a search over every paper."""
        self._load()
        ids = list(dict.fromkeys(paper_ids))
        if not ids:
            return {}
        q = np.asarray(query, dtype=np.float32)
        if self._hnsw is not None:
            keys = self.store.keys_for_ids(ids)
            known = [pid for pid in ids if pid in keys]
            if not known:
                return {}
            found = self._hnsw.get(np.array([keys[pid] for pid in known], dtype=np.uint64))
            return {
                pid: float(np.asarray(vector, dtype=np.float32) @ q)
                for pid, vector in zip(known, found, strict=True)
                if vector is not None
            }
        exact = self._exact
        if exact is None:
            return {}
        known = [pid for pid in ids if pid in exact.row_of]
        if not known:
            return {}
        scores = exact.matrix[[exact.row_of[pid] for pid in known]] @ q
        return {pid: float(score) for pid, score in zip(known, scores, strict=True)}

    def search(
        self,
        query: Vector,
        *,
        limit: int = 20,
        filters: Filters | None = None,
        exclude: frozenset[str] = frozenset(),
        ef: int | None = None,
    ) -> list[Neighbour]:
        """The ``limit`` nearest papers; ``ef`` overrides the HNSW beam width (exact
        search ignores it)."""
        self._load()
        filters = filters or Filters()
        if self._hnsw is not None:
            return self._search_hnsw(query, limit, filters, exclude, ef or self.ef_search)
        exact = self._exact
        if exact is None:
            return []
        scores = exact.matrix @ np.asarray(query, dtype=np.float32)
        if not filters.is_empty:
            allowed = self.store.matching_ids(filters)
            mask = np.zeros(len(exact.ids), dtype=bool)
            rows = [exact.row_of[i] for i in allowed if i in exact.row_of]
            mask[rows] = True
            scores = np.where(mask, scores, -np.inf)
        for pid in exclude:
            row = exact.row_of.get(pid)
            if row is not None:
                scores[row] = -np.inf
        k = min(limit, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        ids = exact.ids
        return [Neighbour(ids[i], float(scores[i])) for i in top if np.isfinite(scores[i])]

    def _search_hnsw(
        self, query: Vector, limit: int, filters: Filters, exclude: frozenset[str], ef: int
    ) -> list[Neighbour]:
        wanted = limit + len(exclude)
        found: list[Neighbour] = []
        for factor in _OVERFETCH if not filters.is_empty else (1,):
            count = min(wanted * factor, len(self._hnsw))
            with self._ef_lock:  # the beam width is a setting of the shared graph
                self._hnsw.expansion_search = ef
                matches = self._hnsw.search(np.asarray(query, dtype=np.float32), count, threads=1)
            keys = [int(k) for k in matches.keys]
            ids = self.store.ids_for_keys(keys)
            candidates = [
                (ids[k], 1.0 - float(d))
                for k, d in zip(keys, matches.distances, strict=True)
                if k in ids and ids[k] not in exclude
            ]
            allowed = self.store.filter_ids([c[0] for c in candidates], filters)
            found = [Neighbour(pid, sim) for pid, sim in candidates if pid in allowed]
            if len(found) >= limit or count >= len(self._hnsw):
                break
        return found[:limit]
