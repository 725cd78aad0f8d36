"""rss.arxiv.org feeds: the parser on both flavours, and the fetcher against a real HTTP
server on loopback. The two fixtures in tests/data/rss follow the documented format; no
recording of a real feed is available."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.errors import ParseError
from paperwire.ingest import fetch_source, import_files
from paperwire.models import Author, FeedDate, Paper, Rejected
from paperwire.sources.arxiv_atom import ArxivAnswerError
from paperwire.sources.arxiv_rss import parse_arxiv_rss, parse_creators, read_feed
from paperwire.sources.base import Record
from paperwire.sources.formats import sniff_format
from paperwire.store import Store
from tests.http_server import Handler, LoopbackServer, Reply, Request

Serve = Callable[[Handler], LoopbackServer]
MakeSettings = Callable[..., Settings]

DATA = Path(__file__).resolve().parent.parent / "data" / "rss"
RSS = DATA / "cs.CV.rss.xml"
ATOM = DATA / "cs.CV.atom.xml"
JAN15 = FeedDate(date(2026, 1, 15), "arxiv")
JAN16 = FeedDate(date(2026, 1, 16), "arxiv")

WEEKEND = b"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">
  <channel>
    <title>cs.CV updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/cs.CV</link>
    <description>cs.CV updates on the arXiv.org e-print archive.</description>
    <atom:link href="http://rss.arxiv.org/rss/cs.CV" rel="self" type="application/rss+xml"/>
    <docs>http://www.rssboard.org/rss-specification</docs>
    <language>en-us</language>
    <lastBuildDate>Sat, 17 Jan 2026 05:00:01 +0000</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>Sat, 17 Jan 2026 00:00:00 -0500</pubDate>
    <skipDays>
      <day>Saturday</day>
      <day>Sunday</day>
    </skipDays>
  </channel>
</rss>"""

# The shape of arXiv's feed error (a channel titled "Feed error for query: ...").
FEED_ERROR = b"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">
  <channel>
    <title>Feed error for query: https://rss.arxiv.org/rss/cs.XX</title>
    <link>https://rss.arxiv.org/rss/cs.XX</link>
    <description>Invalid category: cs.XX</description>
    <language>en-us</language>
  </channel>
