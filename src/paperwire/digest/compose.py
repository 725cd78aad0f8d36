"""Choosing each subscriber's papers for a period.

For one period (a day of papers, or an ISO week) a ``Composer`` gathers, once:
the period's trending papers (``paperwire.rank.trending.trending_scores``, stored
scores; nothing is ranked here: when ``paperwire rank`` has not stored the ranking of
the period's last day, the digest has no trending papers), and, lazily, the results
of every distinct topic (a keyword search of the index restricted to the period,
``TOPIC_SEARCH``, or hybrid on request; a plain keyword match over the period's papers
when there is no index).
Subscribers share those results, so composing for many subscribers costs one search per
distinct topic plus a little bookkeeping per subscriber.

A digest lists, in this order and without repeats: trending papers (in the
subscriber's categories, if any), then, for a signed-up reader with signals, "For you":
their recommendations among the period's papers (``digest/for_you.py`` chooses them for
many subscribers at once and hands each digest its own), then "Most discussed": the
papers (of any day, in the subscriber's categories) with the most visible comments
written in the period, at least ``DISCUSSED_AT_LEAST`` each (counted once per period,
``Store.most_discussed``), then papers matching each topic (a heading per topic;
a topic that found nothing new says so, "Nothing new on “x” this time.", or that its
papers are listed above), then, for subscribers without topics, the newest papers of
their categories; never a paper sent to that subscriber before, at most
``digest_max_papers``. A digest with no paper at all is not sent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from paperwire.config import Settings
from paperwire.digest.summary import summarize
from paperwire.errors import PaperwireError
from paperwire.models import Filters, Paper
from paperwire.rank.trending import trending_scores
from paperwire.store.base import Store
from paperwire.store.base_digests import Subscriber

log = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z0-9][a-z0-9\-]+")
#: Keep a topic's search hits scoring at least this share of its best hit.
RELEVANCE = 0.5
#: How topics are searched: ``keyword`` (BM25 over the index) or ``hybrid`` (BM25 fused
#: with both vector tiers). On the full corpus keyword search is ten times cheaper
#: (2 against 21 ms a topic) and keeps 94% of hybrid's eight best papers a topic; two
#: thirds of the papers only hybrid finds lack one of the topic's words, though the
#: digest's reason says "matches ‘topic’". See docs/digests.md.
TOPIC_SEARCH: Literal["keyword", "hybrid"] = "keyword"
#: The heading of a reader's recommendations.
FOR_YOU = "For you"
#: The heading of the papers most commented on in the period.
MOST_DISCUSSED = "Most discussed"
#: The fewest visible comments written in the period that put a paper in "Most
#: discussed": one comment is a remark, two are the start of a discussion.
DISCUSSED_AT_LEAST = 2


@dataclass(frozen=True, slots=True)
class Period:
    frequency: str
    start: date
    end: date

    @property
    def key(self) -> str:
        """``daily:2026-07-01`` or ``weekly:2026-W27``: one digest per subscriber and key."""
        if self.frequency == "weekly":
            year, week, _ = self.start.isocalendar()
            return f"weekly:{year}-W{week:02d}"
        return f"daily:{self.start.isoformat()}"

    @property
    def slug(self) -> str:
        return self.key.replace(":", "-")

    @property
    def since(self) -> datetime:
        """The period's first moment (midnight UTC of its first day)."""
        return datetime.combine(self.start, time(), UTC)

    @property
    def until(self) -> datetime:
        """The moment after the period (midnight UTC after its last day)."""
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    @property
    def title(self) -> str:
        def day(d: date) -> str:
            return d.strftime("%b %d, %Y").replace(" 0", " ")

        if self.frequency == "weekly":
            return f"Papers of the week of {day(self.start)}"
        return f"Papers of {day(self.start)}"


def daily_period(day: date) -> Period:
    return Period("daily", day, day)


def weekly_period(day: date) -> Period:
    """The ISO week (Monday to Sunday) containing ``day``."""
    start = day - timedelta(days=day.weekday())
    return Period("weekly", start, start + timedelta(days=6))


def period_of(key: str) -> Period:
    """The period of a key: ``daily:2026-07-01`` or ``weekly:2026-W27``."""
    frequency, _, value = key.partition(":")
    if frequency == "weekly":
        year, _, week = value.partition("-W")
        return weekly_period(date.fromisocalendar(int(year), int(week), 1))
    if frequency == "daily":
        return daily_period(date.fromisoformat(value))
    raise ValueError(f"not a digest period: {key!r}")


def latest_period(store: Store, frequency: str, at: date | None = None) -> Period | None:
    """The latest day with papers (on or before ``at``), or the week containing it."""
    if at is None:
        day = store.feed_days()[1]
    else:
        day = store.feed_days(at + timedelta(days=1))[0]
    if day is None:
        return None
    return weekly_period(day) if frequency == "weekly" else daily_period(day)


