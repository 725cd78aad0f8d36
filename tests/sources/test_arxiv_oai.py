"""arXiv OAI-PMH: the parser on the recorded 2016 and 2018 answers, and the harvester
against a loopback server replaying them (including arXiv's real 503 "Retry after")."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.errors import ParseError
from paperwire.ingest import fetch_source, import_files
from paperwire.models import Author, IngestReport, Paper, Rejected
from paperwire.sources.arxiv_oai import oai_sets, parse_arxiv_oai, parse_oai_page
from paperwire.sources.formats import get_parser, sniff_format
from paperwire.sources.http import PoliteClient
from paperwire.store import Store
from tests.http_server import LoopbackServer, Reply, Request

ERAS = ["2016-02", "2018-06"]
LIST_RECORDS = "listrecords_should-list-identifiers-from-arxiv.1.status200.xml"
LIST_RECORDS_NOCK = "oaipmh-listrecords---should-list-identifiers-from-arxiv.json"
RETRY_BODY = "listrecords_should-list-identifiers-from-arxiv.0.status503.html"
GET_RECORD = "getrecord_should-get-a-record.0.status200.xml"
LIST_IDS = "listidentifiers_should-list-identifiers-from-arxiv.{}.status200.xml"
RESPONSE_DATES = {
    "2016-02": datetime(2016, 2, 8, 10, 34, 31, tzinfo=UTC),
    "2018-06": datetime(2018, 6, 21, 14, 31, 4, tzinfo=UTC),
}
# The real token from the 2016 ListIdentifiers recording (its "|" must survive the URL).
TOKEN = "1083072|10001"
KS_ABSTRACT_START = "At the heart of the Conway-Kochen Free Will theorem and Kochen and Specker's"
KS_ABSTRACT_END = "decision procedure for embeddability to improve the lower bound to 22."

Serve = Callable[[Callable[[Request], Reply]], LoopbackServer]


# -- helpers -------------------------------------------------------------------------------


def oai_dir(shared_data: Path, era: str) -> Path:
    return shared_data / "arxiv_oai_pmh" / era


def recorded(shared_data: Path, era: str, name: str = LIST_RECORDS) -> bytes:
    return (oai_dir(shared_data, era) / name).read_bytes()


def split_page(body: bytes) -> tuple[bytes, list[bytes], bytes]:
    """A recorded ListRecords page as (head up to <ListRecords>, records, tail)."""
    head, rest = body.split(b"<ListRecords>\n", 1)
    inner, tail = rest.split(b"</ListRecords>", 1)
    return head, re.findall(rb"<record>.*?</record>\n", inner, re.S), tail


def records_page(body: bytes, records: list[bytes], token: bytes = b"") -> bytes:
    """A ListRecords page with the recorded head and tail around ``records`` (+ token)."""
    head, _, tail = split_page(body)
    return head + b"<ListRecords>\n" + b"".join(records) + token + b"</ListRecords>" + tail


def error_page(body: bytes, code: str, message: str, response_date: str | None = None) -> bytes:
    """An OAI error answer in the shape arXiv sends, built on a recorded head."""
    head = body.split(b"<ListRecords>", 1)[0]
    if response_date is not None:
        head = re.sub(
            rb"<responseDate>[^<]*</responseDate>",
            f"<responseDate>{response_date}</responseDate>".encode(),
            head,
        )
    return head + f'<error code="{code}">{message}</error>\n</OAI-PMH>\n'.encode()


def token_xml(value: str, cursor: int, size: int) -> bytes:
    return f'<resumptionToken cursor="{cursor}" completeListSize="{size}">{value}'.encode() + (
        b"</resumptionToken>\n"
    )


def nock_replies(path: Path) -> list[Reply]:
    """The responses of a nock recording, with their Retry-After and Content-Type headers."""
    replies = []
    for entry in json.loads(path.read_text(encoding="utf-8")):
        raw = entry.get("rawHeaders") or entry.get("headers")
        headers = dict(zip(raw[::2], raw[1::2], strict=True)) if isinstance(raw, list) else raw
        keep = {k: v for k, v in headers.items() if k.lower() in ("retry-after", "content-type")}
        replies.append(Reply(entry["status"], entry["response"], keep))
    return replies


def in_order(replies: list[Reply]) -> Callable[[Request], Reply]:
    """A handler answering ``replies`` one after the other (the last one repeats)."""
    queue: Iterator[Reply] = iter(replies)
    last = [replies[-1]]

    def handler(request: Request) -> Reply:
        last[0] = next(queue, last[0])
        return last[0]

    return handler


def xml_reply(body: bytes) -> Reply:
    return Reply(200, body, {"Content-Type": "text/xml"})


def default_from(days: int = 3) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).date().isoformat()


def harvest(store: Store, settings: Settings) -> IngestReport:
    with PoliteClient(settings) as client:
        return fetch_source(store, settings, "oai", client=client)


def oai_settings(
    make: Callable[..., Settings], server: LoopbackServer, **extra: object
) -> Settings:
    values: dict[str, object] = {"arxiv_oai_url": f"{server.url}/oai2", "categories": ["cs.CV"]}
    values.update(extra)
    return make(**values)


# -- parsing the recorded answers ----------------------------------------------------------


def check_kochen_specker(paper: Paper) -> None:
    assert paper.id == "1412.8544"
    assert paper.version is None
    assert paper.title == "A Kochen-Specker system has at least 22 vectors (extended abstract)"
    assert paper.authors == [
        Author("Sander Uijlen", "Radboud Universiteit"),
        Author("Bas Westerbaan", "Radboud Universiteit"),
    ]
    assert paper.categories == ["cs.DM"]
    assert paper.published_at == datetime(2014, 12, 29, tzinfo=UTC)
    assert paper.updated_at is None
    assert paper.comment == "In Proceedings QPL 2014, arXiv:1412.8102"
    assert paper.journal_ref == "EPTCS 172, 2014, pp. 154-164"
    assert paper.doi == "10.4204/EPTCS.172.11"
    assert paper.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert paper.abstract.startswith(KS_ABSTRACT_START)
    assert paper.abstract.endswith(KS_ABSTRACT_END)
    assert "\n" not in paper.abstract and "  " not in paper.abstract
    assert paper.abs_url == "https://arxiv.org/abs/1412.8544"
    assert paper.pdf_url == "https://arxiv.org/pdf/1412.8544"
    assert paper.github_repo is None
    assert paper.sources == ["arxiv-oai"]


@pytest.mark.parametrize("era", ERAS)
def test_list_records_recorded(shared_data: Path, era: str) -> None:
    page = parse_oai_page(recorded(shared_data, era), origin=LIST_RECORDS)
    assert page.response_date == RESPONSE_DATES[era]
    assert page.resumption_token is None
    assert page.errors == [] and page.failure is None
    assert [type(r) for r in page.records] == [Paper, Paper]
    first, second = page.records
    assert isinstance(first, Paper) and isinstance(second, Paper)
    check_kochen_specker(first)
    assert second.id == "hep-th/9504118"
    assert second.title == "Discrete Mathematics and Physics on the Planck-Scale"
    assert second.authors == [Author("M. Requardt")]
    assert second.categories == ["hep-th"]
    assert second.primary_category == "hep-th"
    assert second.published_at == datetime(1995, 4, 24, tzinfo=UTC)
    assert second.comment == "21 pages, Latex"
    assert second.journal_ref is None and second.doi is None and second.license is None
    # The XML entity &quot; is decoded; LaTeX stays as the author wrote it.
    assert 'the "strength" of the bonds' in second.abstract
    assert "'{\\it cellular network}'" in second.abstract
    assert second.abs_url == "https://arxiv.org/abs/hep-th/9504118"


@pytest.mark.parametrize("era", ERAS)
def test_get_record_recorded(shared_data: Path, era: str) -> None:
    with (oai_dir(shared_data, era) / GET_RECORD).open("rb") as stream:
        records = list(parse_arxiv_oai(stream, origin=GET_RECORD))
    assert len(records) == 1
    assert isinstance(records[0], Paper)
    check_kochen_specker(records[0])


def test_pages_of_other_verbs_hold_no_records(shared_data: Path) -> None:
    """Identify, ListSets, ListMetadataFormats and ListIdentifiers parse to empty pages; the
    2016 ListIdentifiers round trip shows a real token and the empty token ending a list."""
    others = [
        path
        for era in ERAS
        for path in sorted(oai_dir(shared_data, era).glob("*.xml"))
        if not path.name.startswith(("listrecords", "getrecord"))
    ]
    assert len(others) == 11
    for path in others:
        page = parse_oai_page(path.read_bytes(), origin=path.name)
        assert page.records == [] and page.errors == [], path
        assert page.response_date is not None and page.response_date.year in (2016, 2018)

    first = parse_oai_page(recorded(shared_data, "2016-02", LIST_IDS.format(0)), origin="p0")
    assert (first.resumption_token, first.cursor, first.complete_list_size) == (TOKEN, 0, 5)
    assert first.response_date == datetime(2016, 2, 8, 10, 40, 15, tzinfo=UTC)
    last = parse_oai_page(recorded(shared_data, "2016-02", LIST_IDS.format(2)), origin="p2")
    assert (last.resumption_token, last.cursor, last.complete_list_size) == (None, 3, 5)
    whole = parse_oai_page(recorded(shared_data, "2018-06", LIST_IDS.format(0)), origin="p")
    assert whole.resumption_token is None and whole.complete_list_size is None


def test_sniffing_recognises_oai_answers(shared_data: Path) -> None:
    for era in ERAS:
        for path in oai_dir(shared_data, era).glob("*.xml"):
            assert sniff_format(path.read_bytes()[:8192], path.name) == "arxiv-oai", path
        # The 503 body is HTML, not a format paperwire reads.
        assert sniff_format(recorded(shared_data, era, RETRY_BODY), RETRY_BODY) is None
    assert get_parser("arxiv-oai") is parse_arxiv_oai


def test_record_fields_updated_suffix_affiliations_order(shared_data: Path) -> None:
    body = recorded(shared_data, "2016-02")
    record = split_page(body)[1][0]
    record = (
        record.replace(b"<id>1412.8544</id>", b"<id>1412.8544v2</id>")
        .replace(
            b"<created>2014-12-29</created>",
            b"<created>2014-12-29</created><updated>2015-01-05</updated>",
        )
        .replace(
            b"<categories>cs.DM</categories>",
            b"<categories>quant-ph cs.DM math.CO cs.DM</categories>",
        )
        .replace(
            b"<forenames>Bas</forenames><affiliation>Radboud Universiteit</affiliation>",
            b"<forenames>Bas</forenames><suffix>Jr</suffix><affiliation>Radboud Universiteit"
            b"</affiliation><affiliation>  iHub,\n Nijmegen </affiliation>",
        )
        .replace(
            b"<comments>In Proceedings QPL 2014, arXiv:1412.8102</comments>",
            b"<comments>Code: https://github.com/bwesterb/ks22.git</comments>",
        )
    )
    page = parse_oai_page(records_page(body, [record]), origin="x")
    (paper,) = page.records
    assert isinstance(paper, Paper)
    assert paper.id == "1412.8544" and paper.version is None
    assert paper.published_at == datetime(2014, 12, 29, tzinfo=UTC)
    assert paper.updated_at == datetime(2015, 1, 5, tzinfo=UTC)
    assert paper.categories == ["quant-ph", "cs.DM", "math.CO"]
    assert paper.primary_category == "quant-ph"
    assert paper.authors[1] == Author("Bas Westerbaan Jr", "Radboud Universiteit; iHub, Nijmegen")
    assert paper.github_repo == "https://github.com/bwesterb/ks22"


def test_deleted_records_are_skipped(shared_data: Path) -> None:
    body = recorded(shared_data, "2018-06")
    _, records, _ = split_page(body)
    deleted = (
        b'<record>\n<header status="deleted">\n <identifier>oai:arXiv.org:1501.00001</identifier>\n'
        b" <datestamp>2015-01-02</datestamp>\n <setSpec>cs</setSpec>\n</header>\n</record>\n"
    )
    page = parse_oai_page(records_page(body, [records[0], deleted, records[1]]), origin="d")
    assert [r.id for r in page.records if isinstance(r, Paper)] == ["1412.8544", "hep-th/9504118"]
    assert not [r for r in page.records if isinstance(r, Rejected)]


def test_bad_records_are_rejected_with_their_number(
    shared_data: Path, tmp_path: Path, store: Store
) -> None:
    body = recorded(shared_data, "2016-02")
    first, second = split_page(body)[1]
    no_id = first.replace(b"<id>1412.8544</id>", b"")
    no_title = first.replace(
        b"<title>A Kochen-Specker system has at least 22 vectors (extended abstract)</title>", b""
    )
    bad_date = first.replace(b"<created>2014-12-29</created>", b"<created>2014-13-45</created>")
    path = tmp_path / "bad.xml"
    path.write_bytes(records_page(body, [no_id, second, no_title, bad_date]))

    report = import_files(store, [path], fmt="auto")

    assert report.errors == []
    assert [(r.where, r.reason) for r in report.rejected] == [
        (f"{path}#record1", "missing or invalid id ''"),
        (f"{path}#record3", "missing title"),
        (f"{path}#record4", "bad created date '2014-13-45'"),
    ]
    assert (report.counts.new, report.counts.updated, report.counts.unchanged) == (1, 0, 0)
    assert store.count_papers() == 1
    assert store.get_paper("hep-th/9504118") is not None
    assert store.get_paper("1412.8544") is None


def test_no_records_match_is_an_empty_page(shared_data: Path, tmp_path: Path, store: Store) -> None:
    body = error_page(
        recorded(shared_data, "2018-06"),
        "noRecordsMatch",
        "The combination of the values of the from, until, set and metadataPrefix arguments "
        "results in an empty list.",
    )
    page = parse_oai_page(body, origin="e")
    assert page.errors == ["noRecordsMatch"] and page.failure is None and page.records == []
    path = tmp_path / "empty.xml"
    path.write_bytes(body)
    report = import_files(store, [path], fmt="auto")
    assert report.ok and report.counts.new == 0


def test_oai_error_in_a_file_is_a_parse_error(
    shared_data: Path, tmp_path: Path, store: Store
) -> None:
    body = error_page(
        recorded(shared_data, "2016-02"),
        "badResumptionToken",
        "The value of the resumptionToken argument is invalid or expired.",
    )
    with pytest.raises(ParseError, match="badResumptionToken: The value of the resumptionToken"):
        list(parse_arxiv_oai(io.BytesIO(body), origin="t.xml"))
    path = tmp_path / "token.xml"
    path.write_bytes(body)
    report = import_files(store, [path], fmt="auto")
    assert len(report.errors) == 1 and "badResumptionToken" in report.errors[0]
    assert store.count_papers() == 0


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(
            lambda b: b[: b.index(b"<record>", b.index(b"<record>") + 1) + 300], id="truncated"
        ),
        pytest.param(lambda b: b.replace(b"</title>", b"</titel>", 1), id="mismatched-tag"),
        pytest.param(lambda b: b"", id="empty"),
    ],
)
def test_broken_xml_leaves_the_database_as_it_was(
    shared_data: Path, tmp_path: Path, store: Store, damage: Callable[[bytes], bytes]
) -> None:
    hf = shared_data / "hf_daily_papers" / "2026-08-03_daily_papers_3_prettyprinted.json"
    assert import_files(store, [hf]).counts.new == 3
    before = store.stats().to_dict()
    path = tmp_path / "broken.xml"
    path.write_bytes(damage(recorded(shared_data, "2016-02")))

    report = import_files(store, [path], fmt="arxiv-oai")

    assert len(report.errors) == 1 and str(path) in report.errors[0]
    assert report.counts.new == 0 and report.rejected == []
    assert store.stats().to_dict() == before
    assert store.count_papers() == 3
    assert store.get_paper("1412.8544") is None


def test_truncated_file_with_auto_format(shared_data: Path, tmp_path: Path, store: Store) -> None:
    body = recorded(shared_data, "2018-06")
    path = tmp_path / "cut.xml"
    path.write_bytes(body[: len(body) // 2])
    report = import_files(store, [path], fmt="auto")
    assert len(report.errors) == 1 and "not well-formed XML" in report.errors[0]
    assert store.count_papers() == 0


def test_import_is_idempotent_across_recordings(shared_data: Path, store: Store) -> None:
    files = [
        oai_dir(shared_data, era) / name for era in ERAS for name in (LIST_RECORDS, GET_RECORD)
    ]
    first = import_files(store, files[:1], fmt="auto")
    assert (first.counts.new, first.counts.updated, first.counts.unchanged) == (2, 0, 0)
    again = import_files(store, files, fmt="auto")
    assert again.ok
    # 2016 ListRecords again, 2016 GetRecord, 2018 ListRecords, 2018 GetRecord: same content.
    assert (again.counts.new, again.counts.updated, again.counts.unchanged) == (0, 0, 6)
    stored = store.get_paper("1412.8544")
    assert stored is not None
    check_kochen_specker(stored)
    assert store.count_papers() == 2


def test_oai_sets() -> None:
    assert oai_sets(
        ["cs.CV", "cs.CL", "hep-th", "physics.optics", "math.AG", "stat.ML", "cs.LG"]
    ) == [
        "cs",
        "physics:hep-th",
        "physics:physics",
        "math",
        "stat",
    ]


# -- harvesting against a loopback server --------------------------------------------------


@pytest.mark.parametrize(("era", "retry_after"), [("2016-02", "20"), ("2018-06", "10")])
def test_real_503_retry_after_then_page(
    shared_data: Path,
    store: Store,
    serve: Serve,
    fast_settings: Callable[..., Settings],
    era: str,
    retry_after: str,
) -> None:
    replies = nock_replies(oai_dir(shared_data, era) / LIST_RECORDS_NOCK)
    assert [r.status for r in replies] == [503, 200]
    assert replies[0].headers["Retry-After" if era == "2018-06" else "retry-after"] == retry_after
    assert replies[0].body == recorded(shared_data, era, RETRY_BODY).decode()
    server = serve(in_order(replies))
    settings = oai_settings(fast_settings, server, categories=["cs.CV", "cs.LG", "cs.AI"])

    started = time.monotonic()
    report = harvest(store, settings)

    assert time.monotonic() - started < 5  # Retry-After is capped by max_retry_wait
    assert report.ok, report.errors
    assert report.requests == 2
    assert (report.counts.new, report.counts.updated, report.counts.unchanged) == (2, 0, 0)
    expected = {
        "verb": "ListRecords",
        "metadataPrefix": "arXiv",
        "set": "cs",
        "from": default_from(),
    }
    assert [r.query for r in server.requests] == [expected, expected]
    assert [r.path for r in server.requests] == ["/oai2", "/oai2"]
    day = RESPONSE_DATES[era].date().isoformat()
    assert store.get_checkpoint("oai:cs") == {
        "from": default_from(),
        "started": day,
        "resumption_token": None,
        "complete": True,
        "next_from": day,
        "complete_list_size": None,
    }
    paper = store.get_paper("1412.8544")
    assert paper is not None and paper.sources == ["arxiv-oai"]


def two_pages(shared_data: Path) -> tuple[bytes, bytes]:
    """The recorded 2016 ListRecords split over two pages joined by the recorded token;
    page 2 carries the 2018 head (a later responseDate) and the empty final token."""
    body16, body18 = recorded(shared_data, "2016-02"), recorded(shared_data, "2018-06")
    first, second = split_page(body16)[1]
    page1 = records_page(body16, [first], token_xml(TOKEN, 0, 2))
    page2 = records_page(body18, [second], token_xml("", 1, 2))
    return page1, page2


def test_resumption_token_round_trip(
    shared_data: Path, store: Store, serve: Serve, fast_settings: Callable[..., Settings]
) -> None:
    page1, page2 = two_pages(shared_data)

    def handler(request: Request) -> Reply:
        return xml_reply(page2 if "resumptionToken" in request.query else page1)

    server = serve(handler)
    report = harvest(store, oai_settings(fast_settings, server))

    assert report.ok, report.errors
    assert report.counts.new == 2 and report.requests == 2
    assert server.requests[1].query == {"verb": "ListRecords", "resumptionToken": TOKEN}
    assert store.count_papers() == 2
    checkpoint = store.get_checkpoint("oai:cs")
    assert checkpoint is not None
    assert checkpoint["resumption_token"] is None and checkpoint["complete"] is True
    # The next run starts from the day the harvest started, not the day it ended.
    assert checkpoint["next_from"] == "2016-02-08"
    assert checkpoint["complete_list_size"] == 2


def test_interrupted_harvest_resumes_with_the_stored_token(
    shared_data: Path, store: Store, serve: Serve, fast_settings: Callable[..., Settings]
) -> None:
    page1, page2 = two_pages(shared_data)
    page2_works = [False]

    def handler(request: Request) -> Reply:
        if "resumptionToken" not in request.query:
            return xml_reply(page1)
        if not page2_works[0]:
            return Reply(500, "<html><body>Internal Server Error</body></html>")
        return xml_reply(page2)

    server = serve(handler)
    settings = oai_settings(fast_settings, server)

    first = harvest(store, settings)

    assert len(first.errors) == 1 and "HTTP 500" in first.errors[0]
    assert first.requests == 1 + 4  # page 1, then page 2 tried 1 + max_retries times
    assert first.counts.new == 1
    assert store.count_papers() == 1 and store.get_paper("1412.8544") is not None
    checkpoint = store.get_checkpoint("oai:cs")
    assert checkpoint is not None
    assert checkpoint["resumption_token"] == TOKEN
    assert checkpoint["complete"] is False
    assert checkpoint["from"] == default_from()

    page2_works[0] = True
    seen_before = len(server.requests)
    second = harvest(store, settings)

    assert second.ok, second.errors
    assert second.requests == 1
    assert server.requests[seen_before].query == {"verb": "ListRecords", "resumptionToken": TOKEN}
    assert second.counts.new == 1
    assert store.count_papers() == 2
    done = store.get_checkpoint("oai:cs")
    assert done is not None and done["complete"] is True and done["resumption_token"] is None
    assert done["next_from"] == "2016-02-08"


def test_bad_resumption_token_answer(
    shared_data: Path, store: Store, serve: Serve, fast_settings: Callable[..., Settings]
) -> None:
    page1, _ = two_pages(shared_data)
    bad = error_page(
        recorded(shared_data, "2016-02"),
        "badResumptionToken",
        "The value of the resumptionToken argument is invalid or expired.",
    )

    def handler(request: Request) -> Reply:
        return xml_reply(bad if "resumptionToken" in request.query else page1)

    server = serve(handler)
    settings = oai_settings(fast_settings, server)
    report = harvest(store, settings)

    assert len(report.errors) == 1
    assert "badResumptionToken" in report.errors[0]
    assert "invalid or expired" in report.errors[0]
    assert report.counts.new == 1  # page 1 was committed before the error answer
    checkpoint = store.get_checkpoint("oai:cs")
    assert checkpoint is not None
    # The expired token is forgotten: the next run starts this harvest again.
    assert checkpoint["resumption_token"] is None and checkpoint["complete"] is False
    assert checkpoint["from"] == default_from()

    again = harvest(store, settings)
    assert "badResumptionToken" in again.errors[0]
    restart = server.requests[2]
    assert restart.query == {
        "verb": "ListRecords",
        "metadataPrefix": "arXiv",
        "set": "cs",
        "from": default_from(),
    }


def test_second_run_asks_only_for_what_is_new(
    shared_data: Path, store: Store, serve: Serve, fast_settings: Callable[..., Settings]
) -> None:
    body = recorded(shared_data, "2016-02")
    empty = error_page(
        body,
        "noRecordsMatch",
        "The combination of the values of the from, until, set and metadataPrefix arguments "
        "results in an empty list.",
        response_date="2016-02-09T08:00:00Z",
    )
    server = serve(in_order([xml_reply(body), xml_reply(empty)]))
    settings = oai_settings(fast_settings, server)

    first = harvest(store, settings)
    assert first.ok and first.counts.new == 2
    second = harvest(store, settings)

    assert second.ok, second.errors
    assert (second.counts.new, second.counts.updated, second.counts.unchanged) == (0, 0, 0)
    assert server.requests[1].query == {
        "verb": "ListRecords",
        "metadataPrefix": "arXiv",
        "set": "cs",
        "from": "2016-02-08",
    }
    checkpoint = store.get_checkpoint("oai:cs")
    assert checkpoint is not None
    assert checkpoint["from"] == "2016-02-08" and checkpoint["next_from"] == "2016-02-09"
    assert store.count_papers() == 2


def test_one_failing_set_does_not_stop_the_others(
    shared_data: Path, store: Store, serve: Serve, fast_settings: Callable[..., Settings]
) -> None:
    body = recorded(shared_data, "2018-06")
    bad_argument = error_page(body, "badArgument", "Illegal set physics:hep-th")

    def handler(request: Request) -> Reply:
        if request.query.get("set") == "physics:hep-th":
            return xml_reply(bad_argument)
        return xml_reply(body)

    server = serve(handler)
    settings = oai_settings(fast_settings, server, categories=["cs.CV", "hep-th", "math.AG"])
    report = harvest(store, settings)

    assert [r.query["set"] for r in server.requests] == ["cs", "physics:hep-th", "math"]
    assert len(report.errors) == 1 and "badArgument: Illegal set physics:hep-th" in report.errors[0]
    assert report.counts.new == 2 and report.counts.unchanged == 2
    assert store.get_checkpoint("oai:cs") is not None
    assert store.get_checkpoint("oai:math") is not None
    assert store.get_checkpoint("oai:physics:hep-th") is None


def test_broken_page_over_the_network_keeps_nothing(
    shared_data: Path, store: Store, serve: Serve, fast_settings: Callable[..., Settings]
) -> None:
    body = recorded(shared_data, "2016-02")
    server = serve(lambda request: xml_reply(body[: len(body) - 40]))
    report = harvest(store, oai_settings(fast_settings, server))
    assert len(report.errors) == 1 and "not well-formed XML" in report.errors[0]
    assert store.count_papers() == 0
    assert store.get_checkpoint("oai:cs") is None


def test_default_from_uses_fetch_days(
    shared_data: Path, store: Store, serve: Serve, fast_settings: Callable[..., Settings]
) -> None:
    server = serve(lambda request: xml_reply(recorded(shared_data, "2016-02")))
    harvest(store, oai_settings(fast_settings, server, fetch_days=10))
    assert server.requests[0].query["from"] == default_from(10)
