"""What the Hugging Face compatible API says about a paper beyond its stored record: the
Hub's ``ai_summary``, ``ai_summary_model`` and ``ai_keywords``, from what paperwire has.

- ``ai_summary``: the extractive summary digests show (``digest.summary.summarize``):
  the (at most) two sentences of the abstract, as readable text, that carry most of its
  weighty terms and stand on their own. Sentences of the abstract, never generated
  text; an abstract of one sentence is its own summary. ``ai_summary_model`` says so
  (``SUMMARY_MODEL``); both are absent for a paper without an abstract.
- ``ai_keywords``: the terms of the label of the topic the index job put the paper in on
  its day (``index/topics.py``, stored per day), those of them that the paper's own title
  or abstract uses, in the label's order. A term is compared as the keyword index and
  the topics compare words: readable text, URLs left out, lowercased, accents folded,
  stemmed ("splatting" is used by a paper writing "splat"); a two-word term only where
  its words stand next to each other with no punctuation between them. Absent for a
  paper whose day was not grouped (too small, or not indexed yet), that arrived after
  the day was grouped, or that uses none of its topic's terms.

Every request reads the stored topics of its papers at once (``Store.topic_terms_of``,
by primary key) and computes the rest, under a millisecond a paper, mostly the
summary (figures in ``docs/hf_api.md``). The last ``SUMMARY_CACHE`` summaries are kept,
as pages show the same papers again and again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import tantivy

from paperwire.digest.summary import summarize
from paperwire.models import Paper
from paperwire.store.base import Store
from paperwire.text import plain_text

#: What ``ai_summary_model`` names: the summary is sentences chosen from the abstract.
SUMMARY_MODEL = "paperwire-extractive"
SUMMARY_CACHE = 4096

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
#: Punctuation that ends a phrase: a two-word term never runs across it.
_BREAK = re.compile(r"[.,;:!?()\[\]{}\"]+")
_BREAK_WORD = "pwbreak"
#: The tokens of the keyword index's ``pw_en`` field and of the topics' terms.
_STEMMER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.ascii_fold())
    .filter(tantivy.Filter.stemmer("english"))
    .build()
)


@dataclass(frozen=True, slots=True)
class PaperNotes:
    """A paper's ``ai_summary`` and ``ai_keywords``; None where it has none."""

    summary: str | None = None
    keywords: list[str] | None = None


@lru_cache(maxsize=SUMMARY_CACHE)
def summary_of(abstract: str) -> str | None:
    """The extractive summary of ``abstract``; None for an abstract without words."""
    return summarize(abstract) or None


def _stems(text: str) -> str:
    """``text`` as stems separated by single spaces, with a break word at punctuation."""
    cleaned = _BREAK.sub(f" {_BREAK_WORD} ", _URL.sub(" ", plain_text(text)))
    return " ".join(_STEMMER.analyze(cleaned))


def used_terms(paper: Paper, terms: Sequence[str]) -> list[str]:
    """Those of ``terms`` that ``paper``'s title or abstract uses, in their order."""
    if not terms:
        return []
    text = f" {_stems(paper.title)} {_BREAK_WORD} {_stems(paper.abstract)} "
    used = []
    for term in terms:
        stems = " ".join(_STEMMER.analyze(term))
        if stems and f" {stems} " in text and term not in used:
            used.append(term)
    return used


def notes_of(store: Store, papers: Sequence[Paper]) -> dict[str, PaperNotes]:
    """The notes of ``papers`` by id: one read of the stored topics they were put in."""
    grouped = [(p.id, p.first_day) for p in papers if p.first_day is not None]
    topic_terms = store.topic_terms_of(grouped) if grouped else {}
    return {
        paper.id: PaperNotes(
            summary_of(paper.abstract), used_terms(paper, topic_terms.get(paper.id, [])) or None
        )
        for paper in papers
    }
