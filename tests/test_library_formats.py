"""Reading and writing a reader's library: paperwire's JSON export, BibTeX as Zotero,
Google Scholar, arXiv and ADS write it, and plain lists of ids; hostile files.

The BibTeX files are written here, in each exporter's shape, from real papers of the
2025-2026 arXiv corpus in shared/data.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from paperwire.cite import bibtex, bibtex_key
from paperwire.errors import LibraryFormatError, ParseError
from paperwire.library_formats import (
    MAX_BYTES,
    MAX_ENTRIES,
    MAX_LINES,
    MAX_NOTE,
    MAX_PROBLEMS,
    export_bibtex,
    export_json,
    parse_library,
    sniff_library,
)
from paperwire.models import Author, FeedDate, Paper
from paperwire.store.base_library import Interest, LibraryEntry, ReaderList

CORPUS = "arxiv_daily_cs_2025_2026.jsonl.gz"
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
#: A real paper with a DOI and no arXiv id in the file that names it.
RESNET_DOI = "10.1109/CVPR.2016.90"


@pytest.fixture(scope="module")
def records(shared_data: Path) -> list[dict[str, Any]]:
    """The first 120 papers of the corpus."""
    with gzip.open(shared_data / CORPUS, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in islice(f, 120)]


def paper_of(record: dict[str, Any]) -> Paper:
    return Paper(
        id=record["id"],
        title=record["title"],
        abstract=record["summary"],
        authors=[Author(name) for name in record["authors"]],
        categories=record["categories"],
        abs_url=record["abs"],
        pdf_url=record["pdf"],
        feed_dates=[FeedDate(date.fromisoformat(d), "arxiv") for d in record["feed_dates"]],
    )


def year(record: dict[str, Any]) -> str:
    return record["feed_dates"][0][:4]


def last_first(name: str) -> str:
    parts = name.split()
    return f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else name


def authors(record: dict[str, Any]) -> str:
    return " and ".join(last_first(name) for name in record["authors"])


def first_word(record: dict[str, Any]) -> str:
    return re.findall(r"[A-Za-z]+", record["title"])[0].lower()


def zotero(record: dict[str, Any], *, shape: str = "preprint") -> str:
    """An entry as Zotero 7 exports a preprint: tabs, braced capitals, arXiv's DOI, a
    ``note`` with the id and its category, month as a macro, the attached PDF."""
    pid = record["id"]
    title = re.sub(r"\b([A-Z]\w*)", r"{\1}", record["title"])
    key = f"{record['authors'][0].split()[-1].lower()}_{first_word(record)}_{year(record)}"
    lines = [f"@misc{{{key},", f"\ttitle = {{{title}}},"]
    if shape == "preprint":
        lines += [
            f"\turl = {{http://arxiv.org/abs/{pid}}},",
            f"\tdoi = {{10.48550/arXiv.{pid}}},",
        ]
    else:  # older Zotero: the versioned address only
        lines.append(f"\turl = {{http://arxiv.org/abs/{pid}v2}},")
    lines += [
        f"\tabstract = {{{record['summary']}}},",
        "\turldate = {2026-07-01},",
        "\tpublisher = {arXiv},",
        f"\tauthor = {{{authors(record)}}},",
        "\tmonth = mar,",
        f"\tyear = {{{year(record)}}},",
        f"\tnote = {{arXiv:{pid} [cs]}},",
        "\tkeywords = {Computer Science - Computer Vision and Pattern Recognition},",
        f"\tfile = {{Preprint PDF:/home/reader/Zotero/storage/AB12CD34/{key}.pdf:application/pdf}},",  # noqa: E501
        "}",
    ]
    return "\n".join(lines)


def scholar(record: dict[str, Any]) -> str:
    """An entry as Google Scholar's "Cite" -> BibTeX writes an arXiv paper."""
    key = f"{record['authors'][0].split()[-1].lower()}{year(record)}{first_word(record)}"
    return (
        f"@article{{{key},\n"
        f"  title={{{record['title']}}},\n"
        f"  author={{{authors(record)}}},\n"
        f"  journal={{arXiv preprint arXiv:{record['id']}}},\n"
        f"  year={{{year(record)}}}\n"
        "}"
    )


