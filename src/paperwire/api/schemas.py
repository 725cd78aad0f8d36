"""What the JSON APIs read and write: one pydantic model per shape.

``*In`` models are query parameters (FastAPI reads them with ``Query()``); ``*Out`` models
are response bodies. paperwire's own API (``/api/v1``) uses snake_case names and ISO 8601
datetimes; the Hugging Face compatible API (``/api``) uses the camelCase names and the
``2026-06-12T00:00:00.000Z`` timestamps of the Hugging Face papers API.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from urllib.parse import quote

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from paperwire.api.hf_notes import SUMMARY_MODEL, PaperNotes
from paperwire.http.params import MAX_CATEGORY, MAX_QUERY, BadParam, parse_category, parse_query
from paperwire.library import MAX_REFS, ImportReport
from paperwire.library_formats import MAX_INTEREST, MAX_NOTE
from paperwire.models import Paper, Scored
from paperwire.recommend import Recommendation
from paperwire.store.base_discussion import Comment
from paperwire.store.base_library import DEFAULT_LIST, MAX_LIST_NAME, LibraryEntry, ReaderList

Mode = Literal["hybrid", "keyword", "semantic"]
Window = Literal["day", "week", "month"]
DailySort = Literal["publishedAt", "trending"]

MAX_LIMIT = 100
MAX_OFFSET = 1_000_000
MAX_SEARCH_OFFSET = 1_000

DAY_EXAMPLE = "2026-06-12"

# -- errors ------------------------------------------------------------------------------


class ErrorOut(BaseModel):
    """Every 4xx/5xx answer of ``/api/v1``: one sentence naming what was wrong."""

    detail: str = Field(examples=["date: expected YYYY-MM-DD"])


class HfErrorOut(BaseModel):
    """Every error of the Hugging Face compatible API, in the Hub's own shape."""

    error: str = Field(examples=["paper not found: 2606.99999"])


# -- shared checks -------------------------------------------------------------------------


def _refused(error: BadParam) -> PydanticCustomError:
    """A ``BadParam`` as pydantic's error, its message as it is (``q: <message>``)."""
    return PydanticCustomError("bad_param", "{message}", {"message": error.message})


def _query(value: str) -> str:
    try:
        parse_query(value)
    except BadParam as error:
        raise _refused(error) from None
    return value


def _category(value: str) -> str:
    try:
        parse_category(value)
    except BadParam as error:
        raise _refused(error) from None
    return value


CATEGORY_PATTERN = r"^[A-Za-z][A-Za-z\-]*(\.[A-Za-z\-]+)?$"
#: A search query: no control characters, at most ``MAX_QUERY_WORDS`` words.
QueryText = Annotated[str, AfterValidator(_query)]
#: An arXiv category (``cs.CL``): letters, hyphens and one dot.
Category = Annotated[
    str,
    AfterValidator(_category),
    Field(max_length=MAX_CATEGORY, json_schema_extra={"pattern": CATEGORY_PATTERN}),
]

# -- /api/v1 query parameters ------------------------------------------------------------


def _limit(default: int) -> int:
    limit: int = Field(default, ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT}.")
    return limit


class PapersIn(BaseModel):
    """``GET /api/v1/papers``: at most one of ``date``, ``week`` and ``month``."""

    model_config = ConfigDict(extra="ignore")

    date: str | None = Field(
        None,
        description="The day papers were first announced (YYYY-MM-DD).",
        examples=[DAY_EXAMPLE],
    )
    week: str | None = Field(
        None, description="An ISO week (YYYY-Www), Monday to Sunday.", examples=["2026-W24"]
    )
    month: str | None = Field(None, description="A month (YYYY-MM).", examples=["2026-06"])
    category: Category | None = Field(None, description="An arXiv category.", examples=["cs.CL"])
    limit: int = _limit(50)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class SimilarIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = _limit(10)


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    q: QueryText = Field(
        min_length=1, max_length=MAX_QUERY, description="Words, phrases, or a question."
    )
    mode: Mode = Field(
        "hybrid", description="Words and meaning fused, words only, or meaning only."
    )
    limit: int = _limit(20)
    offset: int = Field(0, ge=0, le=MAX_SEARCH_OFFSET)
    category: Category | None = Field(None, examples=["cs.CV"])
    since: str | None = Field(
        None, description="Papers dated on or after this day (YYYY-MM-DD).", examples=[DAY_EXAMPLE]
    )
    until: str | None = Field(
        None, description="Papers dated on or before this day (YYYY-MM-DD).", examples=[DAY_EXAMPLE]
    )
    has_code: bool | None = Field(None, description="Only papers with (or without) a code link.")


class TrendingIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    window: Window = Field("week", description="How many days back from `at` count.")
    at: str | None = Field(
        None,
        description="The last day of the window (YYYY-MM-DD); default: the latest day with papers.",
        examples=[DAY_EXAMPLE],
    )
    limit: int = _limit(20)
    offset: int = Field(0, ge=0, le=MAX_SEARCH_OFFSET)


# -- /api/v1 responses -------------------------------------------------------------------


class AuthorOut(TypedDict):
    # Typed dicts, not models: an answer holds hundreds of them, built as plain dicts.
    name: str
    affiliation: str | None


class FeedDateOut(TypedDict):
    feed: Annotated[str, Field(examples=["arxiv", "hf-daily"])]
    date: dt.date


class PaperOut(BaseModel):
    """Every field paperwire keeps about a paper, and the address of its page."""

    id: str = Field(examples=["2606.13392"])
    version: int | None
    title: str
    abstract: str
    authors: list[AuthorOut]
    categories: list[str]
    published_at: dt.datetime | None
    updated_at: dt.datetime | None
    comment: str | None
    journal_ref: str | None
    doi: str | None
    license: str | None
    abs_url: str | None
    pdf_url: str | None
    github_repo: str | None
    github_stars: int | None
    project_page: str | None
    upvotes: int = Field(description="Imported and local upvotes together.")
    upvotes_imported: int = Field(description="Upvotes as imported (Hugging Face daily papers).")
    upvotes_local: int = Field(description="Upvotes of this server's readers.")
    submitted_by: str | None
    submitted_at: dt.datetime | None
    sources: list[str]
    feed_dates: list[FeedDateOut]
    first_seen_at: dt.datetime | None
    url: str = Field(description="The paper's page on this server.")

    @staticmethod
    def fields_of(paper: Paper, base_url: str) -> dict[str, object]:
        """The answer's fields. Answers are built without validation (``model_construct``):
        a stored paper has the right types already, and validating the 20 papers of a
        search with their authors cost ~2 ms of CPU."""
        return {
            "id": paper.id,
            "version": paper.version,
            "title": paper.title,
            "abstract": paper.abstract,
            "authors": [AuthorOut(name=a.name, affiliation=a.affiliation) for a in paper.authors],
            "categories": list(paper.categories),
            "published_at": paper.published_at,
            "updated_at": paper.updated_at,
            "comment": paper.comment,
            "journal_ref": paper.journal_ref,
            "doi": paper.doi,
            "license": paper.license,
            "abs_url": paper.abs_url,
            "pdf_url": paper.pdf_url,
            "github_repo": paper.github_repo,
            "github_stars": paper.github_stars,
            "project_page": paper.project_page,
            "upvotes": paper.total_upvotes,
            "upvotes_imported": paper.upvotes or 0,
            "upvotes_local": paper.local_upvotes,
            "submitted_by": paper.submitted_by,
            "submitted_at": paper.submitted_at,
            "sources": list(paper.sources),
            "feed_dates": [FeedDateOut(feed=f.feed, date=f.day) for f in paper.feed_dates],
            "first_seen_at": paper.first_seen_at,
            "url": f"{base_url.rstrip('/')}/papers/{quote(paper.id, safe='/:')}",
        }

    @classmethod
    def of(cls, paper: Paper, base_url: str) -> PaperOut:
        return cls.model_construct(**cls.fields_of(paper, base_url))  # type: ignore[arg-type]


