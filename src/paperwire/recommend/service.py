"""Recommendations for readers, from their stored models (``model.py``).

``Recommender`` is kept per process (or per command): it holds what every reader's
scoring shares (the background of each tier, the tf-idf vectors of recent papers) and
reads readers' models from the store. A reader whose signals changed since their model
was trained gets it trained on the spot (one reader is a few milliseconds) and stored,
so a click on "save" or "not interested" shows on the next page; ``refresh_models`` is
the job that trains the others in batches, for digests and ``recommend --batch``.
"""

from __future__ import annotations

import os
import time
import zipfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]

from paperwire.index.keyword import KeywordIndex
from paperwire.models import Filters, Paper
from paperwire.normalize import utcnow
from paperwire.recommend import model
from paperwire.recommend.model import (
    Background,
    Matrix,
    PaperWords,
    TermVector,
    TermWeights,
    WordProfile,
)
from paperwire.recommend.phrases import PhraseCounts
from paperwire.store.base import Store
from paperwire.store.base_library import Signals, StoredModel

TIERS = ("quality", "fast")  # preferred first
#: Papers drawn to describe the average paper (vectors) and its words (the word model's
#: other side: benchmarks/recommend_eval.py, 300 readers, recall@50 with 400 -> 0.142,
#: 1,000 -> 0.146, 4,000 -> 0.151).
BACKGROUND_VECTORS = 4000
BACKGROUND_TEXTS = 4000
#: The background's words, kept beside the indexes (analysing 4,000 papers takes seconds).
BACKGROUND_FILE = "recommend-background.npz"
#: At most this many of a reader's papers (the most recent) train the model.
MAX_POSITIVES = 500
MAX_NEGATIVES = 500
#: Papers of a followed author that stand for them.
AUTHOR_PAPERS = 20
#: Days before ``since`` where a paper's stored date may lie when its first announcement
#: is on or after ``since`` (published a few days before it was listed).
_EARLIER = 14
#: Papers whose words are kept: compact for training and scoring (~1 KB each), with the
#: words as written for reasons (~20 KB each).
_WEIGHTS_CACHE = 200_000
_TERM_CACHE = 5_000
_TIERS_FOR = 60.0
#: The checkpoint naming the model version the stored readers' models were trained as.
MODEL_CHECKPOINT = "recommend_model"


@dataclass(frozen=True)
class Recommendation:
    paper: Paper
    score: float
    reason: str
    close_to: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()


@dataclass
class RefreshReport:
    trained: int = 0
    forgotten: int = 0
    phrases: int = 0
    seconds: float = 0.0
    tiers: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        tiers = "+".join(self.tiers) or "no vectors yet"
        return (
            f"recommend: trained {self.trained} reader models ({tiers}), "
            f"forgot {self.forgotten}, counted the phrases of {self.phrases} papers "
            f"in {self.seconds:.1f} s"
        )


@dataclass(frozen=True)
class _Model:
    revision: int
    meaning: dict[str, Matrix]  # tier -> weights
    words: WordProfile
    positives: tuple[str, ...]


def default_index_dir(store: Store) -> Path | None:
    path = getattr(store, "path", None)
    return Path(path).with_suffix(".index") if isinstance(path, str) else None