CVPR_2016 = "2016 {IEEE} {Conference} on {Computer} {Vision} and {Pattern} {Recognition} ({CVPR})"
RESNET_ZOTERO = f"""@inproceedings{{he_deep_2016,
\ttitle = {{Deep {{Residual}} {{Learning}} for {{Image}} {{Recognition}}}},
\turl = {{https://ieeexplore.ieee.org/document/7780459}},
\tdoi = {{{RESNET_DOI}}},
\tbooktitle = {{{CVPR_2016}}},
\tauthor = {{He, Kaiming and Zhang, Xiangyu and Ren, Shaoqing and Sun, Jian}},
\tmonth = jun,
\tyear = {{2016}},
\tpages = {{770--778}},
}}"""

SCHOLAR_NO_ID = """@inproceedings{lecun1989backprop,
  title={Handwritten digit recognition with a back-propagation network},
  author={LeCun, Yann and Boser, Bernhard and Denker, John and others},
  booktitle={Advances in neural information processing systems},
  volume={2},
  year={1989}
}"""


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# -- BibTeX --------------------------------------------------------------------------


def test_zotero_export(records: list[dict[str, Any]]) -> None:
    chosen = records[:6]
    text = "\n\n".join(
        [zotero(r) for r in chosen[:4]]
        + [RESNET_ZOTERO]
        + [zotero(r, shape="older") for r in chosen[4:]]
    )
    library = parse_library(("\ufeff" + text).encode(), name="My Library.bib")
    assert sniff_library(text) == "bibtex"
    assert library.format == "bibtex"
    assert library.lists == {
        "Saved": [r["id"] for r in chosen[:4]]
        + [f"doi:{RESNET_DOI}"]
        + [r["id"] for r in chosen[4:]]
    }
    assert library.problems == []
    assert not (library.read or library.hidden or library.notes or library.authors)


