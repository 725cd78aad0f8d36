"""Reading submitted references and fetching them from the (recorded) arXiv API."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from paperwire.auth.submissions import SubmissionError, fetch_arxiv_paper, parse_reference
from paperwire.config import Settings
from tests.auth.support import arxiv_api
from tests.http_server import Handler, LoopbackServer, Reply


@pytest.mark.parametrize(
    ("raw", "paper_id"),
    [
        ("2401.01234", "2401.01234"),
        (" 2401.01234v2 ", "2401.01234"),
        ("arXiv:2401.01234", "2401.01234"),
        ("https://arxiv.org/abs/2401.01234v2", "2401.01234"),
        ("http://www.arxiv.org/pdf/2401.01234v1.pdf", "2401.01234"),
        ("https://arxiv.org/pdf/2401.01234", "2401.01234"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("https://arxiv.org/abs/math.GT/0309136v1", "math.GT/0309136"),
    ],
)
def test_references(raw: str, paper_id: str) -> None:
    assert parse_reference(raw) == paper_id


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "2401",
        "2401.123",
        "2413.01234",  # no 13th month
        "2400.01234",
        "https://evil.example/abs/2401.01234",
        "https://arxiv.org/list/cs.LG/new",
        "ftp://arxiv.org/abs/2401.01234",
        "2401.01234; DROP TABLE papers",
        "<script>2401.01234</script>",
        "2401.01234" * 30,
    ],
)
def test_garbage(raw: str) -> None:
    with pytest.raises(SubmissionError) as caught:
        parse_reference(raw)
    assert caught.value.status == 400


def test_fetch_recorded_papers(serve: Callable[[Handler], LoopbackServer]) -> None:
    server = serve(arxiv_api)
    settings = Settings(arxiv_api_url=f"{server.url}/api/query", request_delay=0)
    paper = fetch_arxiv_paper(settings, "1707.08567")
    assert paper is not None and paper.id == "1707.08567" and paper.title
    assert fetch_arxiv_paper(settings, "astro-ph/0601001") is not None
    assert fetch_arxiv_paper(settings, "2607.12345") is None  # arXiv's empty answer
    assert [r.query["id_list"] for r in server.requests] == [
        "1707.08567",
        "astro-ph/0601001",
        "2607.12345",
    ]


def test_arxiv_error_answer_is_unknown(serve: Callable[[Handler], LoopbackServer]) -> None:
    error = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        "<id>http://arxiv.org/api/errors#incorrect_id_format_for_2607.1</id>"
        "<title>Error</title><summary>incorrect id format for 2607.1</summary>"
        "</entry></feed>"
    )
    server = serve(lambda request: Reply(400, error))
    settings = Settings(arxiv_api_url=f"{server.url}/api/query", request_delay=0)
    assert fetch_arxiv_paper(settings, "2607.00001") is None


def test_arxiv_down_is_a_502(serve: Callable[[Handler], LoopbackServer]) -> None:
    server = serve(lambda request: Reply(503, "down"))
    settings = Settings(
        arxiv_api_url=f"{server.url}/api/query",
        request_delay=0,
        max_retries=1,
        max_retry_wait=0.01,
    )
    with pytest.raises(SubmissionError) as caught:
        fetch_arxiv_paper(settings, "2607.00001")
    assert caught.value.status == 502
