"""Does the trending star component predict which repositories gain stars next?

    python benchmarks/trending_backtest.py            # the backtest, then the HF sample
    python benchmarks/trending_backtest.py --part stars
    python benchmarks/trending_backtest.py --part hf

**stars** — ``shared/data/pwc_stars/``: 24 snapshots (2018-09-13 .. 2019-01-02) of the
star counts of ~1,800 repositories of papers with code. A repository is scored from
the snapshots up to a cut-off only, with the code of ``paperwire.rank.score`` (the same
``star_velocity``, ``star_signal`` and ``recency_signal`` the trending job uses; recency
is the time since the repository entered the list), and compared with the stars it
really gained from the cut-off to a later snapshot: precision@50 (how many of the 50
best-scored are among the 50 biggest gainers) and Spearman's rank correlation, next to
two baselines scored the same way: total stars at the cut-off, and raw stars gained
from the first snapshot to the cut-off.

The free parameters (velocity half-life, total-stars weight, recency weight) are chosen
on an earlier split (features to 2018-09-22, gains to 2018-10-14) by Spearman +
precision@50, then evaluated once on a later split (features to 2018-10-14, gains to
2019-01-02) whose outcome period the choice never saw.

**hf** — the recorded Hugging Face daily papers of 2026-06-12, imported into a temporary
database and served by paperwire: ``/api/daily_papers?sort=trending`` next to
``sort=publishedAt`` (top 15).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import itertools
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from paperwire.rank.score import (
    Weights,
    recency_signal,
    star_signal,
    star_velocity,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
HISTORY = DATA / "pwc_stars" / "pwc_star_history_2018-09_2019-01.csv.gz"
HF_SAMPLE = DATA / "hf_daily_papers" / "2026-06-12_daily_papers_30.json"
K = 50
# (name, features until, gains until); times in the snapshots' own zone (+09:00)
TUNE = ("tune", "2018-09-22T23:59:59+09:00", "2018-10-14T23:59:59+09:00")
EVAL = ("eval", "2018-10-14T23:59:59+09:00", "2019-01-02T23:59:59+09:00")
GRID = {
    "star_half_life": [0.0, 0.25, 0.5, 1.0],  # fractions of the feature period
    "star_total_weight": [0.0, 0.1, 0.2, 0.3, 0.5],
    "recency": [0.0, 0.5, 1.0],
}

History = dict[str, list[tuple[datetime, int]]]


def load_history(path: Path = HISTORY) -> History:
    """repo -> [(snapshot time, stars)]; rows whose star count is not a number are the
    file's known misaligned rows and are skipped."""
    points: dict[str, dict[datetime, int]] = defaultdict(dict)
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            repo = (row.get("repo_link") or "").strip().lower().rstrip("/")
            try:
                stars = int(float(row.get("repo_star") or ""))
            except ValueError:
                continue
            if "github.com/" not in repo or stars < 0:
                continue
            points[repo][datetime.fromisoformat(row["snapshot_commit_date"])] = stars
    return {repo: sorted(obs.items()) for repo, obs in points.items()}


@dataclass
class Split:
    name: str
    start: datetime
    cut: datetime
    end: datetime
    repos: list[str]
    gains: np.ndarray