class ScoredPaperOut(PaperOut):
    """A paper in a ranked list: ``score`` is comparable only within that list."""

    score: float
    reason: str = Field(examples=["shared terms: attention, sparse"])

    @classmethod
    def scored(cls, paper: Paper, scored: Scored, base_url: str) -> ScoredPaperOut:
        fields = cls.fields_of(paper, base_url)
        fields.update(score=scored.score, reason=scored.reason)
        return cls.model_construct(**fields)  # type: ignore[arg-type]


class PaperListOut(BaseModel):
    papers: list[PaperOut]
    next: str | None = Field(description="The next page, or null on the last one.")


class SimilarOut(BaseModel):
    id: str = Field(description="The paper the others are similar to.")
    ready: bool = Field(
        description="False until the index job has computed this paper's list; "
        "`papers` is then empty."
    )
    papers: list[ScoredPaperOut]


class SearchOut(BaseModel):
    query: str
    mode: Mode
    papers: list[ScoredPaperOut]
    next: str | None = Field(description="The next page, or null on the last one.")


class TrendingOut(BaseModel):
    window: Window
    at: dt.date | None = Field(description="The last day of the window; null: no papers yet.")
    papers: list[ScoredPaperOut]
    next: str | None = Field(description="The next page, or null on the last one.")


# -- the Hugging Face compatible API -----------------------------------------------------


def hf_time(value: dt.datetime) -> str:
    """``2026-06-12T00:00:00.000Z``: UTC with milliseconds, as the Hub writes times."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


HfTime = Annotated[
    dt.datetime,
    PlainSerializer(hf_time, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


class DailyPapersIn(BaseModel):
    """``GET /api/daily_papers``: the query parameters ``huggingface_hub`` sends."""

    model_config = ConfigDict(extra="ignore")

    date: str | None = Field(None, description="YYYY-MM-DD.", examples=[DAY_EXAMPLE])
    week: str | None = Field(None, description="YYYY-Www.", examples=["2026-W24"])
    month: str | None = Field(None, description="YYYY-MM.", examples=["2026-06"])
    p: int = Field(0, ge=0, le=10_000, description="The page, from 0.")
    limit: int = _limit(50)
    submitter: str | None = Field(None, max_length=100, description="A submitter's user name.")
    sort: DailySort = Field("publishedAt", description="Newest first, or most upvoted first.")


class HfSearchIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    q: QueryText | None = Field(
        None, max_length=MAX_QUERY, description="Without it: the newest papers."
    )
    limit: int = _limit(50)


class HfUserOut(BaseModel):
    """A Hub user as ``submittedBy`` and ``submittedOnDailyBy``: paperwire keeps the user
    name only, so the Hub's ``fullname``, ``_id`` and ``avatarUrl`` are left out. ``user``
    is in both places (the Hub sends it in ``submittedOnDailyBy`` only): the name that
    ``huggingface_hub`` reads."""

    user: str
    name: str
    type: str = "user"

    @classmethod
    def named(cls, name: str | None) -> HfUserOut | None:
        return cls(user=name, name=name) if name else None


class HfAuthorOut(BaseModel):
    name: str
    hidden: bool = False


def published(paper: Paper) -> dt.datetime | None:
    """When the paper came out: its publication time, else (a paper known from a daily
    listing only) midnight UTC of the first day it was listed."""
    if paper.published_at is not None:
        return paper.published_at
    if paper.feed_dates:
        return dt.datetime.combine(min(paper.feed_dates).day, dt.time(), dt.UTC)
    return None


class HfPaperOut(BaseModel):
    """``GET /api/papers/{id}``, and the ``paper`` object of a daily-papers item. The
    Hub's fields that paperwire has no value for are left out (``docs/hf_api.md``)."""

    id: str = Field(examples=["2606.13392"])
    authors: list[HfAuthorOut]
    publishedAt: HfTime | None = None
    submittedOnDailyAt: HfTime | None = None
    title: str
    submittedOnDailyBy: HfUserOut | None = None
    summary: str
    upvotes: int = 0
    projectPage: str | None = None
    githubRepo: str | None = None
    ai_summary: str | None = Field(
        None, description="Sentences of the abstract that summarise it (extractive)."
    )
    ai_keywords: list[str] | None = Field(
        None, description="The terms of the paper's topic on its day that the paper uses."
    )
    ai_summary_model: str | None = Field(None, examples=[SUMMARY_MODEL])
    githubStars: int | None = None
    numComments: int | None = Field(
        None,
        description="Visible comments in the paper's discussion (`/api/papers/{id}` only; "
        "a daily-papers item has it beside its `paper`, as the Hub has it).",
    )

    @classmethod
    def of(
        cls, paper: Paper, notes: PaperNotes | None = None, comments: int | None = None
    ) -> HfPaperOut:
        summary = notes.summary if notes is not None else None
        return cls(
            id=paper.id,
            authors=[HfAuthorOut(name=a.name) for a in paper.authors],
            publishedAt=published(paper),
            submittedOnDailyAt=paper.submitted_at,
            title=paper.title,
            submittedOnDailyBy=HfUserOut.named(paper.submitted_by),
            summary=paper.abstract,
            upvotes=paper.total_upvotes,
            projectPage=paper.project_page,
            githubRepo=paper.github_repo,
            ai_summary=summary,
            ai_keywords=notes.keywords if notes is not None else None,
            ai_summary_model=SUMMARY_MODEL if summary else None,
            githubStars=paper.github_stars,
            numComments=comments,
        )


