"""A searcher that lives long (a web process's) follows what index and quality jobs of
other processes store: new vectors, a quality tier that appears, one still filling."""

import numpy as np

from paperwire.index.jobs import load_sample_vectors, update_index
from paperwire.index.search import Searcher
from paperwire.index.semantic import encode_vector
from paperwire.index.tiers import FAST, QUALITY
from paperwire.ingest import sample_path, sample_vectors_path
from paperwire.models import Paper
from paperwire.normalize import text_hash

NEW = Paper(
    id="9902.00001",
    title="Beekeeping logs as a benchmark for sequence forecasting",
    abstract=(
        "Hive weight, temperature and humidity logged every ten minutes across four "
        "apiaries for three seasons, with forecasting baselines for colony collapse."
    ),
)


def ids(hits):
    return [h.paper_id for h in hits]


def test_new_vectors_are_searched_without_reopening(indexed):
    store, settings = indexed
    searcher = Searcher(store, settings, follow_seconds=0)
    query = "forecasting the weight and temperature of bee hives"
    assert NEW.id not in ids(searcher.search(query, mode="semantic", limit=20))
    n = len(searcher.vectors[FAST])

    store.upsert_papers([NEW])
    update_index(store, settings, similar=False)  # as the index job of another process

    assert ids(searcher.search(query, mode="semantic", limit=3))[0] == NEW.id
    assert len(searcher.vectors[FAST]) == n + 1
    assert searcher.vectors[FAST].vector_of(NEW.id) is not None


def test_a_searcher_waits_its_interval_before_looking_again(indexed):
    store, settings = indexed
    searcher = Searcher(store, settings, follow_seconds=3600)
    query = "forecasting the weight and temperature of bee hives"
    searcher.search(query, mode="semantic", limit=5)
    store.upsert_papers([NEW])
    update_index(store, settings, similar=False)
    assert NEW.id not in ids(searcher.search(query, mode="semantic", limit=20))
    assert Searcher(store, settings).search(query, mode="semantic", limit=1)[0].paper_id == NEW.id


def test_the_quality_tier_is_used_once_it_appears(indexed):
    store, settings = indexed
    searcher = Searcher(store, settings, follow_seconds=0)
    assert searcher.quality_coverage() == 0.0
    searcher.search("token pruning", mode="semantic", limit=5)
    assert len(searcher.vectors[QUALITY]) == 0

    assert load_sample_vectors(store, sample_path(), sample_vectors_path()) > 0
    assert searcher.quality_coverage() == 1.0
    searcher.search("token pruning", mode="semantic", limit=5)
    assert len(searcher.vectors[QUALITY]) == store.count_papers()


def test_papers_the_quality_job_has_not_reached_are_still_found_by_meaning(indexed):
    """Half the papers have quality vectors: a paper of the other half is found by its
    own words in semantic mode, through the fast tier's part."""
    store, settings = indexed
    with np.load(sample_vectors_path()) as shipped:
        sample_ids = [str(i) for i in shipped["ids"]]
        vectors = shipped["vectors"]
    papers = store.get_papers(sample_ids)
    half = [
        (pid, text_hash(papers[pid].title, papers[pid].abstract), encode_vector(vector))
        for pid, vector in zip(sample_ids[::2], vectors[::2], strict=True)
        if pid in papers
    ]
    store.save_vectors(QUALITY, half)
    searcher = Searcher(store, settings, follow_seconds=0)
    assert 0.4 < searcher.quality_coverage() < 0.6

    missed = 0
    for pid in sample_ids[1:40:2]:  # none of these has a quality vector
        found = ids(searcher.search(papers[pid].title, mode="semantic", limit=20))
        missed += pid not in found
    assert missed <= 2
