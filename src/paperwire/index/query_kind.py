"""Tell a question in a reader's own words from a title or a few keywords.

A question or a description ("how do robots learn chores from videos of people?") names
what a paper does in other words than its title, so it is searched differently from a
title or keywords ("diffusion policy manipulation"), where the words themselves are the
best evidence (``Searcher.search``). The rule reads the query's shape only, so it costs
nothing and needs no model:

- a query in title case (most of its words of four or more letters capitalised, as a
  copied title is) or with search syntax (quotes, ``+word``, ``-word``, ``field:``) is
  words, whatever else it has;
- a question mark, or a first word that opens a question or a request ("how", "which",
  "papers", "looking", ...), makes it a question;
- so does a length of ``LONG`` words or more, or of ``MIN_WORDS`` words of which at least
  ``MIN_GLUE`` are function words ("the", "of", "to", "that", ...).

Ids and links never reach this rule: ``paperwire.lookup`` takes them first. On the
74,728 titles of the daily corpus, 97% read as words (a title of ten words or more in
sentence case reads as a description).
"""

from __future__ import annotations

import re
from typing import Literal

from paperwire.index.keyword import GENERAL_WORDS, KEY_TERM_STOP_WORDS

QueryKind = Literal["words", "question"]

MIN_WORDS = 7
MIN_GLUE = 0.3
#: Words from which a query not in title case reads as a description whatever its words.
LONG = 10
#: Share of words of 4+ letters starting with a capital from which a query reads as a
#: title (at least ``TITLE_WORDS`` such words).
TITLE_CASE = 0.6
TITLE_WORDS = 3

OPENERS = frozenset(
    """how what why which who whom whose when where whether is are was were can could
    does do did should would will shall may might any anything something papers paper
    work works research studies study approaches methods ways techniques looking find
    finding search searching need want i we i'm im show tell explain""".split()
)
GLUE = frozenset(
    """a an the of to in on for from with without by at as into onto about over under
    between through than then that this these those it its is are was were be been being
    and or but not no so if when while whether which who whom what how why where can could
    do does did should would will may might must i we you they my our your their me us them
    one some any more most less such there here just only also very much many""".split()
)
#: Words a question is made of that say nothing of the paper it looks for.
FILLER = KEY_TERM_STOP_WORDS | GENERAL_WORDS | OPENERS | GLUE
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_SYNTAX = re.compile(r'"|(?:^|\s)[+-]\S|\w:\S')
_TERM = re.compile(r"\S+")


def query_kind(query: str) -> QueryKind:
    """``question`` for a question or description in plain words, else ``words``."""
    words = _WORD.findall(query)
    if not words or _SYNTAX.search(query):
        return "words"
    long_words = [w for w in words if len(w) >= 4]
    capitals = sum(w[0].isupper() for w in long_words)
    if capitals >= TITLE_WORDS and capitals / len(long_words) >= TITLE_CASE:
        return "words"
    if query.rstrip().endswith("?") or words[0].lower() in OPENERS:
        return "question"
    if len(words) >= LONG:
        return "question"
    if len(words) < MIN_WORDS:
        return "words"
    glue = sum(w.lower() in GLUE for w in words) / len(words)
    return "question" if glue >= MIN_GLUE else "words"


def question_terms(query: str) -> str:
    """The words of a question that can describe a paper: ``query`` without its filler
    words ("how", "can", "papers", "using", ...) and punctuation at either end of a word.
    The query itself when nothing else is left."""
    kept = []
    for term in _TERM.findall(query):
        word = term.strip(".,;:!?()[]{}'\"")
        if word and word.lower() not in FILLER:
            kept.append(word)
    return " ".join(kept) or query