class HfDailyPaperOut(BaseModel):
    """One item of ``GET /api/daily_papers`` and of ``GET /api/papers/search``."""

    paper: HfPaperOut
    publishedAt: HfTime | None = None
    title: str
    summary: str
    numComments: int = Field(0, description="Visible comments in the paper's discussion.")
    submittedBy: HfUserOut | None = None
    isAuthorParticipating: bool = False

    @classmethod
    def of(
        cls, paper: Paper, notes: PaperNotes | None = None, comments: int = 0
    ) -> HfDailyPaperOut:
        return cls(
            paper=HfPaperOut.of(paper, notes),
            publishedAt=published(paper) or paper.submitted_at,
            title=paper.title,
            summary=paper.abstract,
            numComments=comments,
            submittedBy=HfUserOut.named(paper.submitted_by),
        )


# -- /api/v1/library and /api/v1/recommendations ------------------------------------------

#: The largest id of a list (SQLite's integers): a larger one is refused, not looked up.
MAX_LIST_ID = 2**63 - 1
#: The most characters of one paper reference (an id, an address or a DOI).
MAX_REF = 500

ListId = Annotated[int, Field(ge=1, le=MAX_LIST_ID, examples=[3])]
View = Literal["saved", "hidden", "read", "notes"]
InterestKindIn = Literal["author", "topic"]


class LibraryIn(BaseModel):
    """``GET /api/v1/library``: the reader's lists, and with ``papers`` a page of the
    papers of the whole library."""

    model_config = ConfigDict(extra="ignore")

    papers: bool = Field(
        False, description="Also a page of the library's papers, the latest first."
    )
    only: View | None = Field(
        None,
        description="Only papers in some list (`saved`), marked not interested (`hidden`), "
        "read, or with a note.",
    )
    limit: int = _limit(50)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ListPapersIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    only: View | None = Field(None, description="Only papers hidden, read or with a note.")
    limit: int = _limit(50)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format: Literal["json", "bibtex"] = Field(
        "json",
        description="`json`: everything (lists, marks, notes, interests), which "
        "`POST /api/v1/library/import` reads back; `bibtex`: the papers of the lists.",
    )
    list_id: ListId | None = Field(None, description="Only this list.")


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    list_name: str = Field(
        DEFAULT_LIST,
        min_length=1,
        max_length=MAX_LIST_NAME,
        description="The list a BibTeX file or a list of ids fills (made when missing); "
        "a JSON export names its own lists.",
        examples=["To read"],
    )


class ListIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_LIST_NAME, examples=["Diffusion"])
    is_public: bool = Field(
        False, description="Shared: a public page and feed. Lists are private by default."
    )