@dataclass(slots=True)
class Item:
    paper: Paper
    reason: str
    summary: str


@dataclass(slots=True)
class Group:
    heading: str
    items: list[Item] = field(default_factory=list)
    #: What a group without papers says instead ("Nothing new on ‘x’ this time.").
    note: str = ""

    @property
    def is_discussion(self) -> bool:
        """The "Most discussed" group: its cards link to the paper's discussion."""
        return self.heading == MOST_DISCUSSED


@dataclass(slots=True)
class Digest:
    subscriber: Subscriber
    period: Period
    groups: list[Group]

    @property
    def paper_ids(self) -> tuple[str, ...]:
        return tuple(i.paper.id for g in self.groups for i in g.items)

    @property
    def size(self) -> int:
        return sum(len(g.items) for g in self.groups)

    @property
    def title(self) -> str:
        return self.period.title

    @property
    def subject(self) -> str:
        n = self.size
        return f"{self.period.title}: {n} paper{'s' if n != 1 else ''} for you"


def _terms(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class Composer:
    """Composes the digests of one period; reuse it for every subscriber of the period."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        period: Period,
        *,
        use_index: bool = True,
        search_mode: Literal["keyword", "hybrid"] = TOPIC_SEARCH,
    ) -> None:
        self.store = store
        self.search_mode: Literal["keyword", "hybrid"] = search_mode
        self.settings = settings
        self.period = period
        papers = store.list_papers(day=period.start, until=period.end, limit=100_000)
        self.papers = {p.id: p for p in papers}
        window = "week" if period.frequency == "weekly" else "day"
        depth = max(50, settings.digest_trending * 20)
        self.trending = [
            (paper, scored)
            for paper, scored in trending_scores(store, window=window, at=period.end, limit=depth)
            if scored.score > 0
        ]
        for paper, _ in self.trending:
            self.papers.setdefault(paper.id, paper)
        # Papers of any day may be discussed in the period: kept apart from the period's
        # papers (which "New papers" lists).
        self.discussed: list[tuple[Paper, int]] = []
        if settings.digest_most_discussed > 0:
            counts = store.most_discussed(
                since=period.since,
                until=period.until,
                at_least=DISCUSSED_AT_LEAST,
                limit=max(50, settings.digest_most_discussed * 10),
            )
            known = store.get_papers([pid for pid, _ in counts if pid not in self.papers])
            known.update({pid: self.papers[pid] for pid, _ in counts if pid in self.papers})
            self.discussed = [(known[pid], n) for pid, n in counts if pid in known]
        self.searcher = None
        if use_index:
            from paperwire.index.search import Searcher

            try:
                self.searcher = Searcher(store, settings)
            except PaperwireError as exc:
                log.info("no search index (%s): topics match by keywords", exc)
        self._topics: dict[str, list[str]] = {}
        self._summaries: dict[str, str] = {}
        self._texts: dict[str, str] | None = None
        self.searches = 0

    def discussed_reason(self, comments: int) -> str:
        """``12 comments this week`` (weekly), ``3 comments on Jul 1`` (daily)."""
        start = self.period.start
        when = "this week" if self.period.frequency == "weekly" else f"on {start:%b} {start.day}"
        return f"{comments} comment{'s' if comments != 1 else ''} {when}"

    def summary(self, paper: Paper) -> str:
        found = self._summaries.get(paper.id)
        if found is None:
            found = self._summaries[paper.id] = summarize(paper.abstract)
        return found

    def topic_hits(self, topic: str) -> list[str]:
        """Ids of the period's papers matching ``topic``, best first (searched once)."""
        key = " ".join(topic.lower().split())
        found = self._topics.get(key)
        if found is None:
            self._store_hits({key: self._search(key)})
            found = self._topics[key]
        return found

    def prefetch(self, topics: Iterable[str], *, workers: int = 2) -> None:
        """Search every topic not searched yet, ``workers`` at a time (the index releases
        the interpreter while it works, so two threads use two cores)."""
        keys = list(dict.fromkeys(" ".join(t.lower().split()) for t in topics))
        keys = [k for k in keys if k and k not in self._topics]
        if not keys:
            return
        if self.searcher is None or workers <= 1:
            self._store_hits({k: self._search(k) for k in keys})
            return
        with ThreadPoolExecutor(workers, thread_name_prefix="paperwire-topics") as pool:
            self._store_hits(dict(zip(keys, pool.map(self._search, keys), strict=True)))

    def topics(self) -> dict[str, list[str]]:
        """The topic hits found so far (to hand to another composer of the period)."""
        return dict(self._topics)

    def preload(self, topics: dict[str, list[str]]) -> None:
        """Take topic hits found by another composer of the same period."""
        self._store_hits(topics)
        self.searches -= len(topics)

    def _store_hits(self, hits: dict[str, list[str]]) -> None:
        self.searches += len(hits)
        missing = {pid for ids in hits.values() for pid in ids if pid not in self.papers}
        if missing:
            self.papers.update(self.store.get_papers(sorted(missing)))
        for key, ids in hits.items():
            self._topics[key] = [pid for pid in ids if pid in self.papers]

    def _search(self, key: str) -> list[str]:
        depth = max(self.settings.digest_topic_results * 2, 16)
        if self.searcher is None:
            return self._keyword_hits(key)[:depth]
        filters = Filters(since=self.period.start, until=self.period.end)
        hits = self.searcher.search(key, mode=self.search_mode, limit=depth, filters=filters)
        best = hits[0].score if hits else 0.0
        return [h.paper_id for h in hits if h.reason and h.score >= RELEVANCE * best]

    def _keyword_hits(self, topic: str) -> list[str]:
        """Without an index: papers whose title and abstract hold every word of the topic."""
        words = [w for w in _terms(topic) if len(w) > 2] or _terms(topic)
        if not words:
            return []
        if self._texts is None:
            self._texts = {pid: f"{p.title} {p.abstract}".lower() for pid, p in self.papers.items()}
        scored = []
        for pid, text in self._texts.items():
            counts = [text.count(w) for w in words]
            if all(counts):
                scored.append((-sum(counts) - 3 * (topic in text), pid))
        return [pid for _, pid in sorted(scored)]

    def compose(
        self,
        subscriber: Subscriber,
        sent: set[str] | frozenset[str] = frozenset(),
        picks: Sequence[tuple[Paper, str]] = (),
    ) -> Digest | None:
        """The digest of ``subscriber`` for this period; None when nothing is new for them.

        ``picks``: the reader's recommendations, best first, with their reasons (see
        ``digest/for_you.py``); up to ``digest_for_you`` of them not listed under
        Trending nor sent before make the "For you" section, right after Trending.
        "Most discussed" comes next (up to ``digest_most_discussed`` papers)."""
        settings = self.settings
        prefs = subscriber.prefs
        wanted = set(prefs.categories)
        limit = settings.digest_max_papers
        taken: set[str] = set(sent)
        groups: list[Group] = []
        count = 0

        def fits(paper: Paper) -> bool:
            return paper.id not in taken and (
                not wanted or any(c in wanted for c in paper.categories)
            )

        def add(group: Group, paper: Paper, reason: str) -> None:
            nonlocal count
            taken.add(paper.id)
            group.items.append(Item(paper, reason, self.summary(paper)))
            count += 1

        trending = Group("Trending")
        for paper, scored in self.trending:
            if len(trending.items) >= settings.digest_trending or count >= limit:
                break
            if fits(paper):
                add(trending, paper, f"trending: {scored.reason}" if scored.reason else "trending")
        if trending.items:
            groups.append(trending)
        if picks and settings.digest_for_you > 0:
            # Not restricted to the subscription's categories: the reader's own library
            # says what they want better than the categories of the crowd's lists.
            for_you = Group(FOR_YOU)
            for paper, reason in picks:
                if len(for_you.items) >= settings.digest_for_you or count >= limit:
                    break
                if paper.id not in taken:
                    add(for_you, paper, reason)
            if for_you.items:
                groups.append(for_you)
        if self.discussed and settings.digest_most_discussed > 0:
            discussed = Group(MOST_DISCUSSED)
            for paper, comments in self.discussed:
                if len(discussed.items) >= settings.digest_most_discussed or count >= limit:
                    break
                if fits(paper):
                    add(discussed, paper, self.discussed_reason(comments))
            if discussed.items:
                groups.append(discussed)
        for topic in prefs.topics:
            group = Group(f"On “{topic}”")
            listed = False  # a match is already in this digest, under another heading
            for pid in self.topic_hits(topic):
                if len(group.items) >= settings.digest_topic_results or count >= limit:
                    break
                paper = self.papers[pid]
                if fits(paper):
                    add(group, paper, f"matches ‘{topic}’")
                elif pid in taken and pid not in sent:
                    listed = True
            if group.items:
                groups.append(group)
            elif count < limit:  # found nothing (not cut by the digest's size): say so
                group.note = (
                    f"Papers on “{topic}” are listed above."
                    if listed
                    else f"Nothing new on “{topic}” this time."
                )
                groups.append(group)
        if not prefs.topics:
            categories: list[str | None] = [*prefs.categories] or [None]
            for category in categories:
                heading = f"New in {category}" if category else "New papers"
                group = Group(heading)
                for paper in self.papers.values():
                    if count >= limit:
                        break
                    if paper.id in taken or (category and category not in paper.categories):
                        continue
                    add(group, paper, f"new in {paper.primary_category or category}")
                if group.items:
                    groups.append(group)
        if not count:
            return None
        return Digest(subscriber, self.period, groups)
