"""The "For you" section: a signed-up reader's recommendations in their digest, with
reasons, never a paper of their library, hidden or listed elsewhere in the digest;
everyone else gets the digest as before, byte for byte."""

from __future__ import annotations

import dataclasses
import html
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from paperwire.digest.compose import FOR_YOU, Composer, daily_period
from paperwire.digest.outbox import compose_outbox, decode, encode
from paperwire.digest.render import Renderer
from paperwire.digest.send import OutboxRenderer
from paperwire.digest.subscriptions import Links
from paperwire.models import Paper
from paperwire.normalize import CONTROL_CHARS, utcnow
from paperwire.recommend import Recommender
from paperwire.store.base_digests import OutboxItem, Preferences, Subscriber
from tests.digest.conftest import Site
from tests.digest.test_compose import LATEST, subscribe

DAY = daily_period(LATEST)


def _saves(site: Site, email: str, word: str, n: int = 6) -> int:
    """A reader (account ``email``) who saved ``n`` older papers with ``word`` in the title."""
    user = site.store.ensure_user(email, now=utcnow()).id
    older = site.store.list_papers(day=date(2026, 6, 1), until=date(2026, 6, 23), limit=10_000)
    papers = [p for p in older if word in p.title.lower()][:n]
    assert len(papers) == n
    saved = site.store.ensure_list(user, "Saved", now=utcnow())
    site.store.add_to_list(saved.id, [p.id for p in papers], now=utcnow())
    return user


def _rows(site: Site) -> dict[str, OutboxItem]:
    """Every queued outbox row, by recipient."""
    rows: dict[str, OutboxItem] = {}
    while item := site.store.claim_outbox(claimed_by="test:1:x", now=datetime.now(UTC)):
        rows[item.recipient] = item
    return rows


