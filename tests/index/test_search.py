"""Hybrid search and similar papers over the indexed sample."""

from datetime import date

import pytest

from paperwire.index.jobs import load_sample_vectors
from paperwire.index.search import MAX_DEPTH, MAX_RESULTS, MODES, NotFound, Ranked, Searcher, fuse
from paperwire.ingest import sample_path, sample_vectors_path
from paperwire.models import Filters, Paper

PRUNING = "2606.27660"  # MVPruner: Dynamic Token Pruning ... Multi-view Vision-Language Models


def test_fusion_rewards_agreement_and_keeps_reasons():
    fused = fuse(
        [
            Ranked("keyword", [("a", 10.0), ("b", 8.0), ("c", 1.0)], {"a": "matches: x"}),
            Ranked("fast", [("b", 0.9), ("a", 0.8), ("d", 0.1)], {}, scaled=True),
        ],
        {"keyword": 0.5, "fast": 0.5},
        limit=4,
    )
    ids = [s.paper_id for s in fused]
    assert ids[:2] == ["a", "b"]  # a: 0.5 * 1 + 0.5 * 0.875; b: 0.5 * 0.8 + 0.5 * 1
    assert fused[0].score == pytest.approx(0.9375)
    assert fused[1].score == pytest.approx(0.9)
    assert ids[2:] == ["c", "d"]  # d scores 0 after min-max scaling; c keeps 0.05
    assert "matches: x" in next(s.reason for s in fused if s.paper_id == "a")
    # a list with no weight takes no part
    only = fuse([Ranked("fast", [("z", 1.0)], {})], {"keyword": 1.0}, limit=3)
    assert only == []


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_every_mode_finds_the_paper_by_its_title(indexed, mode):
    store, settings = indexed
    searcher = Searcher(store, settings)
    title = store.get_paper(PRUNING).title
    hits = searcher.search(title, mode=mode, limit=5)
    assert hits[0].paper_id == PRUNING


def test_hybrid_results_say_which_words_matched(indexed):
    store, settings = indexed
    searcher = Searcher(store, settings)
    query = "token pruning for vision language models"
    hybrid = searcher.search(query, mode="hybrid", limit=10)
    words = {h.paper_id: h.reason for h in searcher.search(query, mode="keyword", limit=50)}
    assert hybrid
    for hit in hybrid:
        if hit.paper_id in words:
            # the keyword list's reason comes first, as fuse() orders the lists
            assert hit.reason.startswith(words[hit.paper_id])
        else:
            assert hit.reason == "close in meaning"


def test_meaning_is_found_without_the_words(indexed):
    store, settings = indexed
    searcher = Searcher(store, settings)
    hits = searcher.search(
        "making vision-language models cheaper by dropping image tokens", mode="semantic", limit=20
    )
    titles = [store.get_paper(h.paper_id).title.lower() for h in hits]
    # papers about spending less on visual tokens, whatever words they use
    cheaper = ("redundan", "prun", "skip", "drop", "selection")
    assert sum(any(w in t for w in cheaper) for t in titles) >= 3


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_filters_apply_to_every_mode(indexed, mode):
    store, settings = indexed
    searcher = Searcher(store, settings)
    filters = Filters(category="cs.CL", has_code=True, since=date(2026, 6, 20))
    hits = searcher.search("large language model reasoning", mode=mode, limit=15, filters=filters)
    assert hits
    for hit in hits:
        paper = store.get_paper(hit.paper_id)
        assert "cs.CL" in paper.categories
        assert paper.github_repo
        assert min(f.day for f in paper.feed_dates) >= date(2026, 6, 20)


def test_hostile_and_empty_queries(indexed):
    store, settings = indexed
    searcher = Searcher(store, settings)
    assert searcher.search("   ") == []
    for query in ["AND (", '"unbalanced', "title:", "-", "*", "((((", "🙂 tokens"]:
        assert isinstance(searcher.search(query), list)


def test_similar_never_lists_itself_or_a_record_of_the_same_title(indexed):
    store, settings = indexed
    paper = store.get_paper(PRUNING)
    twin = Paper(
        id="listing:twin", title=paper.title.upper(), abstract=paper.abstract, sources=["listing"]
    )
    store.upsert_papers([twin])  # a listing entry of the same title merges into the record
    searcher = Searcher(store, settings)
    similar = searcher.similar(PRUNING, limit=10)
    ids = [s.paper_id for s in similar]
    assert PRUNING not in ids and "listing:twin" not in ids
    assert len(ids) == 10
    titles = [store.get_paper(i).title.lower() for i in ids]
    assert sum("prun" in t or "token" in t for t in titles) >= 5
    assert all(s.reason.startswith("shared terms: ") for s in similar[:5])


def test_similar_uses_the_quality_tier_where_it_exists(indexed):
    store, settings = indexed
    assert load_sample_vectors(store, sample_path(), sample_vectors_path()) == store.count_papers()
    searcher = Searcher(store, settings)
    ids = [s.paper_id for s in searcher.similar(PRUNING, limit=10)]
    titles = [store.get_paper(i).title.lower() for i in ids]
    assert sum("prun" in t or "token" in t for t in titles) >= 6
    # shipped vectors are not loaded twice
    assert load_sample_vectors(store, sample_path(), sample_vectors_path()) == 0


def test_similar_of_an_unknown_paper(indexed):
    store, settings = indexed
    with pytest.raises(NotFound):
        Searcher(store, settings).similar("9999.99999")


def test_hybrid_with_enough_word_matches_ranks_those_papers(indexed):
    """The fast tier only nudges: when the words find enough papers, the results are
    those papers, and the ones close in meaning say so."""
    store, settings = indexed
    searcher = Searcher(store, settings)
    query = "token pruning for vision language models"
    words = {h.paper_id for h in searcher.search(query, mode="keyword", limit=MAX_DEPTH)}
    hybrid = searcher.search(query, mode="hybrid", limit=20)
    assert len(hybrid) == 20
    assert {h.paper_id for h in hybrid} <= words
    assert any("close in meaning" in h.reason for h in hybrid)
    assert PRUNING in [h.paper_id for h in hybrid[:3]]


def test_hybrid_finds_meaning_where_words_find_too_little(indexed):
    store, settings = indexed
    searcher = Searcher(store, settings)
    query = "tokn prunnig for visoin langauge modles"  # misspelt: no word matches
    assert searcher.search(query, mode="keyword", limit=20) == []
    hybrid = searcher.search(query, mode="hybrid", limit=10)
    assert len(hybrid) == 10
    assert all(h.reason == "close in meaning" for h in hybrid)


def test_one_search_ranks_a_bounded_number_of_papers(indexed):
    store, settings = indexed
    searcher = Searcher(store, settings)
    for mode in MODES:
        hits = searcher.search("model", mode=mode, limit=10**9)
        assert 0 < len(hits) <= MAX_RESULTS
