"""The ``abs`` parser on arXiv's own ``.abs`` files (shared data, section 7)."""

from __future__ import annotations

import functools
import io
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperwire.ingest import import_files
from paperwire.models import Author, Paper, Rejected
from paperwire.sources.abs import parse_abs, parse_authors
from paperwire.sources.base import Record
from paperwire.store import Store

TARBALL = "arxiv_abs_files.tar.gz"
PREFIX = "arxiv_abs_files/"
MALFORMED = "ftp/math-ph/papers/0509/0509037.abs"
ABS_FILES = 1192
DISTINCT_IDS = 1130  # older versions in orig/ and one duplicated file share ids


@functools.cache
def _members(tarball: Path) -> dict[str, bytes]:
    """Every ``.abs`` member of the tarball by its path below ``arxiv_abs_files/``."""
    members: dict[str, bytes] = {}
    with tarfile.open(tarball) as archive:
        for member in archive:
            stream = archive.extractfile(member) if member.isfile() else None
            if stream is not None and member.name.endswith(".abs"):
                members[member.name.removeprefix(PREFIX)] = stream.read()
    return members


def _parse(shared_data: Path, name: str) -> list[Record]:
    data = _members(shared_data / TARBALL)[name]
    return list(parse_abs(io.BytesIO(data), origin=name))


def _paper(shared_data: Path, name: str) -> Paper:
    records = _parse(shared_data, name)
    assert len(records) == 1
    paper = records[0]
    assert isinstance(paper, Paper), paper
    return paper


