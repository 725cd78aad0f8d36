"""arXiv API Atom responses: the parser on every recorded response, and the fetcher
against a real HTTP server on loopback."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.errors import ParseError, SourceAnswerError
from paperwire.ingest import fetch_source, import_files
from paperwire.models import Author, Paper, Rejected
from paperwire.sources.arxiv_atom import (
    ArxivAnswerError,
    PageInfo,
    page_info,
    parse_arxiv_atom,
)
from paperwire.sources.base import Record
from paperwire.sources.formats import sniff_format
from paperwire.store import Store
from tests.http_server import Handler, LoopbackServer, Reply, Request

Serve = Callable[[Handler], LoopbackServer]
MakeSettings = Callable[..., Settings]

FILES_2016 = {
    # file: (entries, totalResults)
    "2016_id_list_1111.2011v2.xml": (1, 1),
    "2016_search_au_del_maestro.xml": (10, 31),
    "2016_search_au_del_maestro_ANDNOT_ti_checkerboard_OR_ti_Pyrochlore.xml": (10, 24),
    "2016_search_au_del_maestro_AND_ti_checkerboard.xml": (1, 1),
    "2016_search_au_del_maestro_AND_ti_quantum_criticality.xml": (2, 2),
}
# The 17 recordings of 2026: id look-ups (one paper, or none) and "testing" search pages.
FILES_2026 = {
    "id_0000.0000_": 0,
    "id_0808.05394_1707.08567_": 1,
    "id_0808.05394_s0": 0,
    "id_1605.08386_": 1,
    "id_1707.08567_": 1,
    "id_2104.12255v1_": 1,
    "id_astro-ph_0601001_": 1,
    "q_testing_s0_m100_": 100,
    "q_testing_s0_m10_": 10,
    "q_testing_s0_m15_": 15,
    "q_testing_s10_m10_": 10,
    "q_testing_s20_m10_": 10,
    "q_testing_s30_m10_": 10,
    "q_testing_s40_m10_": 10,
    "q_testing_s5_m10_": 10,
    "q_testing_s5_m15_": 15,
    "q_testing_s9_m15_": 15,
}

ERROR_ENTRY = b"""  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_0000.000</id>
    <title>Error</title>
    <summary>incorrect id format for 0000.000</summary>
    <updated>2026-04-12T00:00:00-04:00</updated>
    <link href="http://arxiv.org/api/errors#incorrect_id_format_for_0000.000"
          rel="alternate" type="text/html"/>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>
