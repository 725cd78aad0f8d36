"""Papers a search query names by id, link or DOI.

A word of a query names a paper when it is one of:

- an arXiv id, new or old style, with or without version (``2606.17935``,
  ``2606.17935v2``, ``hep-th/9901001``, ``hep-th/9901001v3``), after ``arXiv:`` in any
  case or not;
- an arxiv.org ``abs``, ``pdf`` or ``html`` address, with or without scheme, ``www.`` or
  ``export.``, version or ``.pdf``;
- a DOI, bare, after ``doi:``, or as a doi.org address; arXiv's own DOIs
  (``10.48550/arXiv.2606.17935``) name the arXiv id, any other the papers whose ``doi``
  it is;
- a Hugging Face paper address (``https://huggingface.co/papers/2606.17935``).

Quotes, brackets and trailing punctuation around a word are ignored, and so is an
``arXiv``/``doi`` word just before a reference (``arXiv: 2606.17935``). Only ids that can
exist count (``normalize.is_arxiv_id``): ``2606`` or ``9999.99999`` name nothing.

A query of three or more words that is a stored paper's whole title (compared by
``title_key``: case, accents, spacing and punctuation aside) names that paper too
(``titled``), whatever search syntax its words hold: a pasted title such as "... from a
Single Image -3D Asset Generation ..." finds its paper although ``-3D`` alone would
exclude it.

``references_in`` and everything above it are pure; ``find_named`` and ``titled`` ask
the store which of the named papers it holds, and ``named_first`` and ``put_first`` put
them in front of a result list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

from paperwire.links import MAX_URL, safe_url
from paperwire.models import Scored
from paperwire.normalize import has_control, split_arxiv_id
from paperwire.store.base import Store

Kind = Literal["arxiv", "doi"]

ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
DOI_HOSTS = frozenset({"doi.org", "www.doi.org", "dx.doi.org"})
HF_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co"})
_HOST_STARTS = tuple(f"{host}/" for host in sorted(ARXIV_HOSTS | DOI_HOSTS | HF_HOSTS))
_ARXIV_PATHS = ("/abs/", "/pdf/", "/html/")
#: arXiv's DataCite DOIs: this prefix, then the id (``10.48550/arXiv.2606.17935``).
ARXIV_DOI_PREFIX = "10.48550/arxiv."
#: A DOI: ``10.``, the registrant's number, a slash, a suffix without spaces.
_DOI = re.compile(r"10\.[0-9]{4,9}/\S+")
#: The most characters a DOI may have (as ``gate`` keeps for a paper's ``doi``).
MAX_DOI = 500
#: Words that may stand before a reference and go with it (``arXiv: 2606.17935``).
_PREFIX_WORDS = frozenset({"arxiv", "arxiv:", "doi", "doi:"})
_OPENING = "\"'([{<“‘«"
_CLOSING = "\"'”’»,;:!?."
_BRACKETS = {")": "(", "]": "[", "}": "{", ">": "<"}
_DIGIT = re.compile(r"[0-9]")
#: The fewest words of a query that names a paper by its whole title (``titled``).
TITLE_MIN_WORDS = 3
#: A word of a query, for counting them: marks and punctuation between words are none.
_WORD = re.compile(r"\w+")
#: The reason a paper named by its title gives.
TITLE_REASON = "named: its title"


@dataclass(frozen=True, slots=True)
class Reference:
    """A paper named by its arXiv id (``arxiv``: without version) or a DOI (``doi``: as
    written; DOIs compare without regard to case)."""

    kind: Kind
    value: str

    @property
    def label(self) -> str:
        """``arXiv:2606.17935`` or ``doi:10.1145/3580305.3599256``."""
        return f"arXiv:{self.value}" if self.kind == "arxiv" else f"doi:{self.value}"


def _trim(word: str) -> str:
    """The word without the quotes, brackets and punctuation around it; a closing
    bracket stays when the word opens it (``10.1002/(SICI)...(1996)``)."""
    word = word.lstrip(_OPENING)
    while word:
        last = word[-1]
        if last in _CLOSING or (
            last in _BRACKETS and word.count(last) > word.count(_BRACKETS[last])
        ):
            word = word[:-1]
        else:
            break
    return word


def _arxiv(text: str) -> Reference | None:
    """An arXiv id with or without version, and nothing around it."""
    if not text.isascii():  # ``\\d`` would take other digits (٢٦٠٦.١٧٩٣٥)
        return None
    split = split_arxiv_id(text)
    if split is None:
        return None
    paper_id, version = split
    if text != paper_id and text != f"{paper_id}v{version}":
        return None  # split_arxiv_id also reads addresses and prefixes: not here
    return Reference("arxiv", paper_id)


def _doi(text: str) -> Reference | None:
    if len(text) > MAX_DOI or _DOI.fullmatch(text) is None:
        return None
    if text.lower().startswith(ARXIV_DOI_PREFIX):
        return _arxiv(text[len(ARXIV_DOI_PREFIX) :])
    return Reference("doi", text)


def _link(word: str) -> Reference | None:
    """An arxiv.org, doi.org or Hugging Face paper address (the scheme may be left out)."""
    url = word if "://" in word else f"https://{word}"
    if safe_url(url) is None:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = parts.hostname or ""
    path = unquote(parts.path)
    if host in ARXIV_HOSTS:
        for prefix in _ARXIV_PATHS:
            if path.startswith(prefix):
                return _arxiv(path[len(prefix) :].rstrip("/").removesuffix(".pdf"))
        return None
    if host in DOI_HOSTS:
        return _doi(path[1:])
    if host in HF_HOSTS and path.startswith("/papers/"):
        return _arxiv(path[len("/papers/") :].rstrip("/"))
    return None


def reference_in(word: str) -> Reference | None:
    """The paper one word of a query names, else None."""
    if len(word) > MAX_URL:
        return None
    if not word.isascii():
        word = unicodedata.normalize("NFKC", word)  # full-width digits and letters
    if _DIGIT.search(word) is None or has_control(word):
        return None
    word = _trim(word)
    lower = word.lower()
    if lower.startswith("arxiv:"):
        return _arxiv(word[len("arxiv:") :])
    if lower.startswith("doi:"):
        return _doi(word[len("doi:") :])
    if "://" in word or lower.startswith(_HOST_STARTS):
        return _link(word)
    if lower.startswith("10."):
        return _doi(word)
    return _arxiv(word.removesuffix(".pdf"))


def references_in(text: str) -> tuple[list[Reference], str]:
    """The papers the words of ``text`` name, in order and each once, and the text
    without those words (nor an ``arXiv``/``doi`` word just before one)."""
    found: list[Reference] = []
    kept: list[str] = []
    for word in text.split():
        reference = reference_in(word)
        if reference is None:
            kept.append(word)
            continue
        if kept and kept[-1].lower() in _PREFIX_WORDS:
            kept.pop()
        if reference not in found:
            found.append(reference)
    return found, " ".join(kept)


@dataclass(frozen=True, slots=True)
class Named:
    """What a query names: its references, the stored papers each one names (an arXiv
    id one at most, a DOI possibly several), and the rest of the query."""

    references: tuple[Reference, ...] = ()
    papers: tuple[tuple[str, ...], ...] = ()
    rest: str = ""

    @property
    def whole(self) -> bool:
        """Whether the query is nothing but one reference."""
        return len(self.references) == 1 and not self.rest

    @property
    def stored(self) -> list[str]:
        """The ids of the named papers the store holds, in the query's order, each once."""
        return list(dict.fromkeys(pid for ids in self.papers for pid in ids))

    @property
    def missing(self) -> list[Reference]:
        """The references that name no stored paper."""
        return [ref for ref, ids in zip(self.references, self.papers, strict=True) if not ids]

    def reason(self, paper_id: str) -> str:
        labels = [
            ref.label
            for ref, ids in zip(self.references, self.papers, strict=True)
            if paper_id in ids
        ]
        return f"named: {', '.join(labels)}"