def test_google_scholar_export(records: list[dict[str, Any]]) -> None:
    chosen = records[10:15]
    entries = [scholar(r) for r in chosen]
    text = "\n\n".join([*entries[:2], SCHOLAR_NO_ID, *entries[2:]]) + "\n"
    library = parse_library(text, name="citations.bib", list_name="From Scholar")
    assert library.lists == {"From Scholar": [r["id"] for r in chosen]}
    line = line_of(text, "@inproceedings{lecun1989backprop")
    assert library.problems == [
        f"citations.bib:{line}: entry 'lecun1989backprop' names no arXiv id or DOI: skipped"
    ]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        pytest.param(  # arXiv's own "Export BibTeX citation"
            "@misc{zeng2025industrialgrade,\n      title={Industrial-Grade Sensor Simulation},"
            "\n      author={Xianming Zeng and Sicong Du},\n      year={2025},\n"
            "      eprint={2503.11731},\n      archivePrefix={arXiv},\n"
            "      primaryClass={cs.CV},\n      url={https://arxiv.org/abs/2503.11731},\n}",
            "2503.11731",
            id="arxiv",
        ),
        pytest.param(  # NASA ADS
            "@ARTICLE{2025arXiv250311731Z,\n       author = {{Zeng}, Xianming},\n"
            '        title = "{Industrial-Grade Sensor Simulation}",\n'
            "      journal = {arXiv e-prints},\n         year = 2025,\n"
            "        pages = {arXiv:2503.11731},\n       eprint = {arXiv:2503.11731v2},\n"
            ' archivePrefix = "arXiv",\n}',
            "2503.11731",
            id="ads",
        ),
        pytest.param(
            "@online{zeng2025, title = {T}, eprinttype = {arxiv}, eprint = {2503.11731}}",
            "2503.11731",
            id="biblatex",
        ),
        pytest.param("@misc{z, arxivid = {2503.11731v1}}", "2503.11731", id="arxivid"),
        pytest.param("@misc{z, ARXIV = {arXiv:hep-th/9901001}}", "hep-th/9901001", id="old-id"),
        pytest.param(
            r"@misc{z, howpublished = {\url{https://arxiv.org/pdf/2503.11731v3.pdf}}}",
            "2503.11731",
            id="howpublished",
        ),
        pytest.param("@misc{z, doi = {10.48550/ARXIV.2503.11731}}", "2503.11731", id="arxiv-doi"),
        pytest.param(  # a published version that keeps its arXiv id: the arXiv id wins
            "@article{z, journal = {Nature}, doi = {10.1038/s41586-021-03819-2},\n"
            " note = {arXiv: 2503.11731}}",
            "2503.11731",
            id="arxiv-over-doi",
        ),
        pytest.param(
            "@article{z, url = {https://doi.org/10.1038/s41586-021-03819-2}}",
            "doi:10.1038/s41586-021-03819-2",
            id="doi-link",
        ),
        pytest.param(  # underscores as LaTeX writes them
            r"@inproceedings{z, doi = {10.1007/978-3-030-58452-8{\_}13}}",
            "doi:10.1007/978-3-030-58452-8_13",
            id="doi-underscore",
        ),
        pytest.param(r"@article{z, doi = {10.1000/a\_b}}", "doi:10.1000/a_b", id="doi-escaped"),
        pytest.param(  # another archive's eprint is not an arXiv id
            "@article{z, eprint = {2503.11731}, archivePrefix = {PubMed}, doi = {10.1000/x1}}",
            "doi:10.1000/x1",
            id="other-archive",
        ),
    ],
)
def test_bibtex_shapes(entry: str, expected: str) -> None:
    library = parse_library(entry, name="one.bib")
    assert library.lists == {"Saved": [expected]}
    assert library.problems == []


def test_unreal_ids_are_not_taken() -> None:
    text = "@misc{a, eprint = {9999.99999}}\n@misc{b, journal = {arXiv preprint arXiv:2513.00001}}"
    library = parse_library(text, name="x.bib")
    assert library.lists == {"Saved": []}
    assert [p.split(": ", 1)[1] for p in library.problems] == [
        "entry 'a' names no arXiv id or DOI: skipped",
        "entry 'b' names no arXiv id or DOI: skipped",
    ]
    assert [p.split(":")[1] for p in library.problems] == ["1", "2"]


def test_broken_entry_between_good_ones(records: list[dict[str, Any]]) -> None:
    first, second, third = (scholar(r) for r in records[20:23])
    broken = "@article{broken2025,\n  title={A title whose brace never closes,\n  year={2025}\n"
    text = "\n\n".join([first, broken, second, third])
    library = parse_library(text.encode(), name="mixed.bib")
    assert library.lists == {"Saved": [r["id"] for r in records[20:23]]}
    assert len(library.problems) == 1
    problem = library.problems[0]
    assert problem.startswith(f"mixed.bib:{line_of(text, '@article{broken2025')}: ")
    assert "'broken2025' cannot be read" in problem and problem.endswith("skipped")


def test_bibtex_with_nothing_readable_is_an_error() -> None:
    text = "% my papers\n\n@article{only,\n  title = {Never closed,\n  year = 2025\n"
    with pytest.raises(LibraryFormatError) as caught:
        parse_library(text, name="broken.bib")
    assert caught.value.where == "broken.bib:3"
    assert "'only' cannot be read" in str(caught.value)
    assert isinstance(caught.value, ParseError)


