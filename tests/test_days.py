"""Each day once, on every surface: the day page, /api/v1/papers, /api/daily_papers and
``paperwire papers`` list a paper on the day it was first announced only.

The bundled sample is arXiv's real daily crawl of 2026-06-16..07-01, which recorded
Friday Jun 19's listing again on Sat 20, Sun 21 and Mon 22, and Friday Jun 26's (261
papers) again on Sat 27 and Sun 28.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from fastapi.testclient import TestClient

from paperwire.cli import cli
from paperwire.ingest import import_files, sample_path
from paperwire.store import Store
from paperwire.web.app import create_app
from tests.fresh import fresh_store

pytestmark = pytest.mark.both_backends

FRIDAY = "2026-06-26"
REPEATS = ["2026-06-20", "2026-06-21", "2026-06-22", "2026-06-27", "2026-06-28"]
DAYS = ["2026-06-19", *REPEATS, "2026-06-23", "2026-06-24", "2026-06-25", FRIDAY, "2026-06-29"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, TestClient]]:
    folder = tmp_path_factory.mktemp("days")
    settings, store = fresh_store(folder)
    assert import_files(store, [sample_path()]).ok
    yield store, TestClient(create_app(settings, store))
    store.close()


@pytest.fixture
def store(served: tuple[Store, TestClient]) -> Store:
    return served[0]


@pytest.fixture
def client(served: tuple[Store, TestClient]) -> TestClient:
    return served[1]


def page(client: TestClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.text, "html.parser")


def link(soup: BeautifulSoup, rel: str, within: str = "nav.daynav") -> dict[str, list[str]] | None:
    found = soup.select_one(f"{within} a[rel={rel}]")
    return parse_qs(urlsplit(str(found["href"])).query) if found else None


def page_cards(client: TestClient, query: str) -> tuple[str, list[tuple[str, str]]]:
    """The heading and every card (id, its day) of a listing, following its pages."""
    first = page(client, f"/?{query}")
    heading = " ".join(first.h1.get_text(" ").split()) if first.h1 else ""
    found: list[tuple[str, str]] = []
    number, soup = 1, first
    while True:
        for card in soup.select("main article.card"):
            time = card.select_one("li.day time")
            found.append((str(card["data-paper"]), str(time["datetime"]) if time else ""))
        if link(soup, "next", "nav.pager") is None:
            return heading, found
        number += 1
        soup = page(client, f"/?{query}&page={number}")


def v1_ids(client: TestClient, query: str) -> list[str]:
    ids: list[str] = []
    url: str | None = f"/api/v1/papers?{query}&limit=100"
    while url is not None:
        answer = client.get(url.removeprefix("http://127.0.0.1:8000"))
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        ids += [p["id"] for p in body["papers"]]
        url = body["next"]
    return ids


def hf_ids(client: TestClient, query: str) -> list[str]:
    ids: list[str] = []
    for p in range(100):
        answer = client.get(f"/api/daily_papers?{query}&limit=100&p={p}")
        assert answer.status_code == 200, answer.text
        items = answer.json()
        ids += [item["paper"]["id"] for item in items]
        if len(items) < 100:
            return ids
    raise AssertionError("more pages than a day can have")


def cli_ids(store: Store, day: str) -> list[str]:
    result = CliRunner().invoke(
        cli, ["--database-url", store.url, "papers", "--date", day, "--limit", "5000", "--json"]
    )
    assert result.exit_code == 0, result.output
    return [p["id"] for p in json.loads(result.output)]


def test_friday_lists_its_papers_once_and_the_weekend_repeats_nothing(client, store):
    heading, cards = page_cards(client, f"date={FRIDAY}")
    assert heading == "Fri, Jun 26, 2026"
    assert len(cards) == len({i for i, _ in cards}) == 261
    assert {day for _, day in cards} == {FRIDAY}  # every card says the heading's day
    friday = sorted(i for i, _ in cards)
    assert sorted(v1_ids(client, f"date={FRIDAY}")) == friday
    assert sorted(hf_ids(client, f"date={FRIDAY}")) == friday
    assert sorted(cli_ids(store, FRIDAY)) == friday
    for day in REPEATS[3:]:
        soup = page(client, f"/?date={day}")
        assert not soup.select("main article.card")
        assert v1_ids(client, f"date={day}") == hf_ids(client, f"date={day}") == []
        assert cli_ids(store, day) == []


def test_day_navigation_skips_days_that_only_repeat(client):
    monday = page(client, "/?date=2026-06-29")
    assert link(monday, "prev") == {"date": [FRIDAY]}
    friday = page(client, f"/?date={FRIDAY}")
    assert link(friday, "next") == {"date": ["2026-06-29"]}
    # Jun 19's listing came again on Sat 20, Sun 21 and Mon 22
    tuesday = page(client, "/?date=2026-06-23")
    assert link(tuesday, "prev") == {"date": ["2026-06-19"]}
    assert link(page(client, "/?date=2026-06-19"), "next") == {"date": ["2026-06-23"]}
    saturday = page(client, "/?date=2026-06-27")  # asked for directly: its neighbours
    assert link(saturday, "prev") == {"date": [FRIDAY]}
    assert link(saturday, "next") == {"date": ["2026-06-29"]}


@pytest.mark.parametrize("day", DAYS)
def test_the_apis_and_the_command_line_agree_on_every_day(client, store, day):
    v1 = v1_ids(client, f"date={day}")
    assert len(v1) == len(set(v1))
    assert sorted(hf_ids(client, f"date={day}")) == sorted(v1)
    assert sorted(cli_ids(store, day)) == sorted(v1)
    assert all(p.first_day == date.fromisoformat(day) for p in store.get_papers(v1).values())


def test_a_week_counts_each_paper_once_on_its_first_day(client, store):
    by_day = {day: v1_ids(client, f"date={day}") for day in DAYS}
    week = v1_ids(client, "week=2026-W26")  # Mon Jun 22 to Sun Jun 28
    expected = [i for d in DAYS if "2026-06-22" <= d <= "2026-06-28" for i in by_day[d]]
    assert len(week) == len(set(week)) == len(expected) == 1090
    assert sorted(week) == sorted(expected)
    assert sorted(hf_ids(client, "week=2026-W26")) == sorted(week)
    heading, cards = page_cards(client, "week=2026-W26")
    assert heading.startswith("Week 26, 2026")
    assert sorted(i for i, _ in cards) == sorted(week)
    assert all("2026-06-23" <= day <= "2026-06-26" for _, day in cards)
    june = v1_ids(client, "month=2026-06")
    assert len(june) == len(set(june))
    assert sum(n for d, n in store.stats().by_day.items() if d.startswith("2026-06")) == len(june)
