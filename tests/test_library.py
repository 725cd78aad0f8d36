"""A reader's library (``paperwire.library``) on a real SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from paperwire import library
from paperwire.errors import LibraryFormatError
from paperwire.library import (
    DEFAULT_LIST,
    BadListName,
    ListNameTaken,
    NoSuchList,
    NoteTooLong,
)
from paperwire.models import Paper

pytestmark = pytest.mark.both_backends

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
IDS = [f"2601.0000{n}" for n in range(1, 8)]


@pytest.fixture
def reader(store):
    papers = [
        Paper(id=pid, title=f"Paper {n}", abstract="Text.", sources=["test"])
        for n, pid in enumerate(IDS, 1)
    ]
    papers.append(
        Paper(
            id="2601.00008",
            title="With a journal DOI",
            abstract="Text.",
            doi="10.1145/3580305.3599256",
            sources=["test"],
        )
    )
    papers.append(Paper(id="doi:10.5555/only.doi", title="Only a DOI", sources=["test"]))
    store.upsert_papers(papers)
    return store.add_user("ada@example.org", role="reader", now=NOW).id


@pytest.fixture
def other(store):
    return store.add_user("bo@example.org", role="reader", now=NOW).id


def test_references_are_resolved_by_id_link_and_doi_in_order_each_once(store, reader):
    found = library.resolve(
        store,
        [
            "https://arxiv.org/abs/2601.00003v2",
            "arXiv:2601.00001",
            "2601.00003",
            "10.1145/3580305.3599256",
            "https://doi.org/10.5555/only.doi",
            "2601.09999",
            "not an id",
            "",
        ],
    )
    assert found.ids == ["2601.00003", "2601.00001", "2601.00008", "doi:10.5555/only.doi"]
    assert found.unknown == ["2601.09999", "not an id"]


def test_save_makes_the_list_keeps_the_order_given_and_reports_unknown(store, reader):
    change = library.save(store, reader, ["2601.00001", "2601.00002", "2601.99999"], now=NOW)
    assert change.list_name == DEFAULT_LIST
    assert change.changed == ["2601.00001", "2601.00002"]
    assert change.unknown == ["2601.99999"]
    later = NOW.replace(minute=5)
    again = library.save(store, reader, ["2601.00002", "2601.00003"], now=later)
    assert again.changed == ["2601.00003"]
    view = library.library_view(store, reader, list_name=DEFAULT_LIST)
    assert [p.id for p, _ in view] == ["2601.00003", "2601.00002", "2601.00001"]
    reading = library.save(store, reader, ["2601.00001"], list_name="  Reading   group ")
    assert reading.list_name == "Reading group"
    entry = dict((p.id, e) for p, e in library.library_view(store, reader))["2601.00001"]
    assert entry.lists == (DEFAULT_LIST, "Reading group")


def test_save_of_nothing_known_makes_no_list(store, reader):
    change = library.save(store, reader, ["2601.99999"], list_name="Empty")
    assert (change.changed, change.unknown) == ([], ["2601.99999"])
    assert store.find_list(reader, "Empty") is None


def test_remove_from_one_list_or_from_every_list(store, reader):
    library.save(store, reader, IDS[:3], now=NOW)
    library.save(store, reader, IDS[:2], list_name="Other", now=NOW)
    one = library.remove(store, reader, ["2601.00001"], list_name="other")
    assert (one.list_name, one.changed) == ("Other", ["2601.00001"])
    every = library.remove(store, reader, ["2601.00002", "2601.00001", "2601.00005"])
    assert (every.list_name, every.changed) == (None, ["2601.00002", "2601.00001"])
    assert store.list_paper_ids(store.find_list(reader, DEFAULT_LIST).id) == ["2601.00003"]
    with pytest.raises(NoSuchList, match="no list called 'Nope'"):
        library.remove(store, reader, ["2601.00003"], list_name="Nope")


def test_hide_leaves_lists_alone_and_is_a_negative_signal(store, reader):
    library.save(store, reader, ["2601.00001"], now=NOW)
    change = library.hide(store, reader, ["2601.00001", "2601.00002"], now=NOW)
    assert change.changed == ["2601.00001", "2601.00002"]
    assert library.hide(store, reader, ["2601.00002"], now=NOW).changed == []
    entries = store.library_entries(reader)
    assert entries["2601.00001"].lists == (DEFAULT_LIST,) and entries["2601.00001"].is_hidden
    signals = store.signals(reader)
    assert signals.positives == [] and signals.negatives == ["2601.00001", "2601.00002"]
    assert {"2601.00001", "2601.00002"} <= store.excluded_ids(reader)
    undone = library.hide(store, reader, ["2601.00002"], hidden=False, now=NOW)
    assert undone.changed == ["2601.00002"]
    assert "2601.00002" not in store.library_entries(reader)


def test_read_marks_and_notes(store, reader):
    assert library.mark_read(store, reader, ["2601.00004"], now=NOW).changed == ["2601.00004"]
    assert library.mark_read(store, reader, ["2601.00004"], read=False).changed == ["2601.00004"]
    assert library.set_note(store, reader, "arXiv:2601.00005", "  look \x07at fig 3 \n", now=NOW)
    assert store.library_entries(reader)["2601.00005"].note == "look at fig 3"
    assert library.set_note(store, reader, "2601.99999", "x") is False
    with pytest.raises(NoteTooLong, match="20,000 characters"):
        library.set_note(store, reader, "2601.00005", "x" * 20_001)
    assert library.set_note(store, reader, "2601.00005", "   ")
    assert "2601.00005" not in store.library_entries(reader)


def test_lists_are_made_renamed_shared_and_deleted_with_validation(store, reader, other):
    made = library.create_list(store, reader, "Reading group", is_public=True, now=NOW)
    assert (made.name, made.is_public) == ("Reading group", True)
    with pytest.raises(ListNameTaken):
        library.create_list(store, reader, "reading GROUP")
    with pytest.raises(BadListName, match="needs a name"):
        library.create_list(store, reader, " \x00 ")
    with pytest.raises(BadListName, match="longer than 80"):
        library.create_list(store, reader, "x" * 81)
    renamed = library.rename_list(store, reader, made.id, "Journal club")
    assert renamed.name == "Journal club"
    assert library.set_public(store, reader, "journal club", False).is_public is False
    library.save(store, reader, ["2601.00001"])
    with pytest.raises(BadListName, match="keeps its name"):
        library.rename_list(store, reader, DEFAULT_LIST, "Mine")
    with pytest.raises(NoSuchList):  # another reader's list is no list of theirs
        library.delete_list(store, other, made.id)
    assert library.delete_list(store, reader, made.id) is True
    with pytest.raises(NoSuchList):
        library.find_reader_list(store, reader, "Journal club")


def test_library_view_pages_and_filters(store, reader):
    library.save(store, reader, IDS[:5], now=NOW)
    library.hide(store, reader, ["2601.00006"], now=NOW)
    library.mark_read(store, reader, ["2601.00002"], now=NOW)
    listed = library.library_view(store, reader, list_name=DEFAULT_LIST, limit=2, offset=1)
    assert [p.id for p, _ in listed] == ["2601.00004", "2601.00003"]
    assert {p.id for p, _ in library.library_view(store, reader, only="hidden")} == {"2601.00006"}
    saved = library.library_view(store, reader, only="saved", limit=100)
    assert [p.id for p, _ in saved] == IDS[:5][::-1]
    read = library.library_view(store, reader, list_name=DEFAULT_LIST, only="read")
    assert [(p.id, e.is_read) for p, e in read] == [("2601.00002", True)]


def _build(store, reader) -> None:
    library.save(store, reader, ["2601.00001", "2601.00002", "2601.00003"], now=NOW)
    library.save(store, reader, ["2601.00003", "doi:10.5555/only.doi"], list_name="Club", now=NOW)
    library.set_public(store, reader, "Club", True)
    library.mark_read(store, reader, ["2601.00001"], now=NOW)
    library.hide(store, reader, ["2601.00007"], now=NOW)
    library.set_note(store, reader, "2601.00002", "Read with Bo", now=NOW)
    store.add_interest(reader, "author", "Ada Lovelace", now=NOW)
    store.add_interest(reader, "topic", "graph diffusion", now=NOW)


def _snapshot(store, user_id):
    lists = {
        lst.name: (lst.is_public, store.list_paper_ids(lst.id))
        for lst in store.reader_lists(user_id)
    }
    entries = {
        pid: (e.lists, e.is_read, e.is_hidden, e.note)
        for pid, e in store.library_entries(user_id).items()
    }
    interests = [(i.kind, i.value) for i in store.interests(user_id)]
    return lists, entries, interests


def test_json_export_imported_by_another_reader_gives_the_same_library(store, reader, other):
    _build(store, reader)
    exported = library.export_library(store, reader, fmt="json", now=NOW)
    doc = json.loads(exported)
    assert doc["email"] == "ada@example.org"
    assert [p["id"] for p in doc["lists"][0]["papers"]] == IDS[:3]  # oldest first
    report = library.import_library(store, other, exported.encode(), name="ada.json", now=NOW)
    assert report.ok, report
    assert report.lists == {DEFAULT_LIST: 3, "Club": 2}
    assert (report.read, report.hidden, report.notes, report.interests) == (1, 1, 1, 2)
    assert report.public == ["Club"]
    assert _snapshot(store, other) == _snapshot(store, reader)
    again = library.import_library(store, other, exported.encode(), name="ada.json", now=NOW)
    assert again.added == 0 and again.read == 0 and again.interests == 0


def test_bibtex_export_names_every_saved_paper_once(store, reader):
    _build(store, reader)
    text = library.export_library(store, reader, fmt="bibtex")
    assert text.count("@misc{") == 4
    assert "Paper 7" not in text  # hidden, in no list
    one = library.export_library(store, reader, fmt="bibtex", list_name="Club")
    assert one.count("@misc{") == 2


def test_import_of_ids_reports_unknown_and_problems_and_keeps_the_rest(store, reader):
    data = b"2601.00002\nhttps://arxiv.org/abs/2601.00001v3\n# a comment\n2601.09999\nhello\n"
    report = library.import_library(store, reader, data, name="ids.txt", list_name="From sanity")
    assert report.format == "text"
    assert report.lists == {"From sanity": 2}
    assert report.unknown == ["2601.09999"]
    assert report.problems == [
        "ids.txt:5: expected an arXiv id, arXiv address or DOI, found 'hello'"
    ]
    assert not report.ok
    ids = store.list_paper_ids(store.find_list(reader, "From sanity").id)
    assert ids == ["2601.00001", "2601.00002"]  # the last of the file on top
    assert store.signals(reader).revision == 1  # one change for the whole list


def test_bibtex_import_finds_arxiv_ids_and_dois(store, reader):
    data = b"""