def make_split(history: History, name: str, cut_text: str, end_text: str) -> Split:
    cut, end = datetime.fromisoformat(cut_text), datetime.fromisoformat(end_text)
    start = min(t for obs in history.values() for t, _ in obs)
    repos, gains = [], []
    for repo, obs in sorted(history.items()):
        past = [s for t, s in obs if t <= cut]
        future = [s for t, s in obs if cut < t <= end]
        if len(past) >= 2 and future:
            repos.append(repo)
            gains.append(future[-1] - past[-1])
    return Split(name, start, cut, end, repos, np.array(gains, dtype=float))


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks with ties averaged (as Spearman's rho needs)."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values), dtype=float)
    unique, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.zeros(len(unique))
    np.add.at(sums, inverse, ranks)
    result: np.ndarray = (sums / counts)[inverse]
    return result


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


def precision_at(scores: np.ndarray, gains: np.ndarray, k: int = K) -> float:
    """Share of the k best-scored among the k biggest gainers (ties broken by name order)."""
    best = set(np.argsort(-scores, kind="mergesort")[:k].tolist())
    truth = set(np.argsort(-gains, kind="mergesort")[:k].tolist())
    return len(best & truth) / k


Scorer = Callable[[list[tuple[datetime, int]], Split], float]


def trending_scorer(star_half_life: float, star_total_weight: float, recency: float) -> Scorer:
    """The trending job's star and recency terms (``paperwire.rank.score``), star weight 1."""
    weights = Weights(star_half_life=star_half_life, star_total_weight=star_total_weight)

    def score(obs: list[tuple[datetime, int]], split: Split) -> float:
        period = (split.cut - split.start).total_seconds() / 86400
        velocity = star_velocity(
            [p for p in obs if p[0] <= split.cut],
            since=split.start,
            until=split.cut,
            half_life_days=Weights.in_days(weights.star_half_life, period),
        )
        first_seen = obs[0][0]
        return star_signal(velocity, total_weight=weights.star_total_weight) + recency * (
            recency_signal(
                first_seen,
                until=split.cut,
                half_life_days=Weights.in_days(weights.recency_half_life, period),
            )
        )

    return score


def total_stars(obs: list[tuple[datetime, int]], split: Split) -> float:
    return float([s for t, s in obs if t <= split.cut][-1])


def raw_gain(obs: list[tuple[datetime, int]], split: Split) -> float:
    past = [s for t, s in obs if t <= split.cut]
    return float(past[-1] - past[0])


def evaluate(history: History, split: Split, scorer: Scorer) -> tuple[float, float]:
    scores = np.array([scorer(history[r], split) for r in split.repos])
    return precision_at(scores, split.gains), spearman(scores, split.gains)


def run_stars() -> dict[str, object]:
    history = load_history()
    tune = make_split(history, *TUNE)
    test = make_split(history, *EVAL)
    print(
        f"{len(history)} repositories; {len(tune.repos)} in the tuning split, "
        f"{len(test.repos)} in the evaluation split"
    )
    best: tuple[float, tuple[float, ...]] | None = None
    for params in itertools.product(*GRID.values()):
        p50, rho = evaluate(history, tune, trending_scorer(*params))
        if best is None or p50 + rho > best[0]:
            best = (p50 + rho, params)
    assert best is not None
    chosen = dict(zip(GRID, best[1], strict=True))
    print(
        f"chosen on the tuning split (features to {tune.cut:%Y-%m-%d}, gains to "
        f"{tune.end:%Y-%m-%d}): {chosen}"
    )
    rows: list[tuple[str, Scorer]] = [
        ("trending score (tuned)", trending_scorer(*best[1])),
        ("trending score (defaults)", trending_scorer(*_defaults())),
        ("baseline: total stars", total_stars),
        ("baseline: raw stars gained", raw_gain),
    ]
    figures: dict[str, object] = {"chosen": chosen}
    for split in (tune, test):
        features = f"{split.start:%Y-%m-%d}..{split.cut:%Y-%m-%d}"
        gains = f"{split.cut:%Y-%m-%d}..{split.end:%Y-%m-%d}"
        print(f"\n{split.name}: features {features}, gains {gains}, {len(split.repos)} repos")
        print(f"  {'ranker':<28} {'precision@50':>12} {'spearman':>9}")
        for label, scorer in rows:
            p50, rho = evaluate(history, split, scorer)
            figures[f"{split.name}:{label}"] = (p50, rho)
            print(f"  {label:<28} {p50:>12.2f} {rho:>9.4f}")
    return figures


def _defaults() -> tuple[float, float, float]:
    from paperwire.config import Settings

    s = Settings()
    return (s.trending_star_half_life, s.trending_star_total_weight, s.trending_recency_weight)


# -- the Hugging Face daily sample ----------------------------------------------------------


def _column(items: Sequence[dict[str, object]]) -> list[str]:
    lines = []
    for item in items:
        paper = item["paper"]
        assert isinstance(paper, dict)
        title = str(paper["title"])
        lines.append(f"{paper['id']} {paper.get('upvotes', 0):>3}^ {title[:30]}")
    return lines


def run_hf() -> None:
    from fastapi.testclient import TestClient

    from paperwire.config import Settings
    from paperwire.ingest import import_files
    from paperwire.store import open_store
    from paperwire.web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/hf.db", index_dir=f"{tmp}/index")
        store = open_store(settings.database_url)
        store.migrate()
        print(import_files(store, [HF_SAMPLE]).summary())
        with TestClient(create_app(settings, store)) as client:
            orders = {
                sort: client.get(f"/api/daily_papers?sort={sort}&limit=15").json()
                for sort in ("trending", "publishedAt")
            }
        store.close()
    left, right = _column(orders["trending"]), _column(orders["publishedAt"])
    print(f"\n{'#':>2}  {'sort=trending':<47} | sort=publishedAt")
    for n, (a, b) in enumerate(zip(left, right, strict=False), start=1):
        print(f"{n:>2}  {a:<47} | {b}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["all", "stars", "hf"], default="all")
    args = parser.parse_args()
    if args.part in ("all", "stars"):
        run_stars()
    if args.part in ("all", "hf"):
        print()
        run_hf()


if __name__ == "__main__":
    main()
