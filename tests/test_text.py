"""Readable text from LaTeX (paperwire.text.plain_text): real abstracts and hostile input."""

from __future__ import annotations

import gzip
import json
import re
from itertools import islice
from pathlib import Path

import pytest

from paperwire.text import MAX_CHARS, plain_text

COMMAND = re.compile(r"\\[A-Za-z]+")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"\emph{easy--hard--impossible}", "easy–hard–impossible"),
        ("Erdős--Rényi graphs", "Erdős–Rényi graphs"),
        (r"Erd\H{o}s--R\'enyi and Schr\"odinger", "Erdős–Rényi and Schrödinger"),
        ("``quoted'' text --- a dash", "“quoted” text — a dash"),
        (r"The \texttt{foo\_bar} tool", "The foo_bar tool"),
        (r"\textbf{\emph{nested}} words", "nested words"),
        (r"\href{https://x.org/a}{our code} and \url{https://y.org/b_c}", None),
        (r"\ie, \eg, \etal{} and \ours{} is \method", "i.e., e.g., et al. and ours is method"),
        (r"$\unicode{x2013}$ dash", "– dash"),
        (r"50% of cases, \% escaped, AT\&T and R&D", "50% of cases, % escaped, AT&T and R&D"),
        ("a ~10x speedup", "a ~10x speedup"),
        ("costs $5 for all", "costs $5 for all"),
        (r"10\$ each", "10$ each"),
        (r"bound $\mathcal{O}(n \log n)$ with $\alpha \le \beta$", "bound 𝒪(n log n) with α≤β"),
        (r"in $\mathbb{R}^d$", "in ℝ^d"),
        ("line\nbreaks  and\ttabs", "line breaks and tabs"),
        (r"\logρ in $\logρ$", None),
    ],
)
def test_latex_becomes_readable_text(source: str, expected: str | None) -> None:
    out = plain_text(source)
    if expected is not None:
        assert out == expected
    assert not COMMAND.search(out), out


def test_href_keeps_its_text_and_address() -> None:
    out = plain_text(r"\href{https://x.org/a}{our code} and \url{https://y.org/b_c}")
    assert out == "our code (https://x.org/a) and https://y.org/b_c"


def test_keep_math_leaves_formulas_exactly_as_written() -> None:
    source = r"\emph{Fast} $\mathcal{O}(n \log n)$ bounds for Erd\H{o}s--R\'enyi \(x_1\)"
    out = plain_text(source, keep_math=True)
    assert out == r"Fast $\mathcal{O}(n \log n)$ bounds for Erdős–Rényi \(x_1\)"
    display = r"Solve $$\sum_i x_i = 1$$ now"
    assert plain_text(display, keep_math=True) == display
    # An escaped dollar stays escaped, so that KaTeX does not open a formula there.
    assert plain_text(r"costs \$5 and $x$", keep_math=True) == r"costs \$5 and $x$"


@pytest.mark.parametrize("value", [None, "", "   \n "])
def test_empty(value: str | None) -> None:
    assert plain_text(value) == ""


def test_unbalanced_braces_keep_every_word() -> None:
    for source in (
        r"unbalanced {braces and \textbf{bold words",
        "stray } closing } braces here",
        "}{ reversed }{ pairs",
        r"\emph{never closed and more words after it",
    ):
        out = plain_text(source)
        for word in re.findall(r"[a-z]{3,}", COMMAND.sub(" ", source)):
            assert word in out, (source, out)


def test_input_never_reads_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.tex"
    secret.write_text("TOPSECRETCONTENT", encoding="utf-8")
    for command in ("input", "include"):
        out = plain_text(rf"before \{command}{{{secret}}} after")
        assert "TOPSECRETCONTENT" not in out
        assert out.startswith("before") and out.endswith("after")


def test_deep_nesting_comes_back_as_written() -> None:
    source = "{" * 10_000 + "deep" + "}" * 10_000
    assert plain_text(source) == source
    begins = r"\begin{x}" * 5_000 + "deep"
    assert plain_text(begins) == begins
    math = "$" + "{" * 10_000 + r"\alpha" + "}" * 10_000 + "$ tail"
    out = plain_text(math)
    assert "alpha" in out and out.endswith("tail")


def test_long_and_odd_input_never_raises() -> None:
    huge = r"\emph{word} " * (MAX_CHARS // 10)
    assert plain_text(huge).startswith(r"\emph{word}")  # too long to parse: as written
    for source in (
        "\\" * 7,
        "$$",
        "$",
        r"\\%comment",
        r"\begin{itemize}\item one \item two",
        r"\verb|x_y| and \verb",
        r"$\frac{1}{$ broken",
        "\x00\x07control\x1b[31m",
        r"\unicode{zzzz} \unicode{x110000}",
        "\\" + "a" * 5_000,
    ):
        out = plain_text(source)
        assert isinstance(out, str)
        assert "\x00" not in out and "\x07" not in out and "\x1b" not in out


def test_control_characters_are_dropped_and_text_kept() -> None:
    assert plain_text("bad\x00record\x07 with \\emph{x}") == "badrecord with x"
    assert plain_text("bad\x00record") == "badrecord"


def _records(path: Path, limit: int) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = (json.loads(line) for line in f)
        return [r for r in islice(rows, 20_000) if "\\" in r["summary"] or "$" in r["summary"]][
            :limit
        ]


def test_real_abstracts_lose_no_text_and_keep_no_commands(shared_data: Path) -> None:
    records = _records(shared_data / "arxiv_daily_cs_2025_2026.jsonl.gz", 600)
    assert len(records) == 600
    with_commands = 0
    letters = re.compile(r"[^\W\d_]")
    for record in records:
        source = record["summary"]
        out = plain_text(source)
        if COMMAND.search(out):
            with_commands += 1
        # No words lost: at least the letters the source has outside command names.
        kept = len(letters.findall(out))
        written = len(letters.findall(COMMAND.sub(" ", source)))
        assert kept >= 0.8 * written, (record["id"], out)
        # Formulas kept verbatim for KaTeX: every one of them is in the page's text.
        page = plain_text(source, keep_math=True)
        for formula in re.findall(r"(?<!\\)\$[^$]+\$", " ".join(source.split())):
            if "%" not in formula:
                assert formula in page, (record["id"], formula)
    assert with_commands <= 3, with_commands
