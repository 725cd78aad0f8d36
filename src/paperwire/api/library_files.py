"""A reader's library as a file through the API: export and import.

- ``GET /api/v1/library/export?format=json|bibtex[&list_id=]``: paperwire's JSON
  (everything: lists, marks, notes, interests) or BibTeX (the papers of the lists), as an
  attachment.
- ``POST /api/v1/library/import[?list_name=]``: the body is the file itself (paperwire's
  JSON export, BibTeX from Zotero, Google Scholar, arXiv or ADS, or one arXiv id, address
  or DOI a line), sent as ``application/json``, ``application/x-bibtex``,
  ``text/x-bibtex``, ``text/plain`` or ``application/octet-stream``; the answer counts
  what was added and lists unknown ids and skipped entries.

Auth, CSRF and errors as in ``api/library.py``; besides: 413 for a file over
``MAX_BYTES`` (refused by its ``Content-Length`` before it is read), 415 for a form or a
body without a type, 422 for a file that cannot be read at all (nothing is written),
429 with ``Retry-After`` past ``IMPORT_LIMIT`` imports an hour.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from paperwire import library
from paperwire.api.common import ApiRoute, error
from paperwire.api.library import BAD, NO_LIST, SIGNED, answering, limit_rate, own_list
from paperwire.api.schemas import ExportIn, ImportIn, ImportReportOut
from paperwire.http.deps import NowDep, ReaderDep, StoreDep
from paperwire.library_formats import MAX_BYTES

router = APIRouter(prefix="/library", tags=["library"], route_class=ApiRoute)

#: Imports one reader may make an hour (each may name 50,000 papers).
IMPORT_LIMIT = 20
IMPORT_WINDOW = 3600.0
#: What ``POST /api/v1/library/import`` reads; anything else is 415.
IMPORT_TYPES = (
    "application/json",
    "application/x-bibtex",
    "text/x-bibtex",
    "text/plain",
    "application/octet-stream",
)


EXPORTED = {
    "json": ("application/json", "json"),
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
}


@router.get(
    "/export",
    response_class=Response,
    responses=SIGNED
    | BAD
    | NO_LIST
    | {
        200: {
            "description": "The file, to keep or to import again.",
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/x-bibtex": {"schema": {"type": "string"}},
            },
        }
    },
    summary="Export the library",
)
def export(
    query: Annotated[ExportIn, Query()], user: ReaderDep, store: StoreDep, now: NowDep
) -> Response:
    """The whole library as paperwire's JSON (lists, marks, notes, interests: what
    ``POST /api/v1/library/import`` reads back), or the papers of its lists as BibTeX;
    with ``list_id``, one list only."""
    with answering():
        name = own_list(store, user, query.list_id).name if query.list_id else None
        text = library.export_library(store, user.id, fmt=query.format, list_name=name, now=now)
    media_type, suffix = EXPORTED[query.format]
    filename = f"paperwire-library-{now.date().isoformat()}.{suffix}"
    return Response(
        text,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


IMPORT_BODY = {
    "required": True,
    "description": "The file: paperwire's JSON export, BibTeX (Zotero, Google Scholar, "
    f"arXiv, ADS), or plain text with one arXiv id, address or DOI a line; at most "
    f"{MAX_BYTES // 2**20} MiB.",
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "application/x-bibtex": {"schema": {"type": "string"}},
        "text/plain": {"schema": {"type": "string"}, "example": "2401.01234\n2606.13392\n"},
    },
}


async def read_file(request: Request) -> bytes:
    """The body, refused (413) past ``MAX_BYTES`` before more of it is read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise HTTPException(
            413, f"the file is larger than an import may be ({MAX_BYTES // 2**20} MiB)"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BYTES:
            raise HTTPException(
                413, f"the file is larger than an import may be ({MAX_BYTES // 2**20} MiB)"
            )
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/import",
    responses=SIGNED
    | BAD
    | {
        413: error(f"A file over {MAX_BYTES // 2**20} MiB."),
        415: error("A body that is not a file (a form, or no Content-Type)."),
        422: error("A file that cannot be read at all; the message names the line."),
    },
    openapi_extra={"requestBody": IMPORT_BODY},
    summary="Import a library file",
)
async def import_file(
    request: Request,
    query: Annotated[ImportIn, Query()],
    user: ReaderDep,
    store: StoreDep,
    now: NowDep,
) -> ImportReportOut:
    """Everything the file names is added (nothing is removed), in one transaction: a
    file that cannot be read leaves the library as it was (422). Entries that cannot be
    read are skipped and listed in ``problems``; ids naming no paper of this server in
    ``unknown``."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in IMPORT_TYPES:
        kinds = ", ".join(IMPORT_TYPES[:4])
        raise HTTPException(
            415,
            f"send the file itself as the body, with Content-Type {kinds}"
            + (f" (not {content_type})" if content_type else ""),
        )
    data = await read_file(request)
    await run_in_threadpool(
        limit_rate,
        store,
        user,
        now,
        what="library imports",
        limit=IMPORT_LIMIT,
        window=IMPORT_WINDOW,
    )
    with answering():
        report = await run_in_threadpool(
            library.import_library,
            store,
            user.id,
            data,
            name="import",
            list_name=query.list_name,
            now=now,
        )
    return ImportReportOut.of(report)
