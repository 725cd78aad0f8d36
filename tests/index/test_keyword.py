"""The keyword index (tantivy), on the 3,294 real papers of the bundled sample."""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import tantivy

from paperwire.index.keyword import (
    AMONG_TERMS,
    MARKER,
    MAX_RERANK,
    SCHEMA_VERSION,
    FieldWeights,
    KeywordIndex,
    KeywordIndexError,
)
from paperwire.ingest import import_files, sample_path
from paperwire.models import Author, Filters, Paper, Scored
from paperwire.store import open_store

ORTHOPHOTO = "2411.19594"  # "Tortho-Gaussian: Splatting True Digital Orthophoto Maps"
VIDEO_QA = "2512.10359"  # "Tool-Augmented Spatiotemporal Reasoning for Streamlining Video ..."
GAZE = "2606.15202"  # "Comparing Human Gaze and Vision-Language Model Attention in ..."
PROLIFIC_AUTHOR = "Trung-Nghia Le"  # 16 papers in the sample

# Titles with " -Qubit" / " -3D": the query syntax reads those words as exclusions.
TITLES_WITH_A_MINUS = {"2606.24219", "2606.30896"}


@dataclasses.dataclass
class Built:
    directory: Path
    index: KeywordIndex
    papers: dict[str, Paper]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("keyword")
    store = open_store(f"sqlite:///{root / 'paperwire.db'}")
    store.migrate()
    report = import_files(store, [sample_path()])
    assert report.ok
    papers = {p.id: p for p in store.iter_papers()}
    store.close()
    index = KeywordIndex(
        root / "keyword", texts=lambda ids: {i: papers[i] for i in ids if i in papers}
    )
    assert index.created and not index.rebuilt
    assert index.add_papers(papers.values()) == 3294
    assert index.count() == 0  # nothing is visible before the commit
    index.commit()
    yield Built(root / "keyword", index, papers)
    index.close()


@pytest.fixture
def index(built: Built) -> KeywordIndex:
    return built.index


@pytest.fixture
def papers(built: Built) -> dict[str, Paper]:
    return built.papers


def ids(hits: list[Scored]) -> list[str]:
    return [h.paper_id for h in hits]


def words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.findall(r"[^\W_]+", folded.lower())


def has_run(tokens: list[str], run: list[str]) -> bool:
    return any(tokens[i : i + len(run)] == run for i in range(len(tokens) - len(run) + 1))


STEMMER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.ascii_fold())
    .filter(tantivy.Filter.stemmer("english"))
    .build()
)


def stems(text: str) -> set[str]:
    return set(STEMMER.analyze(text))


def paper_day(paper: Paper) -> date:
    if paper.published_at is not None:
        return paper.published_at.date()
    return min(paper.feed_dates).day


# -- finding papers ----------------------------------------------------------------------


def test_every_title_finds_its_paper_first(index: KeywordIndex, papers: dict[str, Paper]) -> None:
    missed = {p.id for p in papers.values() if ids(index.search(p.title, limit=1)) != [p.id]}
    assert missed == TITLES_WITH_A_MINUS


def test_a_few_title_words_find_the_paper_first(index: KeywordIndex) -> None:
    hits = index.search("orthophoto splatting")
    assert hits[0].paper_id == ORTHOPHOTO
    assert hits[0].reason == "matches: orthophoto, splatting"
    assert hits[0].score > 2 * hits[1].score
    assert index.search("Tool-Augmented Spatiotemporal Reasoning")[0].paper_id == VIDEO_QA


def test_author_name_finds_their_papers(index: KeywordIndex, papers: dict[str, Paper]) -> None:
    theirs = {p.id for p in papers.values() if any(a.name == PROLIFIC_AUTHOR for a in p.authors)}
    assert len(theirs) == 16
    hits = index.search(PROLIFIC_AUTHOR, limit=16)
    assert set(ids(hits)) == theirs
    assert hits[0].reason == "matches: trung, nghia, le"
    # Both parts of a full name rank a paper above those matching one part in the title.
    tao = index.search("Dacheng Tao", limit=3)
    assert ids(tao)[:2] == ["2606.18797", "2606.16533"]  # his two papers
    assert tao[2].paper_id == "2606.19924"  # "The Tao of Agency: ..."


