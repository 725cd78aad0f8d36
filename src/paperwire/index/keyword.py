"""Keyword search: a tantivy (BM25) index of papers in a directory beside the database.

Schema, version 2 (``SCHEMA_VERSION``)::

    field     kind                                      stored  used for
    id        text, tokenizer "raw", docs only          yes     upserts and deletes by term
    title     text, tokenizer "pw_en", positions        no      BM25, phrases, reasons
    authors   text, tokenizer "pw_name", positions,     no      BM25, author filter, reasons
              one value per author
    abstract  text, tokenizer "pw_en", positions        no      BM25, phrases, reasons
    category  text, tokenizer "raw", one value per      no      category filter (exact, as stored:
              category of the paper                             "cs.CV")
    day       i64 yyyymmdd, indexed + fast              no      since/until (inclusive)
    has_code  i64 0/1, indexed + fast                   no      has_code filter

``pw_name`` splits on anything that is not a letter or digit, drops tokens over 40
characters, lowercases and folds accents ("Müller" matches "muller"); ``pw_en`` does the
same and then applies the English (Snowball) stemmer. Stop words are indexed, so phrases
keep their exact positions. Tokenizers are not stored in the index: they are registered
every time it is opened. The authors of a paper are separate values of one field, so a
phrase never runs from one name into the next. ``day`` is the paper's date as the store
sorts it: the published date, else the first feed day, else the day it was first seen;
a paper without any of them has no ``day`` and never passes a since/until filter.

Only ids are stored (version 1 stored the texts too: at a million papers that was 1 GB
of the 1.4 GB index, and reading it paged most of it into memory). What a result's
reason names ("matches: ...") is found by asking the index which of the query's words
each result contains. ``key_terms`` and ``similar`` need a paper's words with their
counts, which an inverted index cannot give back: they read the texts from ``texts``
(``Store.get_papers``), the source of truth.

The directory also holds ``paperwire-keyword.json``: the schema version and a
``generation`` id drawn when the index was created. An index built with another version
(or by another tantivy index format, or unreadable) is emptied and created again, by
whichever process opens it first: ``rebuilt`` is then true and ``rebuild_reason`` says
why. An indexer that remembers the ``generation`` it filled notices a rebuild made by
another process too, and has to add every paper again. The index is derived data: the
store is the source of truth.

Query syntax (``search``). There are no syntax errors: every string means something.

- words are ORed and ranked by BM25 over title, authors and abstract (``FieldWeights``);
  two adjacent words also score as a phrase (``BIGRAM_BOOST``), much more when they are
  one author's name (``NAME_BIGRAM_BOOST``: "Dacheng Tao" finds his papers first);
- ``"a phrase"`` matches those words next to each other, in that order (stemmed);
- ``+word`` / ``+"a phrase"`` must match, ``-word`` / ``-"a phrase"`` must not;
- the operators ``AND``, ``OR``, ``NOT``, ``&&``, ``||``, ``!``, field prefixes
  (``title:``), boosts (``^2``, ``~1``), parentheses, ``*``, unbalanced quotes and other
  punctuation are ignored: what is left are the plain words;
- a query of excluded words only searches those words; a query without any word
  returns no result. Common English words ("the", "of", ...) are left out of the ranked
  words unless the query has nothing else (keeping them: title -> paper MRR@10 0.908
  instead of 0.910, at twice the latency).

Filters are MUST clauses of the same tantivy query (scored 0), so ``limit`` and
``offset`` count filtered results.

Ranking runs in two steps, because a phrase anywhere in a disjunction stops tantivy
from skipping documents that cannot reach the top (block-max WAND): the words alone
pick the best ``RERANK_POOL`` papers (at least ``offset + limit``), then one query per
phrase and field, restricted to those ids, scores the bigram phrases, and the sum is the
score the single query would give. A paper outside the pool that a phrase bonus would
have lifted into the results is missed. At 300,000 papers (benchmarks/search_speed.py)
p95 of a 2-4 word query went from 18 ms to 8 ms.

Writes: ``add_papers`` and ``delete`` open one writer lazily (128 MB heap, two indexing
threads: 74,728 papers in 8.6 s instead of 10.7 s with one); ``commit`` makes the
changes durable, waits for merges, closes the writer (releasing the directory's writer
lock for other processes) and reloads the reader. Readers in other processes pick up
commits by themselves after a short delay.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path
from types import TracebackType
from typing import Literal

import tantivy

from paperwire.errors import PaperwireError
from paperwire.models import Filters, Paper, Scored
from paperwire.text import MARKUP_WORDS, plain_text

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
MARKER = "paperwire-keyword.json"

HEAP_SIZE = 128_000_000
MAX_QUERY_CHARS = 4_000
MAX_QUERY_TERMS = 100
REASON_TERMS = 4
#: How many papers the words alone pick before the bigram phrases are scored (at least
#: ``offset + limit``, at most ``MAX_RERANK``: deeper results keep the order of their
#: words). 2-3 title words -> paper, hybrid, 800 queries, MRR@10 / CPU per search:
#: pool 100 0.682 / 11.3 ms, 60 0.682 / 10.6 ms, 40 0.682 / 10.1 ms.
RERANK_POOL = 60
MAX_RERANK = 300
#: Restricting a query to at most this many papers lists their ids (``_among``).
AMONG_TERMS = 128
#: Two adjacent ranked words of a query are also searched as a phrase, each field at
#: this fraction of its weight. MRR@10 title -> paper (abstracts only) / 2-3 title words
#: -> paper, with name bigrams at the same boost: off 0.897 / 0.649, 0.25 0.912 / 0.716,
#: 0.35 0.912 / 0.722, 0.5 0.909 / 0.724, 1 0.896 / 0.723, 2 0.861 / 0.712.
BIGRAM_BOOST = 0.35
#: The same phrase inside one author's name is strong evidence of a name search: its
#: weight is this multiple of the authors weight. 500 full names of random authors ->
#: their papers, P@1 / R@10: 0 0.396 / 0.686, 0.35 0.516 / 0.806, 2 0.684 / 0.931,
#: 5 0.910 / 0.963, 10 0.976 / 0.983; title -> paper MRR@10 0.912 at 0.35, 0.910 at 10.
NAME_BIGRAM_BOOST = 10.0
#: How many key terms of a paper make the query of ``similar``; it searches title and
#: abstract alike (a title boost made neighbours less on-topic: same primary category
#: in the top 10, 1,000 papers: 40 terms 0.635, 25 terms 0.624, 25 terms with title x3
#: 0.604; tantivy's more-like-this 0.628).
SIMILAR_TERMS = 40
#: A title word counts as this many abstract words for key terms.
TITLE_TF = 2
#: Stems whose document frequency is kept (the vocabulary of a large corpus fits).
_DF_CACHE = 1_000_000

_EN = "pw_en"
_NAME = "pw_name"
_LONG_TOKEN = 40

# Lucene's English stop words (tantivy's list): left out of ranked queries.
QUERY_STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)
# Words that say little about what a paper is about: never key terms. Compared after
# stemming, so "proposes" and "proposed" go with "propose".
KEY_TERM_STOP_WORDS = QUERY_STOP_WORDS | frozenset(
    """
    about above across after again against all almost along already also although always
    am among amongst another any anyone anything are around away back because been before
    being below besides between beyond both can cannot could did do does doing done down
    due during each either else enough especially etc even ever every few first following
    from further furthermore get given gives got had has have having he hence her here
    herein hers herself him himself his how however i its itself just last later least less
    let like likely made mainly make makes many may me might more moreover most mostly much
    must my neither never nevertheless next nor now often once one only onto other others
    otherwise our ours ourselves out over own per perhaps rather really same second several
    shall she should since so some something sometimes still than thereby therefore thus
    those though three through throughout to together too two toward towards under
    until up upon us use used uses using various very via was we well were what whatever
    when whenever where whereas whether which while who whole whom whose why within without
    would yet you your yours
    paper papers work works propose proposes proposed proposing present presents presented
    introduce introduces introduced show shows showed shown demonstrate demonstrates
    demonstrated result results approach approaches method methods novel new existing
    based achieve achieves achieved achieving significant significantly substantially
    experiment experiments experimental extensive state art outperform outperforms
    outperforming effective effectively performance improve improves improved improvement
    improvements code available https http github com www org
    """.split()
)

# General words, compared as written (folded, not stemmed: "partly" stems to "part"):
# never key terms nor reasons. Adverbs that the stemmer takes "-ly" from ("largely",
# "jointly") are left out by ``is_content_word`` without being listed here.
GENERAL_WORDS = frozenset(
    """
    ask asks asked asking try tries tried trying see sees seen saw know knows knew
    take takes took taken taking want wants wanted need needs needed needing seem seems
    seemed allow allows allowed allowing enable enables enabled enabling provide provides
    provided providing consider considers considered considering tackle tackles tackled
    tackling leverage leverages leveraged leveraging utilize utilizes utilized utilizing
    utilise utilises utilised utilising remain remains remained become becomes became
    becoming reveal reveals revealed revealing yield yields yielded yielding offer offers
    offered aim aims aimed aiming explore explores explored investigate investigates
    investigated investigating find finds found finding include includes included
    including involve involves involved involving obtain obtains obtained obtaining rely
    relies relied relying apply applies applied applying imply implies implied implying
    better best good great different specific relevant particular certain possible able
    ability abilities important importance overall partly early provably notably
    tractably probably possibly arguably reasonably considerably remarkably noticeably
    comparably fully newly primarily easily heavily simply truly stealthily narrowly
    deeply hardly readily necessarily temporarily arbitrarily steadily wholly duly
    """.split()
)

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_TOKEN = re.compile(r'([+-]?)"([^"]*)"|([+-]?)([^\s"]+)')
_OPERATORS = frozenset({"AND", "OR", "NOT", "&&", "||", "!"})
_SUFFIX = re.compile(r"[\^~][\d.]*$")  # boosts and fuzziness: "word^2", "word~1"
_FIELD_PREFIX = re.compile(
    r"^(?:title|abstract|authors?|category|categories|cat|id|day|has_code):", re.IGNORECASE
)

Occur = Literal["should", "must", "not"]
#: Papers by id, for the texts of ``key_terms`` and ``similar`` (``Store.get_papers``).
TextSource = Callable[[Sequence[str]], Mapping[str, Paper]]


class KeywordIndexError(PaperwireError):
    """The keyword index cannot be written (another writer holds it) or read."""


@dataclass(frozen=True, slots=True)
class FieldWeights:
    """BM25 boosts per field for ``search``; a weight of 0 leaves the field out.

    Measured on the 74,728 cs papers of 2025-2026, MRR@10. Finding a paper from 2-3 words
    of its title, full index: all 1 -> 0.665, title 3 -> 0.714, 5 -> 0.722, 8 -> 0.723
    (before the bigram bonus: 1 -> 0.587, 3 -> 0.642, 5 -> 0.649). Finding a paper from
    its title when only abstracts are indexed: authors 0.5 -> 0.911, 1.1 -> 0.910,
    1.5 -> 0.904, 2 -> 0.887 (title words that are also surnames: "Long", "Fan", "Song"),
    so authors stay just above abstracts.
    """

    title: float = 5.0
    authors: float = 1.1
    abstract: float = 1.0


DEFAULT_WEIGHTS = FieldWeights()


@dataclass(frozen=True, slots=True)
class _Clause:
    """One word or phrase of a query, analysed for both kinds of field."""

    occur: Occur
    stems: tuple[str, ...]  # pw_en tokens: title and abstract
    names: tuple[str, ...]  # pw_name tokens: authors, and what a reason shows

    @property
    def phrase(self) -> bool:
        return len(self.stems) > 1

    @property
    def label(self) -> str:
        return f'"{" ".join(self.names)}"' if self.phrase else self.names[0]


@dataclass(frozen=True, slots=True)
class _Parsed:
    clauses: list[_Clause]
    #: Pairs of adjacent ranked words, searched as phrases for a bonus.
    bigrams: list[_Clause]


@dataclass(frozen=True, slots=True)
class _Term:
    stem: str
    word: str
    weight: float


def phrase_keys(
    fields: Sequence[tuple[str, Sequence[tuple[str, str]]]],
) -> dict[str, tuple[str, int]]:
    """Two adjacent content words of one field: "stem stem" -> (the words, times; the
    title's count double as for words)."""
    found: dict[str, tuple[str, int]] = {}
    for name, pairs in fields:
        times = TITLE_TF if name == "title" else 1
        for (s1, w1), (s2, w2) in zip(pairs, pairs[1:], strict=False):
            key = f"{s1} {s2}"
            seen = found.get(key)
            found[key] = (f"{w1} {w2}", (seen[1] if seen else 0) + times)
    return found


def _phrase_terms(
    fields: Sequence[tuple[str, Sequence[tuple[str, str]]]],
    phrases: Callable[[Sequence[str]], Sequence[int]],
    total: int,
    max_share: float,
) -> list[tuple[str, str, float]]:
    found = phrase_keys(fields)
    keys = list(found)
    terms = []
    for key, df in zip(keys, phrases(keys), strict=True):
        if df < 1 or df > max_share * total:
            continue
        word, tf = found[key]
        idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
        terms.append((key, word, (1 + math.log(tf)) * idf))
    return terms


def paper_day(paper: Paper) -> date | None:
    """The date filters use: published, else first feed day, else first seen."""
    if paper.published_at is not None:
        published = paper.published_at
        return (published.astimezone(UTC) if published.tzinfo else published).date()
    if paper.feed_dates:
        return min(paper.feed_dates).day
    if paper.first_seen_at is not None:
        seen = paper.first_seen_at
        return (seen.astimezone(UTC) if seen.tzinfo else seen).date()
    return None


def is_content_word(stem: str, word: str, stop_stems: frozenset[str]) -> bool:
    """Whether a word (``word`` folded, ``stem`` its ``pw_en`` stem) may be a key term or
    a reason: at least two characters, not a number, not a stop word (``stop_stems``),
    not a general word (``GENERAL_WORDS``), not the name of a LaTeX command
    (``MARKUP_WORDS``), not an adverb the stemmer took "-ly" from ("partly" -> "part")."""
    return (
        len(stem) >= 2
        and not stem.isdigit()
        and stem not in stop_stems
        and word not in GENERAL_WORDS
        and word not in MARKUP_WORDS
        and not (word.endswith("ly") and word[:-2].startswith(stem))
    )


def _day_number(day: date) -> int:
    return day.year * 10_000 + day.month * 100 + day.day


def _analyzer(*, stem: bool) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(_LONG_TOKEN))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("title", tokenizer_name=_EN)
    builder.add_text_field("authors", tokenizer_name=_NAME)
    builder.add_text_field("abstract", tokenizer_name=_EN)
    builder.add_text_field("category", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("day", indexed=True, fast=True)
    builder.add_integer_field("has_code", indexed=True, fast=True)
    return builder.build()


def _document(paper: Paper) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("id", paper.id)
    doc.add_text("title", paper.title or "")
    for author in paper.authors:
        doc.add_text("authors", author.name)
    doc.add_text("abstract", paper.abstract or "")
    for category in paper.categories:
        doc.add_text("category", category)
    day = paper_day(paper)
    if day is not None:
        doc.add_integer("day", _day_number(day))
    doc.add_integer("has_code", 1 if paper.github_repo else 0)
    return doc


def _text(doc: tantivy.Document, field: str) -> str:
    value = doc.get_first(field)
    return value if isinstance(value, str) else ""


def _address(address: tantivy.DocAddress) -> tuple[int, int]:
    return address.segment_ord, address.doc


def _words(tokens: Sequence[str]) -> list[str | tuple[int, str]]:
    return list(tokens)


class Matches:
    """The results of one ``KeywordIndex.matches``, best first (reasons empty), and the
    searcher that found them: ``reasons`` explains any of them against the same index
    state, without looking their ids up again."""

    __slots__ = ("hits", "_index", "_searcher", "_parsed", "_where")

    def __init__(
        self,
        hits: list[Scored],
        index: KeywordIndex,
        searcher: tantivy.Searcher,
        parsed: _Parsed,
        where: dict[str, tuple[int, int]],
    ) -> None:
        self.hits = hits
        self._index = index
        self._searcher = searcher
        self._parsed = parsed
        self._where = where

    def reasons(self, paper_ids: Sequence[str]) -> dict[str, str]:
        """ "matches: ..." for each of ``paper_ids`` that is among ``hits``."""
        docs = {self._where[pid]: pid for pid in paper_ids if pid in self._where}
        by_address = self._index._reasons(self._searcher, self._parsed, docs)
        return {pid: by_address.get(at, "") for at, pid in docs.items()}


class KeywordIndex:
    """A tantivy index of papers in ``directory`` (created on first use).

    Safe to search from many threads; writes are serialised by a lock. Use it as a
    context manager, or call ``close()``: pending changes are committed on a clean
    exit and rolled back when the block raises.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        weights: FieldWeights = DEFAULT_WEIGHTS,
        heap_size: int = HEAP_SIZE,
        threads: int = 2,
        texts: TextSource | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.texts = texts
        self.weights = weights
        self.heap_size = heap_size
        self.threads = threads
        #: The directory held no index (or an unusable one) and starts empty.
        self.created = False
        #: An existing index was discarded (see ``rebuild_reason``): add every paper again.
        self.rebuilt = False
        self.rebuild_reason: str | None = None
        #: Changes whenever the index is created anew (here or by another process).
        self.generation = ""
        self._lock = threading.RLock()
        self._writer: tantivy.IndexWriter | None = None
        self._schema = _schema()
        self._en = _analyzer(stem=True)
        self._name = _analyzer(stem=False)
        self._stop_stems = frozenset(
            stem for word in KEY_TERM_STOP_WORDS for stem in self._en.analyze(word)
        )
        #: Document frequencies of stems, for the searcher with ``_df_docs`` documents:
        #: key terms ask for the same common words again and again.
        self._df: dict[str, int] = {}
        self._df_docs = -1
        self._index = self._open()
        self._index.register_tokenizer(_EN, _analyzer(stem=True))
        self._index.register_tokenizer(_NAME, _analyzer(stem=False))

    # -- opening -----------------------------------------------------------------------

    def _open(self) -> tantivy.Index:
        directory = self.directory
        directory.mkdir(parents=True, exist_ok=True)
        if not (directory / "meta.json").exists():
            return self._create()
        marker = self._marker()
        version = marker.get("schema_version")
        if not isinstance(version, int) or isinstance(version, bool):
            version = None
        if version != SCHEMA_VERSION:
            reason = (
                f"it was built with schema version {version}, this is {SCHEMA_VERSION}"
                if version is not None
                else "it has no paperwire schema version"
            )
        else:
            try:
                if tantivy.Index.is_compatible(str(directory)):
                    index = tantivy.Index.open(str(directory))
                    self.generation = str(marker.get("generation", ""))
                    return index
                reason = "it was written by an incompatible tantivy version"
            except ValueError as exc:
                reason = f"it cannot be opened ({exc})"
        log.warning("rebuilding the keyword index in %s: %s", directory, reason)
        self._wipe()
        self.rebuilt = True
        self.rebuild_reason = reason
        return self._create()

    def _marker(self) -> dict[str, object]:
        try:
            value = json.loads((self.directory / MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def _wipe(self) -> None:
        for entry in self.directory.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def _create(self) -> tantivy.Index:
        index = tantivy.Index(self._schema, path=str(self.directory), reuse=False)
        marker = self.directory / MARKER
        tmp = marker.with_suffix(".tmp")
        generation = uuid.uuid4().hex
        content = {"schema_version": SCHEMA_VERSION, "generation": generation}
        tmp.write_text(json.dumps(content), encoding="utf-8")
        os.replace(tmp, marker)
        self.generation = generation
        self.created = True
        return index

    # -- writing -----------------------------------------------------------------------

    def _get_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                self._writer = self._index.writer(
                    heap_size=self.heap_size, num_threads=self.threads
                )
            except ValueError as exc:
                raise KeywordIndexError(
                    f"cannot write the keyword index in {self.directory}: {exc}"
                ) from exc
        return self._writer

    def add_papers(self, papers: Iterable[Paper]) -> int:
        """Add or replace papers (by id); visible after ``commit()``. Returns how many."""
        added = 0
        with self._lock:
            writer = self._get_writer()
            for paper in papers:
                writer.delete_documents_by_term("id", paper.id)
                writer.add_document(_document(paper))
                added += 1
        return added

    def delete(self, ids: Iterable[str]) -> None:
        """Remove papers by id (unknown ids are ignored); visible after ``commit()``."""
        ids = list(ids)
        if not ids:
            return
        with self._lock:
            writer = self._get_writer()
            for paper_id in ids:
                writer.delete_documents_by_term("id", paper_id)

    def commit(self) -> None:
        """Make pending changes durable and visible, and close the writer."""
        with self._lock:
            writer, self._writer = self._writer, None
            if writer is None:
                return
            writer.commit()
            writer.wait_merging_threads()
        self._index.reload()
        self._df_docs = -1

    def rollback(self) -> None:
        """Drop pending changes and close the writer."""
        with self._lock:
            writer, self._writer = self._writer, None
            if writer is not None:
                writer.rollback()

    def close(self) -> None:
        """Commit pending changes, if any."""
        self.commit()

    def __enter__(self) -> KeywordIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.rollback()

    # -- reading -----------------------------------------------------------------------

    def count(self) -> int:
        """Papers visible to searches (committed)."""
        return self._index.searcher().num_docs

    def search(
        self,
        query: str,
        *,
        limit: int = 20,
        offset: int = 0,
        filters: Filters | None = None,
        explain: bool = True,
        weights: FieldWeights | None = None,
    ) -> list[Scored]:
        """Papers matching ``query`` (see the module docstring), best first. With
        ``explain=False`` reasons are left empty (``explain()`` gives them later)."""
        found = self.matches(query, limit=limit, offset=offset, filters=filters, weights=weights)
        if not explain:
            return found.hits
        reasons = found.reasons([h.paper_id for h in found.hits])
        return [Scored(h.paper_id, h.score, reasons.get(h.paper_id, "")) for h in found.hits]

    def matches(
        self,
        query: str,
        *,
        limit: int = 20,
        offset: int = 0,
        filters: Filters | None = None,
        weights: FieldWeights | None = None,
    ) -> Matches:
        """``search`` without reasons, keeping what it takes to give the reasons of some
        of the results later (``Matches.reasons``) without finding them again.
        ``weights`` replace the index's field weights for this search."""
        parsed = self._parse(query)
        searcher = self._index.searcher()
        if limit <= 0 or not parsed.clauses:
            return Matches([], self, searcher, parsed, {})
        weights = weights or self.weights
        words = self._restrict(self._query(parsed.clauses, weights), filters, exclude=None)
        if words is None:
            return Matches([], self, searcher, parsed, {})
        offset = max(0, offset)
        wanted = offset + limit
        pool = max(wanted, RERANK_POOL) if parsed.bigrams else wanted
        found = searcher.search(words, pool, count=False).hits
        hits = [(float(score), _address(a), _text(searcher.doc(a), "id")) for score, a in found]
        if parsed.bigrams and hits:
            # Bonuses only raise scores: the head, reranked, still ranks above the rest.
            head, rest = hits[:MAX_RERANK], hits[MAX_RERANK:]
            ids = [pid for _, _, pid in head]
            bonus = self._bigram_bonus(searcher, parsed.bigrams, ids, weights)
            head = [(score + bonus.get(at, 0.0), at, pid) for score, at, pid in head]
            head.sort(key=lambda hit: (-hit[0], hit[1]))
            hits = head + rest
        hits = hits[offset:wanted]
        where = {pid: at for _, at, pid in hits}
        return Matches(
            [Scored(pid, score) for score, _, pid in hits], self, searcher, parsed, where
        )

    def explain(self, query: str, paper_ids: Sequence[str]) -> dict[str, str]:
        """The reason ``search(query)`` gives for each of ``paper_ids`` ("matches: ...")."""
        parsed = self._parse(query)
        if not parsed.clauses or not paper_ids:
            return {}
        searcher = self._index.searcher()
        ids = list(dict.fromkeys(paper_ids))
        among = tantivy.Query.term_set_query(self._schema, "id", ids)
        docs = {
            _address(a): _text(searcher.doc(a), "id")
            for _, a in searcher.search(among, len(ids), count=False).hits
        }
        by_address = self._reasons(searcher, parsed, docs)
        return {pid: by_address.get(at, "") for at, pid in docs.items()}

    def key_terms(self, paper_id: str, n: int = 12) -> list[str]:
        """The ``n`` most distinctive words of an indexed paper (tf-idf over its title and
        abstract, document frequencies from the index); [] for an unknown id."""
        found = self._find(paper_id)
        if found is None or n <= 0:
            return []
        searcher, paper = found
        return [t.word for t in self._weighted_terms(searcher, paper)[:n]]

    def terms_of(self, papers: Iterable[Paper], n: int) -> dict[str, list[str]]:
        """``key_terms`` of papers already read from the store (by id): no lookups."""
        searcher = self._index.searcher()
        return {p.id: [t.word for t in self._weighted_terms(searcher, p)[:n]] for p in papers}

    def content_pairs(self, paper: Paper) -> list[tuple[str, list[tuple[str, str]]]]:
        """The content words of a paper's title and abstract, in order: (field, [(stem,
        word)]) — what ``term_vectors`` counts and what its phrases are made of."""
        stop = self._stop_stems
        found = []
        for name, text in (("title", paper.title), ("abstract", paper.abstract)):
            pairs = self._pairs(_URL.sub(" ", plain_text(text)))
            found.append((name, [(s, w) for s, w in pairs if is_content_word(s, w, stop)]))
        return found

    def term_vectors(
        self,
        papers: Iterable[Paper],
        *,
        max_share: float = 1.0,
        phrases: Callable[[Sequence[str]], Sequence[int]] | None = None,
        phrase_total: int = 0,
    ) -> dict[str, dict[str, tuple[str, float]]]:
        """Each paper's words as a unit-length tf-idf vector: stem -> (the word as the
        paper writes it, weight). Stems in more than ``max_share`` of the indexed papers
        are left out (they tell readers' interests apart no better than chance). With
        ``phrases`` (document frequencies of "stem stem" keys among ``phrase_total``
        papers) two adjacent content words are a term too, when some paper has them."""
        searcher = self._index.searcher()
        total = max(searcher.num_docs, 1)
        vectors: dict[str, dict[str, tuple[str, float]]] = {}
        for paper in papers:
            weighted = [
                (t.stem, t.word, t.weight)
                for t in self._weighted_terms(searcher, paper)
                if self._doc_freq(searcher, t.stem, total) <= max_share * total
            ]
            if phrases is not None and phrase_total > 0:
                weighted += _phrase_terms(
                    self.content_pairs(paper), phrases, phrase_total, max_share
                )
            norm = math.sqrt(sum(w * w for _, _, w in weighted)) or 1.0
            vectors[paper.id] = {stem: (word, w / norm) for stem, word, w in weighted}
        return vectors

    def similar(
        self,
        paper_id: str,
        *,
        limit: int = 20,
        filters: Filters | None = None,
        explain: bool = True,
    ) -> list[Scored]:
        """Lexical neighbours of an indexed paper (BM25 over title and abstract for its
        ``SIMILAR_TERMS`` key terms, each boosted by its tf-idf weight), never the paper
        itself; [] for an unknown id. With ``explain=False`` reasons are left empty."""
        found = self._find(paper_id)
        if found is None or limit <= 0:
            return []
        searcher, paper = found
        terms = self._weighted_terms(searcher, paper)[:SIMILAR_TERMS]
        if not terms:
            return []
        top = terms[0].weight
        subqueries: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for term in terms:
            for field in ("title", "abstract"):
                query = tantivy.Query.term_query(self._schema, field, term.stem)
                boosted = tantivy.Query.boost_query(query, term.weight / top)
                subqueries.append((tantivy.Occur.Should, boosted))
        restricted = self._restrict(
            tantivy.Query.boolean_query(subqueries), filters, exclude=paper_id
        )
        if restricted is None:
            return []
        result = searcher.search(restricted, limit, count=False)
        found_ids = [(float(score), _text(searcher.doc(a), "id")) for score, a in result.hits]
        if not explain:
            return [Scored(pid, score) for score, pid in found_ids]
        others = self._papers([pid for _, pid in found_ids])
        hits: list[Scored] = []
        for score, pid in found_ids:
            other = others.get(pid)
            stems: set[str] = set()
            if other is not None:
                stems.update(self._en.analyze(plain_text(other.title)))
                stems.update(self._en.analyze(plain_text(other.abstract)))
            shared = [t.word for t in terms if t.stem in stems][:REASON_TERMS]
            reason = f"shared terms: {', '.join(shared)}" if shared else ""
            hits.append(Scored(pid, score, reason))
        return hits

    # -- queries -----------------------------------------------------------------------

    def _pairs(self, text: str) -> list[tuple[str, str]]:
        """(stem, folded word) per token of ``text``."""
        stems = self._en.analyze(text)
        names = self._name.analyze(text)
        if len(stems) != len(names):  # both analysers tokenise alike; be safe anyway
            return [(s, s) for s in stems]
        return list(zip(stems, names, strict=True))

    def _parse(self, query: str) -> _Parsed:
        clauses: list[_Clause] = []
        seen: set[tuple[Occur, tuple[str, ...]]] = set()
        bigrams: dict[tuple[str, ...], _Clause] = {}
        previous: _Clause | None = None  # the ranked word just before, for bigrams
        for match in _TOKEN.finditer(query[:MAX_QUERY_CHARS]):
            phrase_sign, phrase, word_sign, word = match.groups()
            sign = phrase_sign if phrase is not None else word_sign
            occur: Occur = "must" if sign == "+" else "not" if sign == "-" else "should"
            if phrase is not None:
                pairs = self._pairs(phrase)
                groups = [pairs] if pairs else []
            else:
                if word in _OPERATORS:
                    previous = None
                    continue
                word = _SUFFIX.sub("", _FIELD_PREFIX.sub("", word))
                groups = [[pair] for pair in self._pairs(word)]
            for group in groups:
                clause = _Clause(occur, tuple(s for s, _ in group), tuple(n for _, n in group))
                if occur != "should" or clause.phrase or clause.names[0] in QUERY_STOP_WORDS:
                    previous = None
                else:
                    if previous is not None and len(bigrams) < MAX_QUERY_TERMS:
                        pair = _Clause(
                            "should", previous.stems + clause.stems, previous.names + clause.names
                        )
                        bigrams.setdefault(pair.stems, pair)
                    previous = clause
                if (occur, clause.stems) in seen:
                    continue
                seen.add((occur, clause.stems))
                clauses.append(clause)
            if len(clauses) >= MAX_QUERY_TERMS:
                break
        clauses = clauses[:MAX_QUERY_TERMS]
        if not any(c.occur != "not" for c in clauses):
            # Only exclusions: search the plain words instead of nothing.
            clauses = [_Clause("should", c.stems, c.names) for c in clauses]
        ranked = [
            c
            for c in clauses
            if c.occur != "should" or c.phrase or c.names[0] not in QUERY_STOP_WORDS
        ]
        if any(c.occur != "not" for c in ranked):
            clauses = ranked
        return _Parsed(clauses, list(bigrams.values()))

    def _field_queries(
        self,
        clause: _Clause,
        boost: float = 1.0,
        name_boost: float = 1.0,
        *,
        searcher: tantivy.Searcher | None = None,
        weights: FieldWeights | None = None,
    ) -> list[tantivy.Query]:
        """One query per field for ``clause``; with a ``searcher``, only for the fields
        where every word of it occurs somewhere (saves queries that cannot match)."""
        queries: list[tantivy.Query] = []
        weights = weights or self.weights
        for field, tokens, weight in (
            ("title", clause.stems, weights.title * boost),
            ("abstract", clause.stems, weights.abstract * boost),
            ("authors", clause.names, weights.authors * name_boost),
        ):
            if weight <= 0:
                continue
            if searcher is not None and not all(searcher.doc_freq(field, t) for t in tokens):
                continue
            if len(tokens) == 1:
                query = tantivy.Query.term_query(self._schema, field, tokens[0])
            else:
                query = tantivy.Query.phrase_query(self._schema, field, _words(tokens))
            queries.append(query if weight == 1 else tantivy.Query.boost_query(query, weight))
        return queries

    def _query(self, clauses: list[_Clause], weights: FieldWeights) -> tantivy.Query:
        subqueries: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for clause in clauses:
            fields = self._field_queries(clause, weights=weights)
            if not fields:
                continue
            if clause.occur == "should":
                subqueries.extend((tantivy.Occur.Should, q) for q in fields)
            else:
                occur = tantivy.Occur.Must if clause.occur == "must" else tantivy.Occur.MustNot
                any_field = [(tantivy.Occur.Should, q) for q in fields]
                subqueries.append((occur, tantivy.Query.boolean_query(any_field)))
        return tantivy.Query.boolean_query(subqueries)

    def _among(self, ids: Sequence[str]) -> tuple[tantivy.Occur, tantivy.Query]:
        """A MUST clause (scored 0) that keeps only the papers ``ids``.

        Up to ``AMONG_TERMS`` ids it is a disjunction of id terms: tantivy then walks
        those few papers and only seeks the other clause there. A term set matches the
        same papers but leads the intersection with the other clause, which then steps
        through every paper that has its words (the reasons of 21 results: 3.2 ms CPU
        with a term set, 1.8 ms with the disjunction)."""
        if len(ids) <= AMONG_TERMS:
            terms = [tantivy.Query.term_query(self._schema, "id", pid) for pid in ids]
            among = tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in terms])
        else:
            among = tantivy.Query.term_set_query(self._schema, "id", list(ids))
        return tantivy.Occur.Must, tantivy.Query.const_score_query(among, 0.0)

    def _bigram_bonus(
        self,
        searcher: tantivy.Searcher,
        bigrams: list[_Clause],
        ids: Sequence[str],
        weights: FieldWeights,
    ) -> dict[tuple[int, int], float]:
        """What the bigram phrases add to the score of each of the papers ``ids``.

        One query per phrase and field, each a conjunction with the ids, so tantivy
        walks the few candidates and checks the phrase only there; one disjunction of
        all phrases would step through every paper that has them (5x slower)."""
        bonus: dict[tuple[int, int], float] = {}
        if BIGRAM_BOOST <= 0 or not ids:
            return bonus
        among = self._among(ids)
        for bigram in bigrams:
            for phrase in self._field_queries(
                bigram, BIGRAM_BOOST, NAME_BIGRAM_BOOST, searcher=searcher, weights=weights
            ):
                query = tantivy.Query.boolean_query([among, (tantivy.Occur.Must, phrase)])
                for score, address in searcher.search(query, len(ids), count=False).hits:
                    at = _address(address)
                    bonus[at] = bonus.get(at, 0.0) + float(score)
        return bonus

    def _restrict(
        self, query: tantivy.Query, filters: Filters | None, *, exclude: str | None
    ) -> tantivy.Query | None:
        """``query`` AND every filter (scored 0) AND NOT ``exclude``; None if the filters
        cannot match anything."""
        parts: list[tantivy.Query] = []
        schema = self._schema
        if filters is not None and not filters.is_empty:
            if filters.category is not None:
                parts.append(tantivy.Query.term_query(schema, "category", filters.category))
            if filters.since is not None or filters.until is not None:
                parts.append(
                    tantivy.Query.range_query(
                        schema,
                        "day",
                        tantivy.FieldType.Integer,
                        _day_number(filters.since) if filters.since else None,
                        _day_number(filters.until) if filters.until else None,
                    )
                )
            if filters.has_code is not None:
                parts.append(tantivy.Query.term_query(schema, "has_code", int(filters.has_code)))
            if filters.author is not None:
                names = self._name.analyze(filters.author)
                if not names:
                    return None
                parts.append(
                    tantivy.Query.term_query(schema, "authors", names[0])
                    if len(names) == 1
                    else tantivy.Query.phrase_query(schema, "authors", _words(names))
                )
        subqueries = [(tantivy.Occur.Must, query)]
        subqueries.extend(
            (tantivy.Occur.Must, tantivy.Query.const_score_query(p, 0.0)) for p in parts
        )
        if exclude is not None:
            subqueries.append(
                (tantivy.Occur.MustNot, tantivy.Query.term_query(schema, "id", exclude))
            )
        if len(subqueries) == 1:
            return query
        return tantivy.Query.boolean_query(subqueries)

    def _reasons(
        self, searcher: tantivy.Searcher, parsed: _Parsed, docs: dict[tuple[int, int], str]
    ) -> dict[tuple[int, int], str]:
        """ "matches: ..." per document: the labels of the query's phrases and content
        words (``is_content_word``: "using", "2606" or "mathbb" are never named) that each
        of ``docs`` (address -> id) contains, in query order, one query per word."""
        if not docs:
            return {}
        among = self._among(list(docs.values()))
        found: dict[tuple[int, int], list[str]] = {at: [] for at in docs}
        for clause in parsed.clauses:
            if clause.occur == "not":
                continue
            if not clause.phrase and not is_content_word(
                clause.stems[0], clause.names[0], self._stop_stems
            ):
                continue
            fields = self._field_queries(clause, searcher=searcher)
            if not fields:
                continue
            any_field = tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in fields])
            query = tantivy.Query.boolean_query([among, (tantivy.Occur.Must, any_field)])
            for _, address in searcher.search(query, len(docs), count=False).hits:
                found[_address(address)].append(clause.label)
            if all(len(labels) >= REASON_TERMS for labels in found.values()):
                break
        reasons: dict[tuple[int, int], str] = {}
        for at in docs:
            labels = found[at][:REASON_TERMS]
            reasons[at] = f"matches: {', '.join(labels)}" if labels else ""
        return reasons

    # -- key terms ---------------------------------------------------------------------

    def _papers(self, ids: Sequence[str]) -> Mapping[str, Paper]:
        if self.texts is None:
            raise KeywordIndexError(
                "the keyword index stores no texts: open it with texts=store.get_papers "
                "for key terms and similar papers"
            )
        return self.texts(ids) if ids else {}

    def _find(self, paper_id: str) -> tuple[tantivy.Searcher, Paper] | None:
        """The searcher and the stored paper, if ``paper_id`` is in the index."""
        searcher = self._index.searcher()
        query = tantivy.Query.term_query(self._schema, "id", paper_id)
        if not searcher.search(query, 1, count=False).hits:
            return None
        paper = self._papers([paper_id]).get(paper_id)
        return None if paper is None else (searcher, paper)

    def _doc_freq(self, searcher: tantivy.Searcher, stem: str, total: int) -> int:
        """In how many papers ``stem`` occurs (title or abstract, the larger), cached for
        as long as the index holds ``total`` papers and nothing is committed here."""
        if total != self._df_docs or len(self._df) > _DF_CACHE:
            self._df, self._df_docs = {}, total
        df = self._df.get(stem)
        if df is None:
            df = max(searcher.doc_freq("title", stem), searcher.doc_freq("abstract", stem), 1)
            self._df[stem] = df
        return df

    def _weighted_terms(self, searcher: tantivy.Searcher, paper: Paper) -> list[_Term]:
        counts: dict[str, int] = {}
        forms: dict[str, dict[str, int]] = {}
        stop = self._stop_stems
        for text, times in ((plain_text(paper.title), TITLE_TF), (plain_text(paper.abstract), 1)):
            for stem, word in self._pairs(_URL.sub(" ", text)):
                if not is_content_word(stem, word, stop):
                    continue
                counts[stem] = counts.get(stem, 0) + times
                seen = forms.get(stem)
                if seen is None:
                    forms[stem] = {word: 1}
                else:
                    seen[word] = seen.get(word, 0) + 1
        total = searcher.num_docs
        terms: list[_Term] = []
        for stem, tf in counts.items():
            df = self._doc_freq(searcher, stem, total)
            idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
            # The word as the paper writes it most often (shortest on ties).
            written = forms[stem]
            if len(written) == 1:
                word = next(iter(written))
            else:
                word = min(written.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]
            terms.append(_Term(stem, word, (1 + math.log(tf)) * idf))
        terms.sort(key=lambda t: (-t.weight, t.word))
        return terms
