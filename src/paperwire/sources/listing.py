"""``listing``: the text of a papers web page, copied as plain text.

Entries are a title line, a blank line, the abstract paragraph, a blank line::

    Align before Fuse: Vision and Language Representation Learning with ...

    Large-scale vision and language representation learning has shown ...

There are no ids, authors or dates: a paper's id is ``content_id("listing", title)``,
which the store pairs with the arXiv record of the same title when there is one.

Entries are recognised by their shape, not by position: a single short line followed by
a long paragraph. Page chrome ("New", "Subscribe", "Mar 12", ...) never counts as a
title. Short lines before the first entry are the page header and are skipped; a short
line after it with no abstract paragraph (a title whose abstract is missing) is
``Rejected`` with its line number, and so is a long paragraph without a title. The text
must be UTF-8: anything else is a ``ParseError`` for the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import IO

from paperwire.errors import ParseError
from paperwire.gate import gate_record
from paperwire.models import Paper, Rejected
from paperwire.normalize import clean_text, content_id, find_github_repo, title_key
from paperwire.sources.base import Record

SOURCE = "listing"

#: A title is one line of at most this many characters ...
MAX_TITLE_CHARS = 300
#: ... and an abstract a paragraph of at least this many characters and words.
MIN_ABSTRACT_CHARS = 150
MIN_ABSTRACT_WORDS = 20

# Lines a papers page shows around its entries; compared by title_key.
_CHROME = {
    title_key(line)
    for line in (
        "New",
        "Trending",
        "Daily Papers",
        "Trending Papers",
        "Get trending papers in your email inbox!",
        "Subscribe",
        "by AK and the research community",
        "Submit",
        "Submit paper",
        "Search",
        "Load more",
        "Previous",
        "Next",
    )
}
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    rf"^(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?"
    r"|\d{4}-\d{2}-\d{2})$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Paragraph:
    line: int  # 1-based number of its first line
    lines: list[str]

    @property
    def text(self) -> str:
        return clean_text(" ".join(self.lines))


def _paragraphs(text: str) -> Iterator[_Paragraph]:
    lines: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not lines:
                start = number
            lines.append(line)
        elif lines:
            yield _Paragraph(start, lines)
            lines = []
    if lines:
        yield _Paragraph(start, lines)


def _is_chrome(paragraph: _Paragraph) -> bool:
    text = paragraph.text
    return len(paragraph.lines) == 1 and (title_key(text) in _CHROME or bool(_DATE.match(text)))


def _is_title(paragraph: _Paragraph) -> bool:
    return len(paragraph.lines) == 1 and 0 < len(paragraph.text) <= MAX_TITLE_CHARS


def _is_abstract(paragraph: _Paragraph) -> bool:
    text = paragraph.text
    return len(text) >= MIN_ABSTRACT_CHARS and len(text.split()) >= MIN_ABSTRACT_WORDS


def _decode(data: bytes, origin: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(f"{origin}:{line}", f"not valid UTF-8 ({exc.reason})") from exc


def parse_listing(stream: IO[bytes], *, origin: str) -> Iterator[Record]:
    paragraphs = [p for p in _paragraphs(_decode(stream.read(), origin)) if not _is_chrome(p)]
    seen_entry = False
    header: list[_Paragraph] = []  # short lines before the first entry
    i = 0
    while i < len(paragraphs):
        paragraph = paragraphs[i]
        where = f"{origin}:{paragraph.line}"
        following = paragraphs[i + 1] if i + 1 < len(paragraphs) else None
        if _is_title(paragraph) and following is not None and _is_abstract(following):
            title = paragraph.text
            abstract = following.text
            yield gate_record(
                partial(
                    Paper,
                    id=content_id(SOURCE, title),
                    title=title,
                    abstract=abstract,
                    github_repo=find_github_repo(abstract),
                    sources=[SOURCE],
                ),
                where,
            )
            seen_entry = True
            header = []
            i += 2
            continue
        if _is_abstract(paragraph):
            yield Rejected(where, "paragraph without a title line before it")
        elif seen_entry:
            yield Rejected(where, f"title without an abstract: {paragraph.text[:80]!r}")
        else:
            header.append(paragraph)
        i += 1
    for paragraph in header:  # no entry at all came after these lines
        yield Rejected(
            f"{origin}:{paragraph.line}", f"title without an abstract: {paragraph.text[:80]!r}"
        )
