"""The topics of a day: its papers grouped by meaning, each group labelled by its words.

A 300-paper day is easier to scan as a dozen labelled groups. The index job computes
them after the fast vectors (``update_topics``) and stores them per day; the day page
(``/``) and ``paperwire papers --by-topic`` only read them (``group_by_topic``).

**Grouping.** Spherical k-means (cosine) over the day's fast-tier vectors: k-means++
seeding from a fixed seed, ``RESTARTS`` runs, the tightest one kept, so the same papers
always give the same groups. ``topic_count`` picks k from the day's size (one topic per
``TOPIC_SIZE`` papers, ``MIN_TOPICS`` to ``MAX_TOPICS``; ``benchmarks/day_topics.py``
measured the choice). A group smaller than ``MIN_TOPIC`` papers is dissolved into the
nearest other groups. Days with fewer than ``MIN_DAY`` papers are not grouped. The
``kmeans`` that usearch (installed for the vector graphs) ships was not used: it does not
honour its seed (four runs with one seed, 500 vectors, k=10: 6-13 % of the assignments
agreed), so a day's topics would change on every run; scikit-learn is not installed.

**Labels.** The words of each paper's title and abstract as readable text
(``text.plain_text``: LaTeX parsed by pylatexenc, math turned into symbols, so
"\\mathbb" never becomes a word), stemmed as the keyword index stems them, leaving out
URLs, numbers, one-letter tokens and the words that name no topic
(``keyword.is_content_word`` and ``LABEL_STOP_WORDS``); two adjacent content words
with no punctuation between them make a two-word term ("language models"). A term's
weight in a group is

    p * log(p / q) * log2(1 + tf)

where ``p`` is the share of the group's papers that use it, ``q`` the (smoothed) share
of the rest of the day's papers, and ``tf`` how often a paper that uses it uses it on
average: frequent in the group, rare elsewhere, and repeated by the papers that use it
(a subject is repeated, "future" or "explicit" is said once). The label is the
``LABEL_TERMS`` best terms used by at least ``MIN_TERM_SHARE`` of the group; a two-word
term replaces its own first or second word when it covers most of that word's papers,
and "llm" is not shown beside "llms". Each term is shown as the group's papers write it
most often (lower case unless they mostly write "LLM" or "3D").

**Storage.** Per day: the topics in order (largest first), each paper's topic, and a
fingerprint of the day's papers (ids and text hashes) when they were grouped. A run
looks at the days of papers written since the last run (a store checkpoint) and
regroups a day only when its fingerprint changed. Reading applies the stored topics to
the day's current listing: a paper no topic names (it arrived after the last run) is
listed under "Other", a paper that left the day is not shown.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import tantivy

from paperwire.index.keyword import KEY_TERM_STOP_WORDS, is_content_word
from paperwire.index.tiers import FAST, Progress
from paperwire.models import Paper
from paperwire.normalize import text_hash
from paperwire.store.base import Store
from paperwire.store.base_topics import DayTopics, Topic
from paperwire.text import plain_text

#: Days with fewer papers are listed plain.
MIN_DAY = 20
#: One topic per this many papers of a day, within ``MIN_TOPICS``..``MAX_TOPICS``.
TOPIC_SIZE = 20
MIN_TOPICS = 3
MAX_TOPICS = 20
#: Smaller groups are dissolved into the nearest others.
MIN_TOPIC = 4
#: k-means runs per day (k-means++ seeds), the one with the tightest groups is kept.
RESTARTS = 4
MAX_ITERATIONS = 60
SEED = 20250318
#: Terms in a label, and the share of a group's papers a label term must be used by.
LABEL_TERMS = 3
MIN_TERM_SHARE = 0.2
#: The name of the group of papers no topic names.
OTHER = "Other"
#: The store checkpoint: up to which paper revision the days were looked at.
CHECKPOINT = "topics"
STAGE = "topics"
#: More papers than any day holds.
LISTING_LIMIT = 100_000

#: Words that name no topic of a paper (compared as written and stemmed), beyond what
#: ``keyword.is_content_word`` leaves out (stop words, general words, LaTeX command
#: names, numbers): Latin abbreviations, common adjectives, number words.
LABEL_STOP_WORDS = frozenset(
    """
    al et eg ie etc vs viz cf
    findings large small high low total easy minimal full standard current recent key main
    simple single multiple common strong real general wide broad typically across respect
    four five six seven eight nine ten
    """.split()
)

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
#: Punctuation that ends a phrase: two words on either side make no two-word term.
_BREAK = re.compile(r"[.,;:!?()\[\]{}\"]+")
_BREAK_WORD = "pwtopicbreak"

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class TopicGroup:
    """One topic of a day as a page shows it: its label, an anchor and its papers."""

    label: str
    anchor: str
    papers: list[Paper]
    terms: tuple[str, ...] = ()


@dataclass(slots=True)
class TopicsReport:
    days: int = 0
    grouped: int = 0
    topics: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.grouped} of {self.days} days grouped into topics "
            f"({self.topics} topics) in {self.seconds:.1f} s"
        )


# -- grouping ---------------------------------------------------------------------------


def topic_count(papers: int, *, size: int = TOPIC_SIZE) -> int:
    """How many topics a day of ``papers`` papers is split into (0: not grouped): one
    per ``size`` papers."""
    if papers < MIN_DAY:
        return 0
    return max(MIN_TOPICS, min(MAX_TOPICS, round(papers / size)))


def _normalized(vectors: Matrix) -> Matrix:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    out: Matrix = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    return out


def _seeds(vectors: Matrix, k: int, rng: np.random.Generator) -> Matrix:
    """k-means++ for cosine distance: each next seed drawn in proportion to its distance
    from the nearest seed so far."""
    n = len(vectors)
    chosen = [int(rng.integers(n))]
    nearest = 1.0 - vectors @ vectors[chosen[0]]
    for _ in range(1, k):
        weights = np.clip(nearest, 0.0, None)
        total = float(weights.sum())
        pick = int(rng.choice(n, p=weights / total)) if total > 0 else int(rng.integers(n))
        chosen.append(pick)
        nearest = np.minimum(nearest, 1.0 - vectors @ vectors[pick])
    seeds: Matrix = vectors[chosen].copy()
    return seeds


def _similarity(vectors: Matrix, centres: Matrix) -> Matrix:
    """Each vector's cosine with each centre. ``einsum``, not a BLAS product: on two
    shared cores OpenBLAS's threads made this product ten times slower (3 ms of CPU
    instead of 0.3 ms for 713 x 26 at 256 dimensions), and its sums do not depend on
    how many threads there are."""
    similarity: Matrix = np.einsum("ij,kj->ik", vectors, centres)
    return similarity


def _kmeans(
    vectors: Matrix, k: int, rng: np.random.Generator
) -> tuple[npt.NDArray[np.intp], float]:
    """One run: (the group of each vector, the summed similarity to its group's centre)."""
    centres = _seeds(vectors, k, rng)
    n = len(vectors)
    assigned = np.full(n, -1, dtype=np.intp)
    rows = np.arange(n)
    for _ in range(MAX_ITERATIONS):
        similarity = _similarity(vectors, centres)
        new = np.argmax(similarity, axis=1)
        if np.array_equal(new, assigned):
            break
        assigned = new
        order = np.argsort(assigned, kind="stable")
        ordered = assigned[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sums = np.zeros_like(centres)
        sums[ordered[starts]] = np.add.reduceat(vectors[order], starts, axis=0)
        norms = np.linalg.norm(sums, axis=1)
        empty = norms == 0
        centres = (sums / np.where(empty, 1.0, norms)[:, None]).astype(np.float32)
        if empty.any():  # an empty group restarts on the papers farthest from their centres
            worst = np.argsort(similarity[rows, assigned], kind="stable")[: int(empty.sum())]
            centres[empty] = vectors[worst]
    fit = float(_similarity(vectors, centres)[rows, assigned].sum())
    return assigned, fit


def cluster(vectors: Matrix, k: int, *, seed: int = SEED) -> list[list[int]]:
    """The rows of ``vectors`` in ``k`` groups (fewer once small ones are dissolved),
    largest first; each group's rows in order. Same input, same groups."""
    n = len(vectors)
    if n == 0:
        return []
    k = max(1, min(k, n))
    unit = _normalized(np.asarray(vectors, dtype=np.float32))
    rng = np.random.default_rng(seed)
    best: tuple[npt.NDArray[np.intp], float] | None = None
    for _ in range(RESTARTS):
        run = _kmeans(unit, k, rng)
        if best is None or run[1] > best[1]:
            best = run
    assert best is not None
    assigned = best[0]
    sizes = np.bincount(assigned, minlength=k)
    kept = [g for g in range(k) if sizes[g] >= MIN_TOPIC] or [int(np.argmax(sizes))]
    if len(kept) < k:
        centres = np.stack(
            [_normalized(unit[assigned == g].sum(axis=0, keepdims=True))[0] for g in kept]
        )
        loose = np.flatnonzero(~np.isin(assigned, kept))
        nearest = np.argmax(_similarity(unit[loose], centres), axis=1)
        assigned = assigned.copy()
        assigned[loose] = np.asarray(kept)[nearest]
    groups = [np.flatnonzero(assigned == g).tolist() for g in kept]
    groups.sort(key=lambda rows: (-len(rows), rows[0]))
    return groups


# -- labels -----------------------------------------------------------------------------


def _analyzer(*, stem: bool, fold: bool = True) -> tantivy.TextAnalyzer:
    """The keyword index's tokens (``keyword._analyzer``): simple tokenizer, long tokens
    out; ``fold`` lowercases and folds accents, ``stem`` applies the English stemmer."""
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(
        tantivy.Filter.remove_long(40)
    )
    if fold:
        builder = builder.filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold())
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


@dataclass(frozen=True, slots=True)
class Tokens:
    """A paper's words in order: each one's stem ("" for no content word) and how it is
    written; ``""`` stems also stand between the title and the abstract."""

    stems: list[str]
    written: list[str]

    def terms(self) -> Counter[str]:
        """How often the paper uses each ``"stem"`` and ``"stem stem"`` (two adjacent
        content words)."""
        stems = self.stems
        found = Counter(stems)
        found.update(f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False) if a and b)
        del found[""]
        return found