class Recommender:
    def __init__(
        self,
        store: Store,
        *,
        keyword: KeywordIndex | None = None,
        index_dir: Path | None = None,
    ) -> None:
        self.store = store
        directory = index_dir or default_index_dir(store)
        if keyword is None and directory is not None and (directory / "keyword").exists():
            keyword = KeywordIndex(directory / "keyword")
        self.keyword = keyword
        self.directory = directory
        self.phrases = PhraseCounts(directory) if directory is not None else None
        self._backgrounds: dict[str, tuple[int, Background]] = {}
        self._counts: dict[str, tuple[float, int]] = {}
        self._background_words: PaperWords | None = None
        self._terms: dict[str, TermVector] = {}
        self._weights: dict[str, TermWeights] = {}

    # -- shared state ------------------------------------------------------------------

    def tiers(self) -> list[str]:
        """The tiers with vectors, best first."""
        return [t for t in TIERS if self._count(t) > 0]

    def _count(self, tier: str) -> int:
        """How many vectors the tier holds (asked again after ``_TIERS_FOR`` seconds)."""
        now = time.monotonic()
        known = self._counts.get(tier)
        if known is None or now - known[0] > _TIERS_FOR:
            known = (now, self.store.count_vectors(tier))
            self._counts[tier] = known
        return known[1]

    def background(self, tier: str) -> Background | None:
        count = self._count(tier)
        cached = self._backgrounds.get(tier)
        # Drawn again when the tier grew by a tenth: the average paper barely moves.
        if cached is not None and count <= cached[0] * 1.1:
            return cached[1]
        rows = self.store.sample_vectors(tier, BACKGROUND_VECTORS)
        if len(rows) < 2:
            return None
        sample = np.stack([np.frombuffer(v, dtype="<f2") for _, v in rows]).astype(np.float32)
        found = Background.fit(sample)
        self._backgrounds[tier] = (count, found)
        return found

    def _analysed(self, papers: Sequence[Paper]) -> Mapping[str, TermVector]:
        if self.keyword is None:
            return {p.id: {} for p in papers}
        return self.keyword.term_vectors(
            papers,
            max_share=model.MAX_SHARE,
            phrases=self.phrases.frequencies if self.phrases else None,
            phrase_total=self.phrases.papers if self.phrases else 0,
        )

    def term_vectors(self, papers: Sequence[Paper]) -> dict[str, TermVector]:
        """Papers' tf-idf vectors with their words as written (for reasons)."""
        missing = [p for p in papers if p.id not in self._terms]
        if missing:
            if len(self._terms) + len(missing) > _TERM_CACHE:
                self._terms.clear()
            self._terms.update(self._analysed(missing))
        return {p.id: self._terms.get(p.id, {}) for p in papers}

    def term_weights(self, papers: Sequence[Paper]) -> dict[str, TermWeights]:
        """Papers' tf-idf vectors as training and scoring read them."""
        missing = [p for p in papers if p.id not in self._weights]
        if missing:
            if len(self._weights) + len(missing) > _WEIGHTS_CACHE:
                self._weights.clear()
            known = self._terms
            analysed = self._analysed([p for p in missing if p.id not in known])
            for p in missing:
                vector = known.get(p.id)
                self._weights[p.id] = TermWeights.of(analysed[p.id] if vector is None else vector)
        empty = TermWeights.of({})
        return {p.id: self._weights.get(p.id, empty) for p in papers}

    def update_phrases(self) -> int:
        """Count the phrases of papers stored since the last count (the job does)."""
        if self.keyword is None or self.phrases is None:
            return 0
        added = self.phrases.update(self.store, self.keyword)
        if added:
            self._terms.clear()
            self._weights.clear()
            self._background_words = None
        return added

    def background_words(self) -> PaperWords:
        """The words of ``BACKGROUND_TEXTS`` stored papers: the other side of every
        reader's word model. Read from ``BACKGROUND_FILE`` when it was made with the
        phrases counted now (or a tenth fewer), else made and saved there."""
        if self._background_words is not None:
            return self._background_words
        counted = self.phrases.papers if self.phrases else 0
        path = self.directory / BACKGROUND_FILE if self.directory is not None else None
        saved = _load_words(path) if path is not None else None
        if saved is not None and (saved[0] == counted or 0 < saved[0] <= counted <= saved[0] * 1.1):
            self._background_words = saved[1]
            return saved[1]
        rows = self.store.sample_vectors("fast", BACKGROUND_TEXTS, seed=1)
        papers = self.store.get_papers([pid for pid, _ in rows])
        found = self.term_weights(list(papers.values()))
        words = PaperWords.build(list(found.values()))
        if path is not None and words.matrix.shape[1]:
            try:
                _save_words(path, words, counted)
            except OSError:
                pass  # a read-only index folder: made again by the next process
        self._background_words = words
        return words

    # -- training ----------------------------------------------------------------------

    def has_signals(self, user_id: int) -> bool:
        signals = self.store.signals(user_id)
        return bool(signals.positives or signals.interests)

    def _examples(self, signals: Signals) -> tuple[list[str], list[str], list[str]]:
        """Positive ids, negative ids and free-text topics of a reader."""
        positives = list(signals.positives[:MAX_POSITIVES])
        topics: list[str] = []
        for interest in signals.interests:
            if interest.kind == "author":
                ids = self.store.matching_ids(Filters(author=interest.value))
                positives.extend(ids[-AUTHOR_PAPERS:])
            else:
                topics.append(interest.value)
        hidden = set(signals.negatives)
        positives = [pid for pid in dict.fromkeys(positives) if pid not in hidden]
        return positives, list(signals.negatives[:MAX_NEGATIVES]), topics

    def train(self, signals: Signals, *, now: datetime | None = None) -> list[StoredModel]:
        """The reader's models on every tier with vectors (none without signals)."""
        positives, negatives, topics = self._examples(signals)
        if not positives and not topics:
            return []
        papers = self.store.get_papers(positives + negatives)
        vectors = self.term_weights(list(papers.values()))
        pos_terms = [vectors[p] for p in positives if p in vectors]
        pos_terms += [TermWeights.of(_topic_terms(self, t)) for t in topics]
        words = model.train_words(
            pos_terms,
            [vectors[p] for p in negatives if p in vectors],
            self.background_words(),
        )
        trained: list[StoredModel] = []
        when = now or utcnow()
        for tier in self.tiers():
            background = self.background(tier)
            if background is None:
                continue
            pos = _matrix(self.store.vectors_of(tier, positives), background.dimensions)
            if topics:
                pos = np.vstack([pos, _embed(tier, topics)])
            neg = _matrix(self.store.vectors_of(tier, negatives), background.dimensions)
            weights = model.train_meaning(pos, neg, background)
            trained.append(
                StoredModel(
                    user_id=signals.user_id,
                    tier=tier,
                    revision=signals.revision,
                    weights=weights.astype("<f4").tobytes(),
                    terms=words.to_json(),
                    trained_at=when,
                )
            )
        return trained

    def _model(self, user_id: int, stored: dict[str, StoredModel] | None = None) -> _Model | None:
        signals = self.store.signals(user_id)
        if not signals.positives and not signals.interests:
            return None
        if stored is None:
            stored = {}
            for tier in self.tiers():
                for m in self.store.stored_models(tier, [user_id]):
                    stored[tier] = m
        fresh = stored and all(
            m.revision >= signals.revision and model.is_current(m.terms) for m in stored.values()
        )
        if not fresh or set(stored) != set(self.tiers()):
            models = self.train(signals)
            self.store.save_models(models)
            stored = {m.tier: m for m in models}
        if not stored:
            return None
        any_model = next(iter(stored.values()))
        return _Model(
            revision=signals.revision,
            meaning={t: np.frombuffer(m.weights, dtype="<f4") for t, m in stored.items()},
            words=WordProfile.from_json(any_model.terms),
            positives=tuple(signals.positives[:MAX_POSITIVES]),
        )

    # -- scoring -----------------------------------------------------------------------

    def candidates(self, since: date, until: date | None = None) -> list[Paper]:
        """Papers first announced on a day in [since, until]."""
        ids = self.store.matching_ids(Filters(since=since - timedelta(days=_EARLIER), until=until))
        papers = self.store.get_papers(ids)
        found = []
        for pid in ids:
            paper = papers.get(pid)
            day = paper.first_day if paper else None
            if paper and day and day >= since and (until is None or day <= until):
                found.append(paper)
        return found

    def _scores(self, models: Sequence[_Model], papers: Sequence[Paper]) -> Matrix:
        """``readers x papers``: each paper scored on the best tier it has a vector on."""
        scores = np.zeros((len(models), len(papers)), dtype=np.float32)
        if not models or not papers:
            return scores
        ids = [p.id for p in papers]
        done = np.zeros(len(papers), dtype=bool)
        for tier in self.tiers():
            found = self.store.vectors_of(
                tier, [i for i, d in zip(ids, done, strict=True) if not d]
            )
            columns = [j for j, pid in enumerate(ids) if not done[j] and pid in found]
            if not columns:
                continue
            x = np.stack([np.frombuffer(found[ids[j]], dtype="<f2") for j in columns])
            dims = x.shape[1] + 1
            weights = np.stack(
                [m.meaning.get(tier, np.zeros(dims, dtype=np.float32)) for m in models]
            )
            scores[:, columns] = model.MEANING_WEIGHT * model.meaning_scores(weights, x)
            done[columns] = True
        vectors = self.term_weights(papers)
        scores += model.word_scores(
            [m.words for m in models], PaperWords.build([vectors[p.id] for p in papers])
        )
        return scores

    def _explain(
        self, m: _Model, papers: Sequence[Paper], scores: Sequence[float]
    ) -> list[Recommendation]:
        """Reasons for a reader's picks: their two closest papers and the shared words."""
        words = self.term_vectors(papers)
        close: dict[str, list[str]] = {p.id: [] for p in papers}
        left = [p.id for p in papers]
        for tier in self.tiers():
            own = self.store.vectors_of(tier, left)
            mine = self.store.vectors_of(tier, list(m.positives[:200])) if own else {}
            if mine:
                mine_ids = list(mine)
                matrix = np.stack([np.frombuffer(mine[i], dtype="<f2") for i in mine_ids])
                for pid, blob in own.items():
                    sims = matrix @ np.frombuffer(blob, dtype="<f2").astype(np.float32)
                    close[pid] = [mine_ids[k] for k in np.argsort(-sims)[:2]]
            left = [pid for pid in left if pid not in own]
            if not left:
                break
        titles = self.store.get_papers([c for found in close.values() for c in found])
        picked = []
        for paper, score in zip(papers, scores, strict=True):
            terms = model.shared_terms(m.words, words[paper.id])
            nearest = [c for c in close[paper.id] if c in titles]
            parts = []
            if nearest:
                parts.append("close to: " + "; ".join(f"“{titles[c].title}”" for c in nearest))
            if terms:
                parts.append("shared terms: " + ", ".join(terms))
            picked.append(
                Recommendation(
                    paper=paper,
                    score=round(float(score), 4),
                    reason=" · ".join(parts) or "close to what you follow",
                    close_to=tuple(nearest),
                    terms=tuple(terms),
                )
            )
        return picked

    def _best(
        self, m: _Model, user_id: int, papers: Sequence[Paper], row: Matrix, limit: int
    ) -> list[Recommendation]:
        excluded = self.store.excluded_ids(user_id)
        order = np.argsort(-row, kind="stable")
        chosen: list[int] = []
        for j in order:
            if len(chosen) >= limit:
                break
            if papers[int(j)].id not in excluded:
                chosen.append(int(j))
        return self._explain(m, [papers[j] for j in chosen], [float(row[j]) for j in chosen])

    def for_reader(
        self, user_id: int, *, since: date, until: date | None = None, limit: int = 50
    ) -> list[Recommendation]:
        m = self._model(user_id)
        if m is None or limit <= 0:
            return []
        papers = self.candidates(since, until)
        return self._best(m, user_id, papers, self._scores([m], papers)[0], limit)

    def order(self, user_id: int, paper_ids: Sequence[str]) -> dict[str, float]:
        m = self._model(user_id)
        if m is None:
            return {}
        papers = list(self.store.get_papers(paper_ids).values())
        row = self._scores([m], papers)[0]
        return {p.id: float(s) for p, s in zip(papers, row, strict=True)}

    def for_readers(
        self, requests: Sequence[tuple[int, date]], *, limit: int = 50
    ) -> list[list[Recommendation]]:
        """Many readers at once: models read in one query per tier, each distinct window
        scored for all its readers with one product per tier."""
        users = list(dict.fromkeys(u for u, _ in requests))
        stored: dict[int, dict[str, StoredModel]] = {u: {} for u in users}
        for tier in self.tiers():
            for sm in self.store.stored_models(tier, users):
                stored[sm.user_id][tier] = sm
        models = {u: self._model(u, stored[u]) for u in users}
        results: list[list[Recommendation]] = [[] for _ in requests]
        by_since: dict[date, list[int]] = {}
        for k, (u, since) in enumerate(requests):
            if models[u] is not None:
                by_since.setdefault(since, []).append(k)
        for since, ks in by_since.items():
            papers = self.candidates(since)
            group = [models[requests[k][0]] for k in ks]
            matrix = self._scores([g for g in group if g is not None], papers)
            for row, k in zip(matrix, ks, strict=True):
                m = models[requests[k][0]]
                assert m is not None
                results[k] = self._best(m, requests[k][0], papers, row, limit)
        return results

    def like_list(
        self,
        paper_ids: Sequence[str],
        *,
        since: date | None = None,
        limit: int = 20,
        exclude: Collection[str] = (),
    ) -> list[Recommendation]:
        """Papers like a list's papers: a model trained from them alone."""
        ids = list(dict.fromkeys(paper_ids))[:MAX_POSITIVES]
        if not ids or limit <= 0:
            return []
        m = self._list_model(ids)
        if m is None:
            return []
        start = since or (utcnow().date() - timedelta(days=30))
        left_out = set(ids) | set(exclude)
        papers = [p for p in self.candidates(start) if p.id not in left_out]
        row = self._scores([m], papers)[0]
        order = [int(j) for j in np.argsort(-row, kind="stable")[:limit]]
        return self._explain(m, [papers[j] for j in order], [float(row[j]) for j in order])

    def _list_model(self, ids: list[str]) -> _Model | None:
        signals = Signals(user_id=0, revision=0, positives=ids)
        trained = self.train(signals)
        if not trained:
            return None
        return _Model(
            revision=0,
            meaning={m.tier: np.frombuffer(m.weights, dtype="<f4") for m in trained},
            words=WordProfile.from_json(trained[0].terms),
            positives=tuple(ids),
        )


