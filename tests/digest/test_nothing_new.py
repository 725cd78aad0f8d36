"""A topic that found nothing says so in both parts of the mail; summaries stand on their
own; titles read as text. Sent through a real SMTP server."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from paperwire.digest.compose import Composer, daily_period
from paperwire.digest.outbox import compose_outbox
from paperwire.digest.send import send_outbox
from paperwire.digest.summary import is_dangling, split_sentences
from paperwire.store.base_digests import Preferences
from paperwire.text import plain_text
from tests.digest.conftest import Site
from tests.digest.test_compose import LATEST, subscribe
from tests.mail.smtp_server import SMTPServer

NOWHERE = "zyxwv quasicrystal"


def sent_parts(
    site: Site, smtp_server: SMTPServer, topics: list[str], **overrides: object
) -> tuple[str, str]:
    settings = site.make_settings(smtp_url=smtp_server.url, **overrides)
    subs = subscribe(site, ("ada@example.org", Preferences("daily", [], topics)))
    compose_outbox(site.store, settings, period=daily_period(LATEST), subscribers=subs)
    report = send_outbox(site.store, settings)
    assert report.sent == 1
    [received] = smtp_server.received
    message = received.parse()
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return text, html


def test_a_topic_without_papers_says_nothing_new(site: Site, smtp_server: SMTPServer) -> None:
    text, html = sent_parts(site, smtp_server, ["diffusion", NOWHERE])
    note = f"Nothing new on “{NOWHERE}” this time."
    # Text part: the topic's heading, underlined, then the note.
    heading = f"On “{NOWHERE}”"
    assert f"{heading}\n{'-' * len(heading)}\n{note}\n" in text
    assert "On “diffusion”" in text
    # HTML part: the heading and the note, styled (CSS inlined), after the other topic.
    soup = BeautifulSoup(html, "html.parser")
    headings = [h.get_text() for h in soup.find_all("h2")]
    assert headings[-2:] == ["On “diffusion”", heading]
    empty = soup.find("h2", string=heading)
    assert empty is not None
    paragraph = empty.find_next_sibling("p")
    assert paragraph is not None and paragraph.get_text() == note
    assert "font-style: italic" in str(paragraph.get("style"))
    assert soup.find("h2", string="On “diffusion”").find_next_sibling("div")  # type: ignore[union-attr]


def test_a_topic_whose_papers_are_already_listed_says_so(
    site: Site, smtp_server: SMTPServer
) -> None:
    # The first topic takes every paper the search finds; the second finds the same.
    text, html = sent_parts(
        site,
        smtp_server,
        ["diffusion", "Diffusion"],
        digest_topic_results=1_000,
        digest_max_papers=2_000,
    )
    note = "Papers on “Diffusion” are listed above."
    assert note in text
    assert note in BeautifulSoup(html, "html.parser").get_text()
    assert "Nothing new" not in text


def test_no_mail_when_no_topic_found_anything(site: Site) -> None:
    settings = site.make_settings(digest_trending=0)
    [ada] = subscribe(site, ("ada@example.org", Preferences("daily", [], [NOWHERE])))
    assert Composer(site.store, settings, daily_period(LATEST)).compose(ada) is None


def test_summaries_stand_on_their_own_and_titles_read_as_text(site: Site) -> None:
    settings = site.settings
    [ada] = subscribe(
        site, ("ada@example.org", Preferences("daily", [], ["diffusion", "speech", "graph"]))
    )
    digest = Composer(site.store, settings, daily_period(LATEST)).compose(ada)
    assert digest is not None and digest.size >= 10
    for group in digest.groups:
        for item in group.items:
            chosen = split_sentences(item.summary)
            assert chosen, item.paper.id
            opening = split_sentences(plain_text(item.paper.abstract))[0]
            for sentence in chosen:
                assert sentence == opening or not is_dangling(sentence), (item.paper.id, sentence)
            assert not re.search(r"\\[A-Za-z]+", item.summary), item.summary
