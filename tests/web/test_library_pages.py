"""The reader's library and recommendation pages on the indexed bundled sample (a real
SQLite file, readers signed in through the mailed link): save, remove, hide, read and
notes through the forms with their CSRF tokens; lists made, renamed, shared and deleted;
a shared list's page and Atom feed; import and export; "for you", the daily page ranked
for a reader, "top recent"; hostile values never a server error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import quote

import feedparser
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from httpx import Response

from paperwire import library
from paperwire.config import index_directory
from paperwire.index.jobs import update_index
from paperwire.ingest import import_files, sample_path
from paperwire.models import Paper
from paperwire.normalize import utcnow
from paperwire.recommend import Recommender
from paperwire.store import Store, open_store
from paperwire.text import plain_text
from tests.auth.support import Community, hidden_inputs, make_community, submit_form
from tests.fresh import isolated

DAY = "2026-07-01"  # the community's papers; the sample's last days are before it
SPLIT = date(2026, 6, 24)
UNKNOWN_ID = "2601.99999"


@pytest.fixture(scope="module")
def community(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Community]:
    folder = tmp_path_factory.mktemp("library-pages")
    with isolated(folder):
        store = open_store(f"sqlite:///{folder / 'paperwire.db'}")
        store.migrate()
        assert import_files(store, [sample_path()]).ok
        made = make_community(store, folder, login_limit_per_ip=10_000)  # many readers
        update_index(store, made.settings, similar=False)
    yield made
    made.close()
    store.close()


READERS = iter(range(1_000_000))


@pytest.fixture
def reader(community: Community) -> TestClient:
    """A client signed in as a new reader."""
    client = community.client()
    community.sign_in(client, f"reader{next(READERS)}@example.org")
    return client


def user_id(community: Community, client: TestClient) -> int:
    page = client.get("/me")
    email = BeautifulSoup(page.text, "html.parser").select_one(".summary dd")
    assert email is not None
    found = community.store.user_by_email(email.get_text(strip=True))
    assert found is not None
    return found.id


def before_split(store: Store, word: str, n: int) -> list[Paper]:
    """``n`` papers of the sample listed before ``SPLIT`` with ``word`` in the title."""
    papers = Recommender(store).candidates(date(2026, 6, 1), SPLIT - timedelta(days=1))
    return [p for p in papers if word in p.title.lower()][:n]


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def day_page_with(client: TestClient, paper_id: str) -> str:
    """The page of the day ``DAY`` (grouped into topics, 30 papers a page) showing the
    paper's card."""
    for number in range(1, 20):
        url = f"/?date={DAY}&page={number}"
        if soup(client.get(url).text).select_one(f"article.card[data-paper='{paper_id}']"):
            return url
    raise AssertionError(f"{paper_id} is on no page of {DAY}")


def card_form(page: str, paper_id: str, action: str) -> str:
    return f"article.card[data-paper='{paper_id}'] form[action='{action}']"


