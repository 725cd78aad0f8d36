"""In how many papers each pair of adjacent content words occurs ("diffusion model").

Readers' word profiles weigh phrases as well as words (``KeywordIndex.term_vectors``);
a phrase's weight needs its document frequency, which the keyword index cannot give
cheaply (a phrase query per pair, about 1 ms). This file keeps the counts instead: one
array of ``BUCKETS`` counters (a pair's CRC-32 picks its counter; two pairs sharing one
only make both look a little more common), saved beside the search indexes as
``recommend-phrases.npy`` with ``recommend-phrases.json`` saying up to which store
revision it counted. ``update`` adds the papers stored since; a paper changed later is
counted again (its old pairs are not taken off: the counts drift up slightly, which only
lowers phrase weights a little). Written to a temporary file and renamed, so a reader
never sees half an array.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from paperwire.index.keyword import KeywordIndex, phrase_keys
from paperwire.recommend.model import BUCKETS, bucket
from paperwire.store.base import Store

_BATCH = 2000


class PhraseCounts:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._counts: npt.NDArray[np.int32] | None = None
        self._state: dict[str, int] = {}
        self._loaded_mtime = 0.0

    @property
    def _array(self) -> Path:
        return self.directory / "recommend-phrases.npy"

    @property
    def _meta(self) -> Path:
        return self.directory / "recommend-phrases.json"

    def _load(self) -> None:
        try:
            mtime = self._meta.stat().st_mtime
        except FileNotFoundError:
            self._counts, self._state = None, {}
            return
        if mtime == self._loaded_mtime and self._counts is not None:
            return
        try:
            state = json.loads(self._meta.read_text())
            counts = np.load(self._array, mmap_mode="r")
        except (OSError, ValueError):
            self._counts, self._state = None, {}
            return
        if counts.shape != (BUCKETS,):
            self._counts, self._state = None, {}
            return
        self._counts, self._state, self._loaded_mtime = counts, state, mtime

    @property
    def papers(self) -> int:
        """How many papers were counted (0: no counts yet, phrases are left out)."""
        self._load()
        return int(self._state.get("papers", 0)) if self._counts is not None else 0

    def frequencies(self, keys: Sequence[str]) -> list[int]:
        self._load()
        if self._counts is None:
            return [0] * len(keys)
        counts = self._counts
        return [int(counts[bucket(k)]) for k in keys]

    def update(self, store: Store, keyword: KeywordIndex) -> int:
        """Count the papers stored since the last update; returns how many."""
        self._load()
        counts = (
            np.zeros(BUCKETS, dtype=np.int32)
            if self._counts is None
            else np.array(self._counts, dtype=np.int32)
        )
        after = int(self._state.get("revision", 0)) if self._counts is not None else 0
        papers = int(self._state.get("papers", 0)) if self._counts is not None else 0
        added = 0
        while True:
            batch = store.changed_papers(after=after, limit=_BATCH)
            if not batch:
                break
            buckets: list[int] = []
            for _, paper in batch:
                buckets.extend({bucket(k) for k in phrase_keys(keyword.content_pairs(paper))})
            np.add.at(counts, np.asarray(buckets, dtype=np.int64), 1)
            added += len(batch)
            after = batch[-1][0]
        if not added:
            return 0
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self._array.with_suffix(".tmp.npy")
        np.save(tmp, counts)
        os.replace(tmp, self._array)
        meta = self._meta.with_suffix(".json.tmp")
        meta.write_text(json.dumps({"revision": after, "papers": papers + added}))
        os.replace(meta, self._meta)
        self._loaded_mtime = 0.0
        return added
