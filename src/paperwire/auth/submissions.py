"""Submitting a paper to the daily feed by its arXiv id or address.

``submit_paper`` checks in this order, cheapest first, and fetches only when it has to:
a reference that is no real arXiv id (400, nothing fetched; ``normalize.is_arxiv_id``), a
paper already on the daily feed (409, "already here"), a reader past the daily cap (429).
A paper already stored is then taken from the store; only an unknown one is asked of
arXiv: an id arXiv does not know (404), arXiv not answering (502, in plain words; the
cause is logged), a record of arXiv that fails the gate every stored paper passes
(``paperwire.gate``: 502, with the reason). A paper whose first version is older than
``submission_max_age_days`` is refused (422). The paper is then upserted and put on the
feed of the day of ``now`` in one transaction (which checks the duplicate and the cap
again, so concurrent submissions cannot pass them).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from paperwire.accounts import (
    SUBMITTED_FEED,
    DuplicateSubmission,
    Submission,
    SubmissionCapReached,
    User,
)
from paperwire.config import Settings
from paperwire.errors import ParseError, SourceError
from paperwire.gate import check_paper
from paperwire.models import Paper, Rejected
from paperwire.normalize import split_arxiv_id, utcnow
from paperwire.sources.arxiv_atom import ArxivAnswerError, read_page
from paperwire.sources.http import PoliteClient
from paperwire.store import Store

log = logging.getLogger(__name__)
_VERSION = re.compile(r"v\d+$")
_HOSTS = ("arxiv.org", "www.arxiv.org", "export.arxiv.org")
MAX_REFERENCE = 200


class SubmissionError(Exception):
    """A submission refused; ``status`` is the HTTP status, the message says why;
    ``paper_id`` names the stored paper it is about (a page links to it: "already here")."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        retry_after: int | None = None,
        paper_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after
        self.paper_id = paper_id


def parse_reference(raw: str) -> str:
    """``2401.01234``, ``arXiv:2401.01234v2``, ``https://arxiv.org/abs/2401.01234v2``,
    ``https://arxiv.org/pdf/2401.01234.pdf``, ``hep-th/9901001`` -> the id without
    version; SubmissionError 400 for anything else."""
    text = raw.strip()
    bad = SubmissionError(
        400,
        f"paper: expected an arXiv id such as 2401.01234 or an arxiv.org address, got {raw!r}"
        if len(raw) <= MAX_REFERENCE
        else "paper: expected an arXiv id or an arxiv.org address",
    )
    if not text or len(text) > MAX_REFERENCE:
        raise bad
    if text.lower().startswith(("http://", "https://")):
        parts = urlsplit(text)
        if (parts.hostname or "").lower() not in _HOSTS:
            raise bad
        path = parts.path
        for prefix in ("/abs/", "/pdf/"):
            if path.startswith(prefix):
                text = path.removeprefix(prefix).removesuffix(".pdf").rstrip("/")
                break
        else:
            raise bad
    elif text.lower().startswith("arxiv:"):
        text = text[len("arxiv:") :]
    split = split_arxiv_id(text)  # a real arXiv id (normalize.is_arxiv_id), nothing around it
    if split is None or split[0] != _VERSION.sub("", text):
        raise bad
    return split[0]


def fetch_arxiv_paper(settings: Settings, paper_id: str) -> Paper | None:
    """The paper's metadata from the arXiv API (``id_list=``); None when arXiv does not
    know it. Raises SubmissionError 502 when arXiv cannot be reached."""
    # A person is waiting: few retries, short waits.
    quick = settings.model_copy(
        update={
            "max_retries": min(settings.max_retries, 1),
            "max_retry_wait": min(settings.max_retry_wait, 5.0),
        }
    )
    origin = f"{settings.arxiv_api_url} id_list={paper_id}"
    try:
        with PoliteClient(quick) as client:
            response = client.get(
                settings.arxiv_api_url,
                {"id_list": paper_id, "max_results": 1},
                ok=frozenset({200, 400}),
            )
        page = read_page(response.content, origin=origin)
    except ArxivAnswerError:
        return None  # arXiv's answer to an id it cannot read
    except (SourceError, ParseError) as exc:
        log.warning("arXiv could not be asked about %s: %s", paper_id, exc)
        raise SubmissionError(
            502, f"arXiv did not answer about {paper_id}; try again in a few minutes."
        ) from None
    for record in page.records:
        if isinstance(record, Paper) and record.id == paper_id:
            return record
    for record in page.records:
        if isinstance(record, Rejected):  # arXiv's record failed the gate (paperwire.gate)
            raise SubmissionError(
                502, f"arXiv's record of {paper_id} cannot be kept: {record.reason}"
            )
    return None


def submit_paper(
    store: Store, settings: Settings, *, user: User, reference: str, now: datetime | None = None
) -> tuple[Submission, Paper]:
    now = now or utcnow()
    paper_id = parse_reference(reference)
    known = store.get_paper(paper_id)
    if store.get_submission(paper_id) is not None or (
        known is not None and any(f.feed in (SUBMITTED_FEED, "hf-daily") for f in known.feed_dates)
    ):
        raise SubmissionError(
            409, f"{paper_id} is already here, on the daily feed", paper_id=paper_id
        )
    cap = None if user.is_curator else settings.submission_daily_cap
    if cap is not None and store.count_submissions(user.id, now.date()) >= cap:
        raise SubmissionError(
            429, f"at most {cap} submissions a day: try again tomorrow", retry_after=_tomorrow(now)
        )
    if known is not None and known.published_at is not None:
        paper = known  # stored already (from a listing or an import): arXiv is not asked
    else:
        paper = _arxiv_record(settings, paper_id)
    assert paper.published_at is not None
    oldest = now - timedelta(days=settings.submission_max_age_days)
    if paper.published_at < oldest:
        raise SubmissionError(
            422,
            f"{paper_id} {'is already here, but it ' if known else ''}was first published on "
            f"{paper.published_at.date().isoformat()}: only papers of the last "
            f"{settings.submission_max_age_days} days can be submitted",
            paper_id=paper_id if known is not None else None,
        )
    try:
        submission = store.add_submission(paper, user=user, now=now, cap=cap)
    except DuplicateSubmission:
        raise SubmissionError(409, f"{paper_id} is already on the daily feed") from None
    except SubmissionCapReached:
        raise SubmissionError(
            429, f"at most {cap} submissions a day: try again tomorrow", retry_after=_tomorrow(now)
        ) from None
    stored = store.get_paper(paper_id)
    return submission, stored or paper


def _arxiv_record(settings: Settings, paper_id: str) -> Paper:
    """arXiv's record of a paper not stored yet, through the gate, with its first date."""
    paper = fetch_arxiv_paper(settings, paper_id)
    if paper is None:
        raise SubmissionError(404, f"arXiv has no paper {paper_id}")
    try:
        paper = check_paper(paper)  # the gate every stored paper passes (paperwire.gate)
    except ValueError as exc:
        raise SubmissionError(502, f"arXiv's record of {paper_id} cannot be kept: {exc}") from None
    if paper.published_at is None:
        raise SubmissionError(422, f"arXiv gives no date for the first version of {paper_id}")
    return paper


def _tomorrow(now: datetime) -> int:
    """Seconds until the next day (UTC) starts."""
    start = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((start - now).total_seconds()))
