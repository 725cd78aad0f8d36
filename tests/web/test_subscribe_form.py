"""The subscribe form: a time-zone picker, category names, what a digest holds, errors
beside their fields with every value kept, and the subscribe box of the daily page."""

from __future__ import annotations

import zoneinfo
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from paperwire.categories import CATEGORY_NAMES, category_label
from paperwire.digest.subscriptions import Links
from paperwire.normalize import utcnow
from paperwire.store.base_digests import Preferences
from paperwire.web.pages.subscribe import ZONE_REGIONS
from tests.web.conftest import Site


def form_of(html: str) -> Tag:
    form = BeautifulSoup(html, "html.parser").select_one("main form.subscribe")
    assert form is not None
    return form


def hidden(form: Tag) -> dict[str, object]:
    return {str(i["name"]): str(i.get("value", "")) for i in form.select("input[type=hidden]")}


def post(client: TestClient, data: dict[str, object]) -> tuple[int, Tag]:
    fresh = form_of(client.get("/subscribe").text)
    answer = client.post("/subscribe", data={**hidden(fresh), **data})
    return answer.status_code, form_of(answer.text)


def selected_zone(form: Tag) -> str:
    chosen = form.select("select#timezone option[selected]")
    assert len(chosen) == 1
    return str(chosen[0]["value"])


def described(form: Tag, field: Tag) -> str:
    """The text of the elements ``field`` is described by."""
    ids = str(field.get("aria-describedby", "")).split()
    found = [form.find(id=i) for i in ids]
    assert ids and all(isinstance(f, Tag) for f in found), ids
    return " ".join(f.get_text(" ", strip=True) for f in found if isinstance(f, Tag))


def test_time_zone_is_a_grouped_picker_of_iana_zones(client: TestClient) -> None:
    form = form_of(client.get("/subscribe").text)
    select = form.select_one("select#timezone[name=timezone]")
    assert select is not None and select.has_attr("data-browser-zone")
    offered = [str(o["value"]) for o in select.select("option")]
    expected = {
        z for z in zoneinfo.available_timezones() if z.split("/")[0] in ZONE_REGIONS and "/" in z
    }
    assert len(expected) > 300
    assert set(offered) == expected | {"UTC"} and len(offered) == len(set(offered))
    groups = [str(g["label"]) for g in select.select("optgroup")]
    assert groups[0] == "UTC" and groups[1:] == sorted(groups[1:])
    america = select.select_one("optgroup[label=America]")
    assert america is not None
    labels = [o.get_text() for o in america.select("option")]
    assert labels == sorted(labels) and "America/New York" in labels
    assert selected_zone(form) == "UTC"  # the server's default, until the script runs


def test_categories_show_their_names_and_the_digest_is_explained(client: TestClient) -> None:
    form = form_of(client.get("/subscribe").text)
    labels = [" ".join(label.get_text().split()) for label in form.select("#categories label")]
    assert labels == [
        "cs.CV — Computer Vision and Pattern Recognition",
        "cs.CL — Computation and Language",
        "cs.LG — Machine Learning",
        "cs.AI — Artificial Intelligence",
    ]
    what = form.select_one(".what")
    assert what is not None and what.get_text().startswith("Each digest lists up to 20 new papers")


def test_category_names() -> None:
    assert category_label("cs.CL") == "cs.CL — Computation and Language"
    assert category_label("xx.YY") == "xx.YY"
    assert all(name and name == name.strip() for name in CATEGORY_NAMES.values())


def test_an_address_from_the_daily_box_is_filled_in(client: TestClient) -> None:
    form = form_of(client.get("/subscribe", params={"email": " ada@example.org "}).text)
    box = form.select_one("input#email")
    assert box is not None and box["value"] == "ada@example.org"


def test_bad_email_keeps_every_value_and_says_why_beside_it(client: TestClient) -> None:
    status, form = post(
        client,
        {
            "email": "not-an-address",
            "frequency": "weekly",
            "categories": ["cs.CL"],
            "topics": "token pruning",
            "timezone": "Asia/Tokyo",
        },
    )
    assert status == 400
    email = form.select_one("input#email")
    assert email is not None and email["value"] == "not-an-address"
    assert email["aria-invalid"] == "true"
    assert described(form, email).startswith("Enter an email address")
    assert selected_zone(form) == "Asia/Tokyo"
    assert not form.select("select#timezone[data-browser-zone]")  # the choice stays
    checked = form.select_one("input[name=frequency][checked]")
    assert checked is not None and checked["value"] == "weekly"
    assert [str(c["value"]) for c in form.select("input[name=categories][checked]")] == ["cs.CL"]
    topics = form.select_one("textarea#topics")
    assert topics is not None and topics.get_text() == "token pruning"