@article{a, title={One}, eprint={2601.00004}, archivePrefix={arXiv}}
@inproceedings{b, title={Two}, doi={10.1145/3580305.3599256}}
@misc{c, title={Three}, url={https://arxiv.org/abs/2601.00005v1}}
@book{d, title={No id}}
"""
    report = library.import_library(store, reader, data, name="zotero.bib", now=NOW)
    assert report.lists == {DEFAULT_LIST: 3}
    assert report.unknown == [] and len(report.problems) == 1
    assert "names no arXiv id or DOI" in report.problems[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "bad:1: not UTF-8 text"),
        (b"PK\x03\x04\x14\x00\x00\x00", "bad:1: a binary file"),
        (b'{"format": "paperwire-library", "version": 1, "lists": [', "not valid JSON"),
        (b"", "empty"),
    ],
)
def test_an_unreadable_file_writes_nothing(store, reader, data, message):
    before = _snapshot(store, reader)
    with pytest.raises(LibraryFormatError, match=message):
        library.import_library(store, reader, data, name="bad")
    assert _snapshot(store, reader) == before


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_an_import_failing_half_way_leaves_the_library_as_it_was(store, reader, tmp_path):
    """The database refuses the import's last write (its interests, after lists, marks
    and notes): everything the import wrote before is rolled back."""
    import sqlite3

    _build(store, reader)
    before = _snapshot(store, reader)
    with sqlite3.connect(tmp_path / "paperwire.db") as db:
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON reader_interests "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    doc = {
        "format": "paperwire-library",
        "version": 1,
        "lists": [{"name": "New", "papers": ["2601.00006"]}, {"name": "Saved", "papers": IDS}],
        "papers": [{"id": "2601.00006", "read": True, "hidden": True, "note": "n"}],
        "interests": {"authors": ["Bo"], "topics": []},
    }
    with pytest.raises(sqlite3.IntegrityError, match="refused"):
        library.import_library(store, reader, json.dumps(doc).encode(), name="x.json")
    assert _snapshot(store, reader) == before


def test_follow_authors_and_topics_with_validation(store, reader):
    assert library.follow(store, reader, "author", " Ada   Lovelace ", now=NOW) is True
    assert library.follow(store, reader, "author", "Ada Lovelace", now=NOW) is False
    assert library.follow(store, reader, "topic", "graph diffusion", now=NOW) is True
    assert [(i.kind, i.value) for i in store.interests(reader)] == [
        ("author", "Ada Lovelace"),
        ("topic", "graph diffusion"),
    ]
    assert library.follow(store, reader, "topic", "graph diffusion", following=False) is True
    with pytest.raises(library.LibraryError, match="1 to 200 characters"):
        library.follow(store, reader, "topic", "x" * 201)
    with pytest.raises(library.LibraryError, match="an author or a topic"):
        library.follow(store, reader, "venue", "NeurIPS")  # type: ignore[arg-type]
    assert store.signals(reader).interests[0].value == "Ada Lovelace"
