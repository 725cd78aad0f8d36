"""``abs``: arXiv's own per-paper metadata files (``0704.0001.abs``), one paper a file.

The layout::

    ------------------------------------------------------------------------------
    \\\\
    arXiv:0704.0001                       (old style: arXiv:hep-th/9901001 or Paper: ...)
    From: Pavel Nadolsky <obfuscated@e.mail>
    Date: Mon, 2 Apr 2007 19:18:42 GMT   (443kb)          one line per version
    Date (revised v2): Tue, 24 Jul 2007 20:10:27 GMT   (370kb)

    Title: Calculation of prompt diphoton production ...
      LHC energies                                         (indented: continuation)
    Authors: C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan
    Categories: hep-ph                                     (space separated, primary first)
    Comments: / Report-no: / Journal-ref: / DOI: / License: / ACM-class: / MSC-class: ...
    \\\\
      The abstract (may itself contain LaTeX ``\\\\`` lines) ...
    \\\\

The abstract runs from the second ``\\\\`` line to the last one. Files are UTF-8; a few
old ones are Latin-1 and are read as such. A file that is not a paper (empty, no header
block, no id, title or date) is one ``Rejected`` record named by the file.

Authors are split on top-level commas, semicolons, ``and``, ``&`` and a collaboration's
``:`` (never inside parentheses). A parenthesised text right after a name is that
author's affiliation (arXiv's convention); numbered references (``Name (1,2)``) are
resolved through a numbered list (``((1) Univ A, (2) Univ B)``) when the file has one,
and left out otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import IO

from paperwire.gate import gate_record, shown
from paperwire.models import Author, Paper
from paperwire.normalize import (
    clean_optional,
    clean_text,
    find_github_repo,
    split_arxiv_id,
)
from paperwire.sources.base import Record

SOURCE = "arxiv-abs"

_SEPARATOR = "\\\\"
_FIELD = re.compile(r"^([A-Za-z][A-Za-z\-]*(?:\s*\([^)]*\))?)\s*:\s?(.*)$")
_ID_KEYS = ("arxiv", "paper")
_SIZE = re.compile(r"\s*\([^()]*\)\s*$")
_CATEGORY = re.compile(r"^[a-z\-]+(\.[A-Za-z\-]+)?$")
_EMAIL = re.compile(r"<[^>]*>|\S+@\S+")

# -- authors -------------------------------------------------------------------------------

_GROUP = "\x00{}\x00"
_GROUP_REF = re.compile(r"\x00(\d+)\x00")
_TRAILING_GROUPS = re.compile(r"^(.*?)((?:\s*\x00\d+\x00)+)\s*$", re.S)
_AUTHOR_SEP = re.compile(r"\s*[,;]\s*|\s+(?:and|&)\s+|:\s+")
_LEADING_AND = re.compile(r"^(?:and|&)\s+")
_COLLABORATION_THE = re.compile(
    r"^(?:for\s+)?the\s+(?=.*\b(?:collaboration|consortium|group|team)s?\b)", re.I
)
_FOR_THE = re.compile(r"^for\s+the\s+", re.I)
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_REFS = re.compile(r"^\d+(?:\s*(?:,|;|and|&)\s*\d+)*$")
_TABLE = re.compile(r"^\(\d+\)|^\d+\s*[-\u2013]?\s*[^\W\d_]")
_TABLE_PAREN_ITEM = re.compile(r"\((\d+)\)")
_TABLE_PLAIN_ITEM = re.compile(r"(?:^|[;,])\s*(\d+)\s*[-\u2013]?\s+(?=\D)")


def _mask_groups(text: str) -> tuple[str, list[str]]:
    """Replace each top-level ``(...)`` by a placeholder; unbalanced parentheses stay text."""
    out: list[str] = []
    groups: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                out.append(_GROUP.format(len(groups)))
                groups.append(text[start + 1 : i])
        elif depth == 0:
            out.append(ch)
    if depth:
        out.append(text[start:])
    return "".join(out), groups


def _unmask(text: str, groups: list[str]) -> str:
    return _GROUP_REF.sub(lambda m: f"({groups[int(m.group(1))]})", text)


def _affiliation_table(text: str) -> dict[int, str]:
    """``(1) Univ A, (2) Univ B`` or ``1 Univ A; 2 Univ B`` -> ``{1: "Univ A", 2: "Univ B"}``."""
    pattern = _TABLE_PAREN_ITEM if text.lstrip().startswith("(") else _TABLE_PLAIN_ITEM
    parts = pattern.split(text)
    table: dict[int, str] = {}
    for number, value in zip(parts[1::2], parts[2::2], strict=True):
        cleaned = clean_text(value).strip(" ,;")
        if cleaned:
            table[int(number)] = cleaned
    return table


def parse_authors(raw: str) -> list[Author]:
    """An ``Authors:`` value to authors with affiliations where those are unambiguous."""
    masked, groups = _mask_groups(clean_text(raw))
    names: list[str] = []
    literal: list[list[str]] = []
    refs: list[list[int]] = []
    table: dict[int, str] = {}
    for piece in _AUTHOR_SEP.split(masked):
        piece = _LEADING_AND.sub("", piece.strip())
        found = _TRAILING_GROUPS.match(piece)
        head, tail = (found.group(1), found.group(2)) if found else (piece, "")
        name = clean_text(_unmask(head, groups))
        own_literal: list[str] = []
        own_refs: list[int] = []
        for index in _GROUP_REF.findall(tail):
            content = clean_text(groups[int(index)])
            if _REFS.match(content):
                own_refs.extend(int(n) for n in re.findall(r"\d+", content))
            elif _TABLE.match(content):
                table.update(_affiliation_table(content))
            elif content and not _FOR_THE.match(content):
                own_literal.append(content)
        if not name:
            continue
        if name.lower() in _SUFFIXES and names:
            names[-1] = f"{names[-1]} {name}"
            literal[-1].extend(own_literal)
            refs[-1].extend(own_refs)
            continue
        name = _COLLABORATION_THE.sub("", name)
        names.append(name)
        literal.append(own_literal)
        refs.append(own_refs)
    authors: list[Author] = []
    for name, own_literal, own_refs in zip(names, literal, refs, strict=True):
        parts = own_literal + [table[n] for n in dict.fromkeys(own_refs) if n in table]
        authors.append(Author(name, "; ".join(parts) or None))
    return authors


# -- the file ------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _fields(header: list[str]) -> list[tuple[str, str]]:
    """``Key: value`` lines (with indented continuation lines) in file order."""
    fields: list[tuple[str, str]] = []
    for line in header:
        if not line.strip():
            continue
        if line[:1].isspace() and fields:
            key, value = fields[-1]
            fields[-1] = (key, f"{value}\n{line}")
            continue
        match = _FIELD.match(line)
        if match is None:
            raise ValueError(f"unexpected header line {line.strip()[:60]!r}")
        fields.append((match.group(1), match.group(2)))
    return fields


def _date(value: str) -> datetime:
    text = _SIZE.sub("", value).strip()
    try:
        parsed = parsedate_to_datetime(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"bad date {shown(text)}") from None


def _categories(value: str | None) -> list[str]:
    seen: list[str] = []
    for item in (value or "").split():
        if _CATEGORY.match(item) and item not in seen:
            seen.append(item)
    return seen


def _submitter(value: str | None) -> str | None:
    """``From: Jane Doe <x@y.z>`` -> ``Jane Doe``; an address alone -> None."""
    if value is None:
        return None
    return clean_optional(_EMAIL.sub(" ", value).strip(" \t\"'"))


def parse_abs_text(text: str) -> Paper:
    """One ``.abs`` file's text to a paper; raises ValueError when it is not one."""
    if not text.strip():
        raise ValueError("empty file")
    lines = text.splitlines()
    marks = [i for i, line in enumerate(lines) if line.strip() == _SEPARATOR]
    if len(marks) < 2:
        raise ValueError("not an arXiv .abs file: no \\\\ header block")
    header = lines[marks[0] + 1 : marks[1]]
    end = marks[-1] if len(marks) > 2 else len(lines)
    abstract = clean_text("\n".join(lines[marks[1] + 1 : end]))

    fields = _fields(header)
    values: dict[str, str] = {}
    dates: list[datetime] = []
    for key, value in fields:
        lowered = key.lower()
        if lowered.startswith("date"):
            dates.append(_date(value))
        else:
            values.setdefault(lowered.split("(")[0].strip(), value)

    raw_id = next((values[k] for k in _ID_KEYS if k in values), "").strip()
    split = split_arxiv_id(raw_id) if raw_id else None
    if split is None:
        raise ValueError(f"missing or invalid arXiv id {shown(raw_id)}")
    paper_id = split[0]
    title = clean_text(values.get("title"))
    if not title:
        raise ValueError("missing title")
    if not dates:
        raise ValueError("no Date line")
    comment = clean_optional(values.get("comments"))
    return Paper(
        id=paper_id,
        version=len(dates),
        title=title,
        abstract=abstract,
        authors=parse_authors(values.get("authors", "")),
        categories=_categories(values.get("categories")),
        published_at=dates[0],
        updated_at=dates[-1],
        comment=comment,
        journal_ref=clean_optional(values.get("journal-ref")),
        doi=clean_optional(values.get("doi")),
        license=clean_optional(values.get("license")),
        abs_url=f"https://arxiv.org/abs/{paper_id}",
        pdf_url=f"https://arxiv.org/pdf/{paper_id}",
        github_repo=find_github_repo(abstract, comment),
        submitted_by=_submitter(values.get("from")),
        sources=[SOURCE],
    )


def parse_abs(stream: IO[bytes], *, origin: str) -> Iterator[Record]:
    text = _decode(stream.read())
    yield gate_record(partial(parse_abs_text, text), origin)
