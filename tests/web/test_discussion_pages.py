"""The discussion under a paper page through its forms (no JavaScript): post, reply, edit,
delete, vote, report, follow, claim; curators hide, restore, lock and work the queue;
every form needs its CSRF token; hostile Markdown is inert on the page; a hidden comment
leaves the page, the API and the counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response

from paperwire.store import Store
from tests.auth.support import Community, hidden_inputs, make_community
from tests.test_comment_text import HOSTILE, inert

pytestmark = pytest.mark.both_backends

PAPER = "2607.00001"
PAGE = f"/papers/{PAPER}"
OLD = datetime.now(UTC) - timedelta(days=30)


@pytest.fixture
def community(store: Store, tmp_path: Path) -> Iterator[Community]:
    made = make_community(store, tmp_path, comment_limit=100, login_limit_per_address=100)
    yield made
    made.close()


def signed_in(community: Community, email: str, role: str = "reader") -> TestClient:
    community.store.add_user(email, role=role, now=OLD)
    client = community.client()
    community.sign_in(client, email)
    return client


def send(
    client: TestClient, selector: str, data: dict[str, str] | None = None, query: str = ""
) -> Response:
    """Fill the form ``selector`` of the paper page (``?query``: with a link's form open)
    and send it as a browser does."""
    page = client.get(f"{PAGE}?{query}" if query else PAGE)
    assert page.status_code == 200
    action, values = hidden_inputs(page.text, selector)
    values.update(data or {})
    return client.post(action, data=values, follow_redirects=False)


def comments_on(html: str) -> list[BeautifulSoup]:
    return BeautifulSoup(html, "html.parser").select("#discussion li.comment")


def test_post_reply_vote_and_edit_through_the_forms(community: Community) -> None:
    ada = signed_in(community, "ada@example.org")
    posted = send(ada, "form.new-comment", {"body": "Does $x^2$ *hold*?"})
    assert posted.status_code == 303
    (made,) = community.store.paper_comments(PAPER)
    assert posted.headers["location"] == f"{PAGE}#comment-{made.id}"
    bo = signed_in(community, "bo@example.org")
    replied = send(bo, "form.reply-form", {"body": "Yes."}, f"reply={made.id}")
    assert replied.status_code == 303
    voted = send(bo, f"#comment-{made.id} form.comment-vote")
    assert voted.status_code == 303
    edited = send(ada, "form.edit-form", {"body": "Does $x^3$ hold?"}, f"edit={made.id}")
    assert edited.status_code == 303

    shown = comments_on(community.client().get(PAGE).text)
    assert [li["class"] for li in shown] == [["comment", "level-0"], ["comment", "level-1"]]
    first = shown[0]
    assert first.select_one(".comment-author").get_text() == "ada"
    assert first.select_one(".comment-body span.math").get_text() == "x^3"
    assert first.select_one(".edited") is not None
    assert "1" in first.select_one(".comment-votes").get_text()
    assert shown[1].select_one(".comment-body").get_text(strip=True) == "Yes."
    pressed = comments_on(bo.get(PAGE).text)[0].select_one("form.comment-vote button")
    assert pressed["aria-pressed"] == "true"
    assert community.client().get(PAGE, params={"sort": "nonsense"}).status_code == 400
    assert community.client().get(PAGE, params={"sort": "time"}).status_code == 200
    assert community.client().get(PAGE, params={"reply": "x"}).status_code == 400


def test_every_form_of_the_discussion_needs_its_csrf_token(community: Community) -> None:
    ada = signed_in(community, "ada@example.org")
    assert send(ada, "form.new-comment", {"body": "first"}).status_code == 303
    cy = signed_in(community, "cy@example.org", role="curator")
    assert send(cy, "form.new-comment", {"body": "curator's"}).status_code == 303
    community.store.claim_authorship(
        community.store.user_by_email("ada@example.org").id,  # type: ignore[union-attr]
        PAPER,
        now=OLD,
    )
    mine, theirs = (c.id for c in community.store.paper_comments(PAPER))
    forms = []
    for client, other in ((ada, theirs), (cy, mine)):
        for query in ("", f"?reply={other}", f"?edit={mine}", f"?report={other}"):
            soup = BeautifulSoup(client.get(PAGE + query).text, "html.parser")
            forms += [(client, f) for f in soup.select("#discussion form")]
    queue = BeautifulSoup(cy.get("/discussion/queue").text, "html.parser")
    forms += [(cy, f) for f in queue.select("main form")]
    actions = {str(f["action"]) for _, f in forms}
    assert len(actions) >= 12, actions
    assert any(a.endswith("/edit") for a in actions) and any(a.endswith("/report") for a in actions)
    before = (community.store.paper_comments(PAPER), community.store.moderation_log())
    for client, form in forms:
        data = {
            str(i["name"]): str(i.get("value", "x"))
            for i in form.select("input, textarea, button[name]")
            if i.get("name") and i["name"] != "csrf_token"
        }
        data.setdefault("body", "no token")
        answer = client.post(str(form["action"]), data=data, follow_redirects=False)
        assert answer.status_code == 403, (form["action"], answer.status_code)
    assert (community.store.paper_comments(PAPER), community.store.moderation_log()) == before


@pytest.mark.parametrize("markdown", HOSTILE)
def test_hostile_markdown_is_inert_on_the_page(community: Community, markdown: str) -> None:
    ada = signed_in(community, "ada@example.org")
    assert send(ada, "form.new-comment", {"body": markdown}).status_code == 303
    page = community.client().get(PAGE).text
    (shown,) = comments_on(page)
    body = shown.select_one(".comment-body")
    inert(body.decode_contents())
    assert not shown.select("script, img, svg, iframe, style, object, form[action^=https]")
    # the page's own scripts only: every one has the response's nonce
    soup = BeautifulSoup(page, "html.parser")
    assert all(s.get("nonce") for s in soup.select("script"))


def test_a_body_that_cannot_be_used_is_an_error_page_not_a_500(community: Community) -> None:
    ada = signed_in(community, "ada@example.org")
    empty = send(ada, "form.new-comment", {"body": "  "})
    assert empty.status_code == 422 and "empty" in empty.text
    long = send(ada, "form.new-comment", {"body": "x" * 10_001})
    assert long.status_code == 422 and "10,000 characters" in long.text
    huge = send(ada, "form.new-comment", {"body": "x" * 2_000_000})
    assert huge.status_code == 413
    assert community.store.paper_comments(PAPER) == []


def test_signed_out_forms_go_to_sign_in(community: Community) -> None:
    client = community.client()
    page = client.get(PAGE).text
    assert "Sign in</a> to comment" in page
    answer = client.post(f"{PAGE}/comments", data={"body": "x"}, follow_redirects=False)
    assert answer.status_code in (303, 403)  # no CSRF cookie yet: refused before sign-in


def test_hidden_comments_leave_the_page_the_api_and_the_counts(community: Community) -> None:
    ada = signed_in(community, "ada@example.org")
    send(ada, "form.new-comment", {"body": "kept"})
    send(ada, "form.new-comment", {"body": "SPAM-SPAM"})
    spam = community.store.paper_comments(PAPER)[-1]
    bo = signed_in(community, "bo@example.org")
    reported = send(bo, "form.report-form", {"reason": "spam"}, f"report={spam.id}")
    assert reported.status_code == 303
    cy = signed_in(community, "cy@example.org", role="curator")
    queue = cy.get("/discussion/queue")
    assert queue.status_code == 200 and "SPAM-SPAM" in queue.text and "“spam”" in queue.text
    assert bo.get("/discussion/queue").status_code == 403
    action, values = hidden_inputs(queue.text, f"#queued-{spam.id} form.moderate")
    hidden = cy.post(action, data=values | {"action": "hide"}, follow_redirects=False)
    assert hidden.status_code == 303 and hidden.headers["location"] == "/discussion/queue"

    for client in (community.client(), ada, cy):
        page = client.get(PAGE).text
        assert "SPAM-SPAM" not in page
        assert "1 comment<" in page
    api = community.client().get(f"/api/v1/papers/{PAPER}/comments").json()
    assert api["count"] == 1 and "SPAM" not in str(api)
    assert community.client().get(f"/api/papers/{PAPER}").json()["numComments"] == 1
    log = community.store.moderation_log()
    assert [(e.action, e.curator, e.comment_id) for e in log] == [("hide", "cy", spam.id)]
    queue = cy.get("/discussion/queue").text
    assert "No open reports." in queue and "hide" in queue

    action, values = hidden_inputs(queue, f"#queued-{spam.id} form.moderate")
    cy.post(action, data=values | {"action": "restore"})
    assert "SPAM-SPAM" in community.client().get(PAGE).text


def test_lock_follow_claim_and_held_comments(store: Store, tmp_path: Path) -> None:
    community = make_community(store, tmp_path, comment_hold_days=3)
    cy = signed_in(community, "cy@example.org", role="curator")
    assert send(cy, "form.lock").status_code == 303
    assert "This discussion is locked" in community.client().get(PAGE).text
    community.store.add_user("new@example.org", role="reader", now=datetime.now(UTC))
    new = community.client()
    community.sign_in(new, "new@example.org")
    assert BeautifulSoup(new.get(PAGE).text, "html.parser").select("form.new-comment") == []
    locked = new.post(f"{PAGE}/comments", data={"body": "x", "csrf_token": "?"})
    assert locked.status_code == 403
    assert send(cy, "form.lock").status_code == 303  # unlock
    page = new.get(PAGE).text
    assert "Your first comment waits for a curator" in page
    assert send(new, "form.new-comment", {"body": "held words"}).status_code == 303
    assert "held words" in new.get(PAGE).text
    assert "held words" not in community.client().get(PAGE).text
    queue = cy.get("/discussion/queue").text
    assert "held words" in queue
    (held,) = community.store.comments_in_state("held")
    action, values = hidden_inputs(queue, f"#queued-{held.id} form.moderate")
    cy.post(action, data=values | {"action": "approve"})
    assert "held words" in community.client().get(PAGE).text

    assert send(new, "form.follow").status_code == 303  # following since posting: unfollow
    assert not community.store.is_following(held.user_id, PAPER)
    assert send(new, "form.claim").status_code == 303
    queue = cy.get("/discussion/queue").text
    action, values = hidden_inputs(queue, "form[action$='/discussion/confirm']")
    assert cy.post(action, data=values, follow_redirects=False).status_code == 303
    author = comments_on(community.client().get(PAGE).text)[0]
    assert author.select_one(".author-badge").get_text() == "author"
    community.close()


def test_a_curator_declines_a_claim_from_the_queue(community: Community) -> None:
    ada = signed_in(community, "ada@example.org")
    assert send(ada, "form.claim").status_code == 303
    assert "Your claim to be an author waits for a curator" in ada.get(PAGE).text
    cy = signed_in(community, "cy@example.org", role="curator")
    queue = cy.get("/discussion/queue").text
    assert "ada</span> says they wrote it" in queue
    action, values = hidden_inputs(queue, "form[action$='/discussion/reject']")
    assert action == f"{PAGE}/discussion/reject"
    token = hidden_inputs(ada.get(PAGE).text, "form.claim")[1]["csrf_token"]
    refused = ada.post(action, data={"csrf_token": token, "reader": values["reader"]})
    assert refused.status_code == 403 and "only curators" in refused.text
    declined = cy.post(action, data=values, follow_redirects=False)
    assert declined.status_code == 303 and declined.headers["location"] == "/discussion/queue"
    queue = cy.get("/discussion/queue").text
    assert "No claims wait." in queue and "· cy · reject ·" in queue
    ada_id = community.store.user_by_email("ada@example.org").id  # type: ignore[union-attr]
    assert community.store.get_claim(ada_id, PAPER) is None
    (entry,) = community.store.moderation_log()
    assert (entry.action, entry.curator, entry.subject_id) == ("reject", "cy", ada_id)
    assert "Wrote this paper?" in ada.get(PAGE).text  # the reader may claim again
    again = cy.post(action, data=values, follow_redirects=False)
    assert again.status_code == 404 and "no claim" in again.text


def test_delete_own_comment(community: Community) -> None:
    ada = signed_in(community, "ada@example.org")
    send(ada, "form.new-comment", {"body": "regret"})
    (made,) = community.store.paper_comments(PAPER)
    assert send(ada, f"#comment-{made.id} form.comment-delete").status_code == 303
    assert "regret" not in community.client().get(PAGE).text
    assert "No comments yet." in community.client().get(PAGE).text
