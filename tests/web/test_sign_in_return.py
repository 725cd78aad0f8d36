"""Signing in comes back to the page it started from and completes the upvote that
started it; submit errors in plain words. Real app, real database, mail through the file
transport, the arXiv API on loopback."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from paperwire.store import Store
from paperwire.web.redirects import safe_next, with_return
from tests.auth.support import Community, arxiv_api, fixed_clock, hidden_inputs, make_community
from tests.http_server import Handler, LoopbackServer, Reply

NOW = datetime(2026, 7, 2, 9, 30, tzinfo=UTC)
CONFIRM = re.compile(r"http://testserver/login/confirm\?\S+")
HOSTILE_NEXT = [
    "//evil.example",
    "//evil.example/papers",
    "https://evil.example",
    "http:/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "/papers//evil",
    "/\t/evil.example",
    "/papers/x\r\nSet-Cookie: a=b",
    "/papers/x\x00",
    " /papers",
    "evil.example",
    "/login?next=/me",
]


@pytest.fixture
def arxiv(serve: Callable[[Handler], LoopbackServer]) -> LoopbackServer:
    return serve(arxiv_api)


@pytest.fixture
def community(store: Store, tmp_path: Path, arxiv: LoopbackServer) -> Iterator[Community]:
    made = make_community(store, tmp_path, arxiv_url=f"{arxiv.url}/api/query")
    fixed_clock(made.app, NOW)
    yield made
    made.close()


def local_upvotes(store: Store, paper_id: str) -> int:
    paper = store.get_paper(paper_id)
    assert paper is not None
    return paper.local_upvotes


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def mailed_link(community: Community, email: str) -> str:
    body = community.mails()[-1].get_body(("plain",))
    assert body is not None and community.mails()[-1]["To"] == email
    (link,) = CONFIRM.findall(body.get_content())
    return str(link)


def ask_for_link(client: TestClient, login_page: str, email: str) -> None:
    """Open a sign-in page (with whatever ``next`` it carries) and send its form."""
    page = client.get(login_page)
    assert page.status_code == 200
    action, values = hidden_inputs(page.text, "form.login")
    answer = client.post(action, data={**values, "email": email})
    assert answer.status_code == 200 and "Check your email" in answer.text


def confirm(client: TestClient, link: str, *, keep_upvote: bool = True) -> str:
    """Press the confirm page's button; the address it sends the reader to."""
    page = client.get(link)
    assert page.status_code == 200
    action, values = hidden_inputs(page.text, "form.login-confirm")
    box = soup(page.text).select_one("form.login-confirm input[type=checkbox][name=upvote]")
    if box is not None and keep_upvote:
        values["upvote"] = str(box["value"])
    answer = client.post(action, data=values, follow_redirects=False)
    assert answer.status_code == 303
    return answer.headers["location"]


# -- next ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE_NEXT)
def test_safe_next_refuses_other_sites_and_odd_paths(value: str) -> None:
    assert safe_next(value) is None
    assert with_return("/login", value) == "/login"


@pytest.mark.parametrize(
    "value",
    [
        "/",
        "/me",
        "/papers/2607.00001",
        "/papers/hep-th/9901001",
        "/?date=2026-07-01&page=2",
        "/search?q=https://arxiv.org/abs/2607.00001",
    ],
)
def test_safe_next_keeps_paths_of_this_site(value: str) -> None:
    assert safe_next(value) == value
    assert parse_qs(urlsplit(with_return("/login", value)).query)["next"] == [value]


def test_sign_in_link_of_every_page_comes_back_to_it(community: Community) -> None:
    page = soup(community.client().get("/?date=2026-07-01").text)
    link = page.select_one("header a.signin")
    assert link is not None and link["href"] == "/login?next=%2F%3Fdate%3D2026-07-01"
    card = page.select_one("article.card[data-paper='2607.00002'] a.upvote-signin")
    assert card is not None
    query = parse_qs(urlsplit(str(card["href"])).query)
    assert query == {"next": ["/?date=2026-07-01"], "upvote": ["2607.00002"]}


