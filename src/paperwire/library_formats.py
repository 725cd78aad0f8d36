"""The files a reader's library is exported to and imported from.

``parse_library`` reads any of three formats and tells them apart by their content:

1. **paperwire's JSON export** (what ``export_json`` writes): lists, read and "not
   interested" marks, notes, followed authors and topics;
2. **BibTeX** (Zotero, Google Scholar, JabRef, arXiv's own export, hand-kept ``.bib``
   files): each entry's arXiv id is found in ``eprint`` (with ``archivePrefix`` arXiv or
   none), ``arxiv``/``arxivid``, an arXiv link or ``arXiv:`` reference in ``url``,
   ``howpublished``, ``note``, ``journal``, ``number`` or ``pages``, or arXiv's own DOI
   (``10.48550/arXiv.2401.01234``); else the entry's DOI names it (``doi:10.1145/...``);
3. **plain text**: one arXiv id, arXiv address or DOI a line (several on a line are
   taken too); blank lines and ``#`` comments are skipped.

Ids, links and DOIs are read by ``lookup.reference_in`` (arXiv ids through
``normalize``), the rules search uses, so an id that cannot exist is never imported and
versions are dropped (``2401.01234v2`` -> ``2401.01234``).

A file that cannot be read at all (not UTF-8, broken JSON, no BibTeX entry that can be
read, larger than ``MAX_BYTES`` or ``MAX_ENTRIES``) raises ``LibraryFormatError`` naming
the file and, when known, the line. One bad entry among good ones is a line of
``ImportedLibrary.problems`` ("name:line: what") and the good ones are kept.

Everything here is pure: the store is read and written by the caller.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bibtexparser.entrypoint import parse_string
from bibtexparser.exceptions import BlockAbortedException
from bibtexparser.model import Entry, ParsingFailedBlock

from paperwire.cite import bibtex, bibtex_key
from paperwire.errors import LibraryFormatError
from paperwire.gate import check_id, kind_of, shown
from paperwire.lookup import Reference, reference_in, references_in
from paperwire.models import Paper
from paperwire.normalize import strip_control
from paperwire.store.base_library import (
    DEFAULT_LIST,
    MAX_LIST_NAME,
    Interest,
    LibraryEntry,
    ReaderList,
)

# The BibTeX parser logs each entry it cannot read; those are problems of the import
# here, told to the reader once, not warnings on the service's error output.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

Format = Literal["json", "bibtex", "text"]

#: What ``export_json`` writes in ``format``, and the newest ``version`` read.
FORMAT = "paperwire-library"
VERSION = 1
#: The most papers an import may name, and the largest file it reads (bytes): paperwire's
#: own export of that many papers of the 2025-2026 arXiv corpus is about 17 MiB of
#: BibTeX and 20 MiB of JSON.
MAX_ENTRIES = 50_000
MAX_BYTES = 32 * 1024 * 1024
#: Bounds on the work a file may ask for before it is read: BibTeX entries
#: (``MAX_ENTRIES``), lines of a text file, values of a JSON file (commas and brackets).
MAX_LINES = 4 * MAX_ENTRIES
MAX_JSON_VALUES = 20 * MAX_ENTRIES
#: At most this many problem lines; past them one line says how many more there were.
MAX_PROBLEMS = 200
#: A longer note is cut to this many characters (and said so).
MAX_NOTE = 20_000
#: Followed authors and topics: at most this many of each, this many characters each.
MAX_INTERESTS = 1_000
MAX_INTEREST = 200

#: The start of a BibTeX entry (``@article{``, ``@misc (``) at the start of a line.
_BIBTEX_ENTRY = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
#: Any ``@word{`` the BibTeX parser would take for a block: counted against MAX_ENTRIES.
_BIBTEX_BLOCK = re.compile(r"@\w*[ \t]*[{(]")
_BIBTEX_KEY = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s=]{1,100})")
_INLINE_COMMENT = re.compile(r"\s#")
#: Fields that hold an arXiv id and nothing else, then fields whose text may mention one.
_ARXIV_FIELDS = ("arxiv", "arxivid", "arxiv_id")
_TEXT_FIELDS = ("url", "howpublished", "note", "journal", "journaltitle", "number", "pages")


@dataclass
class ImportedLibrary:
    """What a library file holds, in file order, each id once per list.

    ``lists``: list name -> paper ids (a BibTeX or text file fills one list, named by
    the caller); ``public_lists``: the names of lists the export marked public.
    """

    format: Format
    lists: dict[str, list[str]] = field(default_factory=dict)
    public_lists: set[str] = field(default_factory=set)
    read: set[str] = field(default_factory=set)
    hidden: set[str] = field(default_factory=set)
    notes: dict[str, str] = field(default_factory=dict)
    authors: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def paper_ids(self) -> list[str]:
        """Every paper the file names (in lists, marked or with a note), each once."""
        named = [pid for ids in self.lists.values() for pid in ids]
        named += [*sorted(self.read), *sorted(self.hidden), *self.notes]
        return list(dict.fromkeys(named))


class _Problems:
    """Problem lines of one file, at most ``MAX_PROBLEMS`` of them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = []
        self.more = 0

    def add(self, line: int | None, what: str) -> None:
        if len(self.lines) >= MAX_PROBLEMS:
            self.more += 1
            return
        where = f"{self.name}:{line}" if line is not None else self.name
        self.lines.append(f"{where}: {what}")

    def done(self) -> list[str]:
        if self.more:
            return [*self.lines, f"{self.name}: and {self.more:,} more problems"]
        return self.lines


