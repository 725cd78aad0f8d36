"""A reader's model, in two parts that are scored together (docs/recommendations.md).

- **Meaning** (per vector tier): a linear discriminant. The reader's papers are one
  class, every other paper the other: the other class is described by the mean and
  covariance of a random sample of stored papers (``Background``), so all papers count
  as negatives without reading them, and the two classes weigh the same whatever the
  size of the library (class-balanced by construction). Papers marked "not interested"
  pull the negative mean towards them: with explicit negatives the negative class is
  half background, half those papers. ``w = (S + λI)⁻¹ (mean(pos) − mean(neg))``, scaled
  so that ``w·x + b`` is the number of standard deviations above the average paper.
  Training is one matrix-vector product per reader.
- **Words**: the sum of the reader's papers' unit tf-idf vectors (``KeywordIndex.
  term_vectors``), its strongest ``PROFILE_TERMS`` stems, minus half the mean of the
  papers marked "not interested". Scored as a dot product with a paper's tf-idf vector,
  standardised by the mean and spread of that score over the background papers.

Scores of many readers and many papers are two matrix products (``score_matrix``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]

Matrix = npt.NDArray[np.float32]
TermVector = Mapping[str, tuple[str, float]]

#: Ridge added to the background covariance, as a share of its mean variance. Measured
#: by benchmarks/recommend_eval.py (fast tier): 0.01..1.0 within 0.004 recall@50; 0.05 best.
SHRINK = 0.05
#: Stems in more than this share of papers are left out of word vectors (arxiv-sanity-lite's
#: ``max_df``).
MAX_SHARE = 0.1
#: Stems kept in a reader's word profile.
PROFILE_TERMS = 200
#: Weight of the meaning part beside the words part (both in standard deviations).
MEANING_WEIGHT = 0.5
#: Model format written into ``StoredModel.terms``.
VERSION = 1


@dataclass(frozen=True)
class Background:
    """What the average paper looks like on one tier: mean and regularised precision."""

    mean: Matrix
    covariance: Matrix
    precision: Matrix

    @classmethod
    def fit(cls, sample: Matrix, *, shrink: float = SHRINK) -> Background:
        x = np.asarray(sample, dtype=np.float64)
        mean = x.mean(axis=0)
        cov = np.cov(x, rowvar=False) if len(x) > 1 else np.zeros((x.shape[1], x.shape[1]))
        ridge = shrink * max(float(np.trace(cov)) / cov.shape[0], 1e-6)
        precision = np.linalg.inv(cov + ridge * np.eye(cov.shape[0]))
        return cls(
            mean=mean.astype(np.float32),
            covariance=cov.astype(np.float32),
            precision=precision.astype(np.float32),
        )

    @property
    def dimensions(self) -> int:
        return int(self.mean.shape[0])


def train_meaning(positives: Matrix, negatives: Matrix, background: Background) -> Matrix:
    """Weights ``[w..., b]`` (float32, dimensions + 1) for one reader; zeros when there
    are no positives."""
    d = background.dimensions
    if len(positives) == 0:
        return np.zeros(d + 1, dtype=np.float32)
    negative_mean = background.mean
    if len(negatives):
        negative_mean = 0.5 * background.mean + 0.5 * np.asarray(negatives).mean(axis=0)
    direction = np.asarray(positives, dtype=np.float32).mean(axis=0) - negative_mean
    w = background.precision @ direction
    spread = math.sqrt(max(float(w @ background.covariance @ w), 1e-12))
    w = w / spread
    bias = -float(w @ background.mean)
    return np.concatenate([w, [bias]]).astype(np.float32)


def meaning_scores(weights: Matrix, vectors: Matrix) -> Matrix:
    """``readers x papers``: standard deviations above the average paper."""
    w = np.atleast_2d(weights)
    scores: Matrix = np.asarray(vectors, dtype=np.float32) @ w[:, :-1].T + w[:, -1]
    return scores.T


@dataclass(frozen=True)
class WordProfile:
    """Stem -> weight, the word each stem stands for, and how the profile scores the
    background papers (to standardise)."""

    weights: dict[str, float]
    words: dict[str, str]
    mean: float = 0.0
    spread: float = 1.0

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": VERSION,
                "mean": self.mean,
                "spread": self.spread,
                "terms": [[s, self.words.get(s, s), round(w, 6)] for s, w in self.weights.items()],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> WordProfile:
        try:
            data = json.loads(text or "{}")
            terms = data.get("terms", [])
            return cls(
                weights={str(s): float(w) for s, _, w in terms},
                words={str(s): str(word) for s, word, _ in terms},
                mean=float(data.get("mean", 0.0)),
                spread=float(data.get("spread", 1.0)) or 1.0,
            )
        except (ValueError, TypeError, AttributeError):
            return cls(weights={}, words={})


def train_words(
    positives: Sequence[TermVector],
    negatives: Sequence[TermVector],
    background: Sequence[TermVector],
    *,
    size: int = PROFILE_TERMS,
) -> WordProfile:
    totals: dict[str, float] = {}
    words: dict[str, str] = {}
    for vector in positives:
        for stem, (word, weight) in vector.items():
            totals[stem] = totals.get(stem, 0.0) + weight
            words.setdefault(stem, word)
    if negatives:
        share = 0.5 / len(negatives)
        for vector in negatives:
            for stem, (_, weight) in vector.items():
                if stem in totals:
                    totals[stem] -= share * weight
    kept = sorted(((w, s) for s, w in totals.items() if w > 0), reverse=True)[:size]
    weights = {s: w for w, s in kept}
    profile = WordProfile(weights=weights, words={s: words[s] for s in weights})
    if not weights or not background:
        return profile
    seen = np.array([_dot(weights, v) for v in background], dtype=np.float64)
    return WordProfile(
        weights=weights,
        words=profile.words,
        mean=float(seen.mean()),
        spread=float(seen.std()) or 1.0,
    )


def _dot(weights: Mapping[str, float], vector: TermVector) -> float:
    return sum(weights.get(stem, 0.0) * w for stem, (_, w) in vector.items())


@dataclass(frozen=True)
class PaperWords:
    """Papers' tf-idf vectors as one sparse matrix (stems x papers), built once for a
    batch and scored against any number of profiles."""

    vocabulary: dict[str, int]
    matrix: sparse.csr_matrix

    @classmethod
    def build(cls, vectors: Sequence[TermVector]) -> PaperWords:
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for j, vector in enumerate(vectors):
            for stem, (_, weight) in vector.items():
                rows.append(vocabulary.setdefault(stem, len(vocabulary)))
                cols.append(j)
                vals.append(weight)
        matrix = sparse.csr_matrix(
            (np.asarray(vals, dtype=np.float32), (rows, cols)),
            shape=(len(vocabulary), len(vectors)),
        )
        return cls(vocabulary=vocabulary, matrix=matrix)


def word_scores(profiles: Sequence[WordProfile], papers: PaperWords) -> Matrix:
    """``readers x papers``, standardised per reader: one sparse matrix product."""
    r_rows: list[int] = []
    r_cols: list[int] = []
    r_vals: list[float] = []
    vocabulary = papers.vocabulary
    for i, profile in enumerate(profiles):
        for stem, weight in profile.weights.items():
            k = vocabulary.get(stem)
            if k is not None:
                r_rows.append(i)
                r_cols.append(k)
                r_vals.append(weight)
    readers = sparse.csr_matrix(
        (np.asarray(r_vals, dtype=np.float32), (r_rows, r_cols)),
        shape=(len(profiles), len(vocabulary)),
    )
    raw = np.asarray((readers @ papers.matrix).todense(), dtype=np.float32)
    mean = np.array([p.mean for p in profiles], dtype=np.float32).reshape(-1, 1)
    spread = np.array([p.spread for p in profiles], dtype=np.float32).reshape(-1, 1)
    scores: Matrix = (raw - mean) / spread
    return scores


def combine(meaning: Matrix, words: Matrix) -> Matrix:
    """The score a reader sees: words first, meaning beside them."""
    combined: Matrix = MEANING_WEIGHT * meaning + words
    return combined


def shared_terms(profile: WordProfile, vector: TermVector, n: int = 4) -> list[str]:
    """The words a paper shares with the reader's profile, strongest first."""
    both = [
        (profile.weights[s] * w, word) for s, (word, w) in vector.items() if s in profile.weights
    ]
    both.sort(reverse=True)
    return [word for _, word in both[:n]]
