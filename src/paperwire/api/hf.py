"""A read API in the shapes of the Hugging Face papers API.

``huggingface_hub.HfApi(endpoint=<paperwire url>)`` works against these routes unchanged:
``list_daily_papers`` reads ``/api/daily_papers``, ``paper_info`` reads
``/api/papers/{id}`` and ``list_papers`` reads ``/api/papers/search``. Items carry the
fields of the Hub's answers that paperwire has a value for: upvotes, code repository and
stars, project page, submitter, the day a paper was put on the daily list, and
``ai_summary`` / ``ai_keywords`` from the extractive summary and the stored topics of
the paper's day (``api/hf_notes.py``). Fields it has no value for are left out, as the
Hub leaves them out; ``docs/hf_api.md`` lists every field of the Hub's answer and what
paperwire gives for it. Errors are ``{"error": "..."}``, the Hub's own shape, which the
client shows in its exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import JSONResponse

from paperwire.api.hf_notes import notes_of
from paperwire.api.routes import NO_INDEX, day_range, paper_id_of
from paperwire.api.schemas import (
    DailyPapersIn,
    HfDailyPaperOut,
    HfErrorOut,
    HfPaperOut,
    HfSearchIn,
)
from paperwire.http.deps import SearcherDep, SettingsDep, StoreDep
from paperwire.http.params import answering_errors, check_paper_id, latest_day
from paperwire.models import Paper
from paperwire.rank.trending import order_by_trending
from paperwire.store.base import Store


def items_of(store: Store, papers: list[Paper]) -> list[HfDailyPaperOut]:
    notes = notes_of(store, papers)
    comments = store.count_comments([p.id for p in papers])
    return [HfDailyPaperOut.of(p, notes[p.id], comments.get(p.id, 0)) for p in papers]


def json_error(status: int, message: str, headers: Mapping[str, str] | None) -> Response:
    """Every error as ``{"error": "<what was wrong>"}``; a bad parameter is a 400."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


router = APIRouter(prefix="/api", tags=["huggingface"], route_class=answering_errors(json_error))

# "4XX" covers 400 (a parameter that cannot be read) and 404 (no such paper); it also keeps
# FastAPI from describing a 422 that these routes never send.
CLIENT_ERRORS: dict[int | str, dict[str, Any]] = {
    "4XX": {
        "model": HfErrorOut,
        "description": "A parameter that cannot be read (400), or no such paper (404).",
    }
}
NO_SEARCH: dict[int | str, dict[str, Any]] = {
    503: {"model": HfErrorOut, "description": "The server has no search index yet."}
}


@router.get(
    "/daily_papers",
    responses=CLIENT_ERRORS,
    response_model_exclude_none=True,
    summary="Daily papers (Hugging Face compatible)",
)
async def daily_papers(
    query: Annotated[DailyPapersIn, Query()], store: StoreDep, settings: SettingsDep
) -> list[HfDailyPaperOut]:
    """The papers of a day (``date``), an ISO week (``week``) or a month (``month``);
    without any of them, of the latest day with papers. ``sort=publishedAt``: newest
    first; ``sort=trending``: by the trending score (``docs/trending.md``) of the
    smallest window covering those days, as it stood on the last one. ``p`` counts pages
    of ``limit`` from 0."""
    days = day_range(query.date, query.week, query.month)
    if days is None:
        latest = latest_day(store)
        if latest is None:
            return []
        days = (latest, latest)
    if query.sort == "trending":
        every = store.list_papers(
            day=days[0], until=days[1], submitter=query.submitter, limit=1_000_000
        )
        ordered = order_by_trending(store, every, first=days[0], last=days[1], settings=settings)
        start = query.p * query.limit
        return items_of(store, ordered[start : start + query.limit])
    papers = store.list_papers(
        day=days[0],
        until=days[1],
        submitter=query.submitter,
        limit=query.limit,
        offset=query.p * query.limit,
    )
    return items_of(store, papers)


@router.get(
    "/papers/search",
    responses=CLIENT_ERRORS | NO_SEARCH,
    response_model_exclude_none=True,
    summary="Search papers (Hugging Face compatible)",
)
async def search_papers(
    query: Annotated[HfSearchIn, Query()], store: StoreDep, searcher: SearcherDep
) -> list[HfDailyPaperOut]:
    """Papers matching ``q`` (words and meaning), best first; without ``q``, the newest."""
    if not query.q or not query.q.strip():
        return items_of(store, store.list_papers(limit=query.limit))
    if searcher is None:
        raise HTTPException(503, NO_INDEX)
    hits = searcher.search(query.q, mode="hybrid", limit=query.limit)
    papers = store.get_papers([h.paper_id for h in hits])
    return items_of(store, [papers[h.paper_id] for h in hits if h.paper_id in papers])


@router.get(
    "/papers/{arxiv_id:path}",
    responses=CLIENT_ERRORS,
    response_model_exclude_none=True,
    summary="One paper (Hugging Face compatible)",
)
async def paper_info(arxiv_id: str, store: StoreDep) -> HfPaperOut:
    """One paper by arXiv id (a version suffix is ignored)."""
    paper = store.get_paper(paper_id_of(check_paper_id(arxiv_id, "arxiv_id")))
    if paper is None:
        raise HTTPException(404, f"paper not found: {arxiv_id}")
    comments = store.count_comments([paper.id]).get(paper.id, 0)
    return HfPaperOut.of(paper, notes_of(store, [paper])[paper.id], comments)
