"""A reader's library through the API: lists, papers in them, marks and notes, followed
authors and topics, export and import. The rules live in ``paperwire.library``; these
routes read the request, call it, and answer.

Every route needs a reader: ``Authorization: Bearer TOKEN`` (scripts) or a session
cookie, which for POST, PUT, PATCH and DELETE also needs the ``X-CSRF-Token`` header.
Only ``GET /api/v1/library/lists/{list_id}`` of a public list answers without one.

- ``GET /api/v1/library``: the reader's lists with their counts, counts of marks, the
  authors and topics they follow; ``?papers=true`` adds a page of the library's papers.
- ``POST /api/v1/library/lists`` (201), ``GET|PATCH|DELETE /api/v1/library/lists/{id}``;
  ``PUT|DELETE /api/v1/library/lists/{id}/papers/{paper_id}`` put a paper into a list or
  take it out (idempotent: ``changed`` says whether anything happened).
- ``POST /api/v1/library/papers`` ``{"papers": [...], "list_name": "Saved"}`` saves many
  papers named by id, address or DOI; ``unknown`` lists those naming no stored paper.
- ``GET|PATCH|DELETE /api/v1/library/papers/{paper_id}``: a paper's marks (read, not
  interested) and note; DELETE takes it out of every list (marks and note stay).
- ``GET|POST /api/v1/library/interests``, ``DELETE .../interests/{kind}/{value}``.
- Export and import: ``api/library_files.py``.

Errors: 401 without a reader, 403 for a session without its CSRF token, 404 for an
unknown paper or a list that is not the reader's (another reader's private list is
"no list of yours", whether it exists or not), 409 for a list name the reader has
already, 415 for a body that is not JSON, 422 for a body that cannot be used (the
message names the field), 429 with ``Retry-After`` past ``WRITE_LIMIT`` changes a
minute.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from paperwire import library
from paperwire.accounts import User
from paperwire.api.common import ApiRoute, Responses, error, get_paper_or_404, next_url
from paperwire.api.schemas import (
    MAX_LIST_ID,
    EntryChangeOut,
    InterestIn,
    InterestKindIn,
    InterestOut,
    InterestsOut,
    LibraryCountsOut,
    LibraryEntryOut,
    LibraryIn,
    LibraryOut,
    LibraryPaperOut,
    ListIn,
    ListPapersIn,
    ListPapersOut,
    ListPatchIn,
    MarksIn,
    ReaderListOut,
    SavedOut,
    SaveIn,
)
from paperwire.errors import LibraryFormatError
from paperwire.http.deps import NowDep, ReaderDep, SettingsDep, StoreDep, UserDep
from paperwire.library_formats import MAX_INTEREST
from paperwire.normalize import strip_control
from paperwire.store import Store
from paperwire.store.base_library import Interest, LibraryEntry, ListNameTaken, ReaderList

router = APIRouter(prefix="/library", tags=["library"], route_class=ApiRoute)

#: Changes to a library (POST, PUT, PATCH, DELETE) one reader may make a minute.
WRITE_LIMIT = 300
WRITE_WINDOW = 60.0

SIGNED: Responses = {
    401: error("No reader: sign in, or send `Authorization: Bearer TOKEN`."),
    403: error("A session cookie without its `X-CSRF-Token` header."),
}
BAD: Responses = {
    400: error("A parameter (query or path) that cannot be used; the message names it."),
    422: error("A body that cannot be used; the message names the field."),
    429: error("Too many changes: see `Retry-After`."),
}
NO_LIST: Responses = {404: error("No list of that id is the reader's.")}
NO_PAPER: Responses = {404: error("No paper with that id, or no list of that id is the reader's.")}
TAKEN: Responses = {409: error("The reader has a list of that name already.")}
JSON_ONLY: Responses = {415: error("A body that is not `application/json`.")}

PaperPath = Annotated[str, Path(description="A paper id, e.g. `2606.13392` or `hep-th/9901001`.")]
ListPath = Annotated[int, Path(ge=1, le=MAX_LIST_ID, description="The list's id.")]


# -- what every route shares ------------------------------------------------------------


@contextmanager
def answering() -> Iterator[None]:
    """The library's refusals as answers: 404, 409 or 422 with its message."""
    try:
        yield
    except library.NoSuchList as exc:
        raise HTTPException(404, str(exc)) from None
    except ListNameTaken as exc:
        raise HTTPException(409, str(exc)) from None
    except (library.LibraryError, LibraryFormatError) as exc:
        raise HTTPException(422, str(exc)) from None


