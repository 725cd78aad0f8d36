"""Search by words, by meaning, or both, and papers similar to a paper.

Every mode returns ``list[Scored]``. Result lists are fused with weighted reciprocal
rank fusion: ``score(d) = sum_i w_i / (K + rank_i(d))``, which needs no score
calibration between BM25 and cosine similarity. The weights were chosen with
``benchmarks/search_quality.py`` (see ``docs/search.md``).

Lists that take part:
- ``keyword``: BM25 over title, authors and abstract (``index/keyword.py``);
- ``fast``: the static-embedding tier, complete for every indexed paper;
- ``quality``: the MiniLM tier, wherever the background job has filled it in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from paperwire.config import Settings, index_directory
from paperwire.errors import PaperwireError
from paperwire.index.embed import Embedder, load_embedder
from paperwire.index.jobs import FAST, QUALITY
from paperwire.index.keyword import KeywordIndex
from paperwire.index.semantic import Neighbour, VectorSearch
from paperwire.models import Filters, Scored
from paperwire.normalize import title_key
from paperwire.store.base import Store

Mode = Literal["hybrid", "keyword", "semantic"]
MODES: tuple[Mode, ...] = ("hybrid", "keyword", "semantic")
RRF_K = 60

# Fusion weights per list (benchmarks/search_quality.py).
SEARCH_WEIGHTS = {"keyword": 1.0, FAST: 0.5, QUALITY: 1.0}
SIMILAR_WEIGHTS = {"keyword": 1.0, FAST: 0.7, QUALITY: 1.5}


class NotFound(PaperwireError):
    pass


@dataclass(frozen=True, slots=True)
class Ranked:
    """One input list of a fusion: ids best first, with a reason per id."""

    name: str
    ids: list[str]
    reasons: dict[str, str]


def fuse(lists: Sequence[Ranked], weights: dict[str, float], *, limit: int) -> list[Scored]:
    """Weighted reciprocal rank fusion; the reason names what each list saw."""
    scores: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}
    for ranked in lists:
        weight = weights.get(ranked.name, 1.0)
        for rank, pid in enumerate(ranked.ids):
            scores[pid] = scores.get(pid, 0.0) + weight / (RRF_K + rank + 1)
            reason = ranked.reasons.get(pid)
            if reason and reason not in reasons.setdefault(pid, []):
                reasons[pid].append(reason)
    best = sorted(scores, key=lambda pid: (-scores[pid], pid))[:limit]
    return [Scored(pid, round(scores[pid], 6), "; ".join(reasons.get(pid, []))) for pid in best]


def _meaning(neighbours: list[Neighbour], name: str) -> Ranked:
    return Ranked(
        name,
        [n.paper_id for n in neighbours],
        {n.paper_id: "close in meaning" for n in neighbours},
    )


class Searcher:
    """Opens the indexes once; reuse it for many queries (``--batch``, the web app)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        directory = index_directory(settings)
        if not (directory / "keyword").exists():
            raise PaperwireError(f"no search index in {directory}: run `paperwire index`")
        self.keyword = KeywordIndex(directory / "keyword")
        self.vectors = {
            tier: VectorSearch(store, tier, directory, hnsw_threshold=settings.hnsw_threshold)
            for tier in (FAST, QUALITY)
        }
        self._has_quality = store.count_vectors(QUALITY) > 0
        self._embedders: dict[str, Embedder] = {}

    def _embedder(self, tier: str) -> Embedder:
        if tier not in self._embedders:
            self._embedders[tier] = load_embedder(FAST if tier == FAST else QUALITY)
        return self._embedders[tier]

    def _semantic_lists(
        self, query: str, depth: int, filters: Filters, exclude: frozenset[str] = frozenset()
    ) -> list[Ranked]:
        lists = []
        tiers = (FAST, QUALITY) if self._has_quality else (FAST,)
        for tier in tiers:
            vector = self._embedder(tier).encode([query])[0]
            found = self.vectors[tier].search(vector, limit=depth, filters=filters, exclude=exclude)
            lists.append(_meaning(found, tier))
        return lists

    def search(
        self,
        query: str,
        *,
        mode: Mode = "hybrid",
        limit: int = 20,
        filters: Filters | None = None,
    ) -> list[Scored]:
        filters = filters or Filters()
        if not query.strip():
            return []
        depth = max(50, limit * 3)
        lists: list[Ranked] = []
        if mode in ("hybrid", "keyword"):
            hits = self.keyword.search(query, limit=depth, filters=filters)
            if mode == "keyword":
                return hits[:limit]
            lists.append(
                Ranked("keyword", [h.paper_id for h in hits], {h.paper_id: h.reason for h in hits})
            )
        lists.extend(self._semantic_lists(query, depth, filters))
        return fuse(lists, SEARCH_WEIGHTS, limit=limit)

    def similar(
        self, paper_id: str, *, limit: int = 10, filters: Filters | None = None
    ) -> list[Scored]:
        """Papers like ``paper_id``: vector neighbours of both tiers fused with lexical
        neighbours; never the paper itself or a record of the same title."""
        filters = filters or Filters()
        paper = self.store.get_paper(paper_id)
        if paper is None:
            raise NotFound(f"no paper {paper_id!r}")
        depth = max(50, limit * 3)
        exclude = frozenset({paper_id})
        lists: list[Ranked] = []
        lexical = self.keyword.similar(paper_id, limit=depth, filters=filters)
        lists.append(
            Ranked(
                "keyword", [h.paper_id for h in lexical], {h.paper_id: h.reason for h in lexical}
            )
        )
        for tier in (FAST, QUALITY):
            vector = self.vectors[tier].vector_of(paper_id)
            if vector is None:
                continue
            found = self.vectors[tier].search(vector, limit=depth, filters=filters, exclude=exclude)
            lists.append(_meaning(found, tier))
        fused = fuse(lists, SIMILAR_WEIGHTS, limit=limit * 2 + 5)
        own = title_key(paper.title)
        titles = self.store.get_papers([s.paper_id for s in fused])
        kept = [
            s for s in fused if s.paper_id in titles and title_key(titles[s.paper_id].title) != own
        ]
        return [self._explain(paper_id, s) for s in kept[:limit]]

    def _explain(self, paper_id: str, scored: Scored) -> Scored:
        """Give every similar paper a reason naming the key terms both share."""
        if "shared terms" in scored.reason:
            return scored
        mine = self.keyword.key_terms(paper_id)
        theirs = set(self.keyword.key_terms(scored.paper_id))
        shared = [t for t in mine if t in theirs][:4]
        reason = f"shared terms: {', '.join(shared)}" if shared else scored.reason
        if shared and scored.reason:
            reason = f"{reason}; {scored.reason}"
        return Scored(scored.paper_id, scored.score, reason)
