"""Readable text from titles and abstracts written in LaTeX, for every place where no
KaTeX typesets them: feeds, digests (both parts), ``<title>`` and meta tags, the reasons
of search results and similar papers, the key terms they are built from.

``plain_text`` is the one function those places call. LaTeX is parsed by pylatexenc
(``LatexNodes2Text``), never taken apart with regular expressions:

- text markup keeps its words: ``\\emph{easy--hard--impossible}`` -> easy–hard–impossible,
  ``Erd\\H{o}s--R\\'enyi`` -> Erdős–Rényi, ````quoted''`` -> “quoted”, ``\\texttt{x}`` -> x,
  ``\\href{url}{text}`` -> text (url), ``\\url{u}`` -> u, ``\\eg`` -> e.g.;
- math, by default, becomes Unicode text without its delimiters: ``$\\alpha \\le
  \\mathcal{O}(n)$`` -> α≤𝒪(n), ``$\\frac{a}{b}$`` -> a/b. Feed readers and mail clients
  do not typeset, and abstracts mostly use math for short symbols, which read better
  as symbols than as their source. ``keep_math=True`` keeps every formula exactly as
  written, delimiters included, for pages where KaTeX typesets it;
- what a reader wrote plainly stays as written: ``%`` is a percent sign, not a comment
  (a fifth of arXiv abstracts write "50%"), ``&`` an ampersand, ``~`` a tilde ("~10x");
- a command pylatexenc does not know keeps its argument's text, or else its name
  (``\\ours`` -> ours), except inside math, where it is left out; ``\\input`` and
  ``\\include`` never read a file; citations and labels are left out;
- whitespace, line breaks included, becomes single spaces.

Text is never lost. Only the pieces that hold a LaTeX sign are parsed (a word, or the
words inside one pair of braces, one environment or one formula); the rest is copied.
A piece the parser cannot take (longer than ``MAX_PIECE``, nesting deeper than
``MAX_DEPTH``, an error inside pylatexenc, or a result with fewer than half the letters
the piece has outside command names) stays as written; so does a ``$`` that opens no
formula ("costs $5"). Control characters are dropped everywhere. Text without any
LaTeX sign (most titles, four abstracts in five) skips the parser, and a string longer
than ``MAX_CHARS`` is not parsed at all. pylatexenc reads about 50 characters a
millisecond: an abstract with LaTeX takes 1-2 ms, so the last ``CACHE`` conversions are
kept (pages show the same abstracts again and again).
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from typing import Any

from pylatexenc import latexwalker  # type: ignore[import-untyped]
from pylatexenc.latex2text import (  # type: ignore[import-untyped]
    LatexNodes2Text,
    MacroTextSpec,
    SpecialsTextSpec,
    get_default_latex_context_db,
)
from pylatexenc.macrospec import MacroSpec  # type: ignore[import-untyped]

from paperwire.normalize import strip_control

#: Braces or environments nested deeper than this are not parsed (pylatexenc recurses).
MAX_DEPTH = 64
#: Longer strings are not parsed (an abstract is at most a few thousand characters).
MAX_CHARS = 10_000
#: How many converted strings are kept.
CACHE = 4096
#: pylatexenc reads a piece (text between spaces outside braces and formulas) character
#: by character, ~20 µs each: a longer piece is left as written.
MAX_PIECE = 2_000

# pylatexenc logs every tolerated parse error (an unbalanced brace) as a warning.
logging.getLogger("pylatexenc").setLevel(logging.ERROR)

#: A string without any of these has no LaTeX worth parsing.
_HINT = re.compile(r"[\\${}]|--|``|''")
#: ``%`` not escaped by a backslash (an even run of backslashes before it escapes
#: themselves, not the ``%``).
_PERCENT = re.compile(r"(?<!\\)((?:\\\\)*)%")
#: Command and environment names: what the fallback check does not count as text.
_COMMAND = re.compile(
    r"\\(?:begin|end|cite[pt]?|ref|eqref|autoref|cref|label|input|include|unicode"
    r"|textcolor|color|colorbox)\s*\{[^{}]*\}"
    r"|\\[A-Za-z]+"
)
_LETTER = re.compile(r"[^\W\d_]")
#: Signs that need the parser; a piece without them only has ``_LIGATURES``.
_SIGNS = re.compile(r"[\\${}]")
#: What pylatexenc makes of dashes and quotes in text.
_LIGATURES = {"---": "\u2014", "--": "\u2013", "``": "\u201c", "''": "\u201d"}
_LIGATURE = re.compile("---|--|``|''")
#: What ``_piece_end`` looks at; everything else is skipped.
_SCAN = re.compile(r"[\\${} ]")
#: A command name runs to the first character that is not an ASCII letter (``\\logρ``
#: is ``\\log`` then ``ρ``); pylatexenc would read any letter into it.
_GLUED = re.compile(r"(\\[A-Za-z]+)(?=[^\x00-\x7f])")

#: Names of LaTeX commands that are no English word (``\\mathbb``, ``\\emph``): never
#: a key term or a reason, not even from a string ``plain_text`` left as written. Names
#: that are also words or names ("le", "text", "log", "bar", "hat") are not here: after
#: ``plain_text`` they only come from real words.
MARKUP_WORDS = frozenset(
    """
    mathbb mathcal mathrm mathbf mathit mathsf mathtt mathscr mathfrak mathds mathop
    mathbin mathrel operatorname boldsymbol pmb textbf textit texttt textsc textsf textrm
    textup textmd textsl textnormal textcolor textsuperscript textsubscript
    textasciitilde textbackslash emph mbox hbox fbox vspace hspace noindent hline
    newline linebreak cdot cdots ldots vdots ddots frac dfrac tfrac sqrt leq geq neq
    leqslant geqslant varepsilon vartheta varphi varrho varsigma varpi rightarrow
    leftarrow leftrightarrow longrightarrow rightleftharpoons mapsto infty approx propto
    equiv subseteq supseteq subsetneq nabla citep citet eqref autoref cref
    """.split()
)

_SHORTHANDS = {
    "eg": "e.g.",
    "ie": "i.e.",
    "etal": "et al.",
    "etc": "etc.",
    "wrt": "w.r.t.",
    "vs": "vs.",
    "cf": "cf.",
    "aka": "a.k.a.",
}


def _href(node: Any, l2tobj: LatexNodes2Text) -> str:
    args = [a for a in (node.nodeargd.argnlist if node.nodeargd else []) if a is not None]
    if len(args) < 2:
        return "".join(l2tobj.nodelist_to_text([a]) for a in args)
    url = args[0].latex_verbatim().strip("{}").replace("\\%", "%")
    text = l2tobj.nodelist_to_text([args[1]]).strip()
    return f"{text} ({url})" if text and text != url else url


def _url(node: Any) -> str:
    args = [a for a in (node.nodeargd.argnlist if node.nodeargd else []) if a is not None]
    return "".join(a.latex_verbatim().strip("{}").replace("\\%", "%") for a in args)


def _unicode(node: Any) -> str:
    """``\\unicode{x2013}`` (MathJax's way to write a character) -> –."""
    args = [a for a in (node.nodeargd.argnlist if node.nodeargd else []) if a is not None]
    code = "".join(a.latex_verbatim().strip("{}") for a in args).strip().lower()
    try:
        return chr(int(code[1:], 16) if code.startswith("x") else int(code))
    except (ValueError, OverflowError):
        return code


def _verbatim(node: Any) -> str:
    return str(getattr(node.nodeargd, "verbatim_text", "") or "")


def _walker_context() -> Any:
    db = latexwalker.get_default_latex_context_db()
    db.add_context_category(
        "paperwire",
        macros=[MacroSpec("href", "{{"), MacroSpec("unicode", "{")]
        + [MacroSpec(name, "") for name in _SHORTHANDS],
        prepend=True,
    )
    return db


def _text_context(*, keep_math: bool) -> Any:
    db = get_default_latex_context_db()
    macros = [
        MacroTextSpec("href", simplify_repl=_href),
        MacroTextSpec("url", simplify_repl=_url),
        MacroTextSpec("verb", simplify_repl=_verbatim),
        MacroTextSpec("unicode", simplify_repl=_unicode),
        *(MacroTextSpec(name, text) for name, text in _SHORTHANDS.items()),
        *(
            MacroTextSpec(name, discard=True)
            for name in ("cite", "citep", "citet", "ref", "eqref", "autoref", "cref", "label")
        ),
    ]
    if keep_math:
        # Kept escaped, so that KaTeX on the page does not take it for a formula.
        macros.append(MacroTextSpec("$", "\\$"))
    specials = [SpecialsTextSpec("&", "&"), SpecialsTextSpec("~", "~")]
    db.add_context_category("paperwire", macros=macros, specials=specials, prepend=True)
    return db


class _ToText(LatexNodes2Text):  # type: ignore[misc]
    """pylatexenc's converter, keeping the text of commands it does not know."""

    def macro_node_to_text(self, node: Any) -> str:
        if self.latex_context.get_macro_spec(node.macroname) is not None:
            return str(super().macro_node_to_text(node))
        args = [a for a in (node.nodeargd.argnlist if node.nodeargd else []) if a is not None]
        text = "".join(self._groupnodecontents_to_text(a) for a in args)
        if text or node.parsing_state.in_math_mode:
            return str(text)
        return str(node.macroname) if node.macroname.isalpha() else ""


_WALKER = _walker_context()
_CONTEXTS = {keep: _text_context(keep_math=keep) for keep in (False, True)}
_local = threading.local()


def _converter(keep_math: bool) -> _ToText:
    """One converter per thread and mode (a converter keeps state while it works)."""
    converters: dict[bool, _ToText] | None = getattr(_local, "converters", None)
    if converters is None:
        converters = _local.converters = {}
    found = converters.get(keep_math)
    if found is None:
        found = converters[keep_math] = _ToText(
            latex_context=_CONTEXTS[keep_math],
            math_mode="verbatim" if keep_math else "text",
            strict_latex_spaces=False,
        )
    return found


def _piece_end(text: str, start: int, literal: set[int]) -> tuple[int, int | None]:
    """Where the piece starting at ``start`` ends: at the first space outside every
    brace, environment and formula (``text`` has single spaces only). Also where the
    formula still open at the end of ``text`` starts, if one is. A ``$`` at a position
    in ``literal`` is a dollar sign."""
    depth = envs = 0
    closer = ""  # the end of the formula we are in: "$", "$$", "\\)" or "\\]"
    opened: int | None = None
    i, n = start, len(text)
    while True:
        found = _SCAN.search(text, i)
        if found is None:
            return n, (opened if closer in ("$", "$$") else None)
        i = found.start()
        char = text[i]
        if char == " ":
            if not (depth or envs or closer):
                return i, None
            i += 1
        elif char == "\\":
            following = text[i + 1 : i + 2]
            if following.isascii() and following.isalpha():
                end = i + 1
                while end < n and text[end].isascii() and text[end].isalpha():
                    end += 1
                name = text[i + 1 : end]
                if name == "begin":
                    envs += 1
                elif name == "end" and envs:
                    envs -= 1
                i = end
                continue
            if following and not closer and following in "([":
                closer, opened = ("\\)" if following == "(" else "\\]"), i
            elif closer and text.startswith(closer, i):
                closer = ""
            i += 2
        elif char == "$":
            double = text.startswith("$$", i)
            if i in literal:
                i += 1
            elif not closer:
                closer, opened = ("$$" if double else "$"), i
                i += 2 if double else 1
            elif closer == "$$" and double:
                closer = ""
                i += 2
            else:
                if closer == "$":
                    closer = ""
                i += 1  # else a "$" inside $$...$$ or \\(...\\)
        else:
            if char == "{":
                depth += 1
            elif depth:
                depth -= 1
            i += 1


def _depth(text: str) -> int:
    """How deep braces (and ``\\begin``) nest, at most."""
    depth = deepest = 0
    for char in text:
        if char == "{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif char == "}" and depth:
            depth -= 1
    return max(deepest, text.count("\\begin"))


