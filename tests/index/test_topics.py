"""The topics of a day: every paper in one topic, labels of content words, stored by the
index job and grouped again only when a day's papers change."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import numpy as np

from paperwire.index.jobs import update_index
from paperwire.index.keyword import GENERAL_WORDS, KEY_TERM_STOP_WORDS
from paperwire.index.topics import (
    LABEL_STOP_WORDS,
    MIN_DAY,
    OTHER,
    TermReader,
    cluster,
    day_topics,
    group_by_topic,
    topic_count,
    update_topics,
)
from paperwire.models import FeedDate, Paper
from paperwire.store.base_topics import DayTopics, Topic
from paperwire.text import MARKUP_WORDS

LIMIT = 100_000


def _days(store) -> list[tuple[date, list[Paper]]]:
    days = []
    for day in store.days_written_after(0):
        papers = store.list_papers(day=day, limit=LIMIT)
        if papers:
            days.append((day, papers))
    return days


def test_every_paper_of_a_grouped_day_is_in_exactly_one_topic(indexed):
    store, _ = indexed
    grouped = 0
    for day, papers in _days(store):
        stored = store.day_topics(day)
        assert stored is not None, day
        if len(papers) < MIN_DAY:
            assert stored.topics == []
            continue
        grouped += 1
        named = [pid for topic in stored.topics for pid in topic.paper_ids]
        assert len(named) == len(set(named)), day
        assert set(named) == {p.id for p in papers}, day
        assert 2 <= len(stored.topics) <= topic_count(len(papers)), day
        sizes = [len(t.paper_ids) for t in stored.topics]
        assert sizes == sorted(sizes, reverse=True)
    assert grouped >= 5


def test_labels_are_content_words_the_papers_use(indexed):
    store, _ = indexed
    reader = TermReader()
    stop = KEY_TERM_STOP_WORDS | LABEL_STOP_WORDS | GENERAL_WORDS | MARKUP_WORDS
    for day, papers in _days(store):
        stored = store.day_topics(day)
        assert stored is not None
        by_id = {p.id: p for p in papers}
        for topic in stored.topics:
            assert topic.label == ", ".join(topic.terms)
            assert 1 <= len(topic.terms) <= 3
            for term in topic.terms:
                for word in term.split():
                    assert word.lower() not in stop, (day, topic.label)
                    assert any(c.isalpha() for c in word), (day, topic.label)
                    assert "\\" not in word and "$" not in word, (day, topic.label)
            # a label term is used by at least a fifth of the topic's papers
            wanted = [reader.read(Paper(id="x", title=term)).terms() for term in topic.terms]
            for terms in wanted:
                (stem,) = [t for t in terms if t.count(" ") == max(k.count(" ") for k in terms)]
                users = sum(stem in reader.read(by_id[pid]).terms() for pid in topic.paper_ids)
                assert users >= 0.2 * len(topic.paper_ids), (day, topic.label, stem)


def _paper(n: int, title: str, abstract: str) -> Paper:
    when = datetime(2026, 5, 4, 12, tzinfo=UTC)
    return Paper(
        id=f"2605.{n:05d}",
        title=title,
        abstract=abstract,
        published_at=when,
        feed_dates=[FeedDate(date(2026, 5, 4), "arxiv")],
    )


def _two_subjects() -> tuple[list[Paper], dict[str, np.ndarray]]:
    """Twenty papers on graph colouring full of math, twenty on speech recognition,
    with vectors near one of two directions."""
    rng = np.random.default_rng(3)
    axis = np.eye(16, dtype=np.float32)
    papers, vectors = [], {}
    for n in range(40):
        if n % 2:
            paper = _paper(
                n,
                f"Chromatic bounds for graph coloring of $\\mathbb{{R}}^{n}$ lattices",
                "We study graph coloring of unit distance graphs in $\\mathbb{R}^d$ and "
                "prove that the chromatic number is at least $\\mathcal{O}(d \\log d)$.",
            )
            direction = axis[0]
        else:
            paper = _paper(
                n,
                f"Streaming speech recognition for accented speakers, part {n}",
                "Speech recognition systems degrade on accented speech; we adapt the "
                "acoustic model of a streaming speech recognizer with little data.",
            )
            direction = axis[1]
        papers.append(paper)
        vectors[paper.id] = direction + 0.05 * rng.normal(size=16).astype(np.float32)
    return papers, vectors


def test_math_and_latex_never_make_a_label():
    papers, vectors = _two_subjects()
    topics = day_topics(papers, vectors)
    labels = sorted(t.label for t in topics)
    assert len(topics) >= 2
    assert sum("graph coloring" in label or "chromatic" in label for label in labels) >= 1
    assert sum("speech" in label for label in labels) >= 1
    for label in labels:
        for junk in ("mathbb", "mathcal", "log", "ℝ", "\\"):
            assert junk not in label.split(", "), label
            assert junk not in label.replace(",", " ").split(), label
    # the two subjects are never mixed in one topic
    for topic in topics:
        subjects = {int(pid.split(".")[1]) % 2 for pid in topic.paper_ids}
        assert len(subjects) == 1, topic.label


def test_same_papers_same_topics():
    papers, vectors = _two_subjects()
    assert day_topics(papers, vectors) == day_topics(list(papers), dict(vectors))
    matrix = np.stack(list(vectors.values()))
    assert cluster(matrix, 5) == cluster(matrix.copy(), 5)


def test_small_groups_are_dissolved_and_nothing_is_lost():
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(57, 8)).astype(np.float32)
    groups = cluster(matrix, 14)
    rows = sorted(row for group in groups for row in group)
    assert rows == list(range(57))
    assert all(len(group) >= 4 for group in groups)
    assert [len(g) for g in groups] == sorted((len(g) for g in groups), reverse=True)


def test_a_day_is_grouped_again_only_when_its_papers_change(indexed):
    store, settings = indexed
    assert update_topics(store).grouped == 0  # the index run grouped every day already
    day, papers = max(_days(store), key=lambda item: len(item[1]))
    before = store.day_topics(day)
    assert before is not None and before.topics
    late = replace(
        papers[0],
        id="2607.99901",
        title="A late paper on retrieval augmented generation",
        feed_dates=[FeedDate(day, "arxiv")],
    )
    store.upsert_papers([late])
    # Until the index job runs, the page lists the late paper under "Other".
    listed = store.list_papers(day=day, limit=LIMIT)
    groups = group_by_topic(listed, store.day_topics(day))
    assert groups[-1].label == OTHER and [p.id for p in groups[-1].papers] == [late.id]
    report = update_index(store, settings, similar=False)
    assert report.topic_days == 1
    after = store.day_topics(day)
    assert after is not None and after.fingerprint != before.fingerprint
    assert late.id in {pid for topic in after.topics for pid in topic.paper_ids}
    groups = group_by_topic(store.list_papers(day=day, limit=LIMIT), after)
    assert OTHER not in [g.label for g in groups]
    assert update_index(store, settings, similar=False).topic_days == 0


def test_reading_follows_the_listing():
    papers = [_paper(n, f"Paper {n}", "") for n in range(6)]
    stored = DayTopics(
        date(2026, 5, 4),
        "x",
        [
            Topic("alpha", ["alpha"], [papers[3].id, papers[1].id, "2605.99999"]),
            Topic("beta", ["beta"], [papers[0].id]),
            Topic("gamma", ["gamma"], ["2605.88888"]),
        ],
        datetime(2026, 5, 4, tzinfo=UTC),
    )
    groups = group_by_topic(papers, stored)
    assert [(g.label, g.anchor) for g in groups] == [
        ("alpha", "topic-1"),
        ("beta", "topic-2"),
        (OTHER, "topic-other"),
    ]
    # listing order inside a topic; a paper no longer listed is not shown
    assert [p.id for p in groups[0].papers] == [papers[1].id, papers[3].id]
    assert [p.id for p in groups[2].papers] == [papers[n].id for n in (2, 4, 5)]
    assert group_by_topic(papers, None) == []
    assert group_by_topic(papers, replace(stored, topics=[])) == []