def _load_words(path: Path) -> tuple[int, PaperWords] | None:
    """(phrases counted when it was made, the words) from ``_save_words``; None when
    missing or unreadable."""
    try:
        with np.load(path) as saved:
            matrix = sparse.csr_matrix(
                (saved["data"], saved["indices"], saved["indptr"]), shape=tuple(saved["shape"])
            )
            return int(saved["counted"]), PaperWords(buckets=saved["buckets"], matrix=matrix)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None


def _save_words(path: Path, words: PaperWords, counted: int) -> None:
    """Written to a temporary file and renamed: a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
    np.savez(
        tmp,
        counted=counted,
        buckets=words.buckets,
        data=words.matrix.data,
        indices=words.matrix.indices,
        indptr=words.matrix.indptr,
        shape=np.asarray(words.matrix.shape),
    )
    os.replace(tmp, path)


def _matrix(found: dict[str, bytes], dims: int) -> Matrix:
    if not found:
        return np.zeros((0, dims), dtype=np.float32)
    return np.stack([np.frombuffer(v, dtype="<f2") for v in found.values()]).astype(np.float32)


def _embed(tier: str, texts: list[str]) -> Matrix:
    from paperwire.index.embed import load_embedder

    vectors: Matrix = np.asarray(load_embedder(tier).encode(texts), dtype=np.float32)
    return vectors


def _topic_terms(recommender: Recommender, topic: str) -> TermVector:
    vectors = recommender.term_vectors([Paper(id=f"topic:{topic}", title=topic)])
    return next(iter(vectors.values()), {})


def refresh_models(
    store: Store,
    *,
    limit: int | None = None,
    now: datetime | None = None,
    recommender: Recommender | None = None,
    index_dir: Path | None = None,
) -> RefreshReport:
    """Train and store the models of readers whose signals changed (both tiers)."""
    started = time.perf_counter()
    rec = recommender or Recommender(store, index_dir=index_dir)
    report = RefreshReport(tiers=rec.tiers())
    first_count = rec.phrases is not None and rec.phrases.papers == 0
    report.phrases = rec.update_phrases()
    waiting: dict[int, None] = {}
    older = (store.get_checkpoint(MODEL_CHECKPOINT) or {}).get("version") != model.VERSION
    if older or (first_count and report.phrases):
        # Profiles trained before phrases were counted have words only, and those of
        # another version are read as empty: train them again.
        for tier in report.tiers:
            waiting.update(dict.fromkeys(m.user_id for m in store.stored_models(tier)))
    for tier in report.tiers:
        waiting.update(dict.fromkeys(store.readers_to_train(tier, limit=limit)))
    users = list(waiting)[:limit] if limit is not None else list(waiting)
    batch: list[StoredModel] = []
    for user_id in users:
        models = rec.train(store.signals(user_id), now=now)
        if not models:
            report.forgotten += 1 if store.delete_models(user_id) else 0
            continue
        batch.extend(models)
        report.trained += 1
        if len(batch) >= 1000:
            store.save_models(batch)
            batch = []
    store.save_models(batch)
    if older and len(users) == len(waiting):  # every stored model is of this version now
        store.set_checkpoint(MODEL_CHECKPOINT, {"version": model.VERSION})
    report.seconds = time.perf_counter() - started
    return report
