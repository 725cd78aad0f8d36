"""Search by words, by meaning, or both, and papers similar to a paper.

Every mode returns ``list[Scored]``. Result lists are fused by a weighted sum of
normalised scores: BM25 divided by the list's best score, cosine similarity min-max
scaled over the list; a paper missing from a list gets 0 there. The weights depend
on which tiers exist and were chosen with ``benchmarks/search_quality.py`` (see
``docs/search.md``): the fast tier alone is a weak ranker for queries, so it only
nudges keyword results, while the quality tier carries real weight.

A query that names papers by arXiv id, link or DOI (``paperwire.lookup``) finds those
papers first, in every mode; the rest of its words are searched as usual.

In hybrid mode the keyword list is fetched without reasons; "matches: ..." is worked
out afterwards for the papers that made the final list (``_with_reasons``), with the
same searcher and without finding them again.

In hybrid mode on the fast tier alone, when the words found at least ``limit`` papers,
the fast tier is only compared with those papers (``VectorSearch.similarities``): a
paper outside the keyword list could gain at most its 0.1 weight there, and scanning
every vector cost ~10 ms of CPU per search at 74,728 papers. 2-3 title words -> paper,
800 queries: MRR@10 0.682 either way. With fewer word matches (misspellings, rare
words) every paper's vector is searched, so meaning still fills the list.

Lists that take part:
- ``keyword``: BM25 over title, authors and abstract (``index/keyword.py``);
- ``fast``: the static-embedding tier, complete for every indexed paper;
- ``quality``: the MiniLM tier, wherever the background job has filled it in.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from paperwire.config import Settings, index_directory
from paperwire.errors import PaperwireError
from paperwire.index.embed import Embedder, load_embedder
from paperwire.index.keyword import FieldWeights, KeywordIndex, Matches
from paperwire.index.query_kind import query_kind, question_terms
from paperwire.index.semantic import EF_NUDGE, FOLLOW_SECONDS, Neighbour, VectorSearch
from paperwire.index.tiers import FAST, QUALITY
from paperwire.lookup import TITLE_REASON, Named, find_named, named_first, put_first, titled
from paperwire.models import Filters, Scored
from paperwire.normalize import title_key
from paperwire.store.base import Store

Mode = Literal["hybrid", "keyword", "semantic"]
MODES: tuple[Mode, ...] = ("hybrid", "keyword", "semantic")
# Fusion weights per list, by the tiers available (benchmarks/search_quality.py).
SEARCH_WEIGHTS = {"keyword": 0.9, FAST: 0.1}
SEARCH_WEIGHTS_QUALITY = {"keyword": 0.6, FAST: 0.0, QUALITY: 0.4}
SIMILAR_WEIGHTS = {"keyword": 0.4, FAST: 0.6}
#: The most results one search ranks (the API asks for at most offset 1,000 + 100 + 1):
#: bounds the work of one request, as ``MAX_DEPTH`` bounds the lists fused for it.
MAX_RESULTS = 1_200
#: Each list fused takes ``max(50, 3 x limit)`` papers, but at most this many (or
#: ``limit``, when more are asked for).
MAX_DEPTH = 300
SIMILAR_WEIGHTS_QUALITY = {"keyword": 0.3, FAST: 0.1, QUALITY: 0.6}
#: While the quality job is filling the quality tier, a paper it has not reached yet (an
#: older one: it fills newest first) is ranked by its fast vector in the quality
#: tier's place: the fast list then holds only such papers (``_semantic_lists``).
SEMANTIC_WEIGHTS_FILLING = {QUALITY: 1.0, FAST: 1.0}
SEARCH_WEIGHTS_FILLING = {"keyword": 0.6, FAST: 0.4, QUALITY: 0.4}
#: The keyword engine's field weights for a question in a reader's words
#: (``query_kind``): its content words (``question_terms``) looked for in abstracts, a
#: title word counting a fifth of the default. A title weighs 5 for titles and title
#: words, where it is the best evidence; a question describes what a paper does in other
#: words, and a few of them in a short title outrank the abstract that answers it.
#: Chosen on the even-numbered queries of benchmarks/paraphrase_queries.jsonl (fast
#: tier, 74,728 papers), keyword MRR@10 on the even / odd queries, authors left out:
#: title 5 0.000 / 0.000, 1 0.274 / 0.230, 0.3 0.467 / 0.554, 0.2 0.487 / 0.589,
#: 0.1 0.508 / 0.614, 0 0.511 / 0.621; the whole question with the default weights
#: 0.000 / 0.003. As shipped (authors 1.1): keyword 0.473 / 0.589, hybrid 0.472 / 0.597.
#: Not 0: a question that repeats a title's words still finds that paper by them.
QUESTION_FIELDS = FieldWeights(title=0.2, authors=1.1, abstract=1.0)
#: The fusion weights for a question, by the tiers available (see QUESTION_FIELDS).
QUESTION_WEIGHTS = SEARCH_WEIGHTS
QUESTION_WEIGHTS_QUALITY = {"keyword": 0.8, FAST: 0.0, QUALITY: 0.2}
QUESTION_WEIGHTS_FILLING = SEARCH_WEIGHTS_FILLING


class NotFound(PaperwireError):
    pass


@dataclass(frozen=True, slots=True)
class Ranked:
    """One input list of a fusion: (id, score) best first, with a reason per id.
    ``scaled`` lists (cosine) are min-max scaled; others are divided by their best."""

    name: str
    hits: list[tuple[str, float]]
    reasons: dict[str, str]
    scaled: bool = False

    def normalised(self) -> dict[str, float]:
        if not self.hits:
            return {}
        top = self.hits[0][1]
        if self.scaled:
            low = self.hits[-1][1]
            span = top - low
            return {pid: (s - low) / span if span > 0 else 1.0 for pid, s in self.hits}
        return {pid: s / top if top > 0 else 0.0 for pid, s in self.hits}


def fuse(lists: Sequence[Ranked], weights: dict[str, float], *, limit: int) -> list[Scored]:
    """Weighted sum of normalised scores; the reason names what each list saw."""
    scores: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}
    for ranked in lists:
        weight = weights.get(ranked.name, 0.0)
        if weight <= 0:
            continue
        for pid, value in ranked.normalised().items():
            scores[pid] = scores.get(pid, 0.0) + weight * value
            reason = ranked.reasons.get(pid)
            if reason and reason not in reasons.setdefault(pid, []):
                reasons[pid].append(reason)
    best = sorted(scores, key=lambda pid: (-scores[pid], pid))[:limit]
    return [Scored(pid, round(scores[pid], 6), "; ".join(reasons.get(pid, []))) for pid in best]


def _meaning(neighbours: list[Neighbour], name: str) -> Ranked:
    return Ranked(
        name,
        [(n.paper_id, n.similarity) for n in neighbours],
        {n.paper_id: "close in meaning" for n in neighbours},
        scaled=True,
    )


def _nudge(similarities: dict[str, float]) -> Ranked:
    """The fast tier's list over the keyword results alone (hybrid, no quality tier),
    min-max scaled over them; "close in meaning" for the upper half of that range."""
    hits = sorted(similarities.items(), key=lambda item: (-item[1], item[0]))
    if not hits:
        return Ranked(FAST, [], {}, scaled=True)
    middle = (hits[0][1] + hits[-1][1]) / 2
    reasons = {pid: "close in meaning" for pid, sim in hits if sim >= middle}
    return Ranked(FAST, hits, reasons, scaled=True)


def _words(hits: list[Scored]) -> Ranked:
    return Ranked(
        "keyword", [(h.paper_id, h.score) for h in hits], {h.paper_id: h.reason for h in hits}
    )


def _with_reasons(fused: list[Scored], matches: Matches) -> list[Scored]:
    """Put "matches: ..." in front of the reasons of the results the keyword list had,
    as ``fuse`` does with a list that brings its reasons along."""
    reasons = matches.reasons([s.paper_id for s in fused])
    out = []
    for scored in fused:
        words = reasons.get(scored.paper_id, "")
        if words:
            reason = f"{words}; {scored.reason}" if scored.reason else words
            scored = Scored(scored.paper_id, scored.score, reason)
        out.append(scored)
    return out


class Searcher:
    """Opens the indexes once; reuse it for many queries (``--batch``, the web app)."""

    def __init__(
        self, store: Store, settings: Settings, *, follow_seconds: float = FOLLOW_SECONDS
    ) -> None:
        self.store = store
        directory = index_directory(settings)
        if not (directory / "keyword").exists():
            raise PaperwireError(f"no search index in {directory}: run `paperwire index`")
        self.keyword = KeywordIndex(directory / "keyword", texts=store.get_papers)
        self.vectors = {
            tier: VectorSearch(
                store,
                tier,
                directory,
                hnsw_threshold=settings.hnsw_threshold,
                follow_seconds=follow_seconds,
            )
            for tier in (FAST, QUALITY)
        }
        self.follow_seconds = follow_seconds
        self._coverage = 0.0
        self._coverage_at = -math.inf
        self._embedders: dict[str, Embedder] = {}

    def quality_coverage(self) -> float:
        """The share of papers with a fast vector that have a quality vector, looked up
        again at most every ``follow_seconds``: the quality job fills it while this
        searcher serves (a web process's searcher lives as long as the process)."""
        now = time.monotonic()
        if now - self._coverage_at >= self.follow_seconds:
            quality = self.store.count_vectors(QUALITY)
            fast = self.store.count_vectors(FAST)
            self._coverage = min(1.0, quality / fast) if fast else float(quality > 0)
            self._coverage_at = now
        return self._coverage

    def _weights(self, mode: Mode, *, question: bool = False) -> dict[str, float]:
        """The lists a search fuses, by what the quality tier covers and (hybrid) whether
        the query is a question (see ``docs/search.md``)."""
        coverage = self.quality_coverage()
        if mode == "semantic":
            if coverage <= 0:
                return {FAST: 1.0}
            return {QUALITY: 1.0} if coverage >= 1 else SEMANTIC_WEIGHTS_FILLING
        if coverage <= 0:
            return QUESTION_WEIGHTS if question else SEARCH_WEIGHTS
        if coverage >= 1:
            return QUESTION_WEIGHTS_QUALITY if question else SEARCH_WEIGHTS_QUALITY
        return QUESTION_WEIGHTS_FILLING if question else SEARCH_WEIGHTS_FILLING

    def _embedder(self, tier: str) -> Embedder:
        if tier not in self._embedders:
            self._embedders[tier] = load_embedder(FAST if tier == FAST else QUALITY)
        return self._embedders[tier]

    def _semantic_lists(
        self,
        query: str,
        depth: int,
        filters: Filters,
        weights: dict[str, float],
        *,
        nudge: bool = False,
    ) -> list[Ranked]:
        """The vector lists of the tiers ``weights`` count. ``nudge``: the fast tier only
        nudges a keyword ranking (hybrid), so its graph search may be narrower. With both
        tiers (the quality tier still filling), the fast list keeps only the papers
        without a quality vector."""
        lists = []
        both = all(weights.get(tier, 0.0) > 0 for tier in (FAST, QUALITY))
        for tier in (FAST, QUALITY):
            if weights.get(tier, 0.0) <= 0:
                continue
            vector = self._embedder(tier).encode([query])[0]
            ef = EF_NUDGE if nudge and tier == FAST and not both else None
            found = self.vectors[tier].search(vector, limit=depth, filters=filters, ef=ef)
            if tier == FAST and both:
                covered = self.vectors[QUALITY].having([n.paper_id for n in found])
                found = [n for n in found if n.paper_id not in covered]
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
        named = find_named(self.store, query)
        if named.references:
            return self._named_first(named, mode=mode, limit=limit, filters=filters)
        if not query.strip():
            return []
        limit = min(limit, MAX_RESULTS)
        found = self.search_index(query, mode=mode, limit=limit, filters=filters)
        # A pasted title names its paper, whatever search syntax its words hold.
        title = titled(self.store, query)
        if title and not filters.is_empty:
            kept = self.store.filter_ids(title, filters)
            title = [pid for pid in title if pid in kept]
        return put_first(title, found, limit=limit, reason=lambda _: TITLE_REASON)

    def search_index(
        self, query: str, *, mode: Mode = "hybrid", limit: int = 20, filters: Filters | None = None
    ) -> list[Scored]:
        """What the keyword index and the vectors find for ``query``, no paper named by id,
        link, DOI or title put first (``search`` does that)."""
        filters = filters or Filters()
        limit = min(limit, MAX_RESULTS)
        depth = min(max(50, limit * 3), max(limit, MAX_DEPTH))
        lists: list[Ranked] = []
        # A question's words describe the paper in other words than its title's.
        words, fields = query, None
        question = query_kind(query) == "question"
        if question:
            words, fields = question_terms(query), QUESTION_FIELDS
        if mode == "keyword":
            return self.keyword.search(words, limit=limit, filters=filters, weights=fields)
        if mode == "hybrid":
            # Reasons only for the papers that make the cut (see _with_keyword_reasons).
            matches = self.keyword.matches(words, limit=depth, filters=filters, weights=fields)
            hits = matches.hits
            lists.append(_words(hits))
            weights = self._weights(mode, question=question)
            if weights is SEARCH_WEIGHTS and len(hits) >= limit:
                # The fast tier only nudges (weight 0.1): the words found enough papers,
                # so only their vectors are compared, not every paper's.
                vector = self._embedder(FAST).encode([query])[0]
                similar = self.vectors[FAST].similarities(vector, [h.paper_id for h in hits])
                lists.append(_nudge(similar))
                fused = fuse(lists, SEARCH_WEIGHTS, limit=limit)
                return _with_reasons(fused, matches)
        weights = self._weights(mode, question=question)
        semantic = self._semantic_lists(query, depth, filters, weights, nudge=mode == "hybrid")
        if mode == "semantic":
            return fuse(semantic, weights, limit=limit)
        lists.extend(semantic)
        fused = fuse(lists, weights, limit=limit)
        return _with_reasons(fused, matches)

    def _named_first(
        self, named: Named, *, mode: Mode, limit: int, filters: Filters
    ) -> list[Scored]:
        """The papers a query names by id, link or DOI (``paperwire.lookup``), those the
        filters allow, then the results of the rest of the query (which names none)."""
        keep = self.store.filter_ids(named.stored, filters) if not filters.is_empty else None
        found = self.search(named.rest, mode=mode, limit=limit, filters=filters)
        return named_first(named, found, limit=min(limit, MAX_RESULTS), keep=keep)

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
        lists.append(_words(lexical))
        for tier in (FAST, QUALITY):
            vector = self.vectors[tier].vector_of(paper_id)
            if vector is None:
                continue
            found = self.vectors[tier].search(vector, limit=depth, filters=filters, exclude=exclude)
            lists.append(_meaning(found, tier))
        has_quality = any(r.name == QUALITY for r in lists)
        weights = SIMILAR_WEIGHTS_QUALITY if has_quality else SIMILAR_WEIGHTS
        fused = fuse(lists, weights, limit=limit * 2 + 5)
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