def test_unknown_time_zone_is_marked_and_kept(client: TestClient) -> None:
    status, form = post(
        client, {"email": "ada@example.org", "frequency": "daily", "timezone": "Mars/Olympus"}
    )
    assert status == 400
    select = form.select_one("select#timezone")
    assert select is not None and select["aria-invalid"] == "true"
    assert "Unknown time zone “Mars/Olympus”" in described(form, select)
    assert selected_zone(form) == "Mars/Olympus"
    email = form.select_one("input#email")
    assert email is not None and email["value"] == "ada@example.org"
    assert not email.has_attr("aria-invalid")


def test_every_bad_field_has_its_message_beside_it(client: TestClient) -> None:
    status, form = post(
        client,
        {
            "email": "ada@example.org",
            "frequency": "hourly",
            "categories": ["<x>"],
            "topics": "x" * 600,
            "timezone": "UTC",
        },
    )
    assert status == 400
    frequency = form.select_one("fieldset#frequency")
    assert frequency is not None and described(form, frequency) == "Choose daily or weekly."
    categories = form.select_one("fieldset#categories")
    assert categories is not None and described(form, categories) == "Unknown category “<x>”."
    topics = form.select_one("textarea#topics")
    assert topics is not None and topics["aria-invalid"] == "true"
    assert "at most 500 characters" in described(form, topics)
    assert selected_zone(form) == "UTC"


def test_preferences_keep_a_bad_time_zone_beside_its_message(site: Site) -> None:
    sub = site.store.confirm_subscription(
        "tz@example.org", Preferences("daily", [], [], "Europe/Paris"), now=utcnow()
    )
    url = Links.of(site.settings, site.store).preferences_url(sub.id)
    client = TestClient(site.app)
    parts = urlsplit(url)
    page = client.get(f"{parts.path}?{parts.query}")
    form = form_of(page.text)
    assert selected_zone(form) == "Europe/Paris"
    assert not form.select("select#timezone[data-browser-zone]")  # a stored choice stays
    answer = client.post(
        "/subscribe/preferences",
        data={**hidden(form), "frequency": "daily", "timezone": "Nowhere/Land"},
    )
    assert answer.status_code == 400
    form = form_of(answer.text)
    assert selected_zone(form) == "Nowhere/Land"
    stored = site.store.get_subscriber(sub.id)
    assert stored is not None and stored.prefs.timezone == "Europe/Paris"


def test_daily_page_has_a_subscribe_box_that_keeps_it_cacheable(client: TestClient) -> None:
    answer = client.get("/?date=2026-07-01")
    soup = BeautifulSoup(answer.text, "html.parser")
    box = soup.select_one("aside.subscribe-box")
    assert box is not None
    assert box.get_text(" ", strip=True).startswith("Get trending papers in your email inbox")
    form = box.select_one("form")
    assert form is not None and form["action"] == "/subscribe" and form["method"] == "get"
    email = form.select_one("input[name=email][type=email]")
    assert email is not None and email.has_attr("required")
    label = box.select_one(f"label[for={email['id']}]")
    assert label is not None
    assert "no-store" not in answer.headers.get("cache-control", "")
    assert not soup.select("input[name=csrf_token]")  # nothing personal on the page


@pytest.mark.parametrize(
    "email",
    ['"><script>alert(1)</script>', "a@b.org\x00", "a@b.org\r\nBcc: x@y.org", "x" * 5000],
)
def test_a_hostile_address_from_the_daily_box_stays_text(client: TestClient, email: str) -> None:
    response = client.get("/subscribe", params={"email": email})
    assert response.status_code in (200, 400)
    assert "<script>alert(1)</script>" not in response.text
    if response.status_code == 200:
        form = form_of(response.text)
        box = form.select_one("input#email")
        assert box is not None
        assert "\x00" not in str(box.get("value", "")) and "\r" not in str(box.get("value", ""))
