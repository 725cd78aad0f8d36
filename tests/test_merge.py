from datetime import UTC, date, datetime

from paperwire.merge import absorb_retired, fold_batch, merge_papers, pair_listings
from paperwire.models import Author, FeedDate, Paper
from paperwire.normalize import title_key


def at(day: int) -> datetime:
    return datetime(2026, 1, day, tzinfo=UTC)


def test_newer_version_owns_the_description_and_nothing_is_lost():
    old = Paper(
        id="2601.00001",
        version=1,
        title="Old title",
        abstract="Old abstract",
        authors=[Author("A")],
        categories=["cs.CV"],
        published_at=at(1),
        updated_at=at(1),
        upvotes=12,
        github_repo="https://github.com/a/b",
        github_stars=10,
        sources=["hf-daily"],
        feed_dates=[FeedDate(date(2026, 1, 2), "hf-daily")],
        first_seen_at=at(2),
    )
    new = Paper(
        id="2601.00001",
        version=2,
        title="New title",
        abstract="",
        authors=[Author("A"), Author("B")],
        categories=["cs.CV", "cs.LG"],
        published_at=at(1),
        updated_at=at(5),
        sources=["arxiv-api"],
        feed_dates=[FeedDate(date(2026, 1, 6), "arxiv")],
        first_seen_at=at(6),
    )
    merged = merge_papers(old, new)
    assert merged.version == 2
    assert merged.title == "New title"
    assert merged.abstract == "Old abstract"  # the newer report had none
    assert [a.name for a in merged.authors] == ["A", "B"]
    assert merged.categories == ["cs.CV", "cs.LG"]
    assert merged.updated_at == at(5)
    assert merged.first_seen_at == at(2)
    assert merged.upvotes == 12
    assert merged.github_repo == "https://github.com/a/b"
    assert merged.github_stars == 10
    assert merged.sources == ["hf-daily", "arxiv-api"]
    assert merged.feed_dates == [
        FeedDate(date(2026, 1, 2), "hf-daily"),
        FeedDate(date(2026, 1, 6), "arxiv"),
    ]


def test_older_report_only_fills_gaps():
    old = Paper(id="x", version=3, title="Current", abstract="", comment=None, sources=["a"])
    new = Paper(id="x", version=1, title="Stale", abstract="Filled", comment="10 pages", upvotes=3)
    merged = merge_papers(old, new)
    assert merged.title == "Current"
    assert merged.abstract == "Filled"
    assert merged.comment == "10 pages"
    assert merged.version == 3
    assert merged.upvotes == 3


def test_merging_the_same_report_changes_nothing():
    paper = Paper(id="x", version=1, title="T", sources=["a"], upvotes=4, first_seen_at=at(1))
    again = Paper(id="x", version=1, title="T", sources=["a"], upvotes=4, first_seen_at=at(9))
    assert merge_papers(paper, again) == paper


def test_upvotes_never_go_down_and_stars_follow_the_latest_report():
    old = Paper(id="x", title="T", upvotes=40, github_stars=100)
    new = Paper(id="x", title="T", upvotes=35, github_stars=120)
    merged = merge_papers(old, new)
    assert merged.upvotes == 40
    assert merged.github_stars == 120


def listed(pid: str, title: str, day: int) -> Paper:
    return Paper(
        id=pid,
        title=title,
        sources=["listing"],
        feed_dates=[FeedDate(date(2026, 1, day), "new")],
        first_seen_at=at(day),
    )


def test_a_listing_entry_and_the_record_of_its_title_are_one_paper_in_a_batch():
    record = Paper(id="2601.00007", title="Sparse  Attention, Revisited", abstract="A.")
    folded = fold_batch([listed("listing:abc", "sparse attention revisited", 3), record])
    assert list(folded) == ["2601.00007"]
    assert folded["2601.00007"].feed_dates == [FeedDate(date(2026, 1, 3), "new")]
    assert folded["2601.00007"].abstract == "A."


def test_listing_entries_join_stored_records_and_records_retire_stored_entries():
    entry = listed("listing:new", "Graph Priors", 4)
    record = Paper(id="2601.00009", title="Tiny Models", abstract="B.")
    incoming = {entry.id: entry, record.id: record}
    matches = {
        title_key("Graph Priors"): ["2601.00008"],
        title_key("Tiny Models"): ["listing:old", "2601.00009"],
    }
    pairing = pair_listings(incoming, [entry, record], matches)
    assert pairing.targets == {"2601.00008"}
    assert sorted(incoming) == ["2601.00008", "2601.00009"]
    assert incoming["2601.00008"].feed_dates == [FeedDate(date(2026, 1, 4), "new")]
    assert pairing.retired == [("listing:old", "2601.00009")]
    absorb_retired(incoming, pairing.retired, {"listing:old": listed("listing:old", "x", 2)})
    assert incoming["2601.00009"].id == "2601.00009"
    assert incoming["2601.00009"].feed_dates == [FeedDate(date(2026, 1, 2), "new")]
    assert incoming["2601.00009"].abstract == "B."