def limit_rate(
    store: Store, user: User, now: datetime, *, what: str, limit: int, window: float
) -> None:
    """Count one of ``what`` (``library changes``) for the reader; 429 past ``limit`` in
    ``window`` seconds."""
    bucket = f"{what.replace(' ', '-')}:{user.id}"
    wait = store.hit_rate_limit(bucket, limit=limit, window=window, now=now)
    if wait is not None:
        per = "a minute" if window <= 60 else "an hour"
        raise HTTPException(
            429,
            f"too many {what}: at most {limit} {per}",
            headers={"Retry-After": str(int(wait + 0.999))},
        )


async def writer(user: ReaderDep, store: StoreDep, now: NowDep) -> User:
    """The reader of a change, counted against ``WRITE_LIMIT``."""
    await run_in_threadpool(
        limit_rate, store, user, now, what="library changes", limit=WRITE_LIMIT, window=WRITE_WINDOW
    )
    return user


WriterDep = Annotated[User, Depends(writer)]


async def json_body(request: Request) -> None:
    """415 for a body sent as anything but JSON (FastAPI would read it as a string)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise HTTPException(
            415, f"send the body as JSON (Content-Type: application/json), not {content_type}"
        )


JsonBody = Depends(json_body)


def own_list(store: Store, user: User, list_id: int) -> ReaderList:
    with answering():
        return library.find_reader_list(store, user.id, list_id)


def entry_of(store: Store, user: User, paper_id: str) -> LibraryEntry:
    """The paper's place in the reader's library (an empty one when it has none)."""
    return store.library_entries(user.id, [paper_id]).get(paper_id) or LibraryEntry(paper_id)


def _marks(entry: LibraryEntry) -> tuple[object, ...]:
    return (entry.lists, entry.is_read, entry.is_hidden, entry.note)


def changed_entry(store: Store, user: User, before: LibraryEntry) -> EntryChangeOut:
    after = entry_of(store, user, before.paper_id)
    return EntryChangeOut.changed_to(after, _marks(after) != _marks(before))


def counts_of(entries: dict[str, LibraryEntry]) -> LibraryCountsOut:
    values = entries.values()
    return LibraryCountsOut(
        papers=len(entries),
        saved=sum(bool(e.lists) for e in values),
        read=sum(e.is_read for e in values),
        hidden=sum(e.is_hidden for e in values),
        notes=sum(e.note is not None for e in values),
    )


def interest_out(found: Interest) -> InterestOut:
    return InterestOut(kind=found.kind, value=found.value, created_at=found.created_at)


# -- the library and its lists ----------------------------------------------------------


@router.get("", responses=SIGNED | BAD, summary="The reader's library")
def get_library(
    request: Request,
    query: Annotated[LibraryIn, Query()],
    user: ReaderDep,
    store: StoreDep,
    settings: SettingsDep,
) -> LibraryOut:
    """The reader's lists (the default list first) with how many papers each holds, how
    many papers they marked read or not interested or annotated, and the authors and
    topics they follow. With ``papers=true``: a page of every paper of the library (saved,
    marked or annotated), the latest first, each with its place in the library."""
    papers: list[LibraryPaperOut] | None = None
    more = False
    if query.papers:
        found = library.library_view(
            store, user.id, only=query.only, limit=query.limit + 1, offset=query.offset
        )
        more = len(found) > query.limit
        papers = [LibraryPaperOut.entered(p, e, settings.base_url) for p, e in found[: query.limit]]
    return LibraryOut(
        lists=[ReaderListOut.of(lst, settings.base_url) for lst in store.reader_lists(user.id)],
        counts=counts_of(store.library_entries(user.id)),
        interests=[interest_out(i) for i in store.interests(user.id)],
        papers=papers,
        next=next_url(request, settings.base_url, query.offset + query.limit, more),
    )


@router.post(
    "/lists",
    status_code=201,
    responses=SIGNED | BAD | TAKEN | JSON_ONLY,
    summary="Make a list",
    dependencies=[JsonBody],
)
def create_list(
    body: ListIn, user: WriterDep, store: StoreDep, settings: SettingsDep, now: NowDep
) -> ReaderListOut:
    """A new list, private unless ``is_public``."""
    with answering():
        made = library.create_list(store, user.id, body.name, is_public=body.is_public, now=now)
    return ReaderListOut.of(made, settings.base_url)


def shared_list(
    request: Request, found: ReaderList, query: ListPapersIn, store: Store, base_url: str
) -> ListPapersOut:
    """Another reader's public list: its papers without their owner's marks and notes."""
    if query.only is not None:
        raise HTTPException(400, "only: filters your own lists only")
    ids = store.list_paper_ids(found.id, limit=query.limit + 1, offset=query.offset)
    page = ids[: query.limit]
    got = store.get_papers(page)
    return ListPapersOut(
        list=ReaderListOut.of(found, base_url),
        is_owner=False,
        papers=[LibraryPaperOut.entered(got[pid], None, base_url) for pid in page if pid in got],
        next=next_url(request, base_url, query.offset + query.limit, len(ids) > query.limit),
    )


@router.get(
    "/lists/{list_id}",
    responses={400: BAD[400], 401: SIGNED[401], 404: NO_LIST[404], 422: BAD[422]},
    summary="The papers of a list",
)
def get_list(
    request: Request,
    list_id: ListPath,
    query: Annotated[ListPapersIn, Query()],
    user: UserDep,
    store: StoreDep,
    settings: SettingsDep,
) -> ListPapersOut:
    """A page of the list's papers, the last added first, each with its place in the
    reader's library. Another reader's list answers only when it is public, and then
    without their marks and notes (``library`` is null; ``only`` cannot be used).
    Without a reader, a list that is not public is 401, whether it exists or not."""
    found = store.get_list(list_id)
    if found is not None and user is not None and found.user_id == user.id:
        with answering():  # deleted meanwhile: 404
            rows = library.library_view(
                store,
                user.id,
                list_name=found.id,
                only=query.only,
                limit=query.limit + 1,
                offset=query.offset,
            )
        more = len(rows) > query.limit
        return ListPapersOut(
            list=ReaderListOut.of(found, settings.base_url),
            is_owner=True,
            papers=[
                LibraryPaperOut.entered(p, e, settings.base_url) for p, e in rows[: query.limit]
            ],
            next=next_url(request, settings.base_url, query.offset + query.limit, more),
        )
    if found is not None and found.is_public:
        return shared_list(request, found, query, store, settings.base_url)
    if user is None:
        raise HTTPException(
            401,
            "sign in, or send an API token as `Authorization: Bearer TOKEN`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    raise HTTPException(404, f"no list {list_id} of yours")


@router.patch(
    "/lists/{list_id}",
    responses=SIGNED | BAD | NO_LIST | TAKEN | JSON_ONLY,
    summary="Rename a list, share it or make it private",
    dependencies=[JsonBody],
)
def update_list(
    list_id: ListPath, body: ListPatchIn, user: WriterDep, store: StoreDep, settings: SettingsDep
) -> ReaderListOut:
    """Give ``name``, ``is_public`` or both; both change, or (on an error) neither. The
    default list keeps its name."""
    if body.name is None and body.is_public is None:
        raise HTTPException(422, "body: give a new name, is_public, or both")
    with answering(), store.atomic():
        found = library.find_reader_list(store, user.id, list_id)
        if body.name is not None:
            found = library.rename_list(store, user.id, found.id, body.name)
        if body.is_public is not None:
            found = library.set_public(store, user.id, found.id, body.is_public)
    return ReaderListOut.of(found, settings.base_url)


@router.delete(
    "/lists/{list_id}",
    status_code=204,
    response_class=Response,
    responses=SIGNED | BAD | NO_LIST,
    summary="Delete a list",
)
def delete_list(list_id: ListPath, user: WriterDep, store: StoreDep) -> Response:
    """The list goes, and its papers' places in it; their marks and notes stay.
    Deleting the default list empties it (it is made again by the next save)."""
    with answering():
        library.delete_list(store, user.id, list_id)
    return Response(status_code=204)


@router.put(
    "/lists/{list_id}/papers/{paper_id:path}",
    responses=SIGNED | BAD | NO_PAPER,
    summary="Put a paper into a list (idempotent)",
)
def add_to_list(
    list_id: ListPath, paper_id: PaperPath, user: WriterDep, store: StoreDep, now: NowDep
) -> EntryChangeOut:
    """The paper's place in the library afterwards; ``changed`` is false when it was in
    the list already."""
    target = own_list(store, user, list_id)
    paper = get_paper_or_404(store, paper_id)
    before = entry_of(store, user, paper.id)
    with answering():
        library.save(store, user.id, [paper.id], list_name=target.name, now=now)
    return changed_entry(store, user, before)


@router.delete(
    "/lists/{list_id}/papers/{paper_id:path}",
    responses=SIGNED | BAD | NO_PAPER,
    summary="Take a paper out of a list (idempotent)",
)
def remove_from_list(
    list_id: ListPath, paper_id: PaperPath, user: WriterDep, store: StoreDep, now: NowDep
) -> EntryChangeOut:
    target = own_list(store, user, list_id)
    paper = get_paper_or_404(store, paper_id)
    before = entry_of(store, user, paper.id)
    with answering():
        library.remove(store, user.id, [paper.id], list_name=target.name, now=now)
    return changed_entry(store, user, before)


# -- papers: saving many, marks and notes -----------------------------------------------


@router.post(
    "/papers",
    responses=SIGNED | BAD | JSON_ONLY,
    summary="Save papers into a list",
    dependencies=[JsonBody],
)
def save_papers(
    body: SaveIn, user: WriterDep, store: StoreDep, settings: SettingsDep, now: NowDep
) -> SavedOut:
    """Save the papers ``papers`` name (ids, arXiv or Hugging Face addresses, DOIs) into
    the list ``list_name``, made when the reader has none of that name. References that
    name no paper of this server are listed in ``unknown``; nothing is made up for them."""
    with answering():
        change = library.save(store, user.id, body.papers, list_name=body.list_name, now=now)
    target = store.find_list(user.id, change.list_name) if change.list_name else None
    return SavedOut(
        list=ReaderListOut.of(target, settings.base_url) if target is not None else None,
        added=change.changed,
        unknown=change.unknown,
    )


@router.get(
    "/papers/{paper_id:path}",
    responses=SIGNED | BAD | NO_PAPER,
    summary="A paper's place in the library",
)
def get_entry(paper_id: PaperPath, user: ReaderDep, store: StoreDep) -> LibraryEntryOut:
    """The reader's lists holding the paper, its marks and the reader's note (all empty
    for a paper the reader has done nothing with)."""
    paper = get_paper_or_404(store, paper_id)
    return LibraryEntryOut.of(entry_of(store, user, paper.id))


@router.patch(
    "/papers/{paper_id:path}",
    responses=SIGNED | BAD | NO_PAPER | JSON_ONLY,
    summary="Mark a paper read or not interested, or write a note",
    dependencies=[JsonBody],
)
def mark_paper(
    paper_id: PaperPath, body: MarksIn, user: WriterDep, store: StoreDep, now: NowDep
) -> EntryChangeOut:
    """Fields left out stay as they are; ``"note": null`` (or "") removes the note. Not
    interested (``is_hidden``) leaves the paper in its lists; it is never recommended.
    All the changes are made, or (on an error) none."""
    given = body.model_fields_set
    if not given & {"is_read", "is_hidden", "note"}:
        raise HTTPException(422, "body: give is_read, is_hidden or note")
    paper = get_paper_or_404(store, paper_id)
    before = entry_of(store, user, paper.id)
    with answering(), store.atomic():
        if "note" in given:
            library.set_note(store, user.id, paper.id, body.note, now=now)
        if body.is_read is not None:
            library.mark_read(store, user.id, [paper.id], read=body.is_read, now=now)
        if body.is_hidden is not None:
            library.hide(store, user.id, [paper.id], hidden=body.is_hidden, now=now)
    return changed_entry(store, user, before)


@router.delete(
    "/papers/{paper_id:path}",
    responses=SIGNED | BAD | NO_PAPER,
    summary="Take a paper out of every list",
)
def remove_paper(
    paper_id: PaperPath, user: WriterDep, store: StoreDep, now: NowDep
) -> EntryChangeOut:
    """Out of every list of the reader; its marks and note stay (PATCH changes those)."""
    paper = get_paper_or_404(store, paper_id)
    before = entry_of(store, user, paper.id)
    with answering():
        library.remove(store, user.id, [paper.id], now=now)
    return changed_entry(store, user, before)


# -- followed authors and topics --------------------------------------------------------


@router.get("/interests", responses=SIGNED, summary="Followed authors and topics")
def get_interests(user: ReaderDep, store: StoreDep) -> InterestsOut:
    """What recommendations start from before the reader has saved anything."""
    return InterestsOut(interests=[interest_out(i) for i in store.interests(user.id)])


@router.post(
    "/interests",
    status_code=201,
    responses=SIGNED
    | BAD
    | JSON_ONLY
    | {200: {"model": InterestOut, "description": "Followed already."}},
    summary="Follow an author or a topic",
    dependencies=[JsonBody],
)
def follow(
    body: InterestIn, response: Response, user: WriterDep, store: StoreDep, now: NowDep
) -> InterestOut:
    """201 when newly followed, 200 when followed already."""
    with answering():
        added = library.follow(store, user.id, body.kind, body.value, now=now)
    value = " ".join(strip_control(body.value).split())
    for found in store.interests(user.id):
        if found.kind == body.kind and found.value == value:
            if not added:
                response.status_code = 200
            return interest_out(found)
    raise HTTPException(409, f"the {body.kind} {value!r} was taken back meanwhile")


@router.delete(
    "/interests/{kind}/{value:path}",
    status_code=204,
    response_class=Response,
    responses=SIGNED | BAD | {404: error("The reader does not follow it.")},
    summary="Stop following an author or a topic",
)
def unfollow(
    kind: InterestKindIn,
    value: Annotated[str, Path(min_length=1, max_length=MAX_INTEREST)],
    user: WriterDep,
    store: StoreDep,
) -> Response:
    try:
        removed = library.follow(store, user.id, kind, value, following=False)
    except library.LibraryError:  # a value nobody can follow (blank): not followed either
        removed = False
    if not removed:
        raise HTTPException(404, f"you do not follow the {kind} {value[:200]!r}")
    return Response(status_code=204)