def test_phrase_is_narrower_than_words(index: KeywordIndex, papers: dict[str, Paper]) -> None:
    phrase = index.search('"saliency map"', limit=5000)
    loose = index.search("saliency map", limit=5000)
    assert (len(phrase), len(loose)) == (5, 372)
    assert set(ids(phrase)) < set(ids(loose))
    with_phrase = {
        p.id
        for p in papers.values()
        if re.search(r"\bsaliency\W+map", f"{p.title} {p.abstract}".lower())
    }
    assert set(ids(phrase)) == with_phrase  # all "saliency maps", stemmed to the phrase
    assert all(hit.reason == 'matches: "saliency map"' for hit in phrase)
    # The loose query also finds papers that have only one of the words.
    only_one = [h for h in loose if h.reason in ("matches: saliency", "matches: map")]
    assert len(only_one) > 300


def test_required_and_excluded_words(index: KeywordIndex, papers: dict[str, Paper]) -> None:
    vit = index.search('"vision transformer"', limit=1000)
    assert len(vit) == 45
    without = index.search('transformer -"vision transformer"', limit=5000)
    assert not set(ids(vit)) & set(ids(without))
    required = index.search("+grasping robot", limit=5000)
    grasping = {p.id for p in papers.values() if "grasp" in stems(f"{p.title} {p.abstract}")}
    assert len(grasping) == 6
    assert set(ids(required)) == grasping
    assert len(index.search("grasping robot", limit=5000)) == 96
    # Exclusions alone search the plain words rather than nothing.
    assert ids(index.search("-orthophoto", limit=1)) == [ORTHOPHOTO]


def test_offset_pages_through_the_same_ranking(index: KeywordIndex) -> None:
    first = index.search("diffusion model", limit=10)
    assert ids(index.search("diffusion model", limit=5, offset=5)) == ids(first)[5:]
    assert index.search("diffusion model", limit=0) == []


# -- filters -----------------------------------------------------------------------------


def author_matches(paper: Paper, name: str) -> bool:
    wanted = words(name)
    return any(has_run(words(a.name), wanted) for a in paper.authors)


FILTERS = [
    (Filters(category="cs.RO"), 25, lambda p: "cs.RO" in p.categories),
    (Filters(has_code=True), 158, lambda p: p.github_repo is not None),
    (Filters(has_code=False), 855, lambda p: p.github_repo is None),
    (
        Filters(since=date(2026, 6, 29), until=date(2026, 6, 30)),
        241,
        lambda p: date(2026, 6, 29) <= paper_day(p) <= date(2026, 6, 30),
    ),
    (Filters(until=date(2026, 6, 16)), 176, lambda p: paper_day(p) <= date(2026, 6, 16)),
    (Filters(since=date(2026, 7, 1)), 83, lambda p: paper_day(p) >= date(2026, 7, 1)),
    (Filters(author="Le"), 11, lambda p: author_matches(p, "Le")),
    (Filters(author=PROLIFIC_AUTHOR), 1, lambda p: author_matches(p, PROLIFIC_AUTHOR)),
    (
        Filters(category="cs.CV", has_code=True, since=date(2026, 6, 20)),
        77,
        lambda p: "cs.CV" in p.categories and p.github_repo and paper_day(p) >= date(2026, 6, 20),
    ),
]


@pytest.mark.parametrize(("filters", "expected", "keep"), FILTERS)
def test_filters_narrow_exactly(
    index: KeywordIndex, papers: dict[str, Paper], filters: Filters, expected: int, keep
) -> None:
    everything = index.search("learning", limit=10_000)
    assert len(everything) == 1013
    narrowed = index.search("learning", limit=10_000, filters=filters)
    assert len(narrowed) == expected
    for hit in narrowed:
        assert keep(papers[hit.paper_id]), hit.paper_id
    # Exactly the unfiltered matches that pass, in the same order: filters do not score.
    assert ids(narrowed) == [h.paper_id for h in everything if keep(papers[h.paper_id])]


