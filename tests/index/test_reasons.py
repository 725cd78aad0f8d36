"""Reasons name content words only: key terms, stored similar lists and search "matches"
on real corpus records whose abstracts are full of LaTeX."""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.index.jobs import update_index
from paperwire.index.keyword import (
    GENERAL_WORDS,
    KEY_TERM_STOP_WORDS,
    KeywordIndex,
    is_content_word,
)
from paperwire.index.neighbours import LIST_SIZE
from paperwire.index.search import Searcher
from paperwire.models import Filters, Paper
from paperwire.sources.arxiv_jsonl import parse_arxiv_jsonl
from paperwire.store import Store, open_store
from paperwire.text import MARKUP_WORDS

#: What the reasons of similar papers showed before: LaTeX names and general words.
JUNK = {"le", "ge", "mathbb", "mathcal", "mathbf", "emph", "textbf", "textit", "frac"}
JUNK |= {"sqrt", "ell", "ask", "partly", "cdot", "leq", "geq", "varepsilon"}


def corpus_papers(path: Path, *, latex: int, plain: int) -> list[Paper]:
    """The first ``latex`` records whose abstracts use math commands (``\\mathbb``,
    ``\\le``, ...) and ``plain`` others, from the first 30,000 records."""
    chosen: list[bytes] = []
    with_latex = without = 0
    with gzip.open(path, "rb") as f:
        for line in islice(f, 30_000):
            abstract = json.loads(line)["summary"]
            if re.search(r"\\(mathbb|mathcal|le|leq|emph|textbf|frac)\b", abstract):
                if with_latex < latex:
                    chosen.append(line)
                    with_latex += 1
            elif without < plain:
                chosen.append(line)
                without += 1
            if with_latex >= latex and without >= plain:
                break
    parsed = parse_arxiv_jsonl(io.BytesIO(b"".join(chosen)), origin="corpus")
    return [p for p in parsed if isinstance(p, Paper)]


@pytest.fixture(scope="module")
def indexed(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, Settings, list[Paper]]]:
    root = tmp_path_factory.mktemp("reasons")
    settings = Settings(database_url=f"sqlite:///{root / 'paperwire.db'}")
    store = open_store(settings.database_url)
    store.migrate()
    papers = corpus_papers(shared_data / "arxiv_daily_cs_2025_2026.jsonl.gz", latex=160, plain=40)
    assert len(papers) == 200
    store.upsert_papers(papers)
    update_index(store, settings, topics=False)
    yield store, settings, papers
    store.close()


def assert_content(word: str, where: str) -> None:
    assert word, where
    assert word not in JUNK, (word, where)
    assert word not in MARKUP_WORDS and word not in GENERAL_WORDS, (word, where)
    assert word not in KEY_TERM_STOP_WORDS, (word, where)
    assert not word.isdigit(), (word, where)
    assert not re.search(r"(ally|ively|ously|ently|ately)$", word), (word, where)


def test_is_content_word() -> None:
    stop = frozenset({"use", "the"})
    assert is_content_word("transform", "transformers", stop)
    assert is_content_word("3d", "3d", stop)
    assert is_content_word("le", "le", stop)  # a name ("Trung-Nghia Le"), and a word
    assert is_content_word("anomali", "anomaly", stop)
    assert is_content_word("assembl", "assembly", stop)
    for stem, word in [
        ("use", "use"),
        ("2606", "2606"),
        ("x", "x"),
        ("mathbb", "mathbb"),
        ("emph", "emph"),
        ("ask", "ask"),
        ("part", "partly"),
        ("larg", "largely"),
        ("theoret", "theoretically"),
    ]:
        assert not is_content_word(stem, word, stop), word


def test_key_terms_of_latex_abstracts_are_words(
    indexed: tuple[Store, Settings, list[Paper]],
) -> None:
    store, settings, papers = indexed
    index = KeywordIndex(
        Path(settings.database_url.removeprefix("sqlite:///")).parent
        / "paperwire.index"
        / "keyword",
        texts=store.get_papers,
    )
    with_latex = [p for p in papers if "\\" in p.abstract]
    assert len(with_latex) >= 160
    for paper in papers:
        terms = index.key_terms(paper.id, 40)
        assert terms, paper.id
        for term in terms:
            assert_content(term, paper.id)


def test_stored_similar_reasons_name_content_words(
    indexed: tuple[Store, Settings, list[Paper]],
) -> None:
    store, _, papers = indexed
    named = 0
    for paper in papers:
        listed = store.stored_similar(paper.id, limit=LIST_SIZE)
        assert listed, paper.id
        for scored in listed:
            for part in scored.reason.split("; "):
                if part.startswith("shared terms: "):
                    for word in part.removeprefix("shared terms: ").split(", "):
                        assert_content(word, f"{paper.id} -> {scored.paper_id}")
                        named += 1
    assert named >= 1_000, named


def test_search_reasons_name_content_words(indexed: tuple[Store, Settings, list[Paper]]) -> None:
    store, settings, papers = indexed
    searcher = Searcher(store, settings)
    # "mathbb" is in the indexed text of many papers (their LaTeX source), "using" and
    # "2025" in more: found, but never named.
    query = "using mathbb 2025 diffusion"
    hits = searcher.search(query, mode="keyword", limit=50, filters=Filters())
    assert len(hits) >= 10
    named = [h for h in hits if h.reason]
    assert named and all(h.reason == "matches: diffusion" for h in named), hits
    mathbb = [p.id for p in papers if "\\mathbb" in p.abstract and "diffusion" not in p.abstract]
    assert set(mathbb) & {h.paper_id for h in hits if not h.reason}
    for hit in searcher.search(query, mode="hybrid", limit=20, filters=Filters()):
        for word in re.findall(r"matches: ([^;]*)", hit.reason):
            assert word == "diffusion", hit
