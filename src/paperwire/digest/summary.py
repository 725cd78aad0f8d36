"""A small, deterministic extractive summary: the two sentences of an abstract that carry
the most of its weighty terms, in their original order.

Sentences split at ``.``, ``!`` or ``?`` followed by a space and a capital, except after
common abbreviations (``e.g.``, ``et al.``, ``Fig.``), inside ``$...$`` math or between
the digits of a number. LaTeX is turned into readable text first (``$\\alpha$`` -> α).
"""

from __future__ import annotations

import math
import re
from collections import Counter

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
    "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "times": "×", "cdot": "·",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "approx": "≈", "sim": "~",
    "infty": "∞", "to": "→", "rightarrow": "→", "pm": "±", "log": "log", "sum": "Σ",
    "int": "∫", "in": "∈", "ell": "ℓ", "partial": "∂", "nabla": "∇", "%": "%", "&": "&",
    "_": "_", "#": "#", "$": "$",
}  # fmt: skip
_COMMAND_WITH_ARG = re.compile(r"\\(?:[a-zA-Z]+)\*?\s*\{([^{}]*)\}")
_COMMAND = re.compile(r"\\([a-zA-Z]+|[%&_#$])")
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


def detex(text: str) -> str:
    """LaTeX to readable text: math delimiters dropped, commands to symbols or their
    argument, braces removed."""

    def symbol(match: re.Match[str]) -> str:
        return _GREEK.get(match[1], match[1])

    out = text.replace("$$", "").replace("\\(", "").replace("\\)", "")
    out = out.replace("\\[", "").replace("\\]", "")
    for _ in range(3):  # nested \textbf{\emph{x}}
        out = _COMMAND_WITH_ARG.sub(r"\1", out)
    out = _COMMAND.sub(symbol, out)
    out = re.sub(r"(?<!\\)\$", "", out).replace("{", "").replace("}", "")
    out = out.replace("~", " ").replace("\\\\", " ")
    return " ".join(out.split())


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
    """The ``sentences`` best sentences of ``abstract`` in their original order."""
    text = detex(abstract)
    parts = split_sentences(text)
    if len(parts) <= sentences:
        return " ".join(parts)
    words = [[w for w in _WORD.findall(p.lower()) if w not in _STOP] for p in parts]
    weights = Counter(w for ws in words for w in set(ws))

    def score(index: int) -> float:
        terms = words[index]
        if not terms:
            return 0.0
        value = sum(weights[w] for w in terms) / math.sqrt(len(terms))
        return value * (1.15 if index == 0 else 1.0)  # the opening sentence sets the scene

    best = sorted(range(len(parts)), key=lambda i: (-score(i), i))[:sentences]
    return " ".join(parts[i] for i in sorted(best))