def _letters(text: str) -> int:
    return len(_LETTER.findall(_COMMAND.sub(" ", text)))


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _convert(piece: str, keep_math: bool) -> str:
    """One piece as text; the piece as written when pylatexenc cannot take it or its
    result lost text."""
    if len(piece) > MAX_PIECE or _depth(piece) > MAX_DEPTH:
        return piece
    try:
        nodes = latexwalker.LatexWalker(
            _GLUED.sub(r"\1 ", _PERCENT.sub(r"\1\\%", piece)),
            latex_context=_WALKER,
            tolerant_parsing=True,
        ).get_latex_nodes()[0]
        out = _collapse(strip_control(str(_converter(keep_math).nodelist_to_text(nodes))))
    except (Exception, RecursionError):
        return piece
    if 2 * _letters(out) < _letters(piece):
        return piece
    return out


def plain_text(text: str | None, *, keep_math: bool = False) -> str:
    """``text`` (a title, an abstract, a comment) as readable text on one line: LaTeX
    turned into Unicode by pylatexenc, math too unless ``keep_math`` (see the module's
    docstring). Never raises; what cannot be converted comes back as written, without
    control characters."""
    if not text:
        return ""
    text = strip_control(text)
    if not _HINT.search(text) or len(text) > MAX_CHARS:
        return _collapse(text)
    return _parsed(_collapse(text), keep_math)


@lru_cache(maxsize=CACHE)
def _parsed(text: str, keep_math: bool) -> str:
    out: list[str] = []
    copied = 0  # text[:copied] is in out
    while found := _HINT.search(text, copied):
        # The piece around the sign: from the start of its word to the first space
        # outside braces and formulas.
        start = max(text.rfind(" ", copied, found.start()) + 1, copied)
        literal: set[int] = set()
        for _ in range(8):
            end, unclosed = _piece_end(text, start, literal)
            if unclosed is None:
                break
            literal.add(unclosed)  # "costs $5": a dollar, not a formula
        piece = text[start:end]
        if literal and not keep_math:  # escaped, so that pylatexenc keeps it
            for at in sorted(literal, reverse=True):
                piece = piece[: at - start] + "\\" + piece[at - start :]
        out.append(text[copied:start])
        if _SIGNS.search(piece):
            out.append(_convert(piece, keep_math))
        else:  # only dashes and quotes: pylatexenc's replacements, without the parser
            out.append(_LIGATURE.sub(lambda m: _LIGATURES[m[0]], piece))
        copied = end
    out.append(text[copied:])
    return _collapse("".join(out)) or text
