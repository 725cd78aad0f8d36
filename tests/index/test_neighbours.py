"""The index job stores the similar papers of every paper, incrementally."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, cast

import pytest

from paperwire.config import Settings
from paperwire.index import neighbours
from paperwire.index.jobs import update_index
from paperwire.index.neighbours import LIST_SIZE
from paperwire.index.search import Searcher
from paperwire.ingest import sample_path
from paperwire.models import Filters, Paper
from paperwire.normalize import text_hash
from paperwire.sources.arxiv_jsonl import parse_arxiv_jsonl
from paperwire.store import Store, open_store

pytestmark = pytest.mark.both_backends

PAPERS = 160


def sample_papers(n: int) -> list[Paper]:
    with gzip.open(sample_path(), "rb") as stream:
        parsed = parse_arxiv_jsonl(cast(IO[bytes], stream), origin="sample")
        papers = [p for p in parsed if isinstance(p, Paper)]
    return papers[:n]


@pytest.fixture
def small(tmp_path: Path) -> Iterator[tuple[Store, Settings]]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'small.db'}")
    store = open_store(settings.database_url)
    store.migrate()
    store.upsert_papers(sample_papers(PAPERS))
    yield store, settings
    store.close()


def stored_ids(store: Store, paper_id: str) -> list[str]:
    found = store.stored_similar(paper_id, limit=LIST_SIZE)
    assert found is not None, f"no stored list for {paper_id}"
    return [s.paper_id for s in found]


def test_every_paper_gets_a_list_then_only_changes_are_computed(small) -> None:
    store, settings = small
    first = update_index(store, settings)
    ids = store.matching_ids(Filters())
    assert first.similar == first.similar_changed == len(ids) == PAPERS
    assert store.count_similar() == PAPERS
    markers = store.similar_markers(ids)
    papers = store.get_papers(ids)
    for pid in ids:
        listed = store.stored_similar(pid, limit=LIST_SIZE)
        assert listed and len(listed) <= LIST_SIZE and pid not in {s.paper_id for s in listed}
        assert [s.score for s in listed] == sorted((s.score for s in listed), reverse=True)
        assert markers[pid] == (text_hash(papers[pid].title, papers[pid].abstract), "fast")
    assert any(
        s.reason.startswith("shared terms: ") for s in store.stored_similar(ids[0], limit=20) or []
    )

    # Nothing changed: nothing is computed again.
    again = update_index(store, settings)
    assert (again.similar, again.similar_changed) == (0, 0)
    assert store.similar_markers(ids) == markers

    # An upvote changes no text: no list is computed again.
    store.upsert_papers([replace(papers[ids[1]], upvotes=7)])
    assert update_index(store, settings).similar == 0

    # One paper's text changes: its list, and the lists that may name it, are computed.
    changed = papers[ids[0]]
    naming = store.papers_listing([changed.id])
    store.upsert_papers(
        [replace(changed, version=(changed.version or 1) + 1, abstract="A quokkanomic study.")]
    )
    report = update_index(store, settings)
    assert report.similar_changed == 1
    assert report.similar >= 1 + len(naming - {changed.id})
    assert report.similar < PAPERS
    new_marker = store.similar_markers([changed.id])[changed.id]
    assert (
        new_marker[0] == text_hash(changed.title, "A quokkanomic study.") != markers[changed.id][0]
    )


def test_the_stored_list_is_what_search_finds(small) -> None:
    store, settings = small
    update_index(store, settings)
    searcher = Searcher(store, settings)
    for pid in store.matching_ids(Filters())[:8]:
        live = [s.paper_id for s in searcher.similar(pid, limit=LIST_SIZE)]
        assert stored_ids(store, pid) == live


def test_a_new_paper_gets_a_list_and_enters_older_lists(small) -> None:
    store, settings = small
    update_index(store, settings)
    older = sample_papers(PAPERS)[5]
    twin = Paper(
        id="2699.00001",
        title="A Different Title for the Same Work",
        abstract=older.abstract,
        authors=older.authors,
        categories=older.categories,
        sources=["test"],
    )
    store.upsert_papers([twin])
    report = update_index(store, settings)
    assert report.similar_changed == 1  # only the new paper is new
    assert report.similar > 1  # ...and its neighbours' lists were computed again
    assert stored_ids(store, twin.id)[0] == older.id
    assert stored_ids(store, older.id)[0] == twin.id  # it entered the older paper's list


def test_refresh_recomputes_every_list(small) -> None:
    store, settings = small
    update_index(store, settings)
    report = update_index(store, settings, refresh_similar=True)
    assert report.similar == PAPERS and report.similar_changed == PAPERS


def test_without_lists_the_store_says_not_ready(small) -> None:
    store, settings = small
    update_index(store, settings, similar=False)
    pid = sample_papers(1)[0].id
    assert store.stored_similar(pid, limit=6) is None
    assert store.count_similar() == 0


def test_lists_computed_in_worker_processes_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run with many batches computes them in worker processes: the stored lists are
    those one process computes."""
    papers = sample_papers(PAPERS)
    lists: dict[int, dict[str, list[tuple[str, float, str]]]] = {}
    monkeypatch.setattr(neighbours, "BATCH", 20)  # 8 batches: enough to go parallel
    for count in (1, 2):
        folder = tmp_path / f"processes-{count}"
        settings = Settings(database_url=f"sqlite:///{folder}.db", index_processes=count)
        store = open_store(settings.database_url)
        store.migrate()
        store.upsert_papers(papers)
        report = update_index(store, settings)
        assert report.similar == PAPERS
        lists[count] = {
            pid: [(s.paper_id, round(s.score, 9), s.reason) for s in found]
            for pid in store.matching_ids(Filters())
            if (found := store.stored_similar(pid, limit=LIST_SIZE)) is not None
        }
        store.close()
    assert len(lists[1]) == len(lists[2]) == PAPERS
    # Lexical neighbours tied at the depth cut may fall either side of it from one run to
    # the next (in one process too), which moves a fused score: the lists must agree on
    # their best papers, not to the last digit.
    same = sum(
        [i for i, _, _ in lists[2][pid][:3]] == [i for i, _, _ in lists[1][pid][:3]]
        for pid in lists[1]
    )
    assert same >= 0.95 * PAPERS