def find_named(store: Store, text: str) -> Named:
    """The references of ``text`` and the stored papers they name (no store access when
    the text names none)."""
    references, rest = references_in(text)
    if not references:
        return Named(rest=rest)
    direct = [r.value if r.kind == "arxiv" else f"doi:{r.value}" for r in references]
    held = store.get_papers(direct)
    papers: list[tuple[str, ...]] = []
    for reference, paper_id in zip(references, direct, strict=True):
        ids = [paper_id] if paper_id in held else []
        if reference.kind == "doi":
            ids += [pid for pid in store.ids_with_doi(reference.value) if pid not in ids]
        papers.append(tuple(ids))
    return Named(tuple(references), tuple(papers), rest)


def titled(store: Store, text: str) -> list[str]:
    """The stored papers whose whole title ``text`` is, if it has ``TITLE_MIN_WORDS``
    words or more (a shorter query is a topic more often than a title)."""
    if len(_WORD.findall(text)) < TITLE_MIN_WORDS:
        return []
    return store.ids_with_title(text)


def put_first(
    ids: Sequence[str], found: Sequence[Scored], *, limit: int, reason: Callable[[str], str]
) -> list[Scored]:
    """``ids`` in front of ``found``, scored as high as its best so the list stays best
    first, each with its ``reason``, then ``found`` without them."""
    first = set(ids)
    top = max([1.0, *(s.score for s in found)])
    ahead = [Scored(pid, top, reason(pid)) for pid in ids]
    return (ahead + [s for s in found if s.paper_id not in first])[:limit]


def named_first(
    named: Named, found: Sequence[Scored], *, limit: int, keep: Container[str] | None = None
) -> list[Scored]:
    """The named papers (those in ``keep``, when given) in front of ``found``."""
    first = [pid for pid in named.stored if keep is None or pid in keep]
    return put_first(first, found, limit=limit, reason=named.reason)
