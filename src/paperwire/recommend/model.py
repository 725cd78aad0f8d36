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
- **Words**: over the reader's own stems and phrases (the ``CANDIDATE_TERMS`` strongest
  of the sum of their papers' unit tf-idf vectors, ``KeywordIndex.term_vectors``, minus
  half the mean of the papers marked "not interested"), a linear SVM separates the
  reader's papers from the background papers (and the hidden ones), both sides weighing
  the same; its ``PROFILE_TERMS`` largest weights are the profile. Scored as a dot
  product with a paper's tf-idf vector, standardised by the mean and spread of that
  score over the background papers.

Scores of many readers and many papers are two matrix products (``score_matrix``).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import warnings
import zlib
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
#: Stems and phrases kept in a reader's word profile (benchmarks/recommend_eval.py, fast
#: tier, 200 readers: 300 -> recall@50 0.123, 500 -> 0.128, 1000 -> 0.130, all -> 0.130).
PROFILE_TERMS = 1000
#: The strongest terms by sum that the SVM weighs (a large library has many more).
CANDIDATE_TERMS = 2000
#: The SVM's C (benchmarks/recommend_eval.py, 300 readers, against 4,000 background
#: papers: 1 -> recall@50 0.150, 3 -> 0.151, 10 -> 0.149; arxiv-sanity-lite's 0.01 -> 0.141).
WORDS_C = 3.0
#: Counters of the hashed stems and phrases (shared with ``phrases.py``).
BUCKETS = 1 << 22
#: Weight of the meaning part beside the words part (both in standard deviations;
#: 300 readers, recall@50 / nDCG@20: 0.25 -> 0.153 / 0.114, 0.5 -> 0.151 / 0.115).
MEANING_WEIGHT = 0.25
#: Model format written into ``StoredModel.terms`` (another version reads as no profile
#: and the reader's model is trained again).
VERSION = 3


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


def bucket(stem: str) -> int:
    """Where a stem (or "stem stem" phrase) counts: its CRC-32 within ``BUCKETS``."""
    return zlib.crc32(stem.encode("utf-8")) & (BUCKETS - 1)


def is_current(terms: str) -> bool:
    """Whether a stored profile was written by this ``VERSION`` of the model."""
    return f'"version":{VERSION},' in terms[:40]


