"""Small pure functions every source uses to normalise what it reads."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from datetime import UTC, date, datetime

# A LaTeX forced line break ("\\" followed by a newline or the end) inside a title.
_LATEX_BREAK = re.compile(r"\\\\(?=\s|$)")

# The arXiv id, the one place its pattern is written. New style (April 2007 on):
# YYMM.NNNN through 1412, YYMM.NNNNN from 1501. Old style (1991 to March 2007):
# archive(.XX)/YYMMNNN. Versions: "v" and at most VERSION_DIGITS digits.
ARXIV_ID_PATTERN = r"(?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})"
VERSION_DIGITS = 9
_NEW_ID = re.compile(r"(\d{2})(\d{2})\.(\d{4,5})")
_OLD_ID = re.compile(r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/(\d{2})(\d{2})(\d{3})")
_ID_IN_URL = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html)/|oai:arXiv\.org:|arXiv:|^)"
    rf"({ARXIV_ID_PATTERN})(?:v(\d{{1,{VERSION_DIGITS}}}))?(?:\.pdf)?/?$"
)
#: Characters no stored text may hold: C0 controls but tab, newline and carriage return;
#: DEL and the C1 controls; lone surrogates and U+FFFE/U+FFFF, which XML 1.0 cannot carry.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# The clock is asked only for ids of a year after the one this process started in.
_YEAR_AT_START = datetime.now(UTC).year
_ASCII_CONTROL = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])

_GITHUB = re.compile(
    r"github\.com/([A-Za-z0-9][A-Za-z0-9\-]{0,38})/([A-Za-z0-9_.\-]+)", re.IGNORECASE
)
_NOT_WORD = re.compile(r"[\W_]+")
_NOT_OWNERS = {"features", "orgs", "topics", "sponsors", "about", "marketplace", "settings"}


def clean_text(text: str | None) -> str:
    """Collapse whitespace and LaTeX line breaks into single spaces."""
    if not text:
        return ""
    if "\\\\" in text:
        text = _LATEX_BREAK.sub(" ", text)
    if text.isascii():
        # Fast path for the common case: arXiv's hard line breaks and nothing else.
        text = text.replace("\n", " ")
        if not any(ch in text for ch in ("  ", "\t", "\r", "\f", "\v")):
            return text.strip()
    return " ".join(text.split())


def clean_optional(text: str | None) -> str | None:
    cleaned = clean_text(text)
    return cleaned or None


def split_arxiv_id(raw: str) -> tuple[str, int | None] | None:
    """``"http://arxiv.org/abs/2401.01234v2"`` -> ``("2401.01234", 2)``; None if not a real
    arXiv id (see ``is_arxiv_id``) or its version has more than ``VERSION_DIGITS`` digits."""
    raw = raw.strip()
    match = _ID_IN_URL.search(raw)
    if match is None or not is_arxiv_id(match.group(1)):
        return None
    version = match.group(2)
    return match.group(1), int(version) if version else None


def is_arxiv_id(value: str) -> bool:
    """Whether ``value`` is an arXiv id that can exist (without version).

    New style ``YYMM.NNNN`` (0704 to 1412) or ``YYMM.NNNNN`` (1501 on), month 01-12, year at
    most the current one; old style ``archive(.XX)/YYMMNNN``, month 01-12, years 91 to 07.
    The number is never all zeros. ``2513.00001`` and ``9999.99999`` are not ids.
    """
    if (new := _NEW_ID.fullmatch(value)) is not None:
        year, month, number = int(new[1]), int(new[2]), new[3]
        if not 1 <= month <= 12 or (year, month) < (7, 4) or not int(number):
            return False
        if (len(number) == 4) != (year < 15):
            return False
        return 2000 + year <= _YEAR_AT_START or 2000 + year <= datetime.now(UTC).year
    if (old := _OLD_ID.fullmatch(value)) is not None:
        year, month = int(old[1]), int(old[2])
        return 1 <= month <= 12 and (year >= 91 or year <= 7) and bool(int(old[3]))
    return False


def has_control(text: str) -> bool:
    """Whether ``text`` holds one of ``CONTROL_CHARS`` (ASCII text, the common case, is
    checked with ``bytes.translate``: a few times faster than the expression)."""
    if text.isascii():
        raw = text.encode("ascii")
        return len(raw.translate(None, _ASCII_CONTROL)) != len(raw)
    return CONTROL_CHARS.search(text) is not None


def strip_control(text: str) -> str:
    """``text`` without the characters of ``CONTROL_CHARS`` (tabs and newlines stay)."""
    return CONTROL_CHARS.sub("", text) if has_control(text) else text


def find_github_repo(*texts: str | None) -> str | None:
    """The first ``https://github.com/owner/repo`` mentioned in the texts, normalised."""
    for text in texts:
        if not text or ("ithub" not in text and "ITHUB" not in text):
            continue
        for match in _GITHUB.finditer(text):
            owner, repo = match.group(1), match.group(2)
            repo = repo.rstrip(".").removesuffix(".git").rstrip(".")
            if not repo or owner.lower() in _NOT_OWNERS:
                continue
            return f"https://github.com/{owner}/{repo}"
    return None


def normalize_github_repo(value: str | None) -> str | None:
    if not value:
        return None
    found = find_github_repo(value if "github.com" in value else f"github.com/{value}")
    return found


@functools.lru_cache(maxsize=4096)
def title_key(title: str) -> str:
    """A key that is equal for the same title written with different case, accents or spacing."""
    folded = unicodedata.normalize("NFKD", title).casefold()
    return _NOT_WORD.sub("", folded)


def text_hash(title: str, abstract: str) -> str:
    """Changes exactly when the text that search indexes and embeds changes."""
    return hashlib.sha1(f"{title}\n{abstract}".encode()).hexdigest()[:16]


def content_id(prefix: str, title: str) -> str:
    """A stable id for a paper known only by its title (``listing:3f2a...``)."""
    digest = hashlib.sha1(title_key(title).encode("utf-8")).hexdigest()[:16]
    return f"{prefix}:{digest}"


def parse_datetime(value: str | None) -> datetime | None:
    """ISO 8601 (``2026-06-12T00:00:00.000Z``, ``2024-01-02``) to an aware UTC datetime.

    Raises ValueError for text that is not a date.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_day(value: str) -> date:
    return date.fromisoformat(value.strip()[:10])


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def email_address(raw: str, *, smtputf8: bool = False) -> str:
    """A mail address as email-validator normalises it (the domain lower-cased; no DNS
    lookup, so it works offline). Raises ``ValueError`` saying what is wrong.

    An internationalised domain is accepted (mail goes to its IDNA form); characters
    other than ASCII before the @ only with ``smtputf8`` (the mail server must offer
    SMTPUTF8 to deliver to such an address)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        found = validate_email(raw.strip(), check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    if found.smtputf8 and not smtputf8:
        raise ValueError(
            "this site can only mail addresses written in plain ASCII before the @"
            " (letters a-z, digits and . _ + -): use another address"
        )
    return str(found.normalized)