</feed>"""


# -- helpers -----------------------------------------------------------------------------


def _wrapper(shared_data: Path, prefix: str) -> dict[str, object]:
    found = sorted((shared_data / "arxiv_api" / "2026_recorded_arxiv_py").glob(f"{prefix}*.json"))
    assert len(found) == 1, f"{prefix}: {found}"
    wrapper: dict[str, object] = json.loads(found[0].read_text(encoding="utf-8"))
    return wrapper


def recorded(shared_data: Path, prefix: str) -> bytes:
    """The raw XML of a 2026 recording.

    The recorder stored the UTF-8 response decoded as Latin-1 ("WÃ¼bben" for "Wübben"),
    so encoding the text back to Latin-1 gives the bytes arXiv sent.
    """
    body = _wrapper(shared_data, prefix)["body"]
    assert isinstance(body, str)
    return body.encode("latin-1")


def parse(data: bytes, origin: str = "test.xml") -> list[Record]:
    return list(parse_arxiv_atom(io.BytesIO(data), origin=origin))


def papers_of(records: list[Record]) -> list[Paper]:
    assert all(isinstance(r, Paper) for r in records), records
    return [r for r in records if isinstance(r, Paper)]


def error_feed(shared_data: Path) -> bytes:
    """arXiv's ``Error`` answer, in the 2026 layout.

    No recording holds one (the 0000.0000 look-up was answered with 0 entries), so the
    documented error entry is put into the recorded empty feed.
    """
    empty = recorded(shared_data, "id_0000.0000_")
    body = empty.replace(b"<opensearch:totalResults>0<", b"<opensearch:totalResults>1<")
    return body.replace(b"</feed>", ERROR_ENTRY)


def query_number(url: str, name: str) -> int:
    match = re.search(rf"[?&]{name}=(\d+)", url)
    assert match, url
    return int(match.group(1))


def search_page(shared_data: Path, start: int, total: int) -> bytes:
    """A recorded "testing" page of 10 (start 0..40), claiming ``total`` results."""
    body = recorded(shared_data, f"q_testing_s{start}_m10_")
    return re.sub(
        rb"<opensearch:totalResults>\d+<", f"<opensearch:totalResults>{total}<".encode(), body
    )


def empty_page(shared_data: Path, start: int, total: int) -> bytes:
    body = recorded(shared_data, "id_0000.0000_")
    body = body.replace(
        b"<opensearch:totalResults>0<", f"<opensearch:totalResults>{total}<".encode()
    )
    return body.replace(b"<opensearch:startIndex>0<", f"<opensearch:startIndex>{start}<".encode())


def atom(body: bytes, status: int = 200) -> Reply:
    return Reply(status, body, {"Content-Type": "application/atom+xml; charset=utf-8"})


def api_settings(make: MakeSettings, server: LoopbackServer, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "arxiv_api_url": f"{server.url}/api/query",
        "categories": ["cs.SE"],
        "page_size": 10,
    }
    values.update(overrides)
    return make(**values)


def starts(server: LoopbackServer) -> list[int]:
    return [int(r.query["start"]) for r in server.requests]


_WINDOW = re.compile(r"^cat:(\S+) AND submittedDate:\[(\d{12}) TO (\d{12})\]$")


def window(request: Request) -> tuple[str, datetime, datetime]:
    match = _WINDOW.match(request.query["search_query"])
    assert match, request.query["search_query"]

    def when(text: str) -> datetime:
        return datetime.strptime(text, "%Y%m%d%H%M").replace(tzinfo=UTC)

    return match.group(1), when(match.group(2)), when(match.group(3))


# -- the parser on the 2016 recordings ---------------------------------------------------


def test_2016_id_list_maps_every_field(shared_data: Path) -> None:
    path = shared_data / "arxiv_api" / "2016_id_list_1111.2011v2.xml"
    with path.open("rb") as stream:
        [paper] = papers_of(list(parse_arxiv_atom(stream, origin=str(path))))
    assert paper.id == "1111.2011"
    assert paper.version == 2
    assert paper.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert paper.abstract.startswith("Theoretical description of anisotropic systems, such as")
    assert paper.abstract.endswith("describing a single node.")
    assert "\n" not in paper.abstract and "  " not in paper.abstract
    assert paper.authors == [
        Author("James M. Murray"),
        Author("Adrian Del Maestro"),
        Author("Zlatko Tesanovic"),
    ]
    assert paper.categories == ["cond-mat.str-el", "cond-mat.stat-mech"]
    assert paper.primary_category == "cond-mat.str-el"
    assert paper.published_at == datetime(2011, 11, 8, 18, 48, 36, tzinfo=UTC)
    assert paper.updated_at == datetime(2012, 4, 2, 12, 38, 54, tzinfo=UTC)
    assert paper.comment == "8 pages, 3 figures. Published version"
    assert paper.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert paper.doi == "10.1103/PhysRevB.85.115117"
    assert paper.abs_url == "http://arxiv.org/abs/1111.2011v2"
    assert paper.pdf_url == "http://arxiv.org/pdf/1111.2011v2"
    assert paper.github_repo is None
    assert paper.sources == ["arxiv-api"]
    assert paper.feed_dates == []


@pytest.mark.parametrize("name", sorted(FILES_2016))
def test_2016_files_parse_completely(shared_data: Path, name: str) -> None:
    path = shared_data / "arxiv_api" / name
    entries, total = FILES_2016[name]
    with path.open("rb") as stream:
        papers = papers_of(list(parse_arxiv_atom(stream, origin=str(path))))
    assert len(papers) == entries
    with path.open("rb") as stream:
        assert page_info(stream, origin=str(path)) == PageInfo(total=total, start=0, per_page=10)
    raw = path.read_text(encoding="utf-8")
    primaries = re.findall(r'<arxiv:primary_category [^>]*term="([^"]+)"', raw)
    assert [p.primary_category for p in papers] == primaries
    for paper in papers:
        assert paper.version is not None and paper.version >= 1
        assert paper.authors and paper.title and paper.abstract
        assert paper.published_at is not None and paper.updated_at is not None
        assert paper.published_at <= paper.updated_at


def test_2016_old_style_id_and_second_entry(shared_data: Path) -> None:
    path = shared_data / "arxiv_api" / "2016_search_au_del_maestro_AND_ti_quantum_criticality.xml"
    first, second = papers_of(parse(path.read_bytes()))
    assert first.id == "1111.2011"
    assert second.id == "cond-mat/0607501"
    assert second.version == 2
    assert [a.name for a in second.authors] == ["R. G. Melko", "A. Del Maestro", "A. A. Burkov"]
    assert second.categories == ["cond-mat.str-el"]
    assert second.doi == "10.1103/PhysRevB.74.214517"
    assert second.journal_ref == "Phys. Rev. B 74, 214517 (2006)"
    assert second.published_at == datetime(2006, 7, 19, 20, 12, 54, tzinfo=UTC)
    assert second.pdf_url == "http://arxiv.org/pdf/cond-mat/0607501v2"


# -- the parser on the 2026 recordings ---------------------------------------------------


@pytest.mark.parametrize("prefix", sorted(FILES_2026))
def test_2026_files_parse_completely(shared_data: Path, prefix: str) -> None:
    wrapper = _wrapper(shared_data, prefix)
    assert wrapper["status_code"] == 200
    url = str(wrapper["url"])
    data = recorded(shared_data, prefix)
    papers = papers_of(parse(data, origin=prefix))
    assert len(papers) == FILES_2026[prefix]
    info = page_info(io.BytesIO(data), origin=prefix)
    assert info.start == query_number(url, "start")
    assert info.per_page == query_number(url, "max_results")
    if prefix.startswith("q_testing"):
        assert info.total == 214881
    else:
        assert info.total == len(papers)
    for paper in papers:
        assert paper.sources == ["arxiv-api"]
        assert paper.abs_url == f"https://arxiv.org/abs/{paper.id}v{paper.version}"
        assert paper.pdf_url == f"https://arxiv.org/pdf/{paper.id}v{paper.version}"
        assert paper.categories and paper.authors and paper.published_at is not None


def test_2026_testing_page_values(shared_data: Path) -> None:
    papers = papers_of(parse(recorded(shared_data, "q_testing_s0_m10_")))
    first, second, third = papers[:3]
    assert (first.id, first.version) == ("2202.12139", 1)
    assert first.title == (
        "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    )
    assert first.categories == ["cs.SE", "cs.LG"]
    assert [a.name for a in first.authors] == [
        "Mohit Kumar Ahuja",
        "Arnaud Gotlieb",
        "Helge Spieker",
    ]
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert first.comment == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    assert first.journal_ref is not None
    assert first.journal_ref.startswith("Artificial Intelligence in Software Testing @ 2022 IEEE")
    # Non-ASCII names arrive intact once the recording's Latin-1 detour is undone.
    assert [a.name for a in second.authors] == [
        "Aurora Ramírez",
        "Mario Berrios",
        "José Raúl Romero",
        "Robert Feldt",
    ]
    assert (third.id, third.version) == ("2005.14124", 2)
    assert third.categories == ["cs.SE", "cs.CR", "cs.LG"]
    assert third.published_at == datetime(2020, 5, 28, 16, 19, 50, tzinfo=UTC)
    assert third.updated_at == datetime(2020, 7, 16, 8, 15, 48, tzinfo=UTC)
    assert papers[-1].id == "1812.11470"


def test_2026_affiliations_old_style_id_and_github(shared_data: Path) -> None:
    [paper] = papers_of(parse(recorded(shared_data, "id_astro-ph_0601001_")))
    assert (paper.id, paper.version) == ("astro-ph/0601001", 1)
    assert paper.authors == [
        Author("Andrew Gould", "Ohio State"),
        Author("Susan Dorsher", "Ohio State"),
        Author("B. Scott Gaudi", "CfA"),
        Author("Andrzej Udalski", "Warsaw University Observatory"),
    ]
    assert paper.categories == ["astro-ph"]
    assert paper.journal_ref == "ActaAstron.56:1-50,2006"
    assert paper.abstract.startswith("We derive the frequencies of hot Jupiters")
    assert "Gould & Morgan (2003)" in paper.abstract and "V_max<17.5" in paper.abstract

    [proceedings] = papers_of(parse(recorded(shared_data, "id_1707.08567_")))
    assert len(proceedings.authors) == 34
    assert proceedings.authors[32] == Author("Dirk Wübben")
    assert proceedings.categories == ["cs.IT"]

    [zero] = papers_of(parse(recorded(shared_data, "id_2104.12255v1_")))
    assert zero.title == "0"  # a real title, not a missing one

    page = papers_of(parse(recorded(shared_data, "q_testing_s40_m10_")))
    repos = {p.id: p.github_repo for p in page}
    assert repos["1706.00679"] == "https://github.com/ydecastro/super-resolution-testing"
    assert repos["2507.10541"] is None  # "opendatalab.github.io" is a site, not a repository


def test_primary_category_comes_first(shared_data: Path) -> None:
    data = recorded(shared_data, "id_1605.08386_")
    [paper] = papers_of(parse(data))
    assert paper.categories == ["math.CO", "math.ST"]
    swapped = data.replace(b'<arxiv:primary_category term="math.CO"/>', b"").replace(
        b"</published>", b'</published>\n    <arxiv:primary_category term="math.ST"/>'
    )
    [paper] = papers_of(parse(swapped))
    assert paper.categories == ["math.ST", "math.CO"]
    without = data.replace(b'<arxiv:primary_category term="math.CO"/>', b"")
    assert b"primary_category" not in without
    [paper] = papers_of(parse(without))
    assert paper.categories == ["math.CO", "math.ST"]


# -- error answers and malformed input ---------------------------------------------------


def test_error_answer_raises(shared_data: Path) -> None:
    with pytest.raises(ArxivAnswerError) as caught:
        parse(error_feed(shared_data), origin="answer.xml")
    assert isinstance(caught.value, SourceAnswerError)
    assert isinstance(caught.value, ParseError)
    assert "incorrect id format for 0000.000" in str(caught.value)
    assert caught.value.where == "answer.xml"


def test_error_answer_2016_layout() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title xmlns="http://www.w3.org/2005/Atom">ArXiv Query: id_list=1234.12345</title>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
  <entry xmlns="http://www.w3.org/2005/Atom">
    <id xmlns="http://www.w3.org/2005/Atom">http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345</id>
    <title xmlns="http://www.w3.org/2005/Atom">Error</title>
    <summary xmlns="http://www.w3.org/2005/Atom">incorrect id format for 1234.12345</summary>
  </entry>
</feed>"""
    with pytest.raises(ArxivAnswerError, match="incorrect id format for 1234.12345"):
        parse(body)


