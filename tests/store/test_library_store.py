"""Readers' libraries in the store: lists, marks, notes, interests, signals and models."""

from datetime import UTC, datetime, timedelta

import pytest

from paperwire.models import Paper
from paperwire.store.base_library import DEFAULT_LIST, ListNameTaken, StoredModel

pytestmark = pytest.mark.both_backends

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def reader(store):
    store.upsert_papers(
        Paper(id=f"2601.0000{n}", title=f"Paper {n}", abstract="Text.", sources=["test"])
        for n in range(1, 7)
    )
    return store.add_user("ada@example.org", role="reader", now=NOW)


def test_lists_are_made_once_per_name_and_keep_papers_that_exist(store, reader):
    saved = store.ensure_list(reader.id, DEFAULT_LIST, now=NOW)
    assert store.ensure_list(reader.id, "saved", now=NOW).id == saved.id
    later = NOW + timedelta(minutes=1)
    assert store.add_to_list(saved.id, ["2601.00001", "2601.00002", "9999.99999"], now=NOW) == [
        "2601.00001",
        "2601.00002",
    ]
    assert store.add_to_list(saved.id, ["2601.00002", "2601.00003"], now=later) == ["2601.00003"]
    assert store.list_paper_ids(saved.id) == ["2601.00003", "2601.00001", "2601.00002"]
    assert store.list_paper_ids(saved.id, limit=1, offset=1) == ["2601.00001"]
    reading = store.ensure_list(reader.id, "Reading  group", now=NOW)
    assert reading.name == "Reading group"
    assert [lst.name for lst in store.reader_lists(reader.id)] == [DEFAULT_LIST, "Reading group"]
    assert store.get_list(saved.id).count == 3
    assert store.remove_from_list(saved.id, ["2601.00001", "2601.00005"]) == ["2601.00001"]
    assert store.get_list(saved.id).count == 2


def test_a_list_is_renamed_and_shared_but_never_to_a_name_taken(store, reader):
    one = store.ensure_list(reader.id, "One", now=NOW)
    store.ensure_list(reader.id, "Two", now=NOW)
    with pytest.raises(ListNameTaken):
        store.update_list(one.id, name="two")
    shared = store.update_list(one.id, name="First", is_public=True)
    assert (shared.name, shared.is_public) == ("First", True)
    assert store.find_list(reader.id, "FIRST").id == one.id
    assert store.delete_list(one.id) is True
    assert store.get_list(one.id) is None and store.delete_list(one.id) is False


def test_marks_and_notes_are_kept_per_reader_and_forgotten_when_cleared(store, reader):
    other = store.add_user("bo@example.org", role="reader", now=NOW)
    assert store.set_marks(reader.id, ["2601.00001", "2601.00002"], read=True, now=NOW) == [
        "2601.00001",
        "2601.00002",
    ]
    assert store.set_marks(reader.id, ["2601.00001"], read=True, now=NOW) == []
    assert store.set_marks(reader.id, ["2601.00003"], hidden=True, now=NOW) == ["2601.00003"]
    assert store.set_note(reader.id, "2601.00001", "  check eq. 3  ", now=NOW) is True
    assert store.set_note(reader.id, "9999.99999", "no such paper", now=NOW) is False
    entries = store.library_entries(reader.id)
    assert entries["2601.00001"].note == "check eq. 3" and entries["2601.00001"].is_read
    assert entries["2601.00003"].is_hidden and not entries["2601.00003"].is_read
    assert store.library_entries(other.id) == {}
    store.set_marks(reader.id, ["2601.00002"], read=False, now=NOW)
    store.set_note(reader.id, "2601.00001", "", now=NOW)
    entries = store.library_entries(reader.id)
    assert "2601.00002" not in entries and entries["2601.00001"].note is None
    assert set(store.library_entries(reader.id, ["2601.00003"])) == {"2601.00003"}


def test_signals_count_saves_upvotes_hides_and_interests_but_not_reading(store, reader):
    assert store.signals(reader.id).revision == 0
    assert store.readers_to_train("fast") == []
    saved = store.ensure_list(reader.id, DEFAULT_LIST, now=NOW)
    store.add_to_list(saved.id, ["2601.00001"], now=NOW)
    store.add_upvote(reader.id, "2601.00002", now=NOW + timedelta(minutes=1))
    store.set_marks(reader.id, ["2601.00003"], hidden=True, now=NOW)
    store.set_marks(reader.id, ["2601.00004"], read=True, now=NOW)
    assert store.add_interest(reader.id, "topic", "graph  neural networks", now=NOW) is True
    assert store.add_interest(reader.id, "topic", "graph neural networks", now=NOW) is False
    signals = store.signals(reader.id)
    assert signals.revision == 4
    assert signals.positives == ["2601.00002", "2601.00001"]
    assert signals.negatives == ["2601.00003"]
    assert [(i.kind, i.value) for i in signals.interests] == [("topic", "graph neural networks")]
    assert store.excluded_ids(reader.id) == {"2601.00001", "2601.00002", "2601.00003"}
    assert store.readers_to_train("fast") == [reader.id]


