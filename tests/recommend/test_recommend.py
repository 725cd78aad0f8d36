"""Readers' models on the indexed bundled sample (3,294 real papers, fast vectors)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from paperwire.config import Settings, index_directory
from paperwire.models import Paper
from paperwire.normalize import utcnow
from paperwire.recommend import Recommender, model, refresh_models
from paperwire.store import Store

pytestmark = pytest.mark.both_backends

SPLIT = date(2026, 6, 24)


def _reader(store: Store, email: str = "r@example.org") -> int:
    return store.ensure_user(email, now=utcnow()).id


def _before(store: Store, word: str, n: int) -> list[Paper]:
    rec = Recommender(store)
    papers = [p for p in rec.candidates(date(2026, 6, 1), SPLIT - timedelta(days=1))]
    return [p for p in papers if word in p.title.lower()][:n]


def _saving(store: Store, papers: list[Paper]) -> int:
    """A reader whose "Saved" list holds ``papers``."""
    user = _reader(store)
    saved = store.ensure_list(user, "Saved", now=utcnow())
    store.add_to_list(saved.id, [p.id for p in papers], now=utcnow())
    return user


def _recommender(store: Store, settings: Settings) -> Recommender:
    return Recommender(store, index_dir=index_directory(settings))


def test_saved_papers_bring_new_papers_on_their_subject_with_reasons(
    indexed: tuple[Store, Settings],
) -> None:
    store, settings = indexed
    user = _reader(store)
    saved = _before(store, "robot", 6)
    assert len(saved) == 6
    lst = store.ensure_list(user, "Saved", now=utcnow())
    store.add_to_list(lst.id, [p.id for p in saved], now=utcnow())
    rec = _recommender(store, settings)

    picks = rec.for_reader(user, since=SPLIT, limit=10)
    assert len(picks) == 10
    on_topic = sum("robot" in (p.paper.title + p.paper.abstract).lower() for p in picks)
    candidates = rec.candidates(SPLIT)
    base = sum("robot" in (p.title + p.abstract).lower() for p in candidates) / len(candidates)
    assert on_topic >= 7 > 10 * base  # far above the share of robot papers that week
    assert all(p.paper.first_day and p.paper.first_day >= SPLIT for p in picks)
    assert [p.score for p in picks] == sorted((p.score for p in picks), reverse=True)
    titles = {p.id: p.title for p in saved}
    for pick in picks:
        assert pick.close_to and set(pick.close_to) <= set(titles)
        assert f"“{titles[pick.close_to[0]]}”" in pick.reason
        assert pick.terms and all(t in pick.reason for t in pick.terms)


def test_library_and_hidden_papers_are_never_recommended(indexed: tuple[Store, Settings]) -> None:
    store, settings = indexed
    user = _reader(store)
    lst = store.ensure_list(user, "Saved", now=utcnow())
    store.add_to_list(lst.id, [p.id for p in _before(store, "language model", 5)], now=utcnow())
    rec = _recommender(store, settings)
    first = rec.for_reader(user, since=SPLIT, limit=6)
    saved, hidden = first[0].paper.id, first[1].paper.id
    store.add_to_list(lst.id, [saved], now=utcnow())
    store.set_marks(user, [hidden], hidden=True, now=utcnow())
    again = [p.paper.id for p in rec.for_reader(user, since=SPLIT, limit=50)]
    assert saved not in again and hidden not in again


def test_models_are_stored_refreshed_when_signals_change_and_forgotten(
    indexed: tuple[Store, Settings],
) -> None:
    store, settings = indexed
    user = _reader(store)
    lst = store.ensure_list(user, "Saved", now=utcnow())
    papers = _before(store, "graph", 4)
    store.add_to_list(lst.id, [p.id for p in papers[:2]], now=utcnow())
    rec = _recommender(store, settings)

    report = refresh_models(store, recommender=rec)
    assert report.trained == 1 and "trained 1 reader" in str(report)
    first = store.stored_models("fast", [user])[0]
    assert first.revision == store.signals(user).revision
    assert len(first.weights) == 4 * 257
    assert store.readers_to_train("fast") == []
    assert refresh_models(store, recommender=rec).trained == 0

    store.add_to_list(lst.id, [p.id for p in papers[2:]], now=utcnow())
    assert store.readers_to_train("fast") == [user]
    refresh_models(store, recommender=rec)
    second = store.stored_models("fast", [user])[0]
    assert second.revision > first.revision and second.weights != first.weights

    store.remove_from_list(lst.id, [p.id for p in papers])
    report = refresh_models(store, recommender=rec)
    assert report.forgotten == 1
    assert store.stored_models("fast", [user]) == []
    assert rec.for_reader(user, since=SPLIT) == []


def test_a_stale_model_is_trained_on_request(indexed: tuple[Store, Settings]) -> None:
    store, settings = indexed
    user = _reader(store)
    lst = store.ensure_list(user, "Saved", now=utcnow())
    store.add_to_list(lst.id, [p.id for p in _before(store, "diffusion", 3)], now=utcnow())
    rec = _recommender(store, settings)
    assert rec.for_reader(user, since=SPLIT, limit=3)
    stored = store.stored_models("fast", [user])[0]
    assert stored.revision == store.signals(user).revision


def test_cold_start_from_a_topic_and_from_an_author(indexed: tuple[Store, Settings]) -> None:
    store, settings = indexed
    rec = _recommender(store, settings)
    topic_reader = _reader(store, "t@example.org")
    assert not rec.has_signals(topic_reader)
    assert rec.for_reader(topic_reader, since=SPLIT) == []
    store.add_interest(topic_reader, "topic", "speech recognition", now=utcnow())
    assert rec.has_signals(topic_reader)
    picks = rec.for_reader(topic_reader, since=SPLIT, limit=5)
    assert sum("speech" in (p.paper.title + p.paper.abstract).lower() for p in picks) >= 4

    author_reader = _reader(store, "a@example.org")
    paper = _before(store, "", 50)[7]
    name = paper.authors[0].name
    store.add_interest(author_reader, "author", name, now=utcnow())
    picks = rec.for_reader(author_reader, since=SPLIT, limit=5)
    assert picks and all(p.reason for p in picks)


def test_batch_gives_what_each_reader_gets_alone(indexed: tuple[Store, Settings]) -> None:
    store, settings = indexed
    users = []
    for n, word in enumerate(("robot", "language", "image")):
        user = _reader(store, f"b{n}@example.org")
        lst = store.ensure_list(user, "Saved", now=utcnow())
        store.add_to_list(lst.id, [p.id for p in _before(store, word, 4)], now=utcnow())
        users.append(user)
    nobody = _reader(store, "nobody@example.org")
    rec = _recommender(store, settings)
    alone = [rec.for_reader(u, since=SPLIT, limit=5) for u in users]
    batch = rec.for_readers([(u, SPLIT) for u in users] + [(nobody, SPLIT)], limit=5)
    assert batch[:3] == alone
    assert batch[3] == []
    assert [p.paper.id for p in alone[0]] != [p.paper.id for p in alone[1]]


def test_ordering_given_papers_and_more_like_a_list(indexed: tuple[Store, Settings]) -> None:
    store, settings = indexed
    user = _reader(store)
    rec = _recommender(store, settings)
    day = rec.candidates(SPLIT, SPLIT)
    assert rec.order(user, [p.id for p in day]) == {}
    lst = store.ensure_list(user, "Saved", now=utcnow())
    robots = _before(store, "robot", 5)
    store.add_to_list(lst.id, [p.id for p in robots], now=utcnow())
    scores = rec.order(user, [p.id for p in day])
    assert set(scores) == {p.id for p in day}
    best = max(day, key=lambda p: scores[p.id])
    assert "robot" in (best.title + best.abstract).lower()

    like = rec.like_list([p.id for p in robots], since=SPLIT, limit=5)
    assert len(like) == 5
    assert not {p.paper.id for p in like} & {p.id for p in robots}
    assert sum("robot" in (p.paper.title + p.paper.abstract).lower() for p in like) >= 4


def test_model_parts_on_edge_input() -> None:
    rng = np.random.default_rng(0)
    sample = rng.normal(size=(500, 8)).astype(np.float32)
    background = model.Background.fit(sample)
    empty = np.zeros((0, 8), dtype=np.float32)
    assert not model.train_meaning(empty, empty, background).any()
    direction = np.zeros(8, dtype=np.float32)
    direction[0] = 3
    weights = model.train_meaning(sample[:5] + direction, empty, background)
    scores = model.meaning_scores(weights, sample)[0]
    assert abs(float(scores.mean())) < 0.2 and 0.8 < float(scores.std()) < 1.2  # standardised
    assert float(model.meaning_scores(weights, (sample[:5] + direction))[0].mean()) > 2

    for broken in ("", "not json", "[1, 2]", '{"buckets": "??"}', '{"version": 1, "terms": 5}'):
        profile = model.WordProfile.from_json(broken)
        assert len(profile.weights) == 0 == len(profile.buckets)
    weights = model.TermWeights.of
    profile = model.train_words(
        [
            weights({"graph": ("graphs", 1.0)}),
            weights({"graph": ("graph", 0.6), "neural graph": ("neural graph", 0.8)}),
        ],
        [],
        model.PaperWords.build(
            [weights({"graph": ("graph", 0.5)}), weights({"tree": ("tree", 1.0)})]
        ),
    )
    again = model.WordProfile.from_json(profile.to_json())
    assert list(again.buckets) == list(profile.buckets) and len(again.buckets) == 2
    assert again.weight_of("graph") > 0 and again.weight_of("neural graph") > 0
    assert again.weight_of("tree") == 0
    assert again.spread > 0 and again.mean > 0
    vector = {"neural graph": ("neural graph", 0.7), "graph": ("graph", 0.7), "x": ("x", 0.1)}
    assert model.shared_terms(again, vector) == ["graph"]  # the phrase hides behind its word
    papers = model.PaperWords.build(
        [weights({"graph": ("graph", 1.0)}), weights({"tree": ("tree", 1.0)}), weights({})]
    )
    scores = model.word_scores([again], papers)
    assert scores.shape == (1, 3) and scores[0, 0] > scores[0, 1] == scores[0, 2]


def test_word_profiles_keep_the_strongest_terms_and_hidden_papers_pull_them_down() -> None:
    weights = model.TermWeights.of
    saved = [
        weights({"graph": ("graph", 0.8), "tree": ("tree", 0.6)}),
        weights({"graph": ("graphs", 1.0)}),
    ]
    hidden = [weights({"tree": ("tree", 1.0), "noise": ("noise", 1.0)})]
    profile = model.train_words(saved, hidden, None)
    assert profile.weight_of("graph") == pytest.approx(1.8, abs=1e-2)
    assert profile.weight_of("tree") == pytest.approx(0.1, abs=1e-2)  # 0.6 - half of 1.0
    assert profile.weight_of("noise") == 0  # only the reader's own terms are kept
    strongest = model.train_words(saved, [], None, size=1)
    assert list(strongest.buckets) == [model.bucket("graph")]
    outweighed = model.train_words(saved[:1], [weights({"tree": ("tree", 2.0)})], None)
    assert outweighed.weight_of("tree") == 0 and outweighed.weight_of("graph") > 0
    assert not len(model.train_words([], hidden, None).buckets)

    # Against background papers, a term the reader shares with many of them weighs less
    # than one only the reader's papers have.
    mine = [weights({"graph": ("graph", 0.7), "common": ("common", 0.7)})] * 3
    others = [weights({"common": ("common", 1.0)})] * 40 + [weights({"tree": ("tree", 1.0)})] * 40
    separated = model.train_words(mine, [], model.PaperWords.build(others))
    assert separated.weight_of("graph") > max(separated.weight_of("common"), 0)
    assert separated.weight_of("tree") == 0  # not the reader's term
    assert 0 < separated.spread


def test_phrases_are_counted_by_the_job_and_weigh_in_profiles(
    indexed: tuple[Store, Settings],
) -> None:
    store, settings = indexed
    rec = _recommender(store, settings)
    assert rec.phrases is not None and rec.phrases.papers == 0
    speech = _before(store, "speech", 3)
    words = rec.term_vectors(speech)
    assert not any(" " in stem for vector in words.values() for stem in vector)

    user = _reader(store)
    lst = store.ensure_list(user, "Saved", now=utcnow())
    store.add_to_list(lst.id, [p.id for p in speech], now=utcnow())
    assert rec.for_reader(user, since=SPLIT, limit=1)  # trained now, on words alone
    assert store.readers_to_train("fast") == []
    report = refresh_models(store, recommender=rec)
    # The first count of phrases trains every profile again.
    assert report.phrases == store.count_papers() and report.trained == 1
    assert refresh_models(store, recommender=rec).phrases == 0  # nothing new to count

    again = _recommender(store, settings)  # another process reads the saved counts
    assert again.phrases is not None and again.phrases.papers == store.count_papers()
    vectors = again.term_vectors(speech)
    phrases = {stem: word for v in vectors.values() for stem, (word, _) in v.items() if " " in stem}
    assert phrases and all(len(word.split()) == 2 for word in phrases.values())
    for vector in vectors.values():
        assert abs(sum(w * w for _, w in vector.values()) - 1.0) < 1e-6
    profile = model.WordProfile.from_json(store.stored_models("fast", [user])[0].terms)
    assert any(profile.weight_of(stem) > 0 for stem in phrases)


def test_models_of_an_older_version_are_trained_again(indexed: tuple[Store, Settings]) -> None:
    store, settings = indexed
    user = _saving(store, _before(store, "speech", 3))
    rec = _recommender(store, settings)
    assert refresh_models(store, recommender=rec).trained == 1
    assert refresh_models(store, recommender=rec).trained == 0  # nothing changed
    # A model stored by the previous version, as after an upgrade:
    old = store.stored_models("fast", [user])[0]
    older = old.terms.replace(f'"version":{model.VERSION},', '"version":2,')
    store.save_models([replace(old, terms=older)])
    store.set_checkpoint("recommend_model", {"version": 2})
    assert model.WordProfile.from_json(older).weights.size == 0
    # A page trains it again on the spot; so does the job for readers not seen.
    assert _recommender(store, settings).for_reader(user, since=SPLIT, limit=3)
    assert model.is_current(store.stored_models("fast", [user])[0].terms)
    store.save_models([replace(old, terms=older)])
    assert refresh_models(store, recommender=rec).trained == 1
    assert model.is_current(store.stored_models("fast", [user])[0].terms)
    assert refresh_models(store, recommender=rec).trained == 0


def test_the_background_words_are_kept_beside_the_indexes(
    indexed: tuple[Store, Settings],
) -> None:
    store, settings = indexed
    path = index_directory(settings) / "recommend-background.npz"
    first = _recommender(store, settings).background_words()
    assert path.exists() and first.matrix.shape[1] > 1000
    made = path.stat().st_mtime_ns
    again = _recommender(store, settings).background_words()  # another process reads it
    assert path.stat().st_mtime_ns == made
    assert list(again.buckets) == list(first.buckets)
    assert (again.matrix != first.matrix).nnz == 0
    path.write_bytes(b"not an archive")  # a broken file is made again
    assert _recommender(store, settings).background_words().matrix.shape == first.matrix.shape
    assert path.stat().st_size > 1000