def test_duplicate_keys_and_fields_keep_their_entries() -> None:
    text = (
        "@misc{same, eprint = {2503.11731}, archivePrefix = {arXiv}}\n"
        "@misc{same, eprint = {2503.11732}, archivePrefix = {arXiv}}\n"
        "@misc{twice, eprint = {2503.11733}, eprint = {2503.11734}}\n"
        "@misc{again, eprint = {2503.11731}}\n"
    )
    library = parse_library(text, name="dups.bib")
    assert library.lists == {"Saved": ["2503.11731", "2503.11732", "2503.11733"]}
    assert library.problems == []


def test_control_characters_in_bibtex() -> None:
    text = "@misc{bell\x07, title = {\x1b[31mred\x1b[0m}, note = {arXiv:2503.11731\x08}}\n"
    text += "@misc{esc\x1b, title = {Nothing here}}\n"
    library = parse_library(text, name="ctrl.bib")
    assert library.lists == {"Saved": ["2503.11731"]}  # the stray character is dropped
    assert library.problems == ["ctrl.bib:2: entry 'esc' names no arXiv id or DOI: skipped"]


def test_control_characters_in_json() -> None:
    text = (
        '{"format": "paperwire-library", "version": 1, "lists": [{"name": "Tab\there",\n'
        '"papers": [{"id": "2503.11731"}, {"id": "2503.11732\u0007"}, {"id": "2503.11733"}]}],'
        '\n"papers": [{"id": "2503.11731", "note": "a\ttab and a bell"}]}'
    )
    library = parse_library(text, name="ctrl.json")
    assert library.lists == {"Tab here": ["2503.11731"]}
    assert library.notes == {"2503.11731": "a\ttab and a bell"}
    assert len(library.problems) == 2
    for problem in library.problems:
        assert problem.startswith("ctrl.json:2: list 'Tab here': id ")
        assert "\\x07" in problem and "\x07" not in problem


# -- plain text ------------------------------------------------------------------------


def test_ids_links_and_dois_a_line() -> None:
    text = "\r\n".join(
        [
            "# my reading list",
            "2503.11731",
            "2503.11732v2",
            "",
            "https://arxiv.org/abs/2503.11733v1   # the one with the figures",
            "http://arxiv.org/pdf/2503.11734",
            "arxiv.org/pdf/2503.11735v3.pdf",
            "https://export.arxiv.org/abs/hep-th/9901001v2",
            "arXiv:2503.11736",
            "arXiv: 2503.11737",
            "doi:10.1145/3580305.3599256",
            "https://doi.org/10.1109/CVPR.2016.90",
            "10.48550/arXiv.2503.11738",
            "2503.11731",
            "   ",
            "not an id at all",
            "https://example.org/abs/2503.11739",
            "9999.99999",
            "2503.11740\x07",
            "2503.11741 2503.11742",
        ]
    )
    library = parse_library(text.encode(), name="ids.txt", list_name="To read")
    assert library.format == "text"
    assert library.lists == {
        "To read": [
            "2503.11731",
            "2503.11732",
            "2503.11733",
            "2503.11734",
            "2503.11735",
            "hep-th/9901001",
            "2503.11736",
            "2503.11737",
            "doi:10.1145/3580305.3599256",
            f"doi:{RESNET_DOI}",
            "2503.11738",
            "2503.11741",
            "2503.11742",
        ]
    }
    assert [p.split(": ", 1)[0] for p in library.problems] == [
        "ids.txt:16",
        "ids.txt:17",
        "ids.txt:18",
        "ids.txt:19",
    ]
    assert library.problems[0].endswith("found 'not an id at all'")
    assert "\\x07" in library.problems[3]  # shown escaped, never written as it is


# -- JSON ------------------------------------------------------------------------------