class TermReader:
    """The content words of papers, stemmed as the keyword index stems them."""

    def __init__(self) -> None:
        self._stemmer = _analyzer(stem=True)
        self._folded = _analyzer(stem=False)
        self._raw = _analyzer(stem=False, fold=False)
        self._stop = frozenset(
            stem
            for word in KEY_TERM_STOP_WORDS | LABEL_STOP_WORDS
            for stem in [word, *self._stemmer.analyze(word)]
        )
        #: folded word -> its stem, or "" when it is no content word
        self._stems: dict[str, str] = {_BREAK_WORD: ""}

    def plain(self, text: str) -> str:
        """``text`` as readable text (``text.plain_text``: LaTeX parsed, math as
        symbols) without URLs; punctuation that ends a phrase becomes a break word."""
        return _BREAK.sub(f" {_BREAK_WORD} ", _URL.sub(" ", plain_text(text)))

    def _stem(self, word: str) -> str:
        stems = self._stemmer.analyze(word)
        stem = stems[0] if len(stems) == 1 else ""
        if not (
            is_content_word(stem, word, self._stop)
            and word not in LABEL_STOP_WORDS
            and any(c.isalpha() for c in stem)
        ):
            stem = ""
        self._stems[word] = stem
        return stem

    def read(self, paper: Paper) -> Tokens:
        stems: list[str] = []
        written: list[str] = []
        known = self._stems
        for text in (paper.title or "", paper.abstract or ""):
            plain = self.plain(text)
            folded = self._folded.analyze(plain)
            raw = self._raw.analyze(plain)
            stems.extend(
                [known.get(w) or (self._stem(w) if w not in known else "") for w in folded]
            )
            written.extend(raw if len(raw) == len(folded) else folded)
            stems.append("")
            written.append("")
        return Tokens(stems, written)


