"""How a paper is cited: its BibTeX entry (the paper page shows it, library exports
write it) and the arXiv address a citation points to.

Pure functions of a ``Paper``: pages, digests and the command line share them.
"""

from __future__ import annotations

import re
from datetime import date

from paperwire.links import safe_url
from paperwire.models import Paper
from paperwire.normalize import ARXIV_ID_PATTERN

#: New-style (``2401.01234``) and old-style (``hep-th/9901001``) arXiv ids, no version.
ARXIV_ID = re.compile(rf"^{ARXIV_ID_PATTERN}$")
#: An ``@`` that readers of BibTeX take for the start of an entry (``@misc{``, ``@ (``).
_ENTRY_START = re.compile(r"@(?=\w*[ \t]*[{(])")


def is_arxiv_id(paper_id: str) -> bool:
    return ARXIV_ID.match(paper_id) is not None


def abs_url(paper: Paper) -> str | None:
    """The paper's abstract page: its stored link when safe to show, else arXiv's."""
    if safe_url(paper.abs_url):
        return paper.abs_url
    return f"https://arxiv.org/abs/{paper.id}" if is_arxiv_id(paper.id) else None


def pdf_url(paper: Paper) -> str | None:
    """The paper's PDF: its stored link when safe to show, else arXiv's."""
    if safe_url(paper.pdf_url):
        return paper.pdf_url
    return f"https://arxiv.org/pdf/{paper.id}" if is_arxiv_id(paper.id) else None


def _day(paper: Paper) -> date | None:
    """The day a citation dates the paper: published (v1), else first announced."""
    return paper.published_at.date() if paper.published_at else paper.first_day


def _bibtex_value(text: str) -> str:
    """Braces must balance inside a BibTeX field: drop those that do not."""
    out: list[str] = []
    depth = 0
    for char in " ".join(text.split()):
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                continue
            depth -= 1
        out.append(char)
    value = "".join(out)
    while depth:  # unmatched opening braces: remove the last ones
        at = value.rindex("{")
        value = value[:at] + value[at + 1 :]
        depth -= 1
    # "@name{" inside a value reads as the start of the next entry: brace the "@"
    return _ENTRY_START.sub("{@}", value) if "@" in value else value


def _bibtex_name(name: str) -> str:
    parts = name.split()
    if len(parts) < 2 or "," in name:
        return name
    return f"{parts[-1]}, {' '.join(parts[:-1])}"


def bibtex_key(paper: Paper) -> str:
    """``lovelace2026sorting``: the first author's last name, the year, the title's first
    word of more than three letters."""
    last = paper.authors[0].name.split()[-1] if paper.authors else "anonymous"
    when = _day(paper)
    words = [w for w in re.findall(r"[A-Za-z]+", paper.title) if len(w) > 3]
    key = re.sub(r"[^a-z]", "", last.lower()) or "anonymous"
    return f"{key}{when.year if when else ''}{words[0].lower() if words else ''}"


def bibtex(paper: Paper, *, key: str | None = None) -> str:
    """An ``@misc`` entry in the form arXiv's own export uses; ``key`` replaces
    ``bibtex_key`` (a file of several entries needs each key once)."""
    fields: list[tuple[str, str]] = [
        ("title", _bibtex_value(paper.title)),
        ("author", " and ".join(_bibtex_value(_bibtex_name(a.name)) for a in paper.authors)),
    ]
    when = _day(paper)
    if when:
        fields.append(("year", str(when.year)))
    if is_arxiv_id(paper.id):
        fields += [("eprint", paper.id), ("archivePrefix", "arXiv")]
        if paper.primary_category:
            fields.append(("primaryClass", paper.primary_category))
    if paper.doi:
        fields.append(("doi", paper.doi))
    url = abs_url(paper)
    if url:
        fields.append(("url", url))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{key or bibtex_key(paper)},\n{body}\n}}"
