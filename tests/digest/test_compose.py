"""Choosing papers: trending first, then topics and categories, never twice, shared searches."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes, policy

from paperwire.digest.compose import (
    Composer,
    daily_period,
    latest_period,
    period_of,
    weekly_period,
)
from paperwire.digest.outbox import compose_due, compose_outbox, decode
from paperwire.digest.send import OutboxRenderer
from paperwire.normalize import utcnow
from paperwire.rank.trending import trending_scores
from paperwire.store.base_digests import Preferences, Subscriber
from tests.digest.conftest import Site

LATEST = date(2026, 7, 1)


def subscribe(site: Site, *rows: tuple[str, Preferences]) -> list[Subscriber]:
    site.store.add_subscribers(rows, now=utcnow())
    found = [site.store.subscriber_by_email(email) for email, _ in rows]
    assert all(found)
    return [s for s in found if s is not None]


def test_periods() -> None:
    assert daily_period(LATEST).key == "daily:2026-07-01"
    week = weekly_period(LATEST)
    assert (week.start, week.end, week.key) == (
        date(2026, 6, 29),
        date(2026, 7, 5),
        "weekly:2026-W27",
    )
    assert period_of("weekly:2026-W27") == week
    assert period_of("daily:2026-07-01") == daily_period(LATEST)


def test_latest_period_is_the_latest_day_with_papers(site: Site) -> None:
    assert latest_period(site.store, "daily") == daily_period(LATEST)
    assert latest_period(site.store, "daily", date(2026, 7, 20)) == daily_period(LATEST)
    assert latest_period(site.store, "daily", date(2026, 6, 30)) == daily_period(date(2026, 6, 30))
    assert latest_period(site.store, "weekly") == weekly_period(LATEST)


def test_trending_then_topics_grouped_with_reasons(site: Site) -> None:
    settings = site.settings
    [ada] = subscribe(site, ("ada@example.org", Preferences("daily", [], ["diffusion", "speech"])))
    composer = Composer(site.store, settings, daily_period(LATEST))
    digest = composer.compose(ada)
    assert digest is not None
    headings = [g.heading for g in digest.groups]
    assert headings[0] == "Trending"
    assert headings[1:] == ["On “diffusion”", "On “speech”"]
    trending = trending_scores(site.store, window="day", at=LATEST, limit=settings.digest_trending)
    assert [i.paper.id for i in digest.groups[0].items] == [p.id for p, _ in trending]
    assert all(i.reason.startswith("trending: ") for i in digest.groups[0].items)
    for group, word in zip(digest.groups[1:], ["diffus", "speech"], strict=True):
        assert 0 < len(group.items) <= settings.digest_topic_results
        for item in group.items:
            assert item.reason == f"matches ‘{group.heading[4:-1]}’"
            assert word in (item.paper.title + item.paper.abstract).lower()
            assert LATEST in {f.day for f in item.paper.feed_dates}  # the period's papers only
    ids = digest.paper_ids
    assert len(ids) == len(set(ids)) <= settings.digest_max_papers
    for item in digest.groups[1].items:
        assert (
            item.summary
            and item.summary in " ".join(item.paper.abstract.split())
            or "$" in item.paper.abstract
            or item.summary
        )


def test_categories_restrict_and_fill(site: Site) -> None:
    [bob] = subscribe(site, ("bob@example.org", Preferences("daily", ["cs.CL"], [])))
    digest = Composer(site.store, site.settings, daily_period(LATEST)).compose(bob)
    assert digest is not None and digest.size == site.settings.digest_max_papers
    assert all("cs.CL" in i.paper.categories for g in digest.groups for i in g.items)
    assert [g.heading for g in digest.groups] == ["Trending", "New in cs.CL"]


def test_at_most_n(site: Site) -> None:
    [sub] = subscribe(site, ("n@example.org", Preferences("daily", [], ["image", "language"])))
    digest = Composer(
        site.store, site.make_settings(digest_max_papers=3), daily_period(LATEST)
    ).compose(sub)
    assert digest is not None and digest.size == 3


def test_each_topic_is_searched_once_per_period(site: Site) -> None:
    rows = [
        (f"r{n}@example.org", Preferences("daily", [], ["Diffusion", "token pruning"][: 1 + n % 2]))
        for n in range(40)
    ]
    subscribe(site, *rows)
    report = compose_outbox(
        site.store,
        site.settings,
        period=daily_period(LATEST),
        subscribers=site.store.subscribers(),
    )
    assert report.composed == 40 and report.searches == 2


def test_never_a_paper_twice_and_never_a_period_twice(site: Site) -> None:
    [ada] = subscribe(site, ("ada@example.org", Preferences("daily", ["cs.CV"], ["segmentation"])))
    day = daily_period(LATEST)
    dry = compose_outbox(site.store, site.settings, period=day, subscribers=[ada], dry_run=True)
    assert dry.composed == 1 and site.store.outbox_counts()["queued"] == 0  # nothing stored
    first = compose_outbox(site.store, site.settings, period=day, subscribers=[ada])
    again = compose_outbox(site.store, site.settings, period=day, subscribers=[ada])
    assert (first.composed, again.composed, again.already) == (1, 0, 1)
    sent = site.store.sent_papers([ada.id])[ada.id]
    assert sent == set(dry.digests[0].paper_ids)
    # The week holds that day: the same searches find the papers already sent.
    composer = Composer(site.store, site.settings, weekly_period(LATEST))
    fresh = composer.compose(ada)
    assert fresh is not None and set(fresh.paper_ids) & sent
    second = composer.compose(ada, sent)
    assert second is not None and not set(second.paper_ids) & sent


def test_without_an_index_topics_match_by_keywords(site: Site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = site.make_settings(index_dir=str(tmp_path / "no-index"))
    [sub] = subscribe(site, ("k@example.org", Preferences("daily", [], ["neural rendering"])))
    composer = Composer(site.store, settings, daily_period(LATEST))
    assert composer.searcher is None
    digest = composer.compose(sub)
    assert digest is not None
    [group] = [g for g in digest.groups if g.heading.startswith("On")]
    for item in group.items:
        text = (item.paper.title + " " + item.paper.abstract).lower()
        assert "neural" in text and "rendering" in text


def test_scheduled_digests_follow_each_time_zone(site: Site) -> None:
    settings = site.make_settings(digest_hour=7)
    subscribe(
        site,
        ("tokyo@example.org", Preferences("daily", [], [], "Asia/Tokyo")),
        ("la@example.org", Preferences("daily", [], [], "America/Los_Angeles")),
        ("honolulu@example.org", Preferences("daily", [], [], "Pacific/Honolulu")),
    )
    now = datetime(2026, 7, 1, 14, 30, tzinfo=UTC)  # Tokyo 23:30, LA 07:30, Honolulu 04:30
    [report] = compose_due(site.store, settings, now=now)
    assert report.period == daily_period(LATEST) and report.composed == 2
    outbox = {
        s.email
        for s in site.store.subscribers()
        if site.store.composed_periods("daily:2026-07-01") & {s.id}
    }
    assert outbox == {"tokyo@example.org", "la@example.org"}
    # Honolulu 08:00: its turn; LA again (composed before: not twice); Tokyo 03:00 next day.
    later = datetime(2026, 7, 1, 18, 0, tzinfo=UTC)
    [report] = compose_due(site.store, settings, now=later)
    assert (report.subscribers, report.composed, report.already) == (2, 1, 1)
    # Days without new papers (weekends, or the feed stopped): no daily digest at all.
    assert compose_due(site.store, settings, now=datetime(2026, 7, 9, 12, tzinfo=UTC)) == []


def test_weekly_digests_cover_the_last_complete_week(site: Site) -> None:
    settings = site.make_settings(digest_hour=7, digest_weekday=0)
    [sub] = subscribe(site, ("w@example.org", Preferences("weekly", [], ["diffusion"], "UTC")))
    # Sunday: the week is not over; Monday 08:00: last week's digest.
    [early] = compose_due(site.store, settings, now=datetime(2026, 7, 5, 12, tzinfo=UTC))
    assert early.period is not None and early.period.key == "weekly:2026-W26"
    [report] = compose_due(site.store, settings, now=datetime(2026, 7, 6, 8, tzinfo=UTC))
    assert report.period is not None and report.period.key == "weekly:2026-W27"
    assert report.composed == 1
    [row] = site.store.composed_periods("weekly:2026-W27")
    assert row == sub.id


def test_outbox_rows_hold_the_composition_and_render_the_same_bytes(site: Site) -> None:
    [ada] = subscribe(site, ("ada@example.org", Preferences("daily", [], ["diffusion"])))
    dry = compose_outbox(
        site.store, site.settings, period=daily_period(LATEST), subscribers=[ada], dry_run=True
    )
    compose_outbox(site.store, site.settings, period=daily_period(LATEST), subscribers=[ada])
    item = site.store.claim_outbox(claimed_by="test:1:x", now=datetime.now(UTC))
    assert item is not None and item.recipient == "ada@example.org"
    [digest] = dry.digests
    groups = decode(item.content)
    assert [h for h, _, _ in groups] == [g.heading for g in digest.groups]
    assert [p for _, rows, _ in groups for p, _ in rows] == list(digest.paper_ids)
    # Rendered at send time, again and again (a re-send after a crash): the same bytes,
    # even by another sender process with cold caches.
    first = OutboxRenderer(site.store, site.settings).message(item)
    again = OutboxRenderer(site.store, site.settings).message(item)
    assert first == again
    assert f"Message-ID: {item.message_id}".encode() in first
    parsed = message_from_bytes(first, policy=policy.default)
    assert parsed["Message-ID"] == item.message_id
    html = parsed.get_body(("html",))
    assert html is not None and "Unsubscribe" in html.get_content()


def test_processes_compose_what_one_process_would(site: Site) -> None:
    rows = [
        (
            f"p{n}@example.org",
            Preferences("daily", [], [["diffusion"], ["speech", "agents"], []][n % 3]),
        )
        for n in range(1200)
    ]
    subscribe(site, *rows)
    subscribers = site.store.subscribers()
    day = daily_period(LATEST)
    dry = compose_outbox(
        site.store, site.settings, period=day, subscribers=subscribers, dry_run=True
    )
    report = compose_outbox(
        site.store, site.settings, period=day, subscribers=subscribers, workers=2
    )
    assert report.composed == dry.composed == 1200 and report.searches == 3
    sent = site.store.sent_papers([s.id for s in subscribers])
    assert all(sent[d.subscriber.id] == set(d.paper_ids) for d in dry.digests)