def test_upvote_round_trip_comes_back_with_the_vote_counted_once(community: Community) -> None:
    client = community.client()
    paper = soup(client.get("/papers/2607.00002").text)
    start = paper.select_one("a.upvote-signin")
    assert start is not None
    login = client.get(str(start["href"]))
    assert "Sign in to upvote" in login.text and "A Paper Nobody Upvoted Yet" in login.text
    ask_for_link(client, str(start["href"]), "ada@example.org")
    link = mailed_link(community, "ada@example.org")
    query = parse_qs(urlsplit(link).query)
    assert query["next"] == ["/papers/2607.00002"] and query["upvote"] == ["2607.00002"]
    # Opening the link changes nothing: the confirm page only offers the upvote.
    shown = soup(client.get(link).text)
    box = shown.select_one("form.login-confirm input[name=upvote]")
    assert box is not None and box.has_attr("checked") and box["type"] == "checkbox"
    assert local_upvotes(community.store, "2607.00002") == 0
    assert confirm(client, link) == "/papers/2607.00002"
    assert local_upvotes(community.store, "2607.00002") == 1
    back = soup(client.get("/papers/2607.00002").text)
    button = back.select_one("form.upvote button")
    assert button is not None and button["aria-pressed"] == "true"
    # The same path again (another device, the same reader): still one upvote.
    other = community.client()
    ask_for_link(other, str(start["href"]), "ada@example.org")
    assert confirm(other, mailed_link(community, "ada@example.org")) == "/papers/2607.00002"
    assert local_upvotes(community.store, "2607.00002") == 1


def test_unticking_the_box_signs_in_without_upvoting(community: Community) -> None:
    client = community.client()
    ask_for_link(client, "/login?next=/papers/2607.00002&upvote=2607.00002", "bo@example.org")
    location = confirm(client, mailed_link(community, "bo@example.org"), keep_upvote=False)
    assert location == "/papers/2607.00002"
    assert local_upvotes(community.store, "2607.00002") == 0