def press(client: TestClient, page: str, paper_id: str, action: str) -> None:
    """Press a card's library button the way a browser without JavaScript does."""
    response = submit_form(
        client,
        page,
        card_form(page, paper_id, action),
        {},
        headers={"referer": f"http://testserver{page}"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == page


def token(client: TestClient, page: str = "/library") -> str:
    _, values = hidden_inputs(client.get(page).text, "form[method=post]")
    return values["csrf_token"]


def lists_of(community: Community, uid: int) -> dict[str, list[str]]:
    store = community.store
    return {lst.name: store.list_paper_ids(lst.id) for lst in store.reader_lists(uid)}


# -- signed out ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/library", "/library/1", "/library/hidden", "/library/export", "/for-you"]
)
def test_library_pages_send_readers_to_sign_in(community: Community, path: str) -> None:
    response = community.client().get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={quote(path, safe='')}"


def test_cards_have_library_buttons_only_for_signed_in_readers(
    community: Community, reader: TestClient
) -> None:
    url = day_page_with(reader, "2607.00001")
    anonymous = community.client().get(url)
    assert soup(anonymous.text).select("form.lib") == []
    page = soup(reader.get(url).text)
    card = page.select_one("article.card[data-paper='2607.00001']")
    assert card is not None
    buttons = {b.get_text(" ", strip=True) for b in card.select("form.lib button")}
    assert any(b.startswith("Save") for b in buttons)
    assert any(b.startswith("Not interested") for b in buttons)
    for form in card.select("form.lib"):
        assert form.select_one("input[name=csrf_token]") is not None
        assert form.select_one("button")["aria-pressed"] == "false"


# -- saving, removing, hiding, reading, notes -------------------------------------------


def test_save_from_the_day_page_then_remove_from_the_list(
    community: Community, reader: TestClient
) -> None:
    uid = user_id(community, reader)
    page = day_page_with(reader, "2607.00001")
    press(reader, page, "2607.00001", "/library/save")
    assert lists_of(community, uid) == {"Saved": ["2607.00001"]}
    pressed = soup(reader.get(page).text).select_one(card_form(page, "2607.00001", "/library/save"))
    assert pressed is not None and pressed.select_one("button")["aria-pressed"] == "true"

    overview = soup(reader.get("/library").text)
    (row,) = overview.select("ul.reader-lists li")
    assert "Saved" in row.get_text() and "1 paper" in row.get_text()
    saved_list = community.store.find_list(uid, "Saved")
    assert saved_list is not None
    list_page = f"/library/{saved_list.id}"
    shown = soup(reader.get(list_page).text)
    assert [a["data-paper"] for a in shown.select("main article.card")] == ["2607.00001"]

    response = submit_form(
        reader,
        list_page,
        "article.card[data-paper='2607.00001'] form.lib-remove",
        {},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert lists_of(community, uid) == {"Saved": []}
    assert soup(reader.get(list_page).text).select("main article.card") == []


def test_a_post_without_a_csrf_token_is_refused(community: Community, reader: TestClient) -> None:
    uid = user_id(community, reader)
    for path, data in [
        ("/library/save", {"paper": "2607.00001"}),
        ("/library/hide", {"paper": "2607.00001"}),
        ("/library/note", {"paper": "2607.00001", "note": "forged"}),
        ("/library/lists", {"name": "Forged"}),
        ("/library/follow", {"kind": "topic", "value": "forged"}),
    ]:
        response = reader.post(path, data=data, follow_redirects=False)
        assert response.status_code == 403, path
        bad = reader.post(path, data={**data, "csrf_token": "x" * 40}, follow_redirects=False)
        assert bad.status_code == 403, path
    assert community.store.reader_lists(uid) == []
    assert community.store.library_entries(uid) == {}
    assert community.store.interests(uid) == []


def test_not_interested_and_its_undo(community: Community, reader: TestClient) -> None:
    uid = user_id(community, reader)
    page = day_page_with(reader, "2607.00002")
    press(reader, page, "2607.00002", "/library/hide")
    assert community.store.library_entries(uid)["2607.00002"].is_hidden
    card = soup(reader.get(page).text).select_one("article.card[data-paper='2607.00002']")
    assert card is not None and "is-hidden" in card["class"]

    hidden = soup(reader.get("/library/hidden").text)
    assert [c["data-paper"] for c in hidden.select("main article.card")] == ["2607.00002"]
    button = hidden.select_one("form[action='/library/hide'] button")
    assert button is not None and button["aria-pressed"] == "true"
    press(reader, "/library/hidden", "2607.00002", "/library/hide")  # undo
    assert "2607.00002" not in community.store.library_entries(uid)
    assert soup(reader.get("/library/hidden").text).select("main article.card") == []


def test_read_mark_and_private_note_from_the_paper_page(
    community: Community, reader: TestClient
) -> None:
    uid = user_id(community, reader)
    paper = "/papers/2607.00001"
    page = soup(reader.get(paper).text)
    assert "Not in any of your lists" in page.select_one("section.your-library").get_text()
    response = submit_form(reader, paper, "section.your-library form[action='/library/read']", {})
    assert response.status_code == 200 and str(response.url).endswith(paper)
    note = "Read with\x07 the reading group;\x00 check §3."
    response = submit_form(reader, paper, "form.note", {"note": note})
    assert response.status_code == 200
    entry = community.store.library_entries(uid)["2607.00001"]
    assert entry.is_read
    assert entry.note == "Read with the reading group; check §3."
    page = soup(reader.get(paper).text)
    assert page.select_one("textarea#note").get_text() == entry.note

    # save it into a new list from the paper page; the page then names the list
    response = submit_form(
        reader, paper, "form.save-to", {"new_list": "Reading group"}, follow_redirects=False
    )
    assert response.status_code == 303
    holding = soup(reader.get(paper).text).select("ul.in-lists a")
    assert [a.get_text() for a in holding] == ["Reading group"]
    found = community.store.find_list(uid, "Reading group")
    assert found is not None
    card = soup(reader.get(f"/library/{found.id}").text).select_one("main article.card")
    assert card is not None
    assert "check §3." in card.select_one(".note-excerpt").get_text()
    read = card.select_one("form[action='/library/read'] button")
    assert read is not None and read["aria-pressed"] == "true"

    # too long: refused naming the field, the note kept as it was
    response = submit_form(reader, paper, "form.note", {"note": "x" * 20_001})
    assert response.status_code == 400
    assert "note:" in response.text and "20,000" in response.text
    assert community.store.library_entries(uid)["2607.00001"].note == entry.note
    # larger than any form: refused before anything reads it
    response = submit_form(reader, paper, "form.note", {"note": "x" * 1_100_000})
    assert response.status_code == 413
    # emptied: removed
    submit_form(reader, paper, "form.note", {"note": "  "})
    assert community.store.library_entries(uid)["2607.00001"].note is None


def test_the_buttons_script_gets_the_state_back_as_json(
    community: Community, reader: TestClient
) -> None:
    headers = {"X-CSRF-Token": token(reader), "Accept": "application/json"}
    saved = reader.post("/library/save", data={"paper": "2607.00002"}, headers=headers)
    assert saved.status_code == 200
    assert saved.json() == {
        "paper": "2607.00002",
        "saved": True,
        "lists": ["Saved"],
        "hidden": False,
        "read": False,
        "note": False,
    }
    hidden = reader.post("/library/hide", data={"paper": "2607.00002"}, headers=headers)
    assert hidden.json()["hidden"] is True and hidden.json()["saved"] is True
    removed = reader.post(
        "/library/save", data={"paper": "2607.00002", "action": "remove"}, headers=headers
    )
    assert removed.json()["saved"] is False and removed.json()["lists"] == []
    unknown = reader.post("/library/save", data={"paper": UNKNOWN_ID}, headers=headers)
    assert unknown.status_code == 404 and "detail" in unknown.json()
    signed_out = community.client().post(
        "/library/save", data={"paper": "2607.00002"}, headers={"Accept": "application/json"}
    )
    assert signed_out.status_code in (401, 403)


# -- lists --------------------------------------------------------------------------------


def test_make_rename_share_and_delete_a_list(community: Community, reader: TestClient) -> None:
    uid = user_id(community, reader)
    made = submit_form(
        reader, "/library", "form.new-list", {"name": "Graphs"}, follow_redirects=False
    )
    assert made.status_code == 303
    found = community.store.find_list(uid, "Graphs")
    assert found is not None and not found.is_public
    assert made.headers["location"] == f"/library/{found.id}"

    again = submit_form(reader, "/library", "form.new-list", {"name": " graphs "})
    assert again.status_code == 409
    assert "already" in soup(again.text).select_one("#new-list-error").get_text()
    empty = submit_form(reader, "/library", "form.new-list", {"name": "\x00 \t"})
    assert empty.status_code == 400
    assert soup(empty.text).select_one("#new-list-name")["aria-invalid"] == "true"

    page = f"/library/{found.id}"
    renamed = submit_form(reader, page, f"form[action='{page}/rename']", {"name": "Graph papers"})
    assert renamed.status_code == 200
    assert soup(renamed.text).h1.get_text() == "Graph papers"
    long_name = submit_form(reader, page, f"form[action='{page}/rename']", {"name": "x" * 81})
    assert long_name.status_code == 400

    anonymous = community.client()
    assert anonymous.get(f"/lists/{found.id}").status_code == 404
    submit_form(reader, page, f"form[action='{page}/share']", {})
    assert community.store.get_list(found.id).is_public
    assert anonymous.get(f"/lists/{found.id}").status_code == 200
    submit_form(reader, page, f"form[action='{page}/share']", {})
    assert not community.store.get_list(found.id).is_public
    assert anonymous.get(f"/lists/{found.id}").status_code == 404

    unticked = submit_form(reader, page, f"form[action='{page}/delete']", {})
    assert unticked.status_code == 400 and "confirm" in unticked.text
    assert community.store.get_list(found.id) is not None
    deleted = submit_form(
        reader, page, f"form[action='{page}/delete']", {"confirm": "1"}, follow_redirects=False
    )
    assert deleted.status_code == 303 and deleted.headers["location"] == "/library"
    assert community.store.get_list(found.id) is None
    assert reader.get(page).status_code == 404


def test_a_private_list_is_not_found_for_anyone_else(
    community: Community, reader: TestClient
) -> None:
    uid = user_id(community, reader)
    mine = library.create_list(community.store, uid, "Secret papers")
    library.save(community.store, uid, ["2607.00001"], list_name="Secret papers")
    other = community.client()
    community.sign_in(other, f"other{next(READERS)}@example.org")
    for client in (other, community.client()):
        for path in (f"/lists/{mine.id}", f"/feeds/lists/{mine.id}.atom"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "Secret" not in response.text
    response = other.get(f"/library/{mine.id}")
    assert response.status_code == 404 and "Secret" not in response.text
    # and no button of theirs can touch it
    headers = {"X-CSRF-Token": token(other), "Accept": "application/json"}
    for path in ("/library/save",):
        data = {"paper": "2607.00001", "list": str(mine.id), "action": "remove"}
        assert other.post(path, data=data, headers=headers).status_code == 404
    for action in ("rename", "share", "delete"):
        data = {"name": "Mine now", "public": "1", "confirm": "1"}
        response = other.post(f"/library/{mine.id}/{action}", data=data, headers=headers)
        assert response.status_code == 404, action
    after = community.store.get_list(mine.id)
    assert after is not None and after.name == "Secret papers" and not after.is_public
    assert lists_of(community, uid)["Secret papers"] == ["2607.00001"]


def test_a_shared_list_has_a_page_and_an_atom_feed(
    community: Community, reader: TestClient
) -> None:
    uid = user_id(community, reader)
    robots = before_split(community.store, "robot", 3)
    shared = library.create_list(community.store, uid, "Robots & <friends>", is_public=True)
    library.save(community.store, uid, [p.id for p in robots], list_name=shared.name)

    anonymous = community.client()
    page = soup(anonymous.get(f"/lists/{shared.id}").text)
    assert page.h1.get_text() == "Robots & <friends>"
    assert [c["data-paper"] for c in page.select("main article.card")] == [
        p.id for p in reversed(robots)
    ]
    assert page.select("form.lib") == []  # nothing to press for a visitor
    assert page.select_one("link[type='application/atom+xml'][href$='.atom']") is not None
    assert page.select("#like-h + ol > li")  # more like this list

    response = anonymous.get(f"/feeds/lists/{shared.id}.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "paperwire: Robots & <friends>"
    assert [e.id for e in feed.entries] == [
        f"https://arxiv.org/abs/{p.id}" for p in reversed(robots)
    ]
    assert [e.title for e in feed.entries][0] == robots[-1].title
    assert feedparser.parse(anonymous.get(f"/feeds/lists/{shared.id}.rss").content).entries
    again = anonymous.get(
        f"/feeds/lists/{shared.id}.atom", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


def test_more_like_this_list(community: Community, reader: TestClient) -> None:
    uid = user_id(community, reader)
    robots = before_split(community.store, "robot", 5)
    library.save(community.store, uid, [p.id for p in robots])
    saved = community.store.find_list(uid, "Saved")
    assert saved is not None
    page = soup(reader.get(f"/library/{saved.id}").text)
    picks = page.select("#like-h + ol > li")
    assert picks
    titles = [li.select_one("a").get_text() for li in picks]
    assert not set(titles) & {p.title for p in robots}
    assert all(li.select_one(".reason") for li in picks)
    ids = [li.select_one("a")["href"].rsplit("/", 1)[-1] for li in picks]
    found = community.store.get_papers(ids)
    # About robots: the word in the title or the abstract (a vision-language-action
    # model for manipulation may say "robot" only there).
    about = [pid for pid in ids if "robot" in f"{found[pid].title} {found[pid].abstract}".lower()]
    assert len(about) >= len(ids) // 2


# -- import and export ----------------------------------------------------------------------


def upload(client: TestClient, name: str, data: bytes, list_name: str = "") -> Response:
    _, values = hidden_inputs(client.get("/library").text, "form.import")
    if list_name:
        values["list"] = list_name
    return client.post("/library/import", data=values, files={"file": (name, data)})


def test_export_then_import_into_another_reader(community: Community, reader: TestClient) -> None:
    uid = user_id(community, reader)
    store = community.store
    library.save(store, uid, ["2607.00001", "2607.00002"])
    library.save(store, uid, ["2607.00002"], list_name="Reading group")
    library.mark_read(store, uid, ["2607.00001"])
    library.set_note(store, uid, "2607.00002", "Good figures.")
    library.follow(store, uid, "topic", "robot learning")

    exported = reader.get("/library/export?format=json")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"].startswith('attachment; filename="paperwire-')
    assert json.loads(exported.text)["format"] == "paperwire-library"
    bib = reader.get("/library/export?format=bibtex")
    assert bib.text.count("@misc{") == 2
    saved = store.find_list(uid, "Reading group")
    assert saved is not None
    one = reader.get(f"/library/export?format=bibtex&list={saved.id}")
    assert one.text.count("@misc{") == 1 and "Reading-group" in one.headers["content-disposition"]

    other = community.client()
    community.sign_in(other, f"importer{next(READERS)}@example.org")
    response = upload(other, "library.json", exported.content)
    assert response.status_code == 200
    report = soup(response.text)
    assert "Imported." in report.select_one("p.notice").get_text()
    rows = {div.dt.get_text(): div.dd.get_text() for div in report.select("dl.import-report div")}
    assert rows["Saved"] == "2 papers added" and rows["Reading group"] == "1 paper added"
    assert rows["Marked read"] == "1" and rows["Notes"] == "1"
    assert rows["Authors and topics followed"] == "1"
    assert rows["Not on this server"] == "0"
    oid = user_id(community, other)
    assert lists_of(community, oid) == lists_of(community, uid)
    assert store.library_entries(oid)["2607.00002"].note == "Good figures."


def test_import_of_ids_names_the_unknown_ones(community: Community, reader: TestClient) -> None:
    uid = user_id(community, reader)
    text = f"2607.00001\nhttps://arxiv.org/abs/2607.00002v2\n{UNKNOWN_ID}\n# a comment\n"
    response = upload(reader, "ids.txt", text.encode(), list_name="From a file")
    assert response.status_code == 200
    page = soup(response.text)
    assert [c.get_text() for c in page.select("#unknown-h ~ ul.ids code")] == [UNKNOWN_ID]
    assert lists_of(community, uid) == {"From a file": ["2607.00002", "2607.00001"]}


def test_a_large_import_goes_through_with_the_token_in_a_header(
    community: Community, reader: TestClient
) -> None:
    """What static/library.js does with a file above the 1 MB a form body may carry."""
    uid = user_id(community, reader)
    ids = [p.id for p in community.store.list_papers(limit=2000)]
    text = "".join(f"{pid}  # {'x' * 600}\n" for pid in ids).encode()
    assert len(text) > 1024 * 1024
    _, values = hidden_inputs(reader.get("/library").text, "form.import")
    in_body = reader.post("/library/import", data=values, files={"file": ("big.txt", text)})
    assert in_body.status_code == 413  # the form's own token is past what is read
    response = reader.post(
        "/library/import",
        data={"list": "Everything"},
        files={"file": ("big.txt", text)},
        headers={"X-CSRF-Token": values["csrf_token"]},
    )
    assert response.status_code == 200, response.text[:500]
    assert len(lists_of(community, uid)["Everything"]) == len(ids)


def test_an_unreadable_import_changes_nothing(community: Community, reader: TestClient) -> None:
    uid = user_id(community, reader)
    for name, data in [
        ("binary.bib", b"\x00\x01\x02" * 100),
        ("latin1.txt", "Erd\xf6s 2607.00001".encode("latin-1")),
        ("empty.txt", b""),
        ("broken.json", b'{"format": "paperwire-library", "lists": ['),
    ]:
        response = upload(reader, name, data)
        assert response.status_code == 400, name
        assert "Not imported." in response.text, name
    assert store_is_empty(community, uid)
    _, values = hidden_inputs(reader.get("/library").text, "form.import")
    no_file = reader.post("/library/import", data=values, files={"other": ("x", b"y")})
    assert no_file.status_code == 400 and "file:" in no_file.text
    long_list = upload(reader, "ids.txt", b"2607.00001\n", list_name="x" * 200)
    assert long_list.status_code == 400
    assert store_is_empty(community, uid)


def store_is_empty(community: Community, uid: int) -> bool:
    store = community.store
    return not store.reader_lists(uid) and not store.library_entries(uid)


# -- recommendations -------------------------------------------------------------------------


def test_for_you_shows_reasons_and_never_saved_or_hidden_papers(
    community: Community, reader: TestClient
) -> None:
    uid = user_id(community, reader)
    robots = before_split(community.store, "robot", 6)
    library.save(community.store, uid, [p.id for p in robots])
    url = f"/for-you?since={SPLIT.isoformat()}"
    page = soup(reader.get(url).text)
    cards = page.select("main article.card")
    assert len(cards) >= 10
    shown = [c["data-paper"] for c in cards]
    assert not set(shown) & {p.id for p in robots}
    for card in cards:
        reason = card.select_one(".reason")
        assert reason is not None and (
            "close to:" in reason.get_text() or "shared" in reason.get_text()
        )
        assert card.select_one("form[action='/library/hide']") is not None
    titles = {p.title for p in robots}
    assert any(t in page.get_text() for t in titles)  # "close to: <a saved title>"

    first, second = shown[0], shown[1]
    press(reader, url, first, "/library/hide")
    press(reader, url, second, "/library/save")
    again = [c["data-paper"] for c in soup(reader.get(url).text).select("main article.card")]
    assert first not in again and second not in again
    choices = soup(reader.get(url).text).select("select#since option")
    assert any(o.has_attr("selected") and o["value"] == SPLIT.isoformat() for o in choices)


def test_a_reader_without_signals_is_shown_how_to_start(
    community: Community, reader: TestClient
) -> None:
    uid = user_id(community, reader)
    page = soup(reader.get("/for-you").text)
    start = page.select_one("section.start")
    assert start is not None
    assert start.select_one("a[href='/search']") and start.select_one("a[href='/library#import']")
    assert page.select("main article.card") == []
    response = submit_form(
        reader,
        "/for-you",
        "form:has(input[name=kind][value=topic])",
        {"value": "robot manipulation\x00 policies"},
    )
    assert response.status_code == 200 and str(response.url).endswith("/for-you")
    (interest,) = community.store.interests(uid)
    assert (interest.kind, interest.value) == ("topic", "robot manipulation policies")
    page = soup(response.text)
    assert page.select_one("section.start") is None
    assert "robot manipulation policies" in page.select_one("ul.interests").get_text()
    submit_form(reader, "/for-you", "ul.interests form", {})
    assert community.store.interests(uid) == []


def test_the_daily_page_ranked_for_the_reader(community: Community, reader: TestClient) -> None:
    uid = user_id(community, reader)
    day = "2026-06-24"
    usual = soup(reader.get(f"/?date={day}").text)
    assert usual.select_one("nav.order a[aria-current=page]").get_text() == "Most upvoted"
    no_signals = soup(reader.get(f"/?date={day}&order=for-you").text)
    assert "Nothing to rank this by yet" in no_signals.select_one("p.notice").get_text()
    assert no_signals.select_one("nav.topics") is not None  # the usual topics

    robots = before_split(community.store, "robot", 6)
    library.save(community.store, uid, [p.id for p in robots])
    ranked = soup(reader.get(f"/?date={day}&order=for-you&view=compact").text)
    assert ranked.select_one("nav.order a[aria-current=page]").get_text() == "For you"
    assert ranked.select_one("nav.topics") is None
    titles = [a.get_text() for a in ranked.select("ol.titles a.title")]
    listed = community.store.list_papers(day=date.fromisoformat(day), limit=1000)
    assert len(titles) == len(listed)
    recommender = Recommender(community.store, index_dir=index_directory(community.settings))
    best = recommender.for_reader(uid, since=SPLIT, until=SPLIT, limit=5)
    assert len(best) == 5
    assert titles[:5] == [plain_text(r.paper.title) for r in best]  # the reader's order
    assert titles[:5] != [plain_text(p.title) for p in listed[:5]]  # not the upvotes'
    # the order stays in the layout, day and category links
    links = [a["href"] for a in ranked.select("nav.views.layout a, nav.daynav a")]
    assert links and all("order=for-you" in href for href in links)

    signed_out = soup(community.client().get(f"/?date={day}&order=for-you").text)
    assert "Sign in" in signed_out.select_one("p.notice").get_text()


def test_top_recent_counts_readers(community: Community) -> None:
    store = community.store
    readers = [store.ensure_user(f"top{next(READERS)}@example.org", now=utcnow()).id for _ in "abc"]
    # two papers no other test saves
    everyone, just_one = "2605.90001", "2605.90002"
    store.upsert_papers(
        [
            Paper(id=pid, title=f"Saved {pid}", abstract="Text.", sources=["test"])
            for pid in (everyone, just_one)
        ]
    )
    for uid in readers:
        library.save(store, uid, [everyone])
    library.save(store, readers[0], [just_one], list_name="Just mine")
    page = soup(community.client().get("/top-recent").text)
    cards = page.select("main article.card")
    ids = [c["data-paper"] for c in cards]
    assert everyone in ids and just_one not in ids
    card = cards[ids.index(everyone)]
    assert card.select_one(".reason").get_text(strip=True).endswith("saved by 3 readers this week")
    nav = soup(community.client().get("/").text).select_one("header nav a[href='/top-recent']")
    assert nav is not None


# -- hostile values ------------------------------------------------------------------------------

HOSTILE = [
    "",
    "x",
    "-1",
    "0",
    "1e3",
    "99999999999999999999",
    "a\x00b",
    "\u202eevil",
    "%",
    "x" * 5000,
]


def test_hostile_query_values_never_fail(community: Community, reader: TestClient) -> None:
    uid = user_id(community, reader)
    mine = library.create_list(community.store, uid, "Mine", is_public=True)
    wrong = []
    for value in HOSTILE:
        q = quote(value, safe="")
        for url, name in [
            (f"/for-you?since={q}", "since"),
            (f"/library/hidden?page={q}", "page"),
            (f"/library/{mine.id}?page={q}", "page"),
            (f"/lists/{mine.id}?page={q}", "page"),
            (f"/library/export?format={q}", "format"),
            (f"/library/export?list={q}", "list"),
            (f"/?date={DAY}&order={q}", "order"),
            (f"/library/{q}", "list"),
            (f"/lists/{q}", "list"),
            (f"/feeds/lists/{q}.atom", "list_id"),
        ]:
            for client in (reader, community.client()):
                response = client.get(url, follow_redirects=False)
                if response.status_code >= 500:
                    wrong.append(f"{url[:60]}: {response.status_code}")
                elif value and response.status_code == 400 and f"{name}:" not in response.text:
                    wrong.append(f"{url[:60]}: 400 not naming {name}")
    assert not wrong, wrong
    for url, name in [
        ("/for-you?since=2026-02-30", "since"),
        ("/for-you?since=1999-01-01", "since"),
        ("/?order=newest", "order"),
        ("/library/export?format=csv", "format"),
        ("/library/export?list=abc", "list"),
        ("/library/12x", "list"),
        ("/lists/12x", "list"),
    ]:
        response = reader.get(url)
        assert response.status_code == 400, url
        assert f"{name}:" in response.text, url
    assert reader.get(f"/library/export?list={mine.id + 1000}").status_code == 404
    assert reader.get(f"/library/{mine.id + 1000}").status_code == 404
    assert reader.get(f"/lists/{mine.id + 1000}").status_code == 404


def test_hostile_form_values_never_fail(community: Community, reader: TestClient) -> None:
    uid = user_id(community, reader)
    mine = library.create_list(community.store, uid, "Mine")
    headers = {"X-CSRF-Token": token(reader)}
    wrong = []
    fields = {
        "/library/save": ["paper", "action", "list", "new_list"],
        "/library/hide": ["paper", "action"],
        "/library/read": ["paper", "action"],
        "/library/note": ["paper", "note"],
        "/library/lists": ["name", "public"],
        "/library/follow": ["kind", "value", "action"],
        f"/library/{mine.id}/rename": ["name"],
        f"/library/{mine.id}/share": ["public"],
        f"/library/{mine.id}/delete": ["confirm"],
    }
    good = {
        "paper": "2607.00001",
        "action": "add",
        "note": "fine",
        "name": "Another",
        "kind": "topic",
        "value": "robots",
        "public": "0",
    }
    for path, names in fields.items():
        for name in names:
            for value in [*HOSTILE, "x" * 300, "\x00" * 10, "2607.00001\n2607.00002"]:
                data = {**good, name: value}
                response = reader.post(path, data=data, headers=headers, follow_redirects=False)
                if response.status_code >= 500:
                    wrong.append(f"{path} {name}={value[:20]!r}: {response.status_code}")
    assert not wrong, wrong
    # the list survived everything but the deletes that were confirmed: none were
    assert community.store.get_list(mine.id) is not None
    for path, data, name in [
        ("/library/save", {"paper": "a\x00b"}, "paper"),
        ("/library/save", {"paper": "x" * 300}, "paper"),
        ("/library/save", {"paper": "2607.00001", "list": "one"}, "list"),
        ("/library/save", {"paper": "2607.00001", "action": "toggle"}, "action"),
        ("/library/hide", {"paper": ""}, "paper"),
        ("/library/follow", {"kind": "venue", "value": "x"}, "kind"),
    ]:
        response = reader.post(path, data=data, headers=headers)
        assert response.status_code == 400, (path, data)
        assert f"{name}:" in response.text, (path, data)
    unknown = reader.post("/library/save", data={"paper": UNKNOWN_ID}, headers=headers)
    assert unknown.status_code == 404
    other_list = reader.post(
        "/library/save", data={"paper": "2607.00001", "list": "999999"}, headers=headers
    )
    assert other_list.status_code == 404
