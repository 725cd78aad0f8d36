"""Vectors of different models are never compared: when an upgrade ships a new model, the
stored vectors of that tier are computed again (the fast tier in the index job's run, the
quality tier newest first by the quality job), and the old ones serve until replaced."""

from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.index.embed import model_identity
from paperwire.index.jobs import MODELS, fill_quality, note_models, update_index
from paperwire.index.search import Searcher
from paperwire.index.tiers import FAST, QUALITY
from paperwire.models import Paper
from paperwire.store import Store

pytestmark = pytest.mark.both_backends

TOPICS = [
    ("protein folding with diffusion models", "structure prediction of proteins"),
    ("sparse attention for long documents", "transformers reading long inputs"),
    ("bandit algorithms for online advertising", "exploration in recommendation"),
    ("graph neural networks for molecules", "message passing on chemical graphs"),
    ("speech recognition in noisy rooms", "robust acoustic models"),
    ("reinforcement learning for robot grasping", "manipulation policies"),
]


def papers() -> list[Paper]:
    return [
        Paper(
            id=f"2601.{i:05d}",
            title=f"{title.capitalize()}",
            abstract=f"We study {title} and {about}; experiments on real data show gains.",
        )
        for i, (title, about) in enumerate(TOPICS, start=1)
    ]


def settings_for(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, index_dir=str(tmp_path / "index"))


def seqs(store: Store, tier: str) -> dict[str, int]:
    return {row.paper_id: row.seq for row in store.vectors_after(tier, after=0, limit=1000)}


def test_a_new_model_makes_each_tier_compute_its_vectors_again(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    settings = settings_for(db_url, tmp_path)
    store.upsert_papers(papers())
    first = update_index(store, settings, similar=False, quality=True)
    assert (first.fast, first.quality) == (6, 6)
    before = {tier: seqs(store, tier) for tier in (FAST, QUALITY)}
    assert store.get_checkpoint(MODELS) == {
        FAST: model_identity(FAST),
        QUALITY: model_identity(QUALITY),
        "stale": [],
    }

    # The same models: nothing is computed again.
    again = update_index(store, settings, similar=False, quality=True)
    assert (again.fast, again.quality) == (0, 0)

    # Vectors made by an older model (what an upgrade finds).
    with store.atomic():
        store.set_checkpoint(MODELS, {FAST: "model.safetensors:old", QUALITY: "model.onnx:old"})
    assert sorted(note_models(store)) == [FAST, QUALITY]
    # Marked, not removed: they serve until replaced.
    assert store.count_vectors(FAST) == store.count_vectors(QUALITY) == 6
    assert len(store.papers_missing_vectors(QUALITY, limit=10)) == 6
    query = "folding proteins"
    assert Searcher(store, settings).search(query, mode="semantic", limit=1)[0].paper_id == (
        "2601.00001"
    )

    upgraded = update_index(store, settings, similar=False)
    assert upgraded.fast == 6 and upgraded.quality == 0
    after = seqs(store, FAST)
    assert all(after[pid] > before[FAST][pid] for pid in after)
    assert store.get_checkpoint(MODELS)["stale"] == [QUALITY]  # type: ignore[index]
    assert update_index(store, settings, similar=False).fast == 0

    assert fill_quality(store) == 6
    assert all(seqs(store, QUALITY)[pid] > before[QUALITY][pid] for pid in before[QUALITY])
    assert store.papers_missing_vectors(QUALITY, limit=10) == []
    assert fill_quality(store) == 0
    assert store.get_checkpoint(MODELS)["stale"] == []  # type: ignore[index]
    hits = Searcher(store, settings).search(query, mode="semantic", limit=1)
    assert hits[0].paper_id == "2601.00001"


def test_a_new_install_marks_nothing(store: Store) -> None:
    assert note_models(store) == []
    assert store.get_checkpoint(MODELS) == {
        FAST: model_identity(FAST),
        QUALITY: model_identity(QUALITY),
        "stale": [],
    }
    assert note_models(store) == []