def sample_library(records: list[dict[str, Any]]) -> tuple[str, dict[str, Paper]]:
    papers = {r["id"]: paper_of(r) for r in records[30:40]}
    ids = list(papers)
    lists = [
        ReaderList(1, 7, "Saved", False, NOW, count=4),
        ReaderList(2, 7, "Diffusion ✨", True, NOW, count=3),
        ReaderList(3, 7, "Empty", False, NOW),
    ]
    list_papers = {1: ids[:4], 2: [ids[5], ids[2], ids[6]], 3: []}
    entries = [
        LibraryEntry(ids[0], ("Saved",), is_read=True, added_at=NOW),
        LibraryEntry(
            ids[1], ("Saved",), note="Read §3 again.\nCompare with Table 2.", added_at=NOW
        ),
        LibraryEntry(ids[2], ("Saved", "Diffusion ✨"), added_at=NOW),
        LibraryEntry(ids[3], ("Saved",), added_at=NOW),
        LibraryEntry(ids[5], ("Diffusion ✨",), added_at=NOW),
        LibraryEntry(ids[6], ("Diffusion ✨",), is_read=True, added_at=NOW),
        LibraryEntry(ids[8], is_hidden=True),
        LibraryEntry("listing:3f2a9c0d1e2b4a5f", note="a paper from a listing file"),
    ]
    interests = [
        Interest("author", "Yann LeCun", NOW),
        Interest("topic", "diffusion models for video", NOW),
        Interest("author", "Fei-Fei Li", NOW),
    ]
    text = export_json(
        email="ada@example.org",
        lists=lists,
        list_papers=list_papers,
        entries=entries,
        interests=interests,
        papers=papers,
        exported_at=NOW,
    )
    return text, papers


def test_json_export_shape(records: list[dict[str, Any]]) -> None:
    text, papers = sample_library(records)
    doc = json.loads(text)
    assert doc["format"] == "paperwire-library" and doc["version"] == 1
    assert doc["exported_at"] == "2026-07-01T12:00:00+00:00"
    assert doc["email"] == "ada@example.org"
    assert [(li["name"], li["public"], len(li["papers"])) for li in doc["lists"]] == [
        ("Saved", False, 4),
        ("Diffusion ✨", True, 3),
        ("Empty", False, 0),
    ]
    first = doc["lists"][0]["papers"][0]
    assert first == {
        "id": first["id"],
        "title": papers[first["id"]].title,
        "added_at": "2026-07-01T12:00:00+00:00",
    }
    assert {"id", "title", "read", "hidden", "note"} == set(doc["papers"][0])
    assert doc["papers"][-1]["title"] is None  # a paper the store does not hold
    assert doc["interests"] == {
        "authors": ["Yann LeCun", "Fei-Fei Li"],
        "topics": ["diffusion models for video"],
    }


def test_json_round_trip(records: list[dict[str, Any]]) -> None:
    text, _ = sample_library(records)
    doc = json.loads(text)
    library = parse_library(text.encode(), name="library.json")
    assert library.format == "json"
    assert library.lists == {li["name"]: [p["id"] for p in li["papers"]] for li in doc["lists"]}
    assert library.public_lists == {"Diffusion ✨"}
    assert library.read == {p["id"] for p in doc["papers"] if p["read"]}
    assert library.hidden == {p["id"] for p in doc["papers"] if p["hidden"]}
    assert library.notes == {p["id"]: p["note"] for p in doc["papers"] if p["note"]}
    assert library.authors == ["Yann LeCun", "Fei-Fei Li"]
    assert library.topics == ["diffusion models for video"]
    assert library.problems == []