def test_filters_apply_before_the_limit(index: KeywordIndex, papers: dict[str, Paper]) -> None:
    # Only 25 of 1,013 matches are robotics papers; a filter after the top 10 would
    # usually find none of them.
    hits = index.search("learning", limit=10, filters=Filters(category="cs.RO"))
    assert len(hits) == 10
    assert all("cs.RO" in papers[h.paper_id].categories for h in hits)
    assert index.search("learning", filters=Filters(category="cs.ro")) == []  # exact category
    assert index.search("learning", filters=Filters(author="😀")) == []
    empty_range = Filters(since=date(2026, 7, 1), until=date(2026, 6, 30))
    assert index.search("learning", filters=empty_range) == []


# -- field weights -----------------------------------------------------------------------


def test_a_title_match_outranks_the_same_word_in_an_abstract(
    tmp_path: Path, papers: dict[str, Paper]
) -> None:
    in_title = Paper(
        id="t:title",
        title="Quokka populations on Rottnest Island revisited over a decade",
        abstract="We count small animals on an island for ten years and compare survey designs.",
    )
    in_abstract = Paper(
        id="t:abstract", title="Field notes on island fauna", abstract="Quokka quokka."
    )
    others = list(papers.values())[:50]
    ranked = {}
    for name, weights in (("default", FieldWeights()), ("flat", FieldWeights(1.0, 1.0, 1.0))):
        with KeywordIndex(tmp_path / name, weights=weights) as index:
            index.add_papers([in_title, in_abstract, *others])
        ranked[name] = ids(KeywordIndex(tmp_path / name, weights=weights).search("quokka"))
    assert ranked["default"] == ["t:title", "t:abstract"]
    # Without the title boost the short abstract saying it twice would win.
    assert ranked["flat"] == ["t:abstract", "t:title"]
    assert FieldWeights().title > FieldWeights().authors > FieldWeights().abstract


# -- hostile queries ---------------------------------------------------------------------

HOSTILE = [
    "",
    "   \t\n",
    "AND (",
    "(((",
    ")",
    '"',
    '"unbalanced quote',
    '"" "" ""',
    "title:",
    'title:"" AND',
    "-",
    "+",
    "+-+-",
    "*",
    "?",
    "NOT",
    "OR OR OR",
    "&& || !",
    "[1 TO 5]",
    "{}",
    "foo^",
    "~",
    "\\",
    "\x00",
    "😀🔥",
    "深度学习",
    "ñandú Müller",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%s %d {0}",
    "day:>20260101",
    "a" * 10_000,
    "deep learning " * 2_000,
    '-"vision transformer"',
]
EMPTY = {"", "   \t\n", "AND (", "(((", ")", '"', '"" "" ""', "title:", "-", "+", "+-+-", "*"}


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_never_raise(index: KeywordIndex, query: str) -> None:
    hits = index.search(query, limit=5)
    assert isinstance(hits, list)
    assert all(isinstance(h, Scored) and isinstance(h.paper_id, str) for h in hits)
    if query in EMPTY or query in ("😀🔥", "?", "NOT", "OR OR OR", "&& || !", "{}", "~", "\\"):
        assert hits == []


def test_syntax_is_stripped_to_plain_words(index: KeywordIndex) -> None:
    plain = ids(index.search("orthophoto splatting"))
    assert ids(index.search("title:orthophoto AND (splatting")) == plain
    assert ids(index.search("orthophoto^2 OR splatting~1 *")) == plain
    assert index.search('"unbalanced quote')[0].reason.startswith("matches: ")


# -- writing -----------------------------------------------------------------------------


