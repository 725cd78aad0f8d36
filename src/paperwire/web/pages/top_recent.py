"""``/top-recent``: the papers readers saved most in the last 7 days (``most_saved``),
counted by readers. Only papers at least ``MIN_READERS`` readers saved are shown:
lists are private by default, and on a small server one reader's saves would
otherwise show through."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from paperwire.http.deps import NowDep, StoreDep, TemplatesDep
from paperwire.web.pages.common import render
from paperwire.web.pages.reading import remember_entries

router = APIRouter(include_in_schema=False)

DAYS = 7
LIMIT = 50
MIN_READERS = 2


@router.get("/top-recent", response_class=HTMLResponse)
def top_recent(
    request: Request, store: StoreDep, templates: TemplatesDep, now: NowDep
) -> HTMLResponse:
    counted = [
        (pid, n)
        for pid, n in store.most_saved(since=now - timedelta(days=DAYS), limit=LIMIT)
        if n >= MIN_READERS
    ]
    papers = store.get_papers([pid for pid, _ in counted])
    remember_entries(request, list(papers))
    context = {
        "results": [(papers[pid], n) for pid, n in counted if pid in papers],
        "until": now.date(),
        "min_readers": MIN_READERS,
    }
    return render(request, templates, "top_recent.html", context)