class ListPatchIn(BaseModel):
    """Rename a list, share it or make it private; at least one of the two."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(
        None, min_length=1, max_length=MAX_LIST_NAME, examples=["Diffusion models"]
    )
    is_public: bool | None = None


class SaveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    papers: list[Annotated[str, Field(max_length=MAX_REF)]] = Field(
        min_length=1,
        max_length=MAX_REFS,
        description="arXiv ids (a version is dropped), arXiv or Hugging Face addresses, "
        "DOIs, or ids as paperwire gives them.",
        examples=[["2401.01234", "https://arxiv.org/abs/2606.13392v2", "doi:10.1145/3"]],
    )
    list_name: str = Field(
        DEFAULT_LIST,
        min_length=1,
        max_length=MAX_LIST_NAME,
        description="The list to save into, made when the reader has none of that name.",
    )


class MarksIn(BaseModel):
    """What to change about one paper; a field left out is left as it is."""

    model_config = ConfigDict(extra="forbid")

    is_read: bool | None = Field(None, examples=[True])
    is_hidden: bool | None = Field(
        None, description="Not interested: never recommended; the paper stays in its lists."
    )
    note: str | None = Field(
        None,
        max_length=MAX_NOTE,
        description="The reader's private note; null or empty removes it.",
        examples=["Compare with the baseline in section 4."],
    )


class InterestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: InterestKindIn
    value: str = Field(
        min_length=1, max_length=MAX_INTEREST, examples=["Yann LeCun", "token pruning"]
    )


class ReaderListOut(BaseModel):
    id: int = Field(examples=[3])
    name: str = Field(examples=[DEFAULT_LIST])
    is_public: bool
    is_default: bool = Field(description=f"The list {DEFAULT_LIST!r}, which saves go to.")
    count: int = Field(description="Papers in the list.")
    created_at: dt.datetime
    updated_at: dt.datetime | None = Field(description="When a paper was last added.")
    url: str = Field(description="The list's page for its reader.")
    public_url: str | None = Field(description="The page anyone may read; null: private.")
    feed_url: str | None = Field(description="Its Atom feed; null: private.")

    @classmethod
    def of(cls, found: ReaderList, base_url: str) -> ReaderListOut:
        base = base_url.rstrip("/")
        return cls(
            id=found.id,
            name=found.name,
            is_public=found.is_public,
            is_default=found.name.casefold() == DEFAULT_LIST.casefold(),
            count=found.count,
            created_at=found.created_at,
            updated_at=found.updated_at,
            url=f"{base}/library/{found.id}",
            public_url=f"{base}/lists/{found.id}" if found.is_public else None,
            feed_url=f"{base}/feeds/lists/{found.id}.atom" if found.is_public else None,
        )


class LibraryEntryOut(BaseModel):
    """A paper's place in the reader's library."""

    paper_id: str = Field(examples=["2606.13392"])
    lists: list[str] = Field(description="Names of the reader's lists holding it.")
    is_read: bool
    is_hidden: bool = Field(description="Marked not interested.")
    note: str | None
    added_at: dt.datetime | None = Field(description="First added to a list (null: never).")
    updated_at: dt.datetime | None

    @classmethod
    def of(cls, entry: LibraryEntry) -> LibraryEntryOut:
        return cls(**cls.fields_of(entry))

    @staticmethod
    def fields_of(entry: LibraryEntry) -> dict[str, object]:
        return {
            "paper_id": entry.paper_id,
            "lists": list(entry.lists),
            "is_read": entry.is_read,
            "is_hidden": entry.is_hidden,
            "note": entry.note,
            "added_at": entry.added_at,
            "updated_at": entry.updated_at,
        }


class EntryChangeOut(LibraryEntryOut):
    changed: bool = Field(description="False when it was so already.")

    @classmethod
    def changed_to(cls, entry: LibraryEntry, changed: bool) -> EntryChangeOut:
        return cls(**cls.fields_of(entry), changed=changed)


class LibraryPaperOut(PaperOut):
    """A paper with its place in the reader's library (null on another reader's list)."""

    library: LibraryEntryOut | None

    @classmethod
    def entered(cls, paper: Paper, entry: LibraryEntry | None, base_url: str) -> LibraryPaperOut:
        fields = cls.fields_of(paper, base_url)
        fields["library"] = LibraryEntryOut.of(entry) if entry is not None else None
        return cls.model_construct(**fields)  # type: ignore[arg-type]


class LibraryCountsOut(BaseModel):
    papers: int = Field(description="Papers saved, marked or annotated.")
    saved: int = Field(description="Papers in some list.")
    read: int
    hidden: int
    notes: int


class InterestOut(BaseModel):
    kind: InterestKindIn
    value: str = Field(examples=["token pruning"])
    created_at: dt.datetime


class InterestsOut(BaseModel):
    interests: list[InterestOut]


class LibraryOut(BaseModel):
    lists: list[ReaderListOut] = Field(description="The default list first, then by name.")
    counts: LibraryCountsOut
    interests: list[InterestOut] = Field(description="Followed authors and topics.")
    papers: list[LibraryPaperOut] | None = Field(
        description="With `papers=true`: a page of the library, the latest first; else null."
    )
    next: str | None = Field(description="The next page of papers, or null.")


class ListPapersOut(BaseModel):
    # Named ``list`` in JSON; a field of that name would hide the builtin here.
    reader_list: ReaderListOut = Field(alias="list")
    is_owner: bool = Field(description="False on another reader's public list.")
    papers: list[LibraryPaperOut] = Field(description="The last added first.")
    next: str | None = Field(description="The next page, or null on the last one.")


class SavedOut(BaseModel):
    reader_list: ReaderListOut | None = Field(
        alias="list",
        description="The list saved into (null: no paper was known, so none was made).",
    )
    added: list[str] = Field(description="Ids added (not those in the list already).")
    unknown: list[str] = Field(description="References naming no paper of this server.")


class ImportReportOut(BaseModel):
    format: Literal["json", "bibtex", "text"]
    lists: dict[str, int] = Field(
        description="Papers added to each list.", examples=[{DEFAULT_LIST: 12}]
    )
    added: int
    read: int = Field(description="Papers newly marked read.")
    hidden: int = Field(description="Papers newly marked not interested.")
    notes: int
    interests: int = Field(description="Authors and topics newly followed.")
    public: list[str] = Field(description="Lists made public.")
    unknown: list[str] = Field(description="Ids of the file naming no paper of this server.")
    problems: list[str] = Field(
        description="Entries skipped, as `name:line: what`.",
        examples=[["import:14: an entry without an arXiv id or DOI"]],
    )
    ok: bool = Field(description="Everything the file named was taken.")
    summary: str

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportOut:
        return cls(
            format=report.format,
            lists=report.lists,
            added=report.added,
            read=report.read,
            hidden=report.hidden,
            notes=report.notes,
            interests=report.interests,
            public=report.public,
            unknown=report.unknown,
            problems=report.problems,
            ok=report.ok,
            summary=report.summary(),
        )


class RecommendationsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    since: str | None = Field(
        None,
        description="Papers first announced on or after this day (YYYY-MM-DD); "
        "default: 7 days ago.",
        examples=[DAY_EXAMPLE],
    )
    until: str | None = Field(
        None,
        description="Papers first announced on or before this day (YYYY-MM-DD); "
        "at most 31 days after `since`. Default: no end.",
        examples=[DAY_EXAMPLE],
    )
    limit: int = _limit(20)


class LikeListIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    since: str | None = Field(
        None,
        description="Papers first announced on or after this day (YYYY-MM-DD), at most 31 "
        "days ago; default: 30 days ago.",
        examples=[DAY_EXAMPLE],
    )
    limit: int = _limit(20)


class RecommendedPaperOut(ScoredPaperOut):
    """A recommended paper: ``score`` is comparable across readers, ``reason`` names the
    reader's papers it is closest to and the terms they share."""

    close_to: list[str] = Field(description="Ids of the reader's papers it is nearest to.")
    terms: list[str] = Field(description="Terms it shares with them.")

    @classmethod
    def recommended(cls, pick: Recommendation, base_url: str) -> RecommendedPaperOut:
        fields = cls.fields_of(pick.paper, base_url)
        fields.update(
            score=pick.score,
            reason=pick.reason,
            close_to=list(pick.close_to),
            terms=list(pick.terms),
        )
        return cls.model_construct(**fields)  # type: ignore[arg-type]