def test_upsert_replaces_and_delete_removes(tmp_path: Path, papers: dict[str, Paper]) -> None:
    chosen = [papers[ORTHOPHOTO], papers[VIDEO_QA], papers[GAZE]]
    index = KeywordIndex(tmp_path / "kw")
    assert index.add_papers(chosen) == 3
    index.commit()
    assert index.count() == 3
    assert ids(index.search("orthophoto")) == [ORTHOPHOTO]

    changed = dataclasses.replace(
        papers[ORTHOPHOTO], title="Zanzibar red colobus census", abstract="Monkeys counted."
    )
    index.add_papers([changed, changed])  # twice in one batch: still one document
    index.commit()
    assert index.count() == 3
    assert ids(index.search("zanzibar")) == [ORTHOPHOTO]
    assert index.search("orthophoto") == []

    index.delete([ORTHOPHOTO, "no-such-id"])
    index.commit()
    assert index.count() == 2
    assert index.search("zanzibar") == []
    assert index.key_terms(ORTHOPHOTO) == []
    assert index.similar(ORTHOPHOTO) == []


def test_one_writer_at_a_time(tmp_path: Path, papers: dict[str, Paper]) -> None:
    first = KeywordIndex(tmp_path / "kw")
    second = KeywordIndex(tmp_path / "kw")
    first.add_papers([papers[GAZE]])  # holds the writer until its commit
    with pytest.raises(KeywordIndexError, match="cannot write"):
        second.add_papers([papers[VIDEO_QA]])
    first.commit()
    second.add_papers([papers[VIDEO_QA]])
    second.commit()
    assert second.count() == 2


def test_a_failing_block_rolls_back(tmp_path: Path, papers: dict[str, Paper]) -> None:
    with pytest.raises(RuntimeError), KeywordIndex(tmp_path / "kw") as index:
        index.add_papers([papers[GAZE]])
        raise RuntimeError("boom")
    assert KeywordIndex(tmp_path / "kw").count() == 0


def test_author_phrases_stay_inside_one_name(tmp_path: Path) -> None:
    paper = Paper(
        id="t:names",
        title="A title",
        abstract="An abstract.",
        authors=[Author("Xianming Zeng"), Author("Sicong Du"), Author("Jürgen Müller")],
    )
    with KeywordIndex(tmp_path / "kw") as index:
        index.add_papers([paper])
    assert ids(index.search("x", filters=Filters(author="Xianming Zeng"))) == []  # no words
    assert ids(index.search("title", filters=Filters(author="Xianming Zeng"))) == ["t:names"]
    assert ids(index.search("title", filters=Filters(author="juergen"))) == []
    assert ids(index.search("title", filters=Filters(author="Jurgen Muller"))) == ["t:names"]
    assert ids(index.search("title", filters=Filters(author="Zeng Sicong"))) == []
    assert ids(index.search('"zeng sicong"')) == []
    assert ids(index.search('"sicong du"')) == ["t:names"]


# -- persistence and schema versions -----------------------------------------------------

QUERIES = ["orthophoto splatting", PROLIFIC_AUTHOR, '"saliency map"', "diffusion model"]


def test_reopening_the_directory_gives_the_same_results(
    built: Built, tmp_path: Path, papers: dict[str, Paper]
) -> None:
    reopened = KeywordIndex(built.directory)
    assert not reopened.created and not reopened.rebuilt
    assert reopened.count() == 3294
    for query in QUERIES:
        assert reopened.search(query) == built.index.search(query)

    small = KeywordIndex(tmp_path / "kw")
    small.add_papers(list(papers.values())[:300])
    small.close()
    before = [small.search(q) for q in QUERIES]
    again = KeywordIndex(tmp_path / "kw")
    assert again.count() == 300
    assert [again.search(q) for q in QUERIES] == before
    marker = json.loads((tmp_path / "kw" / MARKER).read_text())
    assert marker == {"schema_version": SCHEMA_VERSION, "generation": small.generation}
    assert again.generation == small.generation
    assert len(small.generation) == 32