def _utc(year: int, month: int, day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_new_style_id_0704_0001(shared_data: Path) -> None:
    paper = _paper(shared_data, "ftp/arxiv/papers/0704/0704.0001.abs")
    assert paper.id == "0704.0001"
    assert paper.version == 2
    assert paper.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert [a.name for a in paper.authors] == [
        "C. Bal\\'azs",
        "E. L. Berger",
        "P. M. Nadolsky",
        "C.-P. Yuan",
    ]
    assert all(a.affiliation is None for a in paper.authors)
    assert paper.published_at == _utc(2007, 4, 2, 19, 18, 42)
    assert paper.updated_at == _utc(2007, 7, 24, 20, 10, 27)
    assert paper.categories == ["hep-ph"]
    assert paper.comment == "37 pages, 15 figures; published version"
    assert paper.journal_ref == "Phys.Rev.D76:013009,2007"
    assert paper.doi == "10.1103/PhysRevD.76.013009"
    assert paper.license is None
    assert paper.submitted_by == "Pavel Nadolsky"
    assert paper.abs_url == "https://arxiv.org/abs/0704.0001"
    assert paper.pdf_url == "https://arxiv.org/pdf/0704.0001"
    assert paper.sources == ["arxiv-abs"]
    assert paper.github_repo is None
    assert paper.abstract.startswith("A fully differential calculation in perturbative quantum")
    assert paper.abstract.endswith("can be obtained with judicious selection of events.")
    assert "\n" not in paper.abstract and "  " not in paper.abstract


def test_old_style_id_with_affiliations(shared_data: Path) -> None:
    paper = _paper(shared_data, "ftp/hep-th/papers/9709/9709111.abs")
    assert paper.id == "hep-th/9709111"
    assert paper.version == 3
    assert paper.published_at == _utc(1997, 9, 16, 14, 44, 58)
    assert paper.updated_at == _utc(1997, 11, 3, 19, 27, 30)
    assert paper.categories == ["hep-th", "hep-ph"]
    assert paper.authors == [
        Author("Andrea Brignole", "CERN-TH"),
        Author("Ferruccio Feruglio", "Padua Univ."),
        Author("Fabio Zwirner", "INFN-Padua"),
    ]
    assert paper.journal_ref == "JHEP 9711:001,1997"
    assert paper.doi == "10.1088/1126-6708/1997/11/001"
    assert paper.submitted_by is None  # "From: <noname@example.org>": an address, no name
    assert paper.abs_url == "https://arxiv.org/abs/hep-th/9709111"
    assert paper.comment == (
        "12 pages, 1 figure, plain LaTeX. An important proof added in section 5. "
        "Final version to be published in JHEP"
    )


@pytest.mark.parametrize(
    ("name", "paper_id", "categories", "published"),
    [
        (
            "ftp/alg-geom/papers/9202/9202001.abs",
            "alg-geom/9202001",
            ["alg-geom", "math.AG"],
            _utc(1992, 2, 5, 17, 1, 13),
        ),
        (
            "ftp/acc-phys/papers/9503/9503002.abs",
            "acc-phys/9503002",
            ["acc-phys", "physics.acc-ph"],
            _utc(1995, 3, 31, 0, 26, 35),
        ),
        (
            "ftp/funct-an/papers/9301/9301001.abs",
            "funct-an/9301001",
            ["funct-an", "math.OA"],
            _utc(1993, 1, 16, 11, 49, 26),
        ),
        (
            "ftp/adap-org/papers/9509/9509003.abs",
            "adap-org/9509003",
            ["adap-org", "nlin.AO"],
            _utc(1995, 10, 5, 17, 35, 17),
        ),
    ],
)
def test_old_archives(
    shared_data: Path, name: str, paper_id: str, categories: list[str], published: datetime
) -> None:
    paper = _paper(shared_data, name)
    assert paper.id == paper_id
    assert paper.categories == categories
    assert paper.published_at == published
    assert paper.pdf_url == f"https://arxiv.org/pdf/{paper_id}"


def test_quoted_submitter_name(shared_data: Path) -> None:
    paper = _paper(shared_data, "orig/hep-th/papers/9901/9901001v1.abs")
    assert paper.id == "hep-th/9901001"
    assert paper.version == 1
    assert paper.submitted_by == "Yosuke Imamura"  # From: "Yosuke Imamura" <...>
    assert paper.categories == []  # the oldest versions carry no Categories line


def test_paper_header_and_version_in_id() -> None:
    data = (
        b"------\n\\\\\nPaper: hep-th/9901001v2\nFrom: A. Author <a@b.c>\n"
        b"Date: Fri, 1 Jan 1999 01:01:10 GMT   (15kb)\n"
        b"Date (revised v2): Tue, 5 Jan 1999 21:36:42 GMT   (15kb)\n\n"
        b"Title: String Junctions\nAuthors: A. Author\nCategories: hep-th\n"
        b"\\\\\n  An abstract.\n\\\\\n"
    )
    records = list(parse_abs(io.BytesIO(data), origin="old.abs"))
    assert len(records) == 1
    paper = records[0]
    assert isinstance(paper, Paper)
    assert (paper.id, paper.version) == ("hep-th/9901001", 2)
    assert paper.authors == [Author("A. Author")]
    assert paper.abstract == "An abstract."


def test_eight_versions(shared_data: Path) -> None:
    paper = _paper(shared_data, "ftp/arxiv/papers/0704/0704.0389.abs")
    assert paper.id == "0704.0389"
    assert paper.version == 8
    assert paper.published_at == _utc(2007, 4, 3, 13, 48, 12)
    assert paper.updated_at == _utc(2011, 7, 22, 17, 35, 59)
    assert paper.title == (
        "Evolution of the Carter constant for inspirals into a black hole: "
        "effect of the black hole quadrupole"
    )
    assert [a.name for a in paper.authors] == ["Eanna E. Flanagan", "Tanja Hinderer"]


def test_license_and_latin1_file(shared_data: Path) -> None:
    # This file is Latin-1, not UTF-8 (arXiv keeps it as a test case).
    paper = _paper(shared_data, "ftp/arxiv/papers/1607/1607.08199.abs")
    assert paper.id == "1607.08199"
    assert paper.version == 5
    assert paper.license == "http://creativecommons.org/licenses/by-sa/4.0/"
    assert paper.journal_ref == (
        "Épijournal de Géométrie Algébrique, Volume 1 (September 1, 2017) epiga:3255"
    )
    assert paper.categories == ["math.AG"]
    assert paper.updated_at == _utc(2017, 4, 5, 18, 19, 17)


def test_numbered_affiliations(shared_data: Path) -> None:
    paper = _paper(shared_data, "ftp/arxiv/papers/0704/0704.0025.abs")
    assert paper.authors == [
        Author(
            "A. S. Mishchenko",
            "CREST, Japan Science and Technology Agency; "
            "Russian Research Centre ``Kurchatov Institute''",
        ),
        Author("N. Nagaosa", "CREST, Japan Science and Technology Agency; The University of Tokyo"),
    ]


def test_abstract_with_latex_breaks_and_collaboration(shared_data: Path) -> None:
    # The abstract holds "\\" lines of its own: it runs to the last separator.
    paper = _paper(shared_data, "ftp/arxiv/papers/2103/2103.11058.abs")
    assert paper.abstract.startswith("Searches for $CP$ violation in the two-body decays")
    assert paper.abstract.endswith("in these decay modes to date.")
    assert "\\\\" not in paper.abstract
    assert [a.name for a in paper.authors[:3]] == [
        "LHCb collaboration",
        "R. Aaij",
        "C. Abell\\'an Beteta",
    ]
    assert paper.authors[-1].name == "G. Zunica"
    assert paper.license == "http://creativecommons.org/licenses/by/4.0/"


def test_github_repo_from_comments(shared_data: Path) -> None:
    paper = _paper(shared_data, "ftp/arxiv/papers/2101/2101.04061.abs")
    assert paper.github_repo == "https://github.com/TencentARC/GFPGAN"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("A. Smith and B. Jones", [Author("A. Smith"), Author("B. Jones")]),
        (
            "A. Smith, B. Jones, and C. Wu",
            [Author("A. Smith"), Author("B. Jones"), Author("C. Wu")],
        ),
        (
            "A. Smith (Chicago, KICP and Fermilab), B. Jones",
            [Author("A. Smith", "Chicago, KICP and Fermilab"), Author("B. Jones")],
        ),
        ("Zhe (Rita) Liang, M. Radulescu", [Author("Zhe (Rita) Liang"), Author("M. Radulescu")]),
        ("A. Smith (1,2), B. Jones (2)", [Author("A. Smith"), Author("B. Jones")]),
        (
            "A. Smith (1), B. Jones (2); (1 - Univ A; 2 - Univ B)",
            [Author("A. Smith", "Univ A"), Author("B. Jones", "Univ B")],
        ),
        ("J. Doe (for the STAR Collaboration)", [Author("J. Doe")]),
        ("A. Smith, the X Collaboration", [Author("A. Smith"), Author("X Collaboration")]),
        ("A. Smith, (750 additional authors not shown)", [Author("A. Smith")]),
        ("James Valles, Jr., B. Jones", [Author("James Valles Jr."), Author("B. Jones")]),
    ],
)
def test_parse_authors(raw: str, expected: list[Author]) -> None:
    assert parse_authors(raw) == expected