def test_a_plain_sign_in_still_lands_on_me(community: Community) -> None:
    client = community.client()
    ask_for_link(client, "/login", "cy@example.org")
    link = mailed_link(community, "cy@example.org")
    assert "next=" not in link and "upvote=" not in link
    assert confirm(client, link) == "/me"


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_hostile_next_lands_on_me(community: Community, hostile: str) -> None:
    client = community.client()
    login = client.get("/login", params={"next": hostile, "upvote": "2607.00001"})
    action, values = hidden_inputs(login.text, "form.login")
    assert "next" not in values and values["upvote"] == "2607.00001"
    # Sent with the form anyway (a forged form), then added to the link by hand.
    answer = client.post(action, data={**values, "next": hostile, "email": "ada@example.org"})
    assert answer.status_code == 200
    link = mailed_link(community, "ada@example.org")
    assert "next=" not in link
    page = client.get(link + "&" + urlencode({"next": hostile}))
    action, values = hidden_inputs(page.text, "form.login-confirm")
    assert "next" not in values
    values.update(next=hostile, upvote="2607.00001")
    answer = client.post(action, data=values, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/me"
    assert local_upvotes(community.store, "2607.00001") == 1


def test_an_unknown_paper_to_upvote_is_dropped(community: Community) -> None:
    client = community.client()
    login = client.get("/login", params={"next": "/", "upvote": "2607.99999"})
    _, values = hidden_inputs(login.text, "form.login")
    assert values.get("next") == "/" and "upvote" not in values


def test_signed_in_reader_opening_login_with_next_goes_there(community: Community) -> None:
    client = community.client()
    community.sign_in(client, "ada@example.org")
    answer = client.get("/login", params={"next": "/papers/2607.00001"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/papers/2607.00001"
    hostile = client.get("/login", params={"next": "//evil.example"}, follow_redirects=False)
    assert hostile.status_code == 200  # the form, not a redirect


def test_the_upvote_form_signed_out_asks_to_sign_in_and_comes_back(
    community: Community,
) -> None:
    client = community.client()
    token_page = client.get("/login")  # any page: the visitor's CSRF cookie and token
    _, values = hidden_inputs(token_page.text, "form.login")
    answer = client.post(
        "/upvote",
        data={"csrf_token": values["csrf_token"], "paper": "2607.00001"},
        headers={"Referer": "http://testserver/?date=2026-07-01"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query == {"next": ["/?date=2026-07-01"], "upvote": ["2607.00001"]}
    assert local_upvotes(community.store, "2607.00001") == 0


def test_submit_signed_out_comes_back_with_the_address_typed(community: Community) -> None:
    client = community.client()
    answer = client.get("/submit", follow_redirects=False)
    assert answer.headers["location"] == "/login?next=%2Fsubmit"
    token_page = client.get("/login")
    _, values = hidden_inputs(token_page.text, "form.login")
    posted = client.post(
        "/submit",
        data={"csrf_token": values["csrf_token"], "paper": "2607.00002"},
        follow_redirects=False,
    )
    assert parse_qs(urlsplit(posted.headers["location"]).query)["next"] == [
        "/submit?paper=2607.00002"
    ]
    community.sign_in(client, "ada@example.org")
    form = soup(client.get("/submit?paper=2607.00002").text)
    box = form.select_one("input#paper")
    assert box is not None and box["value"] == "2607.00002"


# -- submit errors -----------------------------------------------------------------------


def submit_page(client: TestClient, reference: str) -> tuple[int, BeautifulSoup]:
    page = client.get("/submit")
    action, values = hidden_inputs(page.text, "form.submit")
    answer = client.post(action, data={**values, "paper": reference}, follow_redirects=False)
    return answer.status_code, soup(answer.text)


def test_arxiv_down_is_said_plainly(store: Store, tmp_path: Path) -> None:
    down = make_community(store, tmp_path)  # arXiv at a closed loopback port
    client = down.client()
    down.sign_in(client, "ada@example.org")
    status, page = submit_page(client, "2606.99999")
    assert status == 502
    error = page.select_one("#paper-error")
    assert error is not None
    assert error.get_text() == "arXiv did not answer about 2606.99999; try again in a few minutes."
    for internal in ("ConnectError", "Errno", "http://", "retries", "export.arxiv.org"):
        assert internal not in page.get_text()
    box = page.select_one("input#paper")
    assert box is not None and box["value"] == "2606.99999"
    assert box["aria-invalid"] == "true" and box["aria-describedby"] == "paper-error"
    down.close()


def test_a_paper_on_the_feed_is_already_here_without_asking_arxiv(
    community: Community, arxiv: LoopbackServer
) -> None:
    client = community.client()
    community.sign_in(client, "ada@example.org")
    status, page = submit_page(client, "https://arxiv.org/abs/2607.00001v1")
    assert status == 409
    notice = page.select_one(".notice.already")
    assert notice is not None and notice.get_text().startswith("Already here:")
    link = notice.select_one("a")
    assert link is not None and link["href"] == "/papers/2607.00001"
    assert link.get_text() == "A Paper With Imported Upvotes"
    box = page.select_one("input#paper")
    assert box is not None and box["value"] == "https://arxiv.org/abs/2607.00001v1"
    assert arxiv.requests == []


def test_a_stored_recent_paper_is_submitted_from_the_store(
    community: Community, arxiv: LoopbackServer
) -> None:
    client = community.client()
    community.sign_in(client, "ada@example.org")
    status, _ = submit_page(client, "2607.00002")  # known from the arXiv listing only
    assert status == 303
    assert arxiv.requests == []
    submission = community.store.get_submission("2607.00002")
    assert submission is not None and submission.day == NOW.date()
    paper = community.store.get_paper("2607.00002")
    assert paper is not None and paper.title == "A Paper Nobody Upvoted Yet"


def test_a_stored_old_paper_is_already_here_and_too_old(
    community: Community, arxiv: LoopbackServer
) -> None:
    client = community.client()
    community.sign_in(client, "ada@example.org")
    status, page = submit_page(client, "hep-th/9901001")
    assert status == 422
    notice = page.select_one(".notice.already")
    assert notice is not None
    text = " ".join(notice.get_text().split())
    assert text.startswith("Already here: An Old-Style Identifier, first published on Jan 4, 1999")
    link = notice.select_one("a")
    assert link is not None and link["href"] == "/papers/hep-th/9901001"
    assert arxiv.requests == []


def test_a_gate_failure_still_names_its_reason(
    store: Store, tmp_path: Path, serve: Callable[[Handler], LoopbackServer]
) -> None:
    """arXiv answering garbage is still 502, in words, with nothing technical shown."""
    broken = serve(lambda request: Reply(200, "<html>not a feed</html>"))
    made = make_community(store, tmp_path, arxiv_url=f"{broken.url}/api/query")
    client = made.client()
    made.sign_in(client, "ada@example.org")
    status, page = submit_page(client, "2607.12345")
    assert status == 502
    error = page.select_one("#paper-error")
    assert error is not None and "try again in a few minutes" in error.get_text()
    made.close()


@pytest.mark.parametrize(
    "upvote",
    [
        "2607.99999",  # a well-formed id that is not stored
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "2607.00001\x00",
        "2607.00001\n2607.00002",
        "x" * 5000,
        "javascript:alert(1)",
    ],
)
def test_a_hostile_upvote_parameter_offers_nothing(community: Community, upvote: str) -> None:
    """``upvote`` names a stored paper or is ignored: the page still answers, offers no
    upvote and never echoes the value."""
    response = community.client().get("/login", params={"next": "/", "upvote": upvote})
    assert response.status_code == 200
    page = soup(response.text)
    assert page.select_one("p.notice.pending") is None
    assert page.select_one('input[name="upvote"]') is None
    assert upvote not in response.text
