"""A reader's library as files: ``GET /library/export?format=json|bibtex[&list=N]`` (a
download) and ``POST /library/import`` (an uploaded file: paperwire's JSON export, a
BibTeX file from Zotero, Google Scholar or arxiv-sanity-lite, or arXiv ids and links one
a line), which answers with what it did: papers added per list, marks, notes, interests,
the ids this server does not have and the lines it could not read.

An import is written in one transaction (``library.import_library``): a file that
cannot be read leaves the library as it was. A form without JavaScript carries its CSRF
token in its body, which the CSRF check reads up to 1 MB; ``static/library.js`` sends
the token in a header instead, so files up to ``library_formats.MAX_BYTES`` go through.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from paperwire import library
from paperwire.errors import LibraryFormatError
from paperwire.http.deps import NowDep, StoreDep, TemplatesDep, UserDep
from paperwire.http.params import parse_list_id
from paperwire.library import LibraryError, NoSuchList
from paperwire.library_formats import MAX_BYTES
from paperwire.normalize import strip_control
from paperwire.store.base_library import DEFAULT_LIST
from paperwire.web.pages.common import BadParam, bad_param, error_page, parse_choice, render
from paperwire.web.pages.submit import sign_in_first
from paperwire.web.redirects import here

router = APIRouter(include_in_schema=False)

FORMATS = ("json", "bibtex")
MEDIA_TYPES = {"json": "application/json; charset=utf-8", "bibtex": "application/x-bibtex"}
SUFFIXES = {"json": "json", "bibtex": "bib"}
#: Unknown ids and problem lines shown on the report (the counts say how many in all).
SHOWN = 100
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def filename(*parts: str) -> str:
    """A download's file name of safe characters only."""
    name = "-".join(_UNSAFE_FILENAME.sub("-", p).strip("-") for p in parts if p)
    return name[:100] or "library"


@router.get("/library/export")
def export_library(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
    fmt_name: Annotated[str | None, Query(alias="format")] = None,
    list_ref: Annotated[str | None, Query(alias="list")] = None,
) -> Response:
    try:  # parameters first: a bad one is a 400 signed in or not
        fmt = parse_choice("format", fmt_name, FORMATS, "json")
        wanted = parse_list_id(list_ref) if list_ref else None
    except BadParam as error:
        return bad_param(request, templates, error)
    if user is None:
        return sign_in_first(here(request))
    try:
        chosen = library.find_reader_list(store, user.id, wanted) if wanted else None
    except NoSuchList:
        return error_page(
            request, templates, 404, "List not found", "You have no list at this address."
        )
    body = library.export_library(
        store,
        user.id,
        fmt="json" if fmt == "json" else "bibtex",
        list_name=chosen.name if chosen else None,
        now=now,
    )
    name = filename("paperwire", chosen.name if chosen else "library", now.date().isoformat())
    headers = {
        "content-disposition": f'attachment; filename="{name}.{SUFFIXES[fmt]}"',
        "cache-control": "private, no-store",
    }
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)


def upload_name(upload: UploadFile) -> str:
    """The uploaded file's name as messages show it."""
    name = strip_control(upload.filename or "").strip().replace("\\", "/").rsplit("/", 1)[-1]
    return name[:100] or "the file"


@router.post("/library/import", response_class=HTMLResponse)
async def import_library(
    request: Request,
    store: StoreDep,
    templates: TemplatesDep,
    user: UserDep,
    now: NowDep,
) -> Response:
    if user is None:
        return sign_in_first("/library")
    context: dict[str, Any] = {"me": user, "report": None, "error": None, "name": ""}
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        target = form.get("list")
        list_name = target.strip() if isinstance(target, str) and target.strip() else DEFAULT_LIST
        if not isinstance(upload, UploadFile) or not upload.filename:
            context["error"] = "file: choose a file to import (BibTeX, JSON export or ids)"
            return render(request, templates, "library_import.html", context, 400)
        name = context["name"] = upload_name(upload)
        data = await upload.read(MAX_BYTES + 1)
    try:
        report = await run_in_threadpool(
            library.import_library, store, user.id, data, name=name, list_name=list_name, now=now
        )
    except (LibraryFormatError, LibraryError) as error:
        context["error"] = str(error)
        return render(request, templates, "library_import.html", context, 400)
    context.update(report=report, shown=SHOWN)
    return render(request, templates, "library_import.html", context)