def test_json_bad_entries_are_problems_with_their_lines() -> None:
    doc = {
        "format": "paperwire-library",
        "version": 1,
        "lists": [
            {"name": "Saved", "papers": [{"id": "2503.11731v4"}, {"id": "javascript:x"}]},
            {"name": "  ", "papers": [{"id": "2503.11732"}]},
            {"name": "saved", "papers": ["2503.11733", {"id": 42}]},
            {"name": "L\x1bname\u0007", "papers": [{"id": "https://arxiv.org/abs/2503.11734"}]},
            "not a list",
        ],
        "papers": [
            {"id": "2503.11731", "read": True, "note": "x" * (MAX_NOTE + 5)},
            {"id": "2503.11733", "hidden": True, "note": "bell\u0007 \ud800ok"},
            {"id": "2503.11735", "read": "yes"},
            {"title": "no id"},
        ],
        "interests": {"authors": ["  Ada   Lovelace ", "", 7], "topics": "not a list"},
    }
    text = json.dumps(doc, indent=2)
    library = parse_library(text, name="edited.json")
    assert library.lists == {
        "Saved": ["2503.11731", "2503.11733"],
        "Lname": ["2503.11734"],
    }
    assert library.read == {"2503.11731"}  # "yes" is not true
    assert library.hidden == {"2503.11733"}
    assert library.notes["2503.11731"] == "x" * MAX_NOTE
    assert library.notes["2503.11733"] == "bell ok"
    assert library.authors == ["Ada Lovelace"]
    assert library.topics == []
    lines = text.split("\n")
    for problem in library.problems:
        name, line, what = problem.split(":", 2)
        assert name == "edited.json"
        assert 1 <= int(line) <= len(lines)
    by_what = {p.split(":", 2)[2].strip(): int(p.split(":")[1]) for p in library.problems}
    bad_id = next(line for what, line in by_what.items() if "'javascript:x'" in what)
    assert '"id": "javascript:x"' in lines[bad_id] or '"id": "javascript:x"' in lines[bad_id - 1]
    assert any("lists[1] has no name" in w for w in by_what)
    assert any("a paper's id must be text, not a number" in w for w in by_what)
    assert any("cut to 20,000 characters" in w for w in by_what)
    no_id = line_of(text, '"title": "no id"') - 1  # the line of its opening brace
    assert by_what["papers: a paper without an id: skipped"] == no_id
    # a value that is not an object is found by the line of the array holding it
    assert by_what["lists[4] must be an object, not text: skipped"] == line_of(text, '"lists": [')
    assert any("interests.topics must be a list" in w for w in by_what)
    assert len(library.problems) == 9


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('{"format": "paperwire-library",\n "version": 1,\n "lists": [', "x.json:3", "not valid"),
        ('{"some": "other json"}', "x.json", "not a paperwire library export"),
        ('["2503.11731"]', "x.json", "not a paperwire library export"),
        ('{"format": "paperwire-library", "version": 2}', "x.json", "newer paperwire"),
        ('{"format": "paperwire-library", "version": "1"}', "x.json:1", "whole number"),
        ('{"format": "paperwire-library", "version": 1,\n"lists": {}}', "x.json:1", "a list"),
    ],
)
def test_json_errors(text: str, where: str, message: str) -> None:
    with pytest.raises(LibraryFormatError) as caught:
        parse_library(text, name="x.json")
    assert caught.value.where == where
    assert message in caught.value.message


