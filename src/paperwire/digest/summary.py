"""A small, deterministic extractive summary: the two sentences of an abstract that carry
the most of its weighty terms, in their original order, each one able to stand on its own.

The abstract is turned into readable text first (``paperwire.text.plain_text``: LaTeX as
Unicode, ``$\\alpha$`` -> α). Sentences split at ``.``, ``!`` or ``?`` followed by a space
and a capital, except after common abbreviations (``e.g.``, ``et al.``, ``Fig.``) or
initials, or between the digits of a number.

A sentence after the first that opens with a reference to what came before ("This
improves...", "These results...", "However, ...", "Thus ...", "We show that this ...")
reads as an argument started in the middle once it stands alone, so it is never chosen;
the opening sentence always may be. "This paper ...", "In this work ..." name the paper
itself and may be chosen.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from paperwire.text import plain_text

_ABBREVIATIONS = {
    "e.g", "i.e", "al", "etc", "fig", "figs", "eq", "eqs", "sec", "vs", "cf", "resp",
    "approx", "ref", "refs", "no", "dr", "mr", "ms", "prof", "st", "tab", "ch", "viz",
}  # fmt: skip
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_WORD = re.compile(r"[a-z][a-z0-9\-]+")
_STOP = frozenset(
    """a about above after again all also an and any are as at be been being both but by can
    could did do does doing for from further had has have having here how however i if in into
    is it its itself just more most new no nor not novel of on once only or other our ours
    out over own paper propose proposed same should show shows so some such than that the
    their them then there these they this those through to too under until up use used using
    very via was we were what when where which while who whom why will with within without
    would yet you your approach method methods results result work based model models""".split()
)


#: First words of a sentence that refer back to an earlier one.
DANGLING_WORDS = frozenset(
    """
    this these those that it its they their them such however thus hence therefore
    moreover furthermore additionally also consequently accordingly besides
    nevertheless nonetheless still yet then instead meanwhile finally similarly
    likewise both latter former second third lastly next further
    """.split()
)
#: Openings of more than one word that refer back ("in addition", "to this end").
DANGLING_PHRASES = (
    "in addition",
    "in contrast",
    "in particular",
    "in doing so",
    "in this way",
    "in turn",
    "in light of this",
    "in light of these",
    "in the second",
    "in the third",
    "in the final",
    "on the other hand",
    "on top of",
    "as a result",
    "as such",
    "by doing so",
    "by contrast",
    "to this end",
    "to that end",
    "to do so",
    "for this",
    "for these",
    "the latter",
    "the former",
    "the resulting",
    "the same",
    "the above",
    "the proposed",
    "the aforementioned",
    "despite this",
    "despite these",
    "based on this",
    "based on these",
    "building on this",
    "building on these",
    "given this",
    "given these",
    "unlike these",
    "beyond this",
    "beyond these",
)
#: Openings that name the paper itself: they stand on their own.
_SELF = re.compile(
    r"^(?:in )?(?:this|our) (?:paper|work|study|article|survey|letter|thesis|research|report)\b"
)
#: "We show that this ...", "Our results suggest that these ...", "To address this, ...".
_CLAUSE_THEN_REFERENCE = re.compile(
    r"^(?:we|our \w+|experiments?|results?|analysis)(?: \w+){0,2}? "
    r"(?:that|whether|how) (?:this|these|those|it|they|such)\b"
    r"|^to (?:address|tackle|overcome|solve|mitigate|fill|close|bridge|remedy|handle|resolve)"
    r" (?:this|these|those|it|them|such|that)\b"
)
_OPENING = re.compile(r"^[\s\"'“‘(\[]+")


def is_dangling(sentence: str) -> bool:
    """Whether ``sentence`` opens with a reference to an earlier sentence."""
    start = _OPENING.sub("", sentence).lower()
    if _SELF.match(start):
        return False
    words = re.findall(r"[a-z]+", start[:80])
    if not words:
        return False
    if words[0] in DANGLING_WORDS:
        return True
    opening = " ".join(words[:4])
    if any(opening == p or opening.startswith(p + " ") for p in DANGLING_PHRASES):
        return True
    return _CLAUSE_THEN_REFERENCE.match(" ".join(words[:12])) is not None


def split_sentences(text: str) -> list[str]:
    """Sentences of plain text, not split after abbreviations or initials."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        before = text[start : match.start()].rstrip("\"')]")
        last_word = before.rsplit(None, 1)[-1] if before.split() else ""
        token = last_word.rstrip(".!?").lower()
        if last_word.endswith(".") and (
            token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())
        ):
            continue
        sentences.append(text[start : match.start()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if s]


def summarize(abstract: str, sentences: int = 2) -> str:
    """The ``sentences`` best sentences of ``abstract`` that stand on their own (the
    first one, and any other that does not open with a reference to an earlier one), in
    their original order."""
    parts = split_sentences(plain_text(abstract))
    if len(parts) <= 1:
        return " ".join(parts)
    standing = [i for i, part in enumerate(parts) if i == 0 or not is_dangling(part)]
    words = [[w for w in _WORD.findall(p.lower()) if w not in _STOP] for p in parts]
    weights = Counter(w for ws in words for w in set(ws))

    def score(index: int) -> float:
        terms = words[index]
        if not terms:
            return 0.0
        value = sum(weights[w] for w in terms) / math.sqrt(len(terms))
        return value * (1.15 if index == 0 else 1.0)  # the opening sentence sets the scene

    best = sorted(standing, key=lambda i: (-score(i), i))[:sentences]
    return " ".join(parts[i] for i in sorted(best))