# -- reading -----------------------------------------------------------------------------


def parse_library(
    data: bytes | str, *, name: str, list_name: str = DEFAULT_LIST
) -> ImportedLibrary:
    """Read a library file (JSON export, BibTeX or ids a line); ``name`` names it in
    problems and errors, ``list_name`` is the list a BibTeX or text file fills."""
    text = _decode(data, name)
    if not text.strip():
        raise LibraryFormatError(name, "the file is empty")
    kind = sniff_library(text)
    problems = _Problems(name)
    if kind == "json":
        library = _parse_json(text, problems)
    else:
        parse = _parse_bibtex if kind == "bibtex" else _parse_text
        library = ImportedLibrary(kind, lists={list_name: parse(text, problems)})
    library.problems = problems.done()
    return library


def sniff_library(text: str) -> Format:
    """``json`` when the text opens an object or array, ``bibtex`` when a line starts an
    entry (``@article{``), else ``text``."""
    if text.lstrip().startswith(("{", "[")):
        return "json"
    return "bibtex" if _BIBTEX_ENTRY.search(text) else "text"


def _decode(data: bytes | str, name: str) -> str:
    """The file's text; ``LibraryFormatError`` when it is too large, not UTF-8 or binary."""
    if len(data) > MAX_BYTES:
        unit = "bytes" if isinstance(data, bytes) else "characters"
        raise LibraryFormatError(
            name, f"{len(data):,} {unit}, larger than an import may be ({MAX_BYTES // 2**20} MB)"
        )
    if isinstance(data, bytes):
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise LibraryFormatError(name, "UTF-16 text: save the file as UTF-8 and try again")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise LibraryFormatError(
                f"{name}:{line}", f"not UTF-8 text (byte {exc.start + 1:,} cannot be read)"
            ) from None
    else:
        text = data
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise LibraryFormatError(
            f"{name}:{line}", "a binary file (it holds NUL characters), not a library"
        )
    return text


def _too_many(name: str, count: int) -> LibraryFormatError:
    return LibraryFormatError(
        name, f"{count:,} papers, more than an import may hold ({MAX_ENTRIES:,})"
    )


def _paper_id(reference: Reference) -> str:
    return reference.value if reference.kind == "arxiv" else f"doi:{reference.value}"


def _add(ids: list[str], seen: set[str], paper_id: str) -> None:
    if paper_id not in seen:
        seen.add(paper_id)
        ids.append(paper_id)


# -- plain text --------------------------------------------------------------------------


def _parse_text(text: str, problems: _Problems) -> list[str]:
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        raise LibraryFormatError(
            problems.name, f"{lines:,} lines, more than an import may read ({MAX_LINES:,})"
        )
    ids: list[str] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.split("\n"), 1):
        line = _INLINE_COMMENT.split(raw, maxsplit=1)[0].strip()
        if not line or line.startswith("#"):
            continue
        found, rest = references_in(line)
        if not found or rest:
            what = "an arXiv id, arXiv address or DOI" if not found else "only ids, links or DOIs"
            problems.add(number, f"expected {what}, found {shown(line)}")
            continue
        for reference in found:
            _add(ids, seen, _paper_id(reference))
        if len(ids) > MAX_ENTRIES:
            raise _too_many(problems.name, len(ids))
    return ids


# -- BibTeX ------------------------------------------------------------------------------


