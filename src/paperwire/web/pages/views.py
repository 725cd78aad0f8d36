"""Which papers the listing shows: one day, an ISO week or a month, and its neighbours.

Neighbours skip empty stretches: "previous" is the day (week, month) holding the last
day with papers before this one, "next" the one holding the first day with papers after.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from paperwire.http.params import BadParam, check_days, is_shown_day, latest_day, parse_day, shown
from paperwire.store import Store
from paperwire.web.templates import paper_day

Kind = Literal["day", "week", "month"]
_WEEK = re.compile(r"([0-9]{4})-W([0-9]{1,2})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True, slots=True)
class Span:
    kind: Kind
    start: date
    end: date

    @property
    def param(self) -> dict[str, str]:
        """The query parameter that selects this span."""
        if self.kind == "day":
            return {"date": self.start.isoformat()}
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return {"week": f"{year}-W{week:02d}"}
        return {"month": self.start.strftime("%Y-%m")}

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.start.strftime("%a, %b %d, %Y").replace(" 0", " ")
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            first = self.start.strftime("%b %d").replace(" 0", " ")
            last = self.end.strftime("%b %d").replace(" 0", " ")
            return f"Week {week}, {year} ({first} – {last})"
        return self.start.strftime("%B %Y")

    @property
    def short_label(self) -> str:
        if self.kind == "day":
            return self.start.strftime("%b %d").replace(" 0", " ")
        if self.kind == "week":
            return f"Week {self.start.isocalendar()[1]}"
        return self.start.strftime("%b %Y")


def span_of(kind: Kind, day: date) -> Span:
    """The day, week or month holding ``day``."""
    if kind == "day":
        return Span("day", day, day)
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Span("week", start, start + timedelta(days=6))
    last = calendar.monthrange(day.year, day.month)[1]
    return Span("month", day.replace(day=1), day.replace(day=last))


def parse_week(value: str) -> Span:
    match = _WEEK.fullmatch(value)
    try:
        if not match:
            raise ValueError(value)
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise BadParam("week", f"expected an ISO week as YYYY-Www, got {shown(value)}") from None
    check_days("week", monday, monday)  # before the Sunday is computed
    return span_of("week", monday)


def parse_month(value: str) -> Span:
    match = _MONTH.fullmatch(value)
    try:
        if not match:
            raise ValueError(value)
        first = date(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise BadParam("month", f"expected a month as YYYY-MM, got {shown(value)}") from None
    check_days("month", first, first)
    return span_of("month", first)


def requested_span(
    store: Store, day: str | None, week: str | None, month: str | None
) -> Span | None:
    """The span the query asks for; the latest day with papers by default (None: no papers)."""
    given = [name for name, value in (("date", day), ("week", week), ("month", month)) if value]
    if len(given) > 1:
        raise BadParam(given[1], f"give only one of date, week or month (got {', '.join(given)})")
    if week:
        return parse_week(week)
    if month:
        return parse_month(month)
    chosen = parse_day("date", day) or latest_day(store)
    if chosen is None:  # papers that never entered a daily feed: the newest one's day
        newest = store.list_papers(limit=1)
        chosen = paper_day(newest[0]) if newest else None
    return span_of("day", chosen) if chosen else None


@dataclass(frozen=True, slots=True)
class Navigation:
    previous: Span | None
    next: Span | None
    views: dict[str, Span]  # the day, week and month to switch to


def navigation(store: Store, span: Span) -> Navigation:
    """Days no page can show (a bad record's 9999-12-31) are no neighbours."""
    before = store.feed_days(span.start)[0]
    after = store.feed_days(span.end)[2]
    before = before if before and is_shown_day(before) else None
    after = after if after and is_shown_day(after) else None
    if span.kind == "day":
        day = span.start
    else:  # the last day with papers inside the span, else its first day
        last_inside = store.feed_days(span.end + timedelta(days=1))[0]
        day = last_inside if last_inside and last_inside >= span.start else span.start
    return Navigation(
        previous=span_of(span.kind, before) if before else None,
        next=span_of(span.kind, after) if after else None,
        views={kind: span_of(kind, day) for kind in ("day", "week", "month")},
    )