@dataclass(frozen=True)
class WordProfile:
    """A reader's strongest stems and phrases as sorted buckets with weights, and the
    mean and spread of its score over the background papers (to standardise). Kept
    compact (``to_json``: about 8 KB for ``PROFILE_TERMS``): at 100,000 readers the
    profiles are what the store holds most of."""

    buckets: npt.NDArray[np.int32]
    weights: Matrix
    mean: float = 0.0
    spread: float = 1.0

    @classmethod
    def empty(cls) -> WordProfile:
        return cls(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": VERSION,
                "mean": self.mean,
                "spread": self.spread,
                "buckets": base64.b64encode(self.buckets.astype("<i4").tobytes()).decode(),
                "weights": base64.b64encode(self.weights.astype("<f2").tobytes()).decode(),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> WordProfile:
        try:
            data = json.loads(text or "{}")
            buckets = np.frombuffer(base64.b64decode(data["buckets"]), dtype="<i4")
            weights = np.frombuffer(base64.b64decode(data["weights"]), dtype="<f2")
            if data.get("version") != VERSION or len(buckets) != len(weights):
                return cls.empty()
            return cls(
                buckets=buckets.astype(np.int32),
                weights=weights.astype(np.float32),
                mean=float(data.get("mean", 0.0)),
                spread=float(data.get("spread", 1.0)) or 1.0,
            )
        except (ValueError, TypeError, KeyError, AttributeError, binascii.Error):
            return cls.empty()

    def weight_of(self, stem: str) -> float:
        key = bucket(stem)
        at = int(np.searchsorted(self.buckets, key))
        if at < len(self.buckets) and int(self.buckets[at]) == key:
            return float(self.weights[at])
        return 0.0


@dataclass(frozen=True)
class TermWeights:
    """A paper's tf-idf vector as training reads it: sorted buckets and their weights
    (about 8 bytes a term, where a ``TermVector`` with its words takes ~250)."""

    buckets: npt.NDArray[np.int32]
    weights: Matrix

    @classmethod
    def of(cls, vector: TermVector) -> TermWeights:
        merged: dict[int, float] = {}
        for stem, (_, weight) in vector.items():
            key = bucket(stem)
            merged[key] = merged.get(key, 0.0) + weight
        keys = sorted(merged)
        return cls(
            buckets=np.asarray(keys, dtype=np.int32),
            weights=np.asarray([merged[k] for k in keys], dtype=np.float32),
        )


def _summed(vectors: Sequence[TermWeights]) -> tuple[npt.NDArray[np.int32], Matrix]:
    """The sum of sparse vectors: sorted buckets and their totals."""
    if not vectors:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
    keys, at = np.unique(np.concatenate([v.buckets for v in vectors]), return_inverse=True)
    totals = np.bincount(at, weights=np.concatenate([v.weights for v in vectors]))
    return keys.astype(np.int32), totals.astype(np.float32)


def train_words(
    positives: Sequence[TermWeights],
    negatives: Sequence[TermWeights],
    background: PaperWords | None,
    *,
    size: int = PROFILE_TERMS,
) -> WordProfile:
    """The reader's word profile: the terms of their papers, weighed by how well each
    tells those papers from the background's (a linear SVM over the reader's own
    terms); without background papers, the sum of their papers' vectors."""
    keys, totals = _summed(positives)
    if negatives and len(keys):
        hidden, amounts = _summed(negatives)
        at = np.minimum(np.searchsorted(keys, hidden), len(keys) - 1)
        found = keys[at] == hidden
        np.subtract.at(totals, at[found], 0.5 / len(negatives) * amounts[found])
    candidates = _strongest(keys, totals, CANDIDATE_TERMS * size // PROFILE_TERMS)
    if not len(candidates):
        return WordProfile.empty()
    features = keys[candidates]
    if background is None or not background.matrix.shape[1]:
        weights = totals[candidates]
    else:
        weights = _separating(features, positives, negatives, background)
    kept = _strongest(features, np.abs(weights), size)
    profile = WordProfile(
        buckets=features[kept],
        weights=weights[kept].astype(np.float16).astype(np.float32),
    )
    if background is None or not background.matrix.shape[1]:
        return profile
    seen = word_scores([profile], background)[0]
    return WordProfile(
        buckets=profile.buckets,
        weights=profile.weights,
        mean=float(seen.mean()),
        spread=float(seen.std()) or 1.0,
    )


def _strongest(keys: npt.NDArray[np.int32], values: Matrix, n: int) -> npt.NDArray[np.intp]:
    """Positions of the ``n`` largest positive values, in key order (ties by key, so a
    profile is reproducible)."""
    positive = np.flatnonzero(values > 0)
    if len(positive) > n:
        order = np.lexsort((keys[positive], -values[positive]))
        positive = np.sort(positive[order[:n]])
    return positive


def _separating(
    features: npt.NDArray[np.int32],
    positives: Sequence[TermWeights],
    negatives: Sequence[TermWeights],
    background: PaperWords,
) -> Matrix:
    """Weights of ``features`` from a linear SVM (liblinear, as arxiv-sanity-lite's) with
    the reader's papers on one side and the background's papers on the other (with the
    hidden papers, when there are some, weighing as much as the background together),
    the two sides weighing the same."""
    # scikit-learn takes ~0.7 s to import: paid by the first training, not at start-up.
    from sklearn.exceptions import ConvergenceWarning  # type: ignore[import-untyped]
    from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

    rows = [_columns(PaperWords.build(positives), features), _columns(background, features)]
    if negatives:
        rows.append(_columns(PaperWords.build(negatives), features))
    x = sparse.vstack(rows).tocsr()
    n_pos, n_bg = rows[0].shape[0], rows[1].shape[0]
    n_hidden = x.shape[0] - n_pos - n_bg
    n = x.shape[0]
    weight = np.empty(n)
    weight[:n_pos] = n / (2 * n_pos)
    weight[n_pos : n_pos + n_bg] = n / ((4 if n_hidden else 2) * n_bg)
    weight[n_pos + n_bg :] = n / (4 * n_hidden) if n_hidden else 0.0
    y = np.zeros(n)
    y[:n_pos] = 1
    classifier = LinearSVC(C=WORDS_C, tol=1e-6, max_iter=10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # close enough to rank by
        classifier.fit(x, y, sample_weight=weight)
    found: Matrix = classifier.coef_.ravel().astype(np.float32)
    return found


def _columns(papers: PaperWords, features: npt.NDArray[np.int32]) -> sparse.csr_matrix:
    """``papers x features`` of a ``PaperWords`` batch (other terms dropped)."""
    if not len(papers.buckets):
        return sparse.csr_matrix((papers.matrix.shape[1], len(features)), dtype=np.float32)
    at = np.minimum(np.searchsorted(papers.buckets, features), len(papers.buckets) - 1)
    hit = np.flatnonzero(papers.buckets[at] == features)
    select = sparse.csr_matrix(
        (np.ones(len(hit), dtype=np.float32), (hit, at[hit])),
        shape=(len(features), len(papers.buckets)),
    )
    return (select @ papers.matrix).T.tocsr()


@dataclass(frozen=True)
class PaperWords:
    """Papers' tf-idf vectors as one sparse matrix (buckets x papers), built once for a
    batch and scored against any number of profiles."""

    buckets: npt.NDArray[np.int32]  # sorted, the matrix's rows
    matrix: sparse.csr_matrix

    @classmethod
    def build(cls, vectors: Sequence[TermWeights]) -> PaperWords:
        lengths = [len(v.buckets) for v in vectors]
        if sum(lengths):
            keys = np.concatenate([v.buckets for v in vectors])
            vals = np.concatenate([v.weights for v in vectors])
        else:
            keys, vals = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        cols = np.repeat(np.arange(len(vectors), dtype=np.int64), lengths)
        buckets, rows = np.unique(keys, return_inverse=True)
        matrix = sparse.csr_matrix(
            (vals.astype(np.float32), (rows, cols)), shape=(len(buckets), len(vectors))
        )
        return cls(buckets=buckets.astype(np.int32), matrix=matrix)


def word_scores(profiles: Sequence[WordProfile], papers: PaperWords) -> Matrix:
    """``readers x papers``, standardised per reader: one sparse matrix product."""
    lengths = np.array([len(p.buckets) for p in profiles], dtype=np.int64)
    if len(profiles) and lengths.sum():
        keys = np.concatenate([p.buckets for p in profiles])
        weights = np.concatenate([p.weights for p in profiles])
    else:
        keys = np.zeros(0, dtype=np.int32)
        weights = np.zeros(0, dtype=np.float32)
    owners = np.repeat(np.arange(len(profiles)), lengths)
    at = np.searchsorted(papers.buckets, keys)
    at_clipped = np.minimum(at, max(len(papers.buckets) - 1, 0))
    hit = (
        (at < len(papers.buckets)) & (papers.buckets[at_clipped] == keys)
        if len(papers.buckets)
        else np.zeros(len(keys), dtype=bool)
    )
    readers = sparse.csr_matrix(
        (weights[hit], (owners[hit], at[hit])),
        shape=(len(profiles), len(papers.buckets)),
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
    """The words a paper shares with the reader's profile, strongest first (a phrase
    hides the words it is made of)."""
    if not vector or not len(profile.buckets):
        return []
    items = list(vector.items())
    keys = np.fromiter((bucket(stem) for stem, _ in items), dtype=np.int64, count=len(items))
    at = np.minimum(np.searchsorted(profile.buckets, keys), len(profile.buckets) - 1)
    found = profile.buckets[at] == keys
    both = sorted(
        (
            (float(profile.weights[at[k]]) * items[k][1][1], items[k][1][0])
            for k in np.flatnonzero(found)
            if profile.weights[at[k]] > 0
        ),
        reverse=True,
    )
    picked: list[str] = []
    for _, word in both:
        if any(word in other.split() or other in word.split() for other in picked):
            continue
        picked.append(word)
        if len(picked) == n:
            break
    return picked