def written_form(term: str, papers: Iterable[Tokens]) -> str:
    """How ``papers`` write ``term`` most often; lower case unless they mostly write it
    otherwise (acronyms: "LLM", "3D"), and never capitalised only because it starts a
    title ("Diffusion")."""
    parts = term.split()
    counts: Counter[str] = Counter()
    for tokens in papers:
        stems = tokens.stems
        for at, stem in enumerate(stems):
            if stem != parts[0] or stems[at : at + len(parts)] != parts:
                continue
            counts[" ".join(tokens.written[at : at + len(parts)])] += 1
    if not counts:
        return term
    lower: Counter[str] = Counter()
    for form, n in counts.items():
        lower[form.lower()] += n
    common = max(lower.items(), key=lambda item: (item[1], -len(item[0]), item[0]))[0]
    variants = [(n, form) for form, n in counts.items() if form.lower() == common]
    best = max(variants, key=lambda item: (item[0], item[1] == common, item[1]))[1]
    if best != common and all(w[:1].isupper() and w[1:].islower() for w in best.split()):
        return common
    return best


def label_terms(
    term_counts: Sequence[Counter[str]], groups: Sequence[Sequence[int]]
) -> list[list[str]]:
    """The label terms (stems) of each group: see the module docstring."""
    day_df: Counter[str] = Counter()
    for terms in term_counts:
        day_df.update(terms.keys())
    total = len(term_counts)
    labels: list[list[str]] = []
    for rows in groups:
        size = len(rows)
        group_df: Counter[str] = Counter()
        group_tf: Counter[str] = Counter()
        for row in rows:
            group_df.update(term_counts[row].keys())
            group_tf.update(term_counts[row])
        least = max(2, math.ceil(MIN_TERM_SHARE * size))
        rest = max(total - size, 0)
        scored: list[tuple[float, str]] = []
        for term, df in group_df.items():
            if df < least:
                continue
            p = df / size
            q = (day_df[term] - df + 0.5) / (rest + 1.0)
            if p > q:
                repeated = math.log2(1 + group_tf[term] / df)
                scored.append((p * math.log(p / q) * repeated, term))
        scored.sort(key=lambda item: (-item[0], item[1]))
        chosen: list[str] = []
        for _, term in scored:
            words = term.split()
            if len(words) == 2:
                inside = [c for c in chosen if c in words]
                if inside:
                    # "language models" replaces "language" when it covers most of it
                    if all(group_df[term] >= 0.6 * group_df[c] for c in inside):
                        chosen = [
                            term if c == inside[0] else c for c in chosen if c not in inside[1:]
                        ]
                    continue
                if any(c in words or (" " in c and set(c.split()) & set(words)) for c in chosen):
                    continue
            elif any(term in c.split() or _variant(term, c) for c in chosen):
                continue
            chosen.append(term)
            if len(chosen) >= LABEL_TERMS:
                break
        labels.append(chosen)
    return labels