</rss>"""


def parse(data: bytes, origin: str = "feed.xml") -> list[Record]:
    return list(parse_arxiv_rss(io.BytesIO(data), origin=origin))


def papers_of(records: list[Record]) -> list[Paper]:
    assert all(isinstance(r, Paper) for r in records), records
    return [r for r in records if isinstance(r, Paper)]


def xml(body: bytes, status: int = 200) -> Reply:
    return Reply(status, body, {"Content-Type": "application/rss+xml; charset=utf-8"})


def rss_settings(make: MakeSettings, server: LoopbackServer, **overrides: object) -> Settings:
    values: dict[str, object] = {"arxiv_rss_url": f"{server.url}/rss", "categories": ["cs.CV"]}
    values.update(overrides)
    return make(**values)


# -- the parser --------------------------------------------------------------------------


def test_fixtures_are_sniffed_as_arxiv_rss() -> None:
    for path in (RSS, ATOM):
        assert sniff_format(path.read_bytes()[:8192], path.name) == "arxiv-rss"


def test_rss_flavour() -> None:
    feed = read_feed(RSS.read_bytes(), origin=str(RSS))
    assert feed.day == date(2026, 1, 15)
    papers = papers_of(feed.records)
    assert [(p.id, p.version) for p in papers] == [
        ("2601.09876", 1),
        ("2601.09512", 1),
        ("2511.04321", 2),
        ("2507.18834", 3),
    ]
    new, cross, replaced, replaced_cross = papers
    assert new.title == "Sparse Voxel Diffusion for Real-Time 3D Scene Completion"
    assert new.abstract.startswith("Completing partially observed 3D scenes")
    assert new.abstract.endswith("Code is available at https://github.com/meilin-lab/svd3d.")
    assert new.authors == [
        Author("Mei Lin"),
        Author("Jonas Åkesson", "KTH Royal Institute of Technology"),
        Author("Priya Raghavan"),
    ]
    assert new.categories == ["cs.CV", "cs.GR"]
    assert new.github_repo == "https://github.com/meilin-lab/svd3d"
    assert new.license == "http://creativecommons.org/licenses/by/4.0/"
    assert new.abs_url == "https://arxiv.org/abs/2601.09876"
    assert new.pdf_url == "https://arxiv.org/pdf/2601.09876"
    assert new.published_at is None  # the feed gives the announcement day, not submission
    assert cross.categories == ["cs.LG", "cs.CV", "cs.CL"]
    assert cross.primary_category == "cs.LG"
    assert [a.name for a in cross.authors] == ["Tomás Ferreira", "Hannah Okafor", "Wei Zhang"]
    assert cross.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert replaced.doi == "10.1016/j.media.2025.103412"
    assert replaced.journal_ref == "Medical Image Analysis 98 (2026) 103412"
    assert replaced.abstract == (
        "Whole-slide images in digital pathology reach gigapixel resolution, which makes "
        "end-to-end training impractical. We pretrain a hierarchical encoder with masked "
        "feature modelling on 180,000 slides and evaluate it on twelve diagnostic tasks, where "
        "it improves linear-probe AUC by 3.1 points on average."
    )
    assert replaced_cross.categories == ["eess.IV", "cs.CV"]
    for paper in papers:
        assert paper.sources == ["arxiv-rss"]
        assert paper.feed_dates == [JAN15]
        assert not paper.abstract.startswith("arXiv:")
        assert "Announce Type" not in paper.abstract


def test_atom_flavour() -> None:
    with ATOM.open("rb") as stream:
        papers = papers_of(list(parse_arxiv_rss(stream, origin=str(ATOM))))
    assert [(p.id, p.version) for p in papers] == [
        ("2601.10233", 1),
        ("2601.10045", 1),
        ("2601.09876", 2),
    ]
    assert papers[0].authors[1] == Author("Omar El-Sayed", "Cairo University, Nile AI Lab")
    assert papers[1].categories == ["cs.RO", "cs.CV"]
    assert "27 frames per second" in papers[2].abstract
    assert all(p.feed_dates == [JAN16] for p in papers)
    assert read_feed(ATOM.read_bytes(), origin="a").day == date(2026, 1, 16)


def test_parse_creators() -> None:
    assert parse_creators("Ada Lovelace, Alan Turing and Grace Hopper") == [
        Author("Ada Lovelace"),
        Author("Alan Turing"),
        Author("Grace Hopper"),
    ]
    assert parse_creators("A. Author (Univ. X, Lab Y), B. Author (Z)") == [
        Author("A. Author", "Univ. X, Lab Y"),
        Author("B. Author", "Z"),
    ]
    assert parse_creators("  ") == []
    assert parse_creators(None) == []


def test_description_without_prefix_keeps_it_whole() -> None:
    data = RSS.read_bytes().replace(b"arXiv:2601.09512v1 Announce Type: cross \nAbstract: ", b"")
    paper = papers_of(parse(data))[1]
    assert (paper.id, paper.version) == ("2601.09512", 1)  # from the guid
    assert paper.abstract.startswith("Vision-language models are often confidently wrong")


def test_item_without_id_or_title_is_rejected() -> None:
    data = (
        RSS.read_bytes()
        .replace(b'<guid isPermaLink="false">oai:arXiv.org:2601.09512v1</guid>', b"")
        .replace(b"<link>https://arxiv.org/abs/2601.09512</link>", b"")
        .replace(b"arXiv:2601.09512v1 Announce Type: cross \nAbstract: ", b"")
        .replace(b"<title>Learned Demosaicking for Quad-Bayer Sensors</title>", b"<title/>")
    )
    records = parse(data, origin="f.xml")
    assert records[1] == Rejected("f.xml#item2", "missing id")
    assert records[3] == Rejected("f.xml#item4", "missing title")
    assert [r.id for r in records if isinstance(r, Paper)] == ["2601.09876", "2511.04321"]

    atom = ATOM.read_bytes().replace(b"<id>oai:arXiv.org:2601.10045v1</id>", b"")
    atom = atom.replace(b'<link href="https://arxiv.org/abs/2601.10045" rel="alternate"', b"<x")
    atom = atom.replace(b"arXiv:2601.10045v1 Announce Type: cross \nAbstract: ", b"")
    records = parse(atom, origin="a.xml")
    assert records[1] == Rejected("a.xml#entry2", "missing id")


def test_empty_feed_has_a_day_and_no_records() -> None:
    feed = read_feed(WEEKEND, origin="weekend.xml")
    assert feed.day == date(2026, 1, 17)
    assert feed.records == []


@pytest.mark.parametrize("path", [RSS, ATOM])
def test_truncated_feed_is_a_parse_error(path: Path) -> None:
    data = path.read_bytes()
    with pytest.raises(ParseError, match="not well-formed"):
        parse(data[: len(data) // 2])


def test_not_a_feed_and_feed_error() -> None:
    with pytest.raises(ParseError, match="not an RSS or Atom feed"):
        parse(b"<html><body>Service Unavailable</body></html>")
    with pytest.raises(ArxivAnswerError, match="Invalid category: cs.XX"):
        parse(FEED_ERROR)


# -- importing files ---------------------------------------------------------------------


def test_import_both_flavours_auto(store: Store) -> None:
    report = import_files(store, [RSS, ATOM], fmt="auto")
    assert report.errors == [] and report.rejected == []
    assert (report.counts.new, report.counts.updated) == (6, 1)
    paper = store.get_paper("2601.09876")
    assert paper is not None
    assert paper.version == 2
    assert "27 frames per second" in paper.abstract
    assert paper.feed_dates == [JAN15, JAN16]
    assert paper.sources == ["arxiv-rss"]
    assert paper.authors[1] == Author("Jonas Åkesson", "KTH Royal Institute of Technology")


def test_import_broken_feed_keeps_nothing(store: Store, tmp_path: Path) -> None:
    cut = tmp_path / "cut.rss.xml"
    data = RSS.read_bytes()
    cut.write_bytes(data[: data.index(b"</item>", data.index(b"2511.04321"))])
    report = import_files(store, [cut], fmt="arxiv-rss")
    assert len(report.errors) == 1 and "not well-formed" in report.errors[0]
    assert store.count_papers() == 0


# -- fetching ----------------------------------------------------------------------------


def test_fetch_imports_each_announcement_once(
    store: Store, serve: Serve, fast_settings: MakeSettings
) -> None:
    feeds = {"/rss/cs.CV": RSS.read_bytes()}
    server = serve(lambda request: xml(feeds[request.path]))
    settings = rss_settings(fast_settings, server)
    report = fetch_source(store, settings, "rss")
    assert report.errors == [] and report.rejected == []
    assert report.counts.new == 4
    assert [r.path for r in server.requests] == ["/rss/cs.CV"]
    assert store.get_checkpoint("rss:cs.CV") == {"day": "2026-01-15"}
    paper = store.get_paper("2507.18834")
    assert paper is not None and paper.feed_dates == [JAN15]

    again = fetch_source(store, settings, "rss")
    assert again.errors == []
    assert len(server.requests) == 2
    assert (again.counts.new, again.counts.updated, again.counts.unchanged) == (0, 0, 0)

    feeds["/rss/cs.CV"] = ATOM.read_bytes()  # the next day's announcement
    next_day = fetch_source(store, settings, "rss")
    assert next_day.errors == []
    assert (next_day.counts.new, next_day.counts.updated) == (2, 1)
    assert store.get_checkpoint("rss:cs.CV") == {"day": "2026-01-16"}
    assert store.count_papers() == 6


def test_fetch_atom_flavour_url(store: Store, serve: Serve, fast_settings: MakeSettings) -> None:
    server = serve(lambda request: xml(ATOM.read_bytes()))
    settings = rss_settings(fast_settings, server, arxiv_rss_url=f"{server.url}/atom/")
    report = fetch_source(store, settings, "rss")
    assert report.errors == []
    assert [r.path for r in server.requests] == ["/atom/cs.CV"]
    assert report.counts.new == 3


def test_empty_feed_is_not_an_error(
    store: Store, serve: Serve, fast_settings: MakeSettings
) -> None:
    server = serve(lambda request: xml(WEEKEND))
    report = fetch_source(store, rss_settings(fast_settings, server), "rss")
    assert report.ok
    assert (report.counts.new, report.counts.updated) == (0, 0)
    assert store.count_papers() == 0
    assert store.get_checkpoint("rss:cs.CV") == {"day": "2026-01-17"}


def test_failed_fetch_keeps_the_checkpoint(
    store: Store, serve: Serve, fast_settings: MakeSettings
) -> None:
    store.set_checkpoint("rss:cs.CV", {"day": "2026-01-14"})
    server = serve(lambda request: Reply(503, "Service Unavailable", {"Retry-After": "1"}))
    report = fetch_source(store, rss_settings(fast_settings, server, max_retries=1), "rss")
    assert len(report.errors) == 1
    assert report.errors[0].startswith("rss:cs.CV: ") and "HTTP 503" in report.errors[0]
    assert len(server.requests) == 2
    assert store.get_checkpoint("rss:cs.CV") == {"day": "2026-01-14"}
    assert store.count_papers() == 0


def test_feed_error_for_one_category_does_not_stop_the_others(
    store: Store, serve: Serve, fast_settings: MakeSettings
) -> None:
    def handler(request: Request) -> Reply:
        if request.path == "/rss/cs.XX":
            return xml(FEED_ERROR, status=400)
        return xml(RSS.read_bytes())

    server = serve(handler)
    settings = rss_settings(fast_settings, server, categories=["cs.XX", "cs.CV"])
    report = fetch_source(store, settings, "rss")
    assert [r.path for r in server.requests] == ["/rss/cs.XX", "/rss/cs.CV"]
    assert len(report.errors) == 1
    assert report.errors[0].startswith("rss:cs.XX: ") and "Invalid category" in report.errors[0]
    assert report.counts.new == 4
    assert store.get_checkpoint("rss:cs.XX") is None