def test_another_schema_version_is_rebuilt(tmp_path: Path, papers: dict[str, Paper]) -> None:
    directory = tmp_path / "kw"
    with KeywordIndex(directory) as index:
        index.add_papers([papers[GAZE], papers[VIDEO_QA]])
    first_generation = index.generation
    (directory / MARKER).write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1}))

    rebuilt = KeywordIndex(directory)
    assert rebuilt.rebuilt and rebuilt.created
    assert rebuilt.generation not in ("", first_generation)
    assert rebuilt.rebuild_reason == (
        f"it was built with schema version {SCHEMA_VERSION + 1}, this is {SCHEMA_VERSION}"
    )
    assert rebuilt.count() == 0
    assert json.loads((directory / MARKER).read_text())["schema_version"] == SCHEMA_VERSION
    with rebuilt:
        rebuilt.add_papers([papers[GAZE]])
    assert ids(rebuilt.search("gaze")) == [GAZE]

    reopened = KeywordIndex(directory)
    assert not reopened.rebuilt and not reopened.created
    assert reopened.generation == rebuilt.generation
    assert reopened.count() == 1


def test_an_index_without_a_version_is_rebuilt(tmp_path: Path, papers: dict[str, Paper]) -> None:
    directory = tmp_path / "kw"
    with KeywordIndex(directory) as index:
        index.add_papers([papers[GAZE]])
    (directory / MARKER).unlink()
    rebuilt = KeywordIndex(directory)
    assert rebuilt.rebuilt
    assert rebuilt.rebuild_reason == "it has no paperwire schema version"
    assert rebuilt.count() == 0


def test_a_version_1_index_with_stored_texts_is_rebuilt(
    tmp_path: Path, papers: dict[str, Paper]
) -> None:
    directory = tmp_path / "kw"
    with KeywordIndex(directory) as index:
        index.add_papers([papers[GAZE]])
    (directory / MARKER).write_text(json.dumps({"schema_version": 1, "generation": "old"}))
    rebuilt = KeywordIndex(directory)
    assert rebuilt.rebuilt and rebuilt.count() == 0
    assert rebuilt.rebuild_reason == "it was built with schema version 1, this is 2"


def test_only_ids_are_stored(index: KeywordIndex) -> None:
    searcher = index._index.searcher()
    query = tantivy.Query.term_query(index._schema, "id", GAZE)
    doc = searcher.doc(searcher.search(query, 1).hits[0][1])
    assert doc.to_dict() == {"id": [GAZE]}


@pytest.mark.parametrize("query", [*QUERIES, "video question answering", "+grasping robot"])
def test_explain_gives_the_reasons_search_gives(index: KeywordIndex, query: str) -> None:
    hits = index.search(query, limit=20)
    bare = index.search(query, limit=20, explain=False)
    assert [(h.paper_id, h.score) for h in bare] == [(h.paper_id, h.score) for h in hits]
    assert all(h.reason == "" for h in bare)
    assert all(h.reason.startswith("matches: ") for h in hits)
    assert index.explain(query, ids(hits)) == {h.paper_id: h.reason for h in hits}
    assert index.explain(query, ["no-such-id"]) == {}