def _variant(a: str, b: str) -> bool:
    """ "llm" and "llms": one is the other with a plural ending the stemmer left."""
    return a + "s" == b or b + "s" == a


# -- one day ----------------------------------------------------------------------------


def fingerprint(papers: Iterable[Paper]) -> str:
    """Changes when the day's papers or their texts change."""
    digest = hashlib.sha1()
    for pid, hashed in sorted((p.id, text_hash(p.title, p.abstract)) for p in papers):
        digest.update(f"{pid}:{hashed}\n".encode())
    return digest.hexdigest()[:20]


def day_topics(
    papers: Sequence[Paper],
    vectors: Mapping[str, npt.NDArray[np.floating]],
    *,
    size: int = TOPIC_SIZE,
) -> list[Topic]:
    """The topics of one day's ``papers`` (those with a vector), largest first; [] for a
    day too small to group. ``size``: papers per topic (``topic_count``)."""
    present = [p for p in papers if p.id in vectors]
    k = topic_count(len(present), size=size)
    if k == 0:
        return []
    matrix = np.stack([np.asarray(vectors[p.id], dtype=np.float32) for p in present])
    groups = cluster(matrix, k)
    reader = TermReader()
    tokens = [reader.read(p) for p in present]
    term_sets = [t.terms() for t in tokens]
    topics = []
    for rows, terms in zip(groups, label_terms(term_sets, groups), strict=True):
        written = [written_form(t, [tokens[row] for row in rows]) for t in terms]
        topics.append(
            Topic(
                label=", ".join(written) if written else OTHER,
                terms=written,
                paper_ids=[present[row].id for row in rows],
            )
        )
    return topics


def _decode(blob: bytes) -> npt.NDArray[np.float16]:
    return np.frombuffer(blob, dtype=np.float16)


def update_topics(
    store: Store,
    *,
    days: Sequence[date] | None = None,
    progress: Progress | None = None,
) -> TopicsReport:
    """Group the days whose papers changed since the last run (or ``days``), each in
    its own short transaction, newest day first; a day whose papers are the ones it was
    grouped from is left as it is."""
    started = time.perf_counter()
    checkpoint = store.get_checkpoint(CHECKPOINT) or {}
    target = store.max_revision()
    todo = (
        list(days)
        if days is not None
        else store.days_written_after(int(checkpoint.get("revision", 0)))
    )
    report = TopicsReport(days=len(todo))
    done = store.topic_fingerprints(todo)
    for n, day in enumerate(todo):
        papers = store.list_papers(day=day, limit=LISTING_LIMIT)
        mark = fingerprint(papers)
        if done.get(day) != mark:
            vectors = store.vectors_of(FAST, [p.id for p in papers])
            topics = day_topics(papers, {pid: _decode(blob) for pid, blob in vectors.items()})
            store.save_day_topics(day, fingerprint=mark, topics=topics)
            report.grouped += 1
            report.topics += len(topics)
        if progress is not None:
            progress(STAGE, n + 1, len(todo))
    if days is None:
        store.set_checkpoint(CHECKPOINT, {"revision": target})
    report.seconds = time.perf_counter() - started
    return report


# -- reading ----------------------------------------------------------------------------


def group_by_topic(papers: Sequence[Paper], stored: DayTopics | None) -> list[TopicGroup]:
    """``papers`` (a day's listing, perhaps of one category, in its order) under the
    day's stored topics, in their order; papers no topic names come last, under
    ``OTHER``; topics left without papers are left out. [] when the day has no topics."""
    if stored is None or not stored.topics:
        return []
    topic_of = {pid: n for n, t in enumerate(stored.topics) for pid in t.paper_ids}
    members: dict[int, list[Paper]] = {}
    for paper in papers:
        members.setdefault(topic_of.get(paper.id, -1), []).append(paper)
    groups = [
        TopicGroup(topic.label, f"topic-{n + 1}", members[n], tuple(topic.terms))
        for n, topic in enumerate(stored.topics)
        if members.get(n)
    ]
    if members.get(-1):
        groups.append(TopicGroup(OTHER, "topic-other", members[-1]))
    return groups