def _parse_bibtex(text: str, problems: _Problems) -> list[str]:
    name = problems.name
    blocks = sum(1 for _ in _BIBTEX_BLOCK.finditer(text))
    if blocks > MAX_ENTRIES:
        raise LibraryFormatError(
            name, f"{blocks:,} entries, more than an import may hold ({MAX_ENTRIES:,})"
        )
    try:
        parsed = parse_string(text)
    except Exception as exc:  # the parser's own failure on a file it cannot follow
        raise LibraryFormatError(name, f"the BibTeX cannot be read ({exc})") from None
    ids: list[str] = []
    seen: set[str] = set()
    entries = 0
    first_failure: tuple[int, str] | None = None
    for block in parsed.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, ParsingFailedBlock):
            inner = block.ignore_error_block
            if not isinstance(inner, Entry):  # a duplicate key or field keeps its entry
                what = _failure(block)
                first_failure = first_failure or (line, what)
                problems.add(line, f"{what}: skipped")
                continue
            block = inner
        if not isinstance(block, Entry):
            continue  # @string, @preamble, @comment and text between entries
        entries += 1
        key = strip_control(block.key)
        paper_id = _entry_id(block)
        if paper_id is None:
            problems.add(line, f"entry {shown(key)} names no arXiv id or DOI: skipped")
        else:
            _add(ids, seen, paper_id)
    if not entries:
        if first_failure is not None:
            raise LibraryFormatError(f"{name}:{first_failure[0]}", first_failure[1])
        raise LibraryFormatError(name, "no BibTeX entry in the file")
    return ids


def _failure(block: ParsingFailedBlock) -> str:
    key = _BIBTEX_KEY.match(block.raw or "")
    entry = f"entry {shown(strip_control(key[1]))}" if key else "an entry"
    error = block.error
    reason = error.abort_reason if isinstance(error, BlockAbortedException) else str(error)
    reason = " ".join(strip_control(reason).split()).replace("`", "")
    return f"{entry} cannot be read ({reason[:200]})"


def _entry_id(entry: Entry) -> str | None:
    """The paper a BibTeX entry names: its arXiv id when any field gives one, else its
    DOI (arXiv's own DOIs name the arXiv id)."""
    fields: dict[str, str] = {}
    for item in entry.fields:
        value = item.value if isinstance(item.value, str) else str(item.value)
        fields.setdefault(item.key.lower(), _plain(strip_control(value)))
    doi: Reference | None = None
    for reference in _references(fields):
        if reference.kind == "arxiv":
            return reference.value
        doi = doi or reference
    return _paper_id(doi) if doi is not None else None


def _plain(value: str) -> str:
    """A BibTeX value as text: ``\\url{...}`` and braces gone, ``\\_`` as ``_``."""
    value = value.replace("\\url{", " ").replace("{\\_}", "_").replace("\\_", "_")
    return value.replace("{", " ").replace("}", " ")


def _references(fields: Mapping[str, str]) -> Iterator[Reference]:
    """The references an entry's fields make, the surest first."""
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    if prefix in ("", "arxiv") and "eprint" in fields:
        yield from references_in(fields["eprint"])[0]
    for key in _ARXIV_FIELDS:
        if key in fields:
            yield from references_in(fields[key])[0]
    for key in _TEXT_FIELDS:
        value = fields.get(key, "")
        if "arxiv" in value.lower() or "doi.org" in value.lower():
            yield from references_in(value)[0]
    if "doi" in fields:
        reference = reference_in(fields["doi"].strip())
        if reference is not None:
            yield reference


# -- JSON --------------------------------------------------------------------------------


class _Object(dict[str, Any]):
    """A JSON object that knows the line it starts on."""

    line = 0


class _Array(list[Any]):
    """A JSON array that knows the line it starts on."""

    line = 0


#: The standard library's readers of one JSON object and array; ``_load_json`` wraps
#: them to note where each starts.
_JSON_OBJECT: Callable[..., tuple[dict[str, Any], int]]
_JSON_OBJECT = json.decoder.JSONObject  # type: ignore[attr-defined]
_JSON_ARRAY: Callable[..., tuple[list[Any], int]]
_JSON_ARRAY = json.decoder.JSONArray  # type: ignore[attr-defined]