@pytest.mark.parametrize("query", [*QUERIES, "vision language model", "large language models"])
def test_the_rerank_pool_does_not_change_the_top_results(
    index: KeywordIndex, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pooled = index.search(query, limit=20)
    monkeypatch.setattr("paperwire.index.keyword.RERANK_POOL", 10_000)  # every paper
    monkeypatch.setattr("paperwire.index.keyword.MAX_RERANK", 10_000)
    exact = index.search(query, limit=20)
    assert ids(pooled) == ids(exact)
    assert [h.score for h in pooled] == pytest.approx([h.score for h in exact])


@pytest.mark.parametrize("query", ["vision language model", "large language models"])
def test_deep_pages_stay_one_ranking(index: KeywordIndex, query: str) -> None:
    """Past ``MAX_RERANK`` results keep the order of their words (no phrase bonus), and
    still rank below the reranked head: one ranking, best first, without repeats."""
    deep = index.search(query, limit=MAX_RERANK + 200, explain=False)
    assert len(deep) > MAX_RERANK + 50  # the sample has that many papers with the words
    assert ids(deep[:20]) == ids(index.search(query, limit=20))
    scores = [h.score for h in deep]
    assert scores == sorted(scores, reverse=True)
    assert len(set(ids(deep))) == len(deep)
    page = index.search(query, limit=20, offset=MAX_RERANK + 20, explain=False)
    assert ids(page) == ids(deep[MAX_RERANK + 20 : MAX_RERANK + 40])


def test_reasons_of_many_papers_at_once(index: KeywordIndex) -> None:
    """Above ``AMONG_TERMS`` ids the restriction is a term set: same reasons."""
    query = "language model"
    hits = index.search(query, limit=AMONG_TERMS + 40)
    assert len(hits) > AMONG_TERMS
    assert index.explain(query, ids(hits)) == {h.paper_id: h.reason for h in hits}
    few = hits[:10]
    assert index.explain(query, ids(few)) == {h.paper_id: h.reason for h in few}


def test_key_terms_need_the_texts(built: Built) -> None:
    bare = KeywordIndex(built.directory)
    assert bare.search("orthophoto")[0].paper_id == ORTHOPHOTO
    with pytest.raises(KeywordIndexError, match="stores no texts"):
        bare.key_terms(ORTHOPHOTO)


# -- key terms and similar papers --------------------------------------------------------


def test_key_terms_of_a_real_paper(index: KeywordIndex) -> None:
    terms = index.key_terms(ORTHOPHOTO)
    assert len(terms) == 12
    assert terms[:4] == ["tdom", "orthophoto", "tortho", "dsm"]
    assert {"splatting", "gaussian", "photogrammetric"} <= set(terms)
    gaze = index.key_terms(GAZE, n=6)
    assert gaze == ["judd", "gaze", "nss", "saliency", "heatmaps", "gemini"]
    assert index.key_terms("no-such-id") == []


def test_key_terms_skip_stop_words_numbers_and_links(
    index: KeywordIndex, papers: dict[str, Paper]
) -> None:
    for paper_id in list(papers)[:200]:
        for term in index.key_terms(paper_id, n=20):
            assert not term.isdigit()
            assert term not in {"the", "we", "our", "paper", "propose", "https", "github", "com"}
    # The abstract links its code (github.com/fansunqi/...): the link is not a term.
    assert "fansunqi" not in index.key_terms(VIDEO_QA, n=30)
    assert index.key_terms(VIDEO_QA, n=3) == ["star", "spatiotemporal", "videoqa"]


@pytest.mark.parametrize("paper_id", [ORTHOPHOTO, VIDEO_QA, GAZE])
def test_similar_papers_share_terms(
    index: KeywordIndex, papers: dict[str, Paper], paper_id: str
) -> None:
    hits = index.similar(paper_id, limit=20)
    assert len(hits) == 20
    assert paper_id not in ids(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    mine = stems(papers[paper_id].title + " " + papers[paper_id].abstract)
    for rank, hit in enumerate(hits[:5]):
        assert hit.reason.startswith("shared terms: ")
        shared = hit.reason.removeprefix("shared terms: ").split(", ")
        assert (2 if rank == 0 else 1) <= len(shared) <= 4
        other = papers[hit.paper_id]
        theirs = stems(other.title + " " + other.abstract)
        for term in shared:
            assert stems(term) <= mine & theirs, (hit, term)


def test_similar_orthophoto_papers(index: KeywordIndex) -> None:
    hits = index.similar(ORTHOPHOTO, limit=3)
    assert ids(hits) == ["2606.28826", "2606.31098", "2606.30014"]
    assert hits[0].reason == "shared terms: splatting, digital, gaussian, facades"


def test_similar_with_filters_and_unknown_ids(
    index: KeywordIndex, papers: dict[str, Paper]
) -> None:
    hits = index.similar(GAZE, limit=50, filters=Filters(has_code=True))
    assert len(hits) == 50
    assert all(papers[h.paper_id].github_repo for h in hits)
    assert GAZE not in ids(hits)
    assert index.similar("no-such-id") == []
    assert index.similar(GAZE, limit=0) == []