class RecommendationsOut(BaseModel):
    since: dt.date
    until: dt.date | None
    has_signals: bool = Field(
        description="False while the reader has saved, upvoted and followed nothing: "
        "`papers` is then empty."
    )
    papers: list[RecommendedPaperOut] = Field(
        description="Best first; never a paper in the reader's lists, upvoted or hidden."
    )


# -- /api/v1/papers/{id}/comments ---------------------------------------------------------

#: The largest comment id (SQLite's integers): a larger one is refused, not looked up.
MAX_COMMENT_ID = 2**63 - 1
CommentId = Annotated[int, Field(ge=1, le=MAX_COMMENT_ID, examples=[7])]


class CommentsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sort: Literal["votes", "time"] = Field(
        "votes",
        description="Order of each comment's replies (and of the comments on the paper): "
        "`votes`, most upvoted first; `time`, oldest first.",
    )


class CommentIn(BaseModel):
    """A new comment: Markdown (with `$...$` math), at most 10,000 characters."""

    model_config = ConfigDict(extra="forbid")

    body: str = Field(max_length=40_000, examples=["How does this compare with $O(n^2)$?"])
    parent_id: CommentId | None = Field(
        None, description="The comment this replies to; null for a comment on the paper."
    )


class CommentEditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(max_length=40_000, examples=["How does this compare with $O(n \\log n)$?"])


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=2000, examples=["spam"])


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(max_length=40_000, examples=["Is $x^2$ *really* needed?"])