def test_truncated_export_names_its_line(records: list[dict[str, Any]]) -> None:
    text, _ = sample_library(records)
    cut = text[: len(text) // 2]
    with pytest.raises(LibraryFormatError) as caught:
        parse_library(cut.encode(), name="library.json")
    assert caught.value.where == f"library.json:{cut.count(chr(10)) + 1}"


# -- BibTeX export -------------------------------------------------------------------


def test_bibtex_round_trip(records: list[dict[str, Any]]) -> None:
    papers = [paper_of(r) for r in records]
    twin = paper_of(records[0])
    twin.id, twin.doi = "2503.99999", None  # the same first author, year and title word
    doi_paper = Paper(
        id=f"doi:{RESNET_DOI}",
        title="Deep Residual Learning for Image Recognition",
        authors=[Author("Kaiming He"), Author("Xiangyu Zhang")],
        doi=RESNET_DOI,
        published_at=datetime(2016, 6, 27, tzinfo=UTC),
    )
    odd = Paper(
        id="2503.11730",
        title="Pass@{k} for @misc{ entries, {unbalanced} } braces { and 100% $x_{1}$",
        authors=[Author("Ada Lovelace")],
    )
    chosen = [*papers, papers[3], twin, doi_paper, odd]
    text = export_bibtex(chosen)
    keys = re.findall(r"^@misc\{([^,]+),", text, re.MULTILINE)
    assert len(keys) == len(set(keys)) == len(papers) + 3
    assert f"{bibtex_key(twin)}-2" in keys
    library = parse_library(text, name="export.bib")
    assert library.lists == {"Saved": [p.id for p in [*papers, twin, doi_paper, odd]]}
    assert library.problems == []


def test_one_bibtex_entry_reads_back(records: list[dict[str, Any]]) -> None:
    paper = paper_of(records[50])
    entry = bibtex(paper)
    assert entry.startswith(f"@misc{{{bibtex_key(paper)},")
    assert parse_library(entry, name="one.bib").lists == {"Saved": [paper.id]}
    assert bibtex(paper, key="mine").startswith("@misc{mine,")


# -- hostile files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        (b"2503.11731\nCaf\xe9 au lait\n", "f:2", "not UTF-8"),
        ("2503.11731\n".encode("utf-16"), "f", "UTF-16"),
        (b"2503.11731\n\x00\x01\x02binary", "f:2", "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "f:1", "not UTF-8"),
        ("[" * 100_000, "f", "nested too deeply"),
        ('{"a":' * 50_000, "f", "nested too deeply"),
        ("{" + '"a":1,' * 1_100_000 + '"b":1}', "f", "JSON values"),
    ],
)
def test_hostile_input_is_a_clear_error(data: bytes | str, where: str, message: str) -> None:
    with pytest.raises(LibraryFormatError) as caught:
        parse_library(data, name="f")
    assert caught.value.where == where
    assert message in caught.value.message


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", " \n\t\r\n"])
def test_empty_file_is_an_error(data: bytes | str) -> None:
    with pytest.raises(LibraryFormatError, match="empty"):
        parse_library(data, name="empty.txt")


def test_random_bytes_are_an_error() -> None:
    data = os.urandom(64 * 1024)
    with pytest.raises(LibraryFormatError):
        parse_library(data, name="noise")


def test_size_limits() -> None:
    with pytest.raises(LibraryFormatError, match="larger than an import may be"):
        parse_library(b"2503.11731\n" * (MAX_BYTES // 11 + 1), name="big.txt")
    with pytest.raises(LibraryFormatError, match="entries, more than an import may hold"):
        parse_library("@misc{a, eprint={2503.11731}}\n" * (MAX_ENTRIES + 1), name="big.bib")
    with pytest.raises(LibraryFormatError, match="lines, more than an import may read"):
        parse_library("#\n" * MAX_LINES, name="comments.txt")
    ids = "\n".join(f"2501.{n:05d}" for n in range(1, MAX_ENTRIES + 2))
    with pytest.raises(LibraryFormatError, match="papers, more than an import may hold"):
        parse_library(ids, name="many.txt")


def test_problems_are_capped() -> None:
    text = "\n".join(f"line {n}" for n in range(MAX_PROBLEMS + 50)) + "\n2503.11731"
    library = parse_library(text, name="junk.txt")
    assert library.lists == {"Saved": ["2503.11731"]}
    assert len(library.problems) == MAX_PROBLEMS + 1
    assert library.problems[-1] == "junk.txt: and 50 more problems"


def test_long_lines_and_fields_are_read_quickly() -> None:
    long_field = "@misc{a, eprint={2503.11731}, abstract={" + "x" * 5_000_000 + "}}"
    assert parse_library(long_field, name="a.bib").lists == {"Saved": ["2503.11731"]}
    one_line = "y" * 5_000_000
    library = parse_library(one_line, name="line.txt")
    assert library.lists == {"Saved": []}
    assert len(library.problems) == 1 and len(library.problems[0]) < 200