def test_a_model_is_stale_once_the_signals_change(store, reader):
    saved = store.ensure_list(reader.id, DEFAULT_LIST, now=NOW)
    store.add_to_list(saved.id, ["2601.00001"], now=NOW)
    revision = store.signals(reader.id).revision
    model = StoredModel(reader.id, "fast", revision, b"\x00" * 8, '{"a": 1}', NOW)
    assert store.save_models([model]) == 1
    assert store.readers_to_train("fast") == []
    assert store.readers_to_train("quality") == [reader.id]
    assert store.stored_models("fast") == [model]
    assert store.stored_models("fast", [reader.id + 1]) == []
    store.remove_from_list(saved.id, ["2601.00001"])
    assert store.readers_to_train("fast") == [reader.id]
    assert store.delete_models(reader.id) == 1 and store.stored_models("fast") == []


def test_most_saved_counts_readers_since_a_time(store, reader):
    other = store.add_user("bo@example.org", role="reader", now=NOW)
    mine = store.ensure_list(reader.id, DEFAULT_LIST, now=NOW)
    theirs = store.ensure_list(other.id, DEFAULT_LIST, now=NOW)
    extra = store.ensure_list(other.id, "More", now=NOW)
    store.add_to_list(mine.id, ["2601.00001", "2601.00002"], now=NOW)
    store.add_to_list(theirs.id, ["2601.00002"], now=NOW)
    store.add_to_list(extra.id, ["2601.00002", "2601.00004"], now=NOW + timedelta(hours=1))
    store.add_to_list(mine.id, ["2601.00005"], now=NOW - timedelta(days=9))
    found = store.most_saved(since=NOW - timedelta(days=7), limit=10)
    assert found[0] == ("2601.00002", 2)
    assert {pid for pid, _ in found} == {"2601.00001", "2601.00002", "2601.00004"}


def test_known_ids_names_the_stored_papers_among_many(store, reader):
    many = [f"2602.{n:05d}" for n in range(1_200)]  # more than one query's worth
    asked = ["2601.00003", *many, "2601.00001", "2601.00003", "doi:10.1/none"]
    assert store.known_ids(asked) == {"2601.00001", "2601.00003"}
    assert store.known_ids([]) == set()
    store.upsert_papers([Paper(id="2602.01199", title="Late", abstract="Text.", sources=["t"])])
    assert store.known_ids(many) == {"2602.01199"}


def test_entries_are_added_at_their_own_times_in_one_change_of_signals(store, reader):
    saved = store.ensure_list(reader.id, DEFAULT_LIST, now=NOW)
    store.add_to_list(saved.id, ["2601.00004"], now=NOW)
    revision = store.signals(reader.id).revision
    entries = [
        ("2601.00003", NOW + timedelta(seconds=1)),
        ("9999.99999", NOW + timedelta(seconds=2)),  # no such paper
        ("2601.00001", NOW + timedelta(seconds=3)),
        ("2601.00004", NOW + timedelta(seconds=4)),  # in the list already
        ("2601.00003", NOW + timedelta(seconds=5)),  # given twice: the first time holds
        ("2601.00002", NOW + timedelta(seconds=6)),
    ]
    assert store.add_entries(saved.id, entries) == ["2601.00003", "2601.00001", "2601.00002"]
    assert store.list_paper_ids(saved.id) == [
        "2601.00002",
        "2601.00001",
        "2601.00003",
        "2601.00004",
    ]
    added = store.library_entries(reader.id)["2601.00003"].added_at
    assert added == NOW + timedelta(seconds=1)
    assert store.signals(reader.id).revision == revision + 1
    assert store.readers_to_train("fast") == [reader.id]

    assert store.add_entries(saved.id, entries) == []  # nothing new: signals as they were
    assert store.signals(reader.id).revision == revision + 1
    assert store.add_entries(saved.id, []) == []
    assert store.add_entries(saved.id + 100, entries) == []  # no such list


def test_a_thousand_entries_go_in_whole_or_not_at_all(store, reader):
    many = [
        Paper(id=f"2603.{n:05d}", title=f"P{n}", abstract="T.", sources=["t"]) for n in range(1_100)
    ]
    store.upsert_papers(many)
    saved = store.ensure_list(reader.id, DEFAULT_LIST, now=NOW)
    entries = [(p.id, NOW + timedelta(microseconds=n)) for n, p in enumerate(many)]
    with pytest.raises(RuntimeError), store.atomic():
        store.add_entries(saved.id, entries)
        raise RuntimeError("the rest of an import failed")
    assert store.list_paper_ids(saved.id) == []
    assert store.signals(reader.id).revision == 0
    assert store.add_entries(saved.id, entries) == [p.id for p in many]
    assert store.list_paper_ids(saved.id, limit=2) == ["2603.01099", "2603.01098"]