def _load_json(text: str) -> Any:
    """``json.loads`` whose objects and arrays carry their line (``_Object``, ``_Array``):
    the standard library's pure-Python scanner, whose readers can be replaced."""
    newlines = [m.start() for m in re.finditer("\n", text)]
    decoder = json.JSONDecoder(strict=False)  # a tab typed into a note is no reason to refuse

    def parse_object(s_and_end: tuple[str, int], *args: Any, **kwargs: Any) -> tuple[_Object, int]:
        found, end = _JSON_OBJECT(s_and_end, *args, **kwargs)
        obj = _Object(found)
        obj.line = bisect.bisect_left(newlines, s_and_end[1]) + 1
        return obj, end

    def parse_array(s_and_end: tuple[str, int], *args: Any, **kwargs: Any) -> tuple[_Array, int]:
        found, end = _JSON_ARRAY(s_and_end, *args, **kwargs)
        array = _Array(found)
        array.line = bisect.bisect_left(newlines, s_and_end[1]) + 1
        return array, end

    decoder.parse_object = parse_object  # type: ignore[attr-defined]
    decoder.parse_array = parse_array  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    return decoder.decode(text)


def _parse_json(text: str, problems: _Problems) -> ImportedLibrary:
    name = problems.name
    values = text.count(",") + text.count("{") + text.count("[")
    if values > MAX_JSON_VALUES:
        raise LibraryFormatError(
            name, f"{values:,} JSON values, more than an export may hold ({MAX_JSON_VALUES:,})"
        )
    try:
        doc = _load_json(text)
    except json.JSONDecodeError as exc:
        raise LibraryFormatError(
            f"{name}:{exc.lineno}", f"not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None
    except RecursionError:
        raise LibraryFormatError(name, "JSON nested too deeply for a library export") from None
    except ValueError as exc:  # a number too long to convert
        raise LibraryFormatError(name, f"not valid JSON: {exc}") from None
    if not isinstance(doc, _Object) or doc.get("format") != FORMAT:
        raise LibraryFormatError(
            name, f'JSON that is not a paperwire library export (no "format": "{FORMAT}")'
        )
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LibraryFormatError(f"{name}:{doc.line}", '"version" must be a whole number')
    if version > VERSION:
        raise LibraryFormatError(
            name, f"an export of a newer paperwire (version {version}); this one reads {VERSION}"
        )
    lists = _section(doc, "lists", list, name)
    papers = _section(doc, "papers", list, name)
    interests = _section(doc, "interests", dict, name)
    library = ImportedLibrary("json")
    _json_lists(library, lists, problems, doc.line)
    _json_papers(library, papers, problems, doc.line)
    if (count := len(library.paper_ids)) > MAX_ENTRIES:
        raise _too_many(name, count)
    library.authors = _json_interests(interests, "authors", problems)
    library.topics = _json_interests(interests, "topics", problems)
    return library


def _section(doc: _Object, key: str, kind: type, name: str) -> Any:
    value = doc.get(key)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        expected = "a list" if kind is list else "an object"
        raise LibraryFormatError(
            f"{name}:{doc.line}", f'"{key}" must be {expected}, not {kind_of(value)}'
        )
    return value


def _line(value: object, default: int) -> int:
    return value.line if isinstance(value, _Object | _Array) else default


def _json_id(value: object) -> str:
    """The id of a paper named in the export; ``ValueError`` saying why not."""
    if isinstance(value, _Object):
        value = value.get("id")
    if value is None:
        raise ValueError("a paper without an id")
    if not isinstance(value, str):
        raise ValueError(f"a paper's id must be text, not {kind_of(value)}")
    reference = reference_in(value)
    return _paper_id(reference) if reference is not None else check_id(value)


def _json_lists(library: ImportedLibrary, lists: list[Any], problems: _Problems, at: int) -> None:
    names: dict[str, str] = {}  # casefolded -> as first written
    for index, item in enumerate(lists):
        line = _line(item, _line(lists, at))
        if not isinstance(item, _Object):
            problems.add(line, f"lists[{index}] must be an object, not {kind_of(item)}: skipped")
            continue
        raw = item.get("name")
        list_name = " ".join(strip_control(raw).split()) if isinstance(raw, str) else ""
        if not list_name or len(list_name) > MAX_LIST_NAME:
            what = "has no name" if not list_name else f"name is over {MAX_LIST_NAME} characters"
            problems.add(line, f"lists[{index}] {what}: skipped")
            continue
        list_name = names.setdefault(list_name.casefold(), list_name)
        ids = library.lists.setdefault(list_name, [])
        if item.get("public") is True:
            library.public_lists.add(list_name)
        papers = item.get("papers")
        if not isinstance(papers, list):
            if papers is not None:
                problems.add(line, f"list {shown(list_name)}: papers must be a list: skipped")
            continue
        seen = set(ids)
        for paper in papers:
            try:
                _add(ids, seen, _json_id(paper))
            except ValueError as exc:
                where = _line(paper, _line(papers, line))
                problems.add(where, f"list {shown(list_name)}: {exc}: skipped")


def _json_papers(library: ImportedLibrary, papers: list[Any], problems: _Problems, at: int) -> None:
    for paper in papers:
        line = _line(paper, _line(papers, at))
        try:
            paper_id = _json_id(paper)
        except ValueError as exc:
            problems.add(line, f"papers: {exc}: skipped")
            continue
        if not isinstance(paper, _Object):
            continue  # an id alone: nothing marked
        if paper.get("read") is True:
            library.read.add(paper_id)
        if paper.get("hidden") is True:
            library.hidden.add(paper_id)
        note = paper.get("note")
        if isinstance(note, str) and (note := strip_control(note).strip()):
            if len(note) > MAX_NOTE:
                problems.add(line, f"the note on {paper_id} is cut to {MAX_NOTE:,} characters")
                note = note[:MAX_NOTE]
            library.notes[paper_id] = note


def _json_interests(interests: Mapping[str, Any], key: str, problems: _Problems) -> list[str]:
    values = interests.get(key)
    line = _line(values, _line(interests, 1))
    if values is None:
        return []
    if not isinstance(values, list):
        problems.add(line, f"interests.{key} must be a list, not {kind_of(values)}: skipped")
        return []
    kept: dict[str, str] = {}
    for value in values:
        text = " ".join(strip_control(value).split()) if isinstance(value, str) else ""
        if not text or len(text) > MAX_INTEREST:
            problems.add(line, f"interests.{key}: {_what(value)} is not a name or topic: skipped")
            continue
        kept.setdefault(text.casefold(), text)
    if len(kept) > MAX_INTERESTS:
        problems.add(line, f"interests.{key}: only the first {MAX_INTERESTS:,} are kept")
    return list(kept.values())[:MAX_INTERESTS]


def _what(value: object) -> str:
    return shown(value) if isinstance(value, str) else kind_of(value)


# -- writing -----------------------------------------------------------------------------


def export_json(
    *,
    email: str,
    lists: Sequence[ReaderList],
    list_papers: Mapping[int, Sequence[str]],
    entries: Iterable[LibraryEntry],
    interests: Iterable[Interest],
    papers: Mapping[str, Paper],
    exported_at: datetime,
) -> str:
    """A reader's whole library as paperwire's JSON export.

    ``list_papers``: each list's paper ids by list id, in the order to write them (an
    import adds them in file order); ``entries``: every paper of the library with its
    marks and note; ``papers``: the stored papers, for their titles.
    """
    by_id = {entry.paper_id: entry for entry in entries}

    def title(paper_id: str) -> str | None:
        paper = papers.get(paper_id)
        return paper.title if paper is not None else None

    def added_at(paper_id: str) -> str | None:
        entry = by_id.get(paper_id)
        return _iso(entry.added_at) if entry is not None else None

    interest_list = list(interests)
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _iso(exported_at),
        "email": email,
        "lists": [
            {
                "name": reader_list.name,
                "public": reader_list.is_public,
                "papers": [
                    {"id": pid, "title": title(pid), "added_at": added_at(pid)}
                    for pid in list_papers.get(reader_list.id, ())
                ],
            }
            for reader_list in lists
        ],
        "papers": [
            {
                "id": entry.paper_id,
                "title": title(entry.paper_id),
                "read": entry.is_read,
                "hidden": entry.is_hidden,
                "note": entry.note,
            }
            for entry in by_id.values()
        ],
        "interests": {
            "authors": [i.value for i in interest_list if i.kind == "author"],
            "topics": [i.value for i in interest_list if i.kind == "topic"],
        },
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def export_bibtex(papers: Iterable[Paper]) -> str:
    """One ``@misc`` entry per paper (each paper once), each with its own key: a second
    ``lovelace2026sorting`` becomes ``lovelace2026sorting-2``."""
    entries: list[str] = []
    done: set[str] = set()
    keys: set[str] = set()
    for paper in papers:
        if paper.id in done:
            continue
        done.add(paper.id)
        key = _unique(bibtex_key(paper), keys.__contains__)
        keys.add(key)
        entries.append(bibtex(paper, key=key))
    return "".join(f"{entry}\n\n" for entry in entries)


def _unique(key: str, taken: Callable[[str], bool]) -> str:
    if not taken(key):
        return key
    number = 2
    while taken(f"{key}-{number}"):
        number += 1
    return f"{key}-{number}"