def test_empty_answer_is_no_error(shared_data: Path) -> None:
    data = recorded(shared_data, "id_0000.0000_")
    assert parse(data) == []
    assert page_info(io.BytesIO(data), origin="x") == PageInfo(total=0, start=0, per_page=100)


def test_truncated_xml_is_a_parse_error(shared_data: Path) -> None:
    data = (shared_data / "arxiv_api" / "2016_search_au_del_maestro.xml").read_bytes()
    with pytest.raises(ParseError, match="not well-formed"):
        parse(data[: len(data) // 2], origin="cut.xml")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><body>Rate exceeded.</body></html>", "not an Atom feed"),
        (b"Rate exceeded.", "not well-formed"),
        (
            b'<!DOCTYPE feed [<!ENTITY big "xxxxxxxxxx">]>'
            b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&big;</title></feed>',
            "refused",
        ),
    ],
)
def test_not_a_feed_is_a_parse_error(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse(data)


def test_entry_without_id_or_title_is_rejected(shared_data: Path) -> None:
    path = shared_data / "arxiv_api" / "2016_search_au_del_maestro_AND_ti_quantum_criticality.xml"
    data = path.read_bytes().replace(b"<id>http://arxiv.org/abs/1111.2011v2</id>", b"", 1)
    rejected, paper = parse(data, origin="x.xml")
    assert rejected == Rejected("x.xml#entry1", "missing id")
    assert isinstance(paper, Paper) and paper.id == "cond-mat/0607501"

    untitled = re.sub(
        rb"<title>A striped supersolid.*?</title>",
        b"<title> </title>",
        path.read_bytes(),
        flags=re.S,
    )
    first, second = parse(untitled, origin="y.xml")
    assert isinstance(first, Paper) and first.id == "1111.2011"
    assert second == Rejected("y.xml#entry2", "missing title")

    bad_date = path.read_bytes().replace(b"2006-07-19T20:12:54Z", b"19 July 2006")
    assert isinstance(parse(bad_date)[1], Rejected)


# -- importing files ---------------------------------------------------------------------


def test_import_2016_files_auto(store: Store, shared_data: Path) -> None:
    paths = sorted((shared_data / "arxiv_api").glob("2016_*.xml"))
    for path in paths:
        assert sniff_format(path.read_bytes()[:8192], path.name) == "arxiv-atom"
    report = import_files(store, paths, fmt="auto")
    assert report.errors == [] and report.rejected == []
    assert report.counts.new == 12  # 24 entries, 12 distinct papers
    assert store.count_papers() == 12
    stored = store.get_paper("cond-mat/0607501")
    assert stored is not None
    assert stored.version == 2 and stored.sources == ["arxiv-api"]
    assert stored.categories == ["cond-mat.str-el"]


def test_import_2026_bodies_auto(store: Store, shared_data: Path, tmp_path: Path) -> None:
    paths = []
    for prefix in sorted(FILES_2026):
        path = tmp_path / f"{prefix.strip('_')}.xml"
        path.write_bytes(recorded(shared_data, prefix))
        paths.append(path)
    report = import_files(store, paths, fmt="auto")
    assert report.errors == [] and report.rejected == []
    assert store.count_papers() == 104
    assert report.counts.new == 104
    stored = store.get_paper("astro-ph/0601001")
    assert stored is not None
    assert stored.authors[3] == Author("Andrzej Udalski", "Warsaw University Observatory")
    assert stored.published_at == datetime(2006, 1, 2, 14, 57, 58, tzinfo=UTC)


def test_import_error_and_broken_files_keep_nothing(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    good = shared_data / "arxiv_api" / "2016_id_list_1111.2011v2.xml"
    answer = tmp_path / "answer.xml"
    answer.write_bytes(error_feed(shared_data))
    cut = tmp_path / "cut.xml"
    whole = (shared_data / "arxiv_api" / "2016_search_au_del_maestro.xml").read_bytes()
    cut.write_bytes(whole[: len(whole) * 3 // 4])
    report = import_files(store, [answer, cut, good], fmt="auto")
    assert len(report.errors) == 2
    assert report.errors[0].startswith(f"{answer}: ")
    assert "incorrect id format for 0000.000" in report.errors[0]
    assert report.errors[1].startswith(f"{cut}: ") and "not well-formed" in report.errors[1]
    assert report.counts.new == 1
    assert store.count_papers() == 1  # nothing of the truncated file's first entries


def test_import_reports_rejected_entry(store: Store, shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "arxiv_api" / "2016_search_au_del_maestro_AND_ti_quantum_criticality.xml"
    path = tmp_path / "no-id.xml"
    path.write_bytes(source.read_bytes().replace(b"<id>http://arxiv.org/abs/1111.2011v2</id>", b""))
    report = import_files(store, [path], fmt="arxiv-atom")
    assert report.rejected == [Rejected(f"{path}#entry1", "missing id")]
    assert report.counts.new == 1
    assert store.get_paper("cond-mat/0607501") is not None


# -- fetching ----------------------------------------------------------------------------


def test_fetch_pages_through_the_window(
    store: Store, shared_data: Path, serve: Serve, fast_settings: MakeSettings
) -> None:
    pages = {start: search_page(shared_data, start, total=50) for start in (0, 10, 20, 30, 40)}
    server = serve(lambda request: atom(pages[int(request.query["start"])]))
    settings = api_settings(fast_settings, server, fetch_days=2)
    before = datetime.now(UTC)
    report = fetch_source(store, settings, "arxiv")
    assert report.errors == [] and report.rejected == []
    assert report.counts.new == 50
    assert report.requests == 5
    assert starts(server) == [0, 10, 20, 30, 40]
    first = server.requests[0]
    assert first.path == "/api/query"
    assert first.query["sortBy"] == "submittedDate"
    assert first.query["sortOrder"] == "ascending"
    assert first.query["max_results"] == "10"
    category, begin, end = window(first)
    assert category == "cs.SE"
    assert end - begin == timedelta(days=2)
    assert abs(end - before) < timedelta(minutes=2)
    assert {r.query["search_query"] for r in server.requests} == {first.query["search_query"]}
    assert store.count_papers() == 50
    assert store.get_checkpoint("arxiv:cs.SE") == {
        "from": begin.isoformat(),
        "to": end.isoformat(),
        "start": 50,
        "total": 50,
        "complete": True,
    }
    paper = store.get_paper("1706.00679")
    assert paper is not None
    assert paper.github_repo == "https://github.com/ydecastro/super-resolution-testing"


def test_fetch_retries_503_with_retry_after(
    store: Store, shared_data: Path, serve: Serve, fast_settings: MakeSettings
) -> None:
    page = search_page(shared_data, 0, total=10)
    replies = iter([Reply(503, "Retry after 10 seconds", {"Retry-After": "10"})])
    server = serve(lambda request: next(replies, atom(page)))
    report = fetch_source(store, api_settings(fast_settings, server), "arxiv")
    assert report.errors == []
    assert starts(server) == [0, 0]
    assert report.counts.new == 10


def test_fetch_retries_429(
    store: Store, shared_data: Path, serve: Serve, fast_settings: MakeSettings
) -> None:
    page = search_page(shared_data, 0, total=10)
    replies = iter([Reply(429, "Rate exceeded."), Reply(429, "Rate exceeded.")])
    server = serve(lambda request: next(replies, atom(page)))
    report = fetch_source(store, api_settings(fast_settings, server), "arxiv")
    assert report.errors == []
    assert len(server.requests) == 3
    assert store.count_papers() == 10


def test_fetch_retries_a_timeout(
    store: Store, shared_data: Path, serve: Serve, fast_settings: MakeSettings
) -> None:
    page = search_page(shared_data, 0, total=10)
    replies = iter([Reply(200, page, delay=1.0)])
    server = serve(lambda request: next(replies, atom(page)))
    settings = api_settings(fast_settings, server, request_timeout=0.3)
    report = fetch_source(store, settings, "arxiv")
    assert report.errors == []
    assert len(server.requests) == 2
    assert store.count_papers() == 10


def test_fetch_gives_up_after_timeouts(
    store: Store, shared_data: Path, serve: Serve, fast_settings: MakeSettings
) -> None:
    page = search_page(shared_data, 0, total=10)
    server = serve(lambda request: Reply(200, page, delay=0.6))
    settings = api_settings(fast_settings, server, request_timeout=0.2, max_retries=1)
    report = fetch_source(store, settings, "arxiv")
    assert len(report.errors) == 1
    assert report.errors[0].startswith("arxiv:cs.SE: ")
    assert "Timeout" in report.errors[0]
    assert len(server.requests) == 2
    assert store.count_papers() == 0


def test_fetch_error_answer_stores_nothing(
    store: Store, shared_data: Path, serve: Serve, fast_settings: MakeSettings
) -> None:
    server = serve(lambda request: atom(error_feed(shared_data), status=400))
    report = fetch_source(store, api_settings(fast_settings, server), "arxiv")
    assert len(report.errors) == 1
    assert "arXiv API error: incorrect id format for 0000.000" in report.errors[0]
    assert len(server.requests) == 1  # a 400 is an answer, not worth retrying
    assert store.count_papers() == 0
    assert report.counts.new == 0
    checkpoint = store.get_checkpoint("arxiv:cs.SE")
    assert checkpoint is not None
    assert (checkpoint["start"], checkpoint["complete"]) == (0, False)


def test_fetch_400_without_feed_is_an_error(
    store: Store, serve: Serve, fast_settings: MakeSettings
) -> None:
    server = serve(lambda request: Reply(400, "Bad Request: malformed query"))
    report = fetch_source(store, api_settings(fast_settings, server), "arxiv")
    assert len(report.errors) == 1
    assert "HTTP 400: Bad Request: malformed query" in report.errors[0]


@pytest.mark.parametrize("failing", [10, 20], ids=["page 2", "page 3"])
def test_interrupted_fetch_resumes_at_the_next_page(
    failing: int, store: Store, shared_data: Path, serve: Serve, fast_settings: MakeSettings
) -> None:
    """A 500 on one page keeps every page before it with its checkpoint, and nothing of
    that page or after it; the next run resumes at that page."""
    pages = {start: search_page(shared_data, start, total=50) for start in range(0, 50, 10)}
    ids = {start: {p.id for p in papers_of(parse(body))} for start, body in pages.items()}

    def broken(request: Request) -> Reply:
        start = int(request.query["start"])
        return Reply(500, "Internal Server Error") if start == failing else atom(pages[start])

    down = serve(broken)
    report = fetch_source(store, api_settings(fast_settings, down, max_retries=1), "arxiv")
    assert len(report.errors) == 1 and "HTTP 500" in report.errors[0]
    assert report.counts.new == failing
    assert starts(down) == [*range(0, failing, 10), failing, failing]
    stored = {i for page in ids.values() for i in page if store.get_paper(i) is not None}
    assert stored == set().union(*(ids[start] for start in range(0, failing, 10)))
    assert store.count_papers() == failing
    checkpoint = store.get_checkpoint("arxiv:cs.SE")
    assert checkpoint is not None
    assert (checkpoint["start"], checkpoint["total"], checkpoint["complete"]) == (
        failing,
        50,
        False,
    )

    healthy = serve(lambda request: atom(pages[int(request.query["start"])]))
    report = fetch_source(store, api_settings(fast_settings, healthy), "arxiv")
    assert report.errors == []
    assert starts(healthy) == list(range(failing, 50, 10))
    assert healthy.requests[0].query["search_query"] == down.requests[0].query["search_query"]
    assert report.counts.new == 50 - failing
    assert store.count_papers() == 50
    checkpoint = store.get_checkpoint("arxiv:cs.SE")
    assert checkpoint is not None
    assert (checkpoint["start"], checkpoint["complete"]) == (50, True)


def test_empty_page_is_asked_again(
    store: Store, shared_data: Path, serve: Serve, fast_settings: MakeSettings
) -> None:
    pages = {start: search_page(shared_data, start, total=20) for start in (0, 10)}
    hiccups = iter([atom(empty_page(shared_data, 10, total=20))])

    def flaky(request: Request) -> Reply:
        start = int(request.query["start"])
        return next(hiccups, atom(pages[start])) if start == 10 else atom(pages[start])

    server = serve(flaky)
    report = fetch_source(store, api_settings(fast_settings, server), "arxiv")
    assert report.errors == []
    assert starts(server) == [0, 10, 10]
    assert store.count_papers() == 20


def test_empty_pages_stop_the_fetch_and_keep_the_checkpoint(
    store: Store, shared_data: Path, serve: Serve, fast_settings: MakeSettings
) -> None:
    page = search_page(shared_data, 0, total=30)
    empty = empty_page(shared_data, 10, total=30)
    server = serve(lambda request: atom(page if request.query["start"] == "0" else empty))
    report = fetch_source(store, api_settings(fast_settings, server), "arxiv")
    assert starts(server) == [0, 10, 10, 10]
    assert len(report.errors) == 1
    assert "empty page at start=10 of 30" in report.errors[0]
    assert store.count_papers() == 10
    checkpoint = store.get_checkpoint("arxiv:cs.SE")
    assert checkpoint is not None
    assert (checkpoint["start"], checkpoint["complete"]) == (10, False)


def test_second_run_fetches_only_the_new_window(
    store: Store, shared_data: Path, serve: Serve, fast_settings: MakeSettings
) -> None:
    page = search_page(shared_data, 0, total=10)
    server = serve(lambda request: atom(page))
    settings = api_settings(fast_settings, server, arxiv_window_overlap_hours=0)
    assert fetch_source(store, settings, "arxiv").counts.new == 10
    first = store.get_checkpoint("arxiv:cs.SE")
    assert first is not None and first["complete"] is True
    _, begin1, end1 = window(server.requests[0])
    assert end1 - begin1 == timedelta(days=3)  # the default fetch_days

    # A day passes: the finished window now ended a day ago.
    ended = datetime.fromisoformat(first["to"]) - timedelta(days=1)
    store.set_checkpoint("arxiv:cs.SE", {**first, "to": ended.isoformat()})
    report = fetch_source(store, settings, "arxiv")
    assert report.errors == []
    assert len(server.requests) == 2
    second = server.requests[1]
    assert second.query["start"] == "0"
    _, begin2, end2 = window(second)
    assert begin2 == ended
    assert end2 - begin2 >= timedelta(days=1)
    assert end2 - begin2 < timedelta(days=1, minutes=5)
    assert report.counts.unchanged == 10  # the same page, already stored
    checkpoint = store.get_checkpoint("arxiv:cs.SE")
    assert checkpoint is not None
    assert checkpoint["from"] == ended.isoformat()
    assert checkpoint["complete"] is True


def test_each_category_has_its_own_checkpoint(
    store: Store, shared_data: Path, serve: Serve, fast_settings: MakeSettings
) -> None:
    page = search_page(shared_data, 0, total=10)

    def by_category(request: Request) -> Reply:
        category, _, _ = window(request)
        return atom(error_feed(shared_data), 400) if category == "cs.SE" else atom(page)

    server = serve(by_category)
    settings = api_settings(fast_settings, server, categories=["cs.SE", "cs.LG"])
    report = fetch_source(store, settings, "arxiv")
    assert [window(r)[0] for r in server.requests] == ["cs.SE", "cs.LG"]
    assert len(report.errors) == 1 and report.errors[0].startswith("arxiv:cs.SE: ")
    assert store.count_papers() == 10
    lg = store.get_checkpoint("arxiv:cs.LG")
    se = store.get_checkpoint("arxiv:cs.SE")
    assert lg is not None and lg["complete"] is True
    assert se is not None and se["complete"] is False


def test_fetch_reports_rejected_entries(
    store: Store, shared_data: Path, serve: Serve, fast_settings: MakeSettings
) -> None:
    page = search_page(shared_data, 0, total=10)
    page = page.replace(b"<id>http://arxiv.org/abs/2405.13786v1</id>", b"")
    server = serve(lambda request: atom(page))
    report = fetch_source(store, api_settings(fast_settings, server), "arxiv")
    assert report.errors == []
    assert report.counts.new == 9
    assert len(report.rejected) == 1
    assert report.rejected[0].where.endswith("cat:cs.SE start=0#entry2")
    assert report.rejected[0].reason == "missing id"
    checkpoint = store.get_checkpoint("arxiv:cs.SE")
    assert checkpoint is not None and checkpoint["start"] == 10


def test_next_window_reaches_back_by_the_overlap(
    store: Store, shared_data: Path, serve: Serve, fast_settings: MakeSettings
) -> None:
    server = serve(lambda request: atom(search_page(shared_data, 0, total=10)))
    settings = api_settings(fast_settings, server, arxiv_window_overlap_hours=72)
    fetch_source(store, settings, "arxiv")
    first = store.get_checkpoint("arxiv:cs.SE")
    assert first is not None
    ended = datetime.fromisoformat(first["to"]) - timedelta(days=1)
    store.set_checkpoint("arxiv:cs.SE", {**first, "to": ended.isoformat()})
    fetch_source(store, settings, "arxiv")
    _, begin, _ = window(server.requests[1])
    assert begin == ended - timedelta(hours=72)