def test_malformed_file_is_rejected(shared_data: Path) -> None:
    assert _members(shared_data / TARBALL)[MALFORMED] == b""
    assert _parse(shared_data, MALFORMED) == [Rejected(MALFORMED, "empty file")]


_HEADER = b"------\n\\\\\narXiv:2401.01234\nDate: Mon, 1 Jan 2024 10:00:00 GMT   (1kb)\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"just some text\n", "no \\\\ header block"),
        (b"------\n\\\\\nTitle: No id\nDate: Mon, 1 Jan 2024 10:00:00 GMT\n\\\\\n", "arXiv id"),
        (_HEADER.replace(b"Mon, 1 Jan 2024", b"sometime") + b"Title: T\n\\\\\nA\n\\\\\n", "date"),
        (_HEADER + b"\\\\\nAbstract.\n\\\\\n", "missing title"),
        (b"------\n\\\\\narXiv:2401.01234\nTitle: T\n\\\\\nA\n\\\\\n", "no Date line"),
        (_HEADER + b"this is not a header line\n\\\\\nA\n\\\\\n", "unexpected header line"),
    ],
)
def test_not_a_paper_is_rejected(data: bytes, reason: str) -> None:
    records = list(parse_abs(io.BytesIO(data), origin="bad.abs"))
    assert len(records) == 1
    rejected = records[0]
    assert isinstance(rejected, Rejected)
    assert rejected.where == "bad.abs"
    assert reason in rejected.reason


def test_parse_rate_over_all_files(shared_data: Path) -> None:
    members = _members(shared_data / TARBALL)
    assert len(members) == ABS_FILES
    records = [
        r for name, data in members.items() for r in parse_abs(io.BytesIO(data), origin=name)
    ]
    papers = [r for r in records if isinstance(r, Paper)]
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert len(papers) == ABS_FILES - 1
    assert rejected == [Rejected(MALFORMED, "empty file")]
    assert len({p.id for p in papers}) == DISTINCT_IDS
    assert all(p.title and p.published_at and p.version for p in papers)


def test_import_tarball_then_reimport(shared_data: Path, store: Store) -> None:
    tarball = shared_data / TARBALL
    report = import_files(store, [tarball], fmt="auto")
    assert report.errors == []
    assert [r.where for r in report.rejected] == [f"{tarball}!{PREFIX}{MALFORMED}"]
    assert report.counts.new == DISTINCT_IDS
    assert report.counts.new + report.counts.updated + report.counts.unchanged == ABS_FILES - 1
    assert store.count_papers() == DISTINCT_IDS

    # orig/0704.0001v1.abs and ftp/0704.0001.abs are one paper: the later version owns it.
    paper = store.get_paper("0704.0001")
    assert paper is not None
    assert paper.version == 2
    assert paper.comment == "37 pages, 15 figures; published version"
    assert paper.published_at == _utc(2007, 4, 2, 19, 18, 42)
    assert paper.sources == ["arxiv-abs"]
    old_style = store.get_paper("hep-th/9901001")
    assert old_style is not None and old_style.version == 3
    assert old_style.categories == ["hep-th"]
    before = [p.to_dict() for p in store.iter_papers()]

    again = import_files(store, [tarball], fmt="auto")
    assert again.errors == []
    assert len(again.rejected) == 1
    assert (again.counts.new, again.counts.updated) == (0, 0)
    assert again.counts.unchanged == ABS_FILES - 1
    assert [p.to_dict() for p in store.iter_papers()] == before