class PreviewOut(BaseModel):
    body_html: str = Field(description="The HTML the comment would show (sanitised).")


class CommentOut(BaseModel):
    """One comment. ``body_html`` is the stored, sanitised HTML; math is TeX in
    ``<span class="math">``, for KaTeX to typeset."""

    id: int
    paper_id: str
    parent_id: int | None
    depth: int = Field(description="0 for a comment on the paper, 1 for a reply to it, ...")
    author: str = Field(description="The author's user name.")
    is_paper_author: bool = Field(
        description="The author is an author of the paper (a claim a curator confirmed)."
    )
    body_html: str
    body_markdown: str
    created_at: dt.datetime
    edited: bool
    edited_at: dt.datetime | None
    upvotes: int
    state: Literal["visible", "held"] = Field(
        description="`held`: waiting for a curator; only its author sees it."
    )
    voted: bool | None = Field(
        None, description="Whether the signed-in reader upvoted it; null when signed out."
    )

    @classmethod
    def of(cls, comment: Comment, voted: bool | None = None) -> CommentOut:
        return cls(
            id=comment.id,
            paper_id=comment.paper_id,
            parent_id=comment.parent_id,
            depth=comment.depth,
            author=comment.author,
            is_paper_author=comment.is_paper_author,
            body_html=comment.body_html,
            body_markdown=comment.body_md,
            created_at=comment.created_at,
            edited=comment.edited_at is not None,
            edited_at=comment.edited_at,
            upvotes=comment.upvotes,
            state="held" if comment.state == "held" else "visible",
            voted=voted,
        )


class CommentsOut(BaseModel):
    paper_id: str
    count: int = Field(description="Visible comments (what `numComments` says).")
    locked: bool = Field(description="The discussion takes no new comments.")
    following: bool | None = Field(
        None, description="Whether the signed-in reader follows it; null when signed out."
    )
    comments: list[CommentOut] = Field(
        description="In reading order: each comment followed by its replies."
    )


class CommentVoteOut(BaseModel):
    id: int
    upvotes: int
    voted: bool


class ReportedOut(BaseModel):
    id: int
    reported: bool = Field(description="False when the reader's earlier report is still open.")


class FollowOut(BaseModel):
    paper_id: str
    following: bool