def _parts(message: bytes) -> tuple[str, str]:
    parsed = message_from_bytes(message, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    html_part, text_part = parsed.get_body(("html",)), parsed.get_body(("plain",))
    assert html_part is not None and text_part is not None
    crlf = "\r\n"
    return html_part.get_content().replace(crlf, "\n"), text_part.get_content().replace(crlf, "\n")


def test_a_reader_with_saved_papers_gets_for_you_with_reasons(site: Site) -> None:
    store = site.store
    [ada] = subscribe(site, ("Ada@example.org", Preferences("daily", [], ["diffusion"])))
    user = _saves(site, "ada@example.org", "robot")  # accounts are keyed lower-cased
    # What the reader's model likes best that day: hide the first, save the second and
    # mark the third read; none of them may come back.
    first = [r.paper.id for r in Recommender(store).for_reader(user, since=LATEST, limit=3)]
    hidden, saved, read = first
    store.set_marks(user, [hidden], hidden=True, now=utcnow())
    store.add_to_list(store.ensure_list(user, "Later", now=utcnow()).id, [saved], now=utcnow())
    store.set_marks(user, [read], read=True, now=utcnow())

    report = compose_outbox(store, site.settings, period=DAY, subscribers=[ada])
    assert report.composed == 1 and report.for_you == 1
    [item] = _rows(site).values()
    groups = decode(item.content)
    headings = [h for h, _, _ in groups]
    assert headings[:2] == ["Trending", FOR_YOU]  # right after the crowd's list
    [picks] = [rows for h, rows, _ in groups if h == FOR_YOU]
    assert 1 <= len(picks) <= site.settings.digest_for_you == 5
    ids = [pid for _, rows, _ in groups for pid, _ in rows]
    assert len(ids) == len(set(ids))  # never a paper twice in one digest
    library = set(store.library_entries(user))
    assert not {pid for pid, _ in picks} & (library | {hidden, saved, read})
    assert library >= {hidden, saved, read}
    # The reader's best papers of the day, in the recommender's order, but for those the
    # digest lists under Trending and the one marked read (part of their library).
    trending = {pid for h, rows, _ in groups if h == "Trending" for pid, _ in rows}
    best = Recommender(store).for_reader(user, since=LATEST, until=LATEST, limit=30)
    expected = [r.paper.id for r in best if r.paper.id not in trending | {read}]
    assert [pid for pid, _ in picks] == expected[:5]
    for _, reason in picks:
        assert reason.startswith("close to: “") and "shared terms: " in reason

    page, text = _parts(OutboxRenderer(store, site.settings).message(item))
    page = html.unescape(page)  # the 7-bit part writes “ ” as character references
    assert "<h2" in page and f">{FOR_YOU}</h2>" in page
    assert f"\n{FOR_YOU}\n-------\n" in text
    for pid, reason in picks:
        assert f">{reason}</p>" in page and reason in text and pid in page and pid in text
    # The sent papers are remembered: the next period's digest never repeats them.
    assert store.sent_papers([ada.id])[ada.id] >= {pid for pid, _ in picks}


def test_for_you_skips_the_papers_listed_above_and_keeps_to_its_size(site: Site) -> None:
    [bob] = subscribe(site, ("bob@example.org", Preferences("daily", [], [])))
    composer = Composer(site.store, site.settings, DAY)
    plain = composer.compose(bob)
    assert plain is not None and plain.groups[0].heading == "Trending"
    trending = [i.paper for i in plain.groups[0].items]
    others = [p for p in composer.papers.values() if p.id not in {t.id for t in trending}]
    picks = [(p, f"because of {p.id}") for p in [*trending[:2], *others[:10]]]
    digest = composer.compose(bob, frozenset({others[0].id}), picks)
    assert digest is not None
    assert [i.paper.id for i in digest.groups[0].items] == [p.id for p in trending]
    [for_you] = [g for g in digest.groups if g.heading == FOR_YOU]
    assert [i.paper.id for i in for_you.items] == [p.id for p in others[1:6]]
    assert [i.reason for i in for_you.items] == [f"because of {p.id}" for p in others[1:6]]
    two = Composer(site.store, site.make_settings(digest_for_you=2), DAY).compose(bob, picks=picks)
    none = Composer(site.store, site.make_settings(digest_for_you=0), DAY).compose(bob, picks=picks)
    assert two is not None and none is not None
    assert [len(g.items) for g in two.groups if g.heading == FOR_YOU] == [2]
    assert encode(none) == encode(plain)


def _today(site: Site, subscriber: Subscriber) -> tuple[str, bytes]:
    """The digest as paperwire composed and rendered it before "For you": its stored
    composition and its message for a given Message-ID and time."""
    digest = Composer(site.store, site.settings, DAY).compose(subscriber)
    assert digest is not None
    message = (
        Renderer(site.settings, Links.of(site.settings, site.store))
        .render_message(
            subscriber_id=subscriber.id,
            email=subscriber.email,
            period=DAY,
            groups=digest.groups,
            message_id=f"<{DAY.slug}.{subscriber.id}.test@paperwire.test>",
            at=datetime(2026, 7, 2, 7, 0, 5, tzinfo=UTC),
        )
        .message
    )
    return encode(digest), message


def test_readers_without_signals_get_exactly_todays_digest(site: Site) -> None:
    store = site.store
    subscribers = subscribe(
        site,
        ("ada@example.org", Preferences("daily", [], ["diffusion"])),  # a reader with signals
        ("cy@example.org", Preferences("daily", [], ["speech"])),  # an account, nothing saved
        ("dee@example.org", Preferences("daily", ["cs.CV"], [])),  # hid one paper only
        ("eve@example.org", Preferences("daily", ["cs.CL"], ["agents"])),  # no account
    )
    _saves(site, "ada@example.org", "robot")
    store.ensure_user("cy@example.org", now=utcnow())
    dee = store.ensure_user("dee@example.org", now=utcnow()).id
    store.set_marks(dee, [next(iter(Composer(store, site.settings, DAY).papers))], hidden=True,
                    now=utcnow())  # fmt: skip
    expected = {s.email: _today(site, s) for s in subscribers}

    report = compose_outbox(store, site.settings, period=DAY, subscribers=subscribers)
    assert report.composed == 4 and report.for_you == 1
    rows = _rows(site)
    assert FOR_YOU in [h for h, _, _ in decode(rows["ada@example.org"].content)]
    renderer = OutboxRenderer(store, site.settings)
    for email in ("cy@example.org", "dee@example.org", "eve@example.org"):
        content, message = expected[email]
        row = dataclasses.replace(
            rows[email],
            message_id=f"<{DAY.slug}.{rows[email].subscriber_id}.test@paperwire.test>",
            created_at=datetime(2026, 7, 2, 7, 0, 5, tzinfo=UTC),
        )
        assert row.content == content
        assert renderer.message(row) == message


def test_a_hostile_title_is_inert_in_both_parts(site: Site) -> None:
    store = site.store
    [ada] = subscribe(site, ("ada@example.org", Preferences("daily", [], [])))
    user = _saves(site, "ada@example.org", "robot")
    hostile = "<script>alert(1)</script>\x1b[31mRed\x00 <b onmouseover=x>\r\nBcc: eve@example.org"

    def retitle(paper_id: str) -> None:  # a later version of the paper carries the title
        paper = store.get_papers([paper_id])[paper_id]
        store.upsert_papers(
            [dataclasses.replace(paper, version=(paper.version or 1) + 1, title=hostile)]
        )
        assert store.get_papers([paper_id])[paper_id].title == hostile

    # The reader's saved papers are named in reasons; the picks are titled in the cards.
    for paper_id in store.signals(user).positives:
        retitle(paper_id)
    picked = [r.paper.id for r in Recommender(store).for_reader(user, since=LATEST, limit=8)]
    for paper_id in picked:
        retitle(paper_id)

    compose_outbox(store, site.settings, period=DAY, subscribers=[ada])
    [item] = _rows(site).values()
    [picks] = [rows for h, rows, _ in decode(item.content) if h == FOR_YOU]
    assert picks and {pid for pid, _ in picks} <= set(picked)
    for _, reason in picks:
        assert "<script>alert(1)</script>" in reason and not CONTROL_CHARS.search(reason)
        assert "\r" not in reason and "\n" not in reason
    message = OutboxRenderer(store, site.settings).message(item)
    parsed = message_from_bytes(message, policy=policy.default)
    assert parsed["Bcc"] is None and "eve@example.org" not in str(parsed["To"])
    page, text = _parts(message)
    assert "<script" not in page and "<b onmouseover" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2 * len(picks)
    assert "\x1b" not in page + text and "\x00" not in page + text
    assert "<script>alert(1)</script>[31mRed <b onmouseover=x> Bcc: eve@example.org" in text
    assert not any(line.startswith("Bcc:") for line in text.splitlines())
    assert all(not CONTROL_CHARS.search(line) for line in text.splitlines())


def test_reasons_are_plain_text_on_one_line_and_short() -> None:
    from paperwire.digest.for_you import MAX_REASON, reason_of
    from paperwire.recommend import Recommendation

    def reason(text: str) -> str:
        return reason_of(Recommendation(paper=Paper(id="2607.00001", title="x"), score=1.0,
                                        reason=text))  # fmt: skip

    assert reason("close to: “On $\\alpha$-Nets”\x07\n · shared terms: a") == (
        "close to: “On α-Nets” · shared terms: a"
    )
    long = reason("close to: " + "word " * 200)
    assert len(long) == MAX_REASON and long.endswith("…")
    assert reason("") == "close to what you follow"


def test_processes_compose_the_section_as_one_process_does(site: Site) -> None:
    rows = [(f"p{n}@example.org", Preferences("daily", [], ["agents"])) for n in range(600)]
    subscribers = subscribe(site, *rows)
    _saves(site, "p7@example.org", "robot")
    dry = compose_outbox(
        site.store, site.settings, period=DAY, subscribers=subscribers, dry_run=True
    )
    report = compose_outbox(
        site.store, site.settings, period=DAY, subscribers=subscribers, workers=2
    )
    assert report.composed == 600 and report.for_you == dry.for_you == 1
    composed = {d.subscriber.email: encode(d) for d in dry.digests}
    stored = {email: item.content for email, item in _rows(site).items()}
    assert stored == composed
    assert FOR_YOU in [h for h, _, _ in decode(stored["p7@example.org"])]
