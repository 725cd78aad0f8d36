"""Ingest: read files or network sources, hand the papers to the store.

A file (or each member of a tar archive) is first read to its end into a stage in
memory, with no write lock held; only then are its papers written, in short
transactions of ``APPLY_BATCH`` papers with a pause between them, so the web's writes
(upvotes, sign-ins), another import and the jobs get their turn within milliseconds.
A file or member that cannot be read to its end (truncated gzip, broken XML) therefore
changes nothing; the other members of an archive are kept, and the summary counts
exactly what was kept. Single bad records are reported (``file:line``) and skipped.
When another writer holds the database, the import says so and waits for it (up to
``IMPORT_WAIT`` seconds) instead of failing.

Network sources only fetch: each yields pages of records with the checkpoint to keep
after them (``sources/base.py``), and ``write_pages`` here commits each page's records
together with its checkpoint in one transaction, so an interrupted fetch resumes after
the last committed page.
"""

from __future__ import annotations

import gc
import gzip
import tarfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager
from importlib.resources import files
from pathlib import Path
from typing import IO, Protocol, TypeVar, cast

from paperwire.config import Settings
from paperwire.errors import PaperwireError, ParseError, StoreBusy
from paperwire.models import IngestReport, Paper, Rejected, UpsertCounts
from paperwire.sources import arxiv_atom, arxiv_oai, arxiv_rss, github, hf_daily
from paperwire.sources.base import Checkpoints, Page, PaperSource, Record
from paperwire.sources.formats import FORMATS, get_parser, sniff_format
from paperwire.sources.github import RepoCheck
from paperwire.sources.http import PoliteClient
from paperwire.store import Store
from paperwire.store.base_rank import RepoState

SAMPLE_DESCRIPTION = "3,294 real arXiv papers of 2026-06-16..07-01, offline"


def sample_path() -> Path:
    """The bundled sample of real papers (see ``paperwire/sample/README.md``)."""
    return Path(str(files("paperwire") / "sample" / "papers.jsonl.gz"))


def sample_vectors_path() -> Path:
    """Quality-tier vectors of the bundled sample, computed ahead of time."""
    return Path(str(files("paperwire") / "sample" / "quality_vectors.npz"))


#: progress(bytes_done, bytes_total) for file imports.
Progress = Callable[[int, int], None]
#: waiting(message): the import waits for another writer (said once per wait).
Waiting = Callable[[str], None]

#: Papers in the first transaction of a file; later ones are sized so that each holds
#: the write lock for about ``APPLY_TARGET`` seconds (fewer papers on a busy machine),
#: between ``APPLY_MIN`` and ``APPLY_MAX`` papers (docs/decisions/0004-short-write-
#: transactions.md: on the 74,728-paper corpus 500 papers take 30-150 ms).
APPLY_BATCH = 500
APPLY_TARGET = 0.1
APPLY_MIN, APPLY_MAX = 250, 1000
#: Pause after each batch: a waiting writer polls every few milliseconds, so it gets
#: the lock in this gap instead of the importer taking it straight back.
APPLY_PAUSE = 0.005
#: How long an import waits in all for other writers before it gives up on a file.
IMPORT_WAIT = 600.0
#: What a file or archive member that cannot be read to its end raises.
_UNREADABLE = (OSError, EOFError, zlib.error, tarfile.TarError, UnicodeDecodeError)

_ARCHIVE_EXTENSIONS = (".abs", ".xml", ".atom", ".rss", ".json", ".jsonl", ".txt")
_GZIP_MAGIC = b"\x1f\x8b"


class _Tell(Protocol):
    def tell(self) -> int: ...


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(2) == _GZIP_MAGIC


def _inputs(path: Path, stack: ExitStack) -> tuple[Iterator[tuple[str, IO[bytes]]], _Tell]:
    """The streams inside ``path`` (one, or one per archive member) and the raw file."""
    raw = stack.enter_context(path.open("rb"))
    if tarfile.is_tarfile(path):
        archive = stack.enter_context(tarfile.open(fileobj=raw, mode="r:*"))

        def members() -> Iterator[tuple[str, IO[bytes]]]:
            for member in archive:
                if not member.isfile() or not member.name.endswith(_ARCHIVE_EXTENSIONS):
                    continue
                stream = archive.extractfile(member)
                if stream is not None:
                    yield f"{path}!{member.name}", stream

        return members(), raw
    stream: IO[bytes] = raw
    if _is_gzip(path):
        stream = cast(IO[bytes], stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb")))
    return iter([(str(path), stream)]), raw


def _detect(stream: IO[bytes], origin: str) -> str:
    peek = getattr(stream, "peek", None)
    head = peek(8192)[:8192] if peek else b""
    found = sniff_format(head, origin.removesuffix(".gz"))
    if found is None:
        raise ParseError(origin, "cannot tell the format; pass --format")
    return found


def _papers(
    records: Iterable[Record], rejected: list[Rejected], tick: Callable[[], None]
) -> Iterator[Paper]:
    for n, record in enumerate(records):
        if isinstance(record, Rejected):
            rejected.append(record)
        else:
            yield record
        if n % 1000 == 0:
            tick()


class _Meter:
    """Progress through one file in bytes: half of its share for reading, half for
    writing what was read (members of an archive are read and written in turn)."""

    def __init__(self, progress: Progress | None, raw: _Tell, *, base: int, total: int) -> None:
        self._progress = progress
        self._raw = raw
        self._base = base
        self._total = total
        self.read = 0
        self.written = 0

    def reading(self) -> None:
        self.read = self._raw.tell()
        self._report()

    def writing(self, start: int, end: int, fraction: float) -> None:
        self.written = start + int((end - start) * fraction)
        self._report()

    def _report(self) -> None:
        if self._progress is not None:
            self._progress(self._base + (self.read + self.written) // 2, self._total)


def _stage(
    stream: IO[bytes], origin: str, fmt: str, rejected: list[Rejected], meter: _Meter
) -> list[Paper]:
    """Every good paper of one file or member, read to its end before anything is written."""
    name = fmt if fmt != "auto" else _detect(stream, origin)
    with _no_collection():
        papers = list(_papers(get_parser(name)(stream, origin=origin), rejected, meter.reading))
    meter.reading()
    return papers


@contextmanager
def _no_collection() -> Iterator[None]:
    """No cyclic garbage collection while a stage grows: papers hold no cycles, and each
    collection would walk every staged paper again (2 of 12 s of CPU on the corpus)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _write_batch(store: Store, batch: list[Paper], waiting: Waiting | None) -> UpsertCounts:
    """One short transaction; while another writer holds the database, wait and say so."""
    started = time.monotonic()
    said = False
    while True:
        try:
            return store.upsert_papers(batch)
        except StoreBusy:
            if time.monotonic() - started > IMPORT_WAIT:
                raise
            if not said and waiting is not None:
                waiting("waiting for another writer (an import, index or ranking run) to finish")
                said = True


def _apply(
    store: Store,
    papers: list[Paper],
    *,
    counts: UpsertCounts,
    meter: _Meter,
    waiting: Waiting | None,
) -> None:
    """Write staged papers in batches; ``counts`` grows as each batch commits."""
    start, end = meter.written, meter.read
    first, size = 0, APPLY_BATCH
    gc.freeze()  # the staged papers stay until written: collections need not walk them
    try:
        while first < len(papers):
            began = time.perf_counter()
            counts.add(_write_batch(store, papers[first : first + size], waiting))
            elapsed = time.perf_counter() - began
            first += size
            meter.writing(start, end, min(1.0, first / len(papers)))
            size = round(min(max(size * APPLY_TARGET / max(elapsed, 1e-3), APPLY_MIN), APPLY_MAX))
            time.sleep(APPLY_PAUSE)
    finally:
        gc.unfreeze()
    meter.writing(start, end, 1.0)


def import_files(
    store: Store,
    paths: Iterable[str | Path],
    *,
    fmt: str = "auto",
    progress: Progress | None = None,
    waiting: Waiting | None = None,
) -> IngestReport:
    """Import files (``.gz`` and tar archives too) into the store.

    Each file, or each member of an archive, is read whole before any of it is written;
    one that cannot be read changes nothing and is reported in ``errors``. ``counts``
    are exactly what was written.
    """
    if fmt != "auto" and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected auto or one of {', '.join(FORMATS)}")
    report = IngestReport()
    files = [Path(p) for p in paths]
    total = sum(p.stat().st_size for p in files if p.is_file())
    done = 0
    for path in files:
        try:
            with ExitStack() as stack:
                streams, raw = _inputs(path, stack)
                meter = _Meter(progress, raw, base=done, total=total)
                for origin, stream in streams:
                    rejected: list[Rejected] = []
                    try:
                        papers = _stage(stream, origin, fmt, rejected, meter)
                    except (ParseError, *_UNREADABLE) as exc:
                        report.errors.append(_unreadable(origin, exc))
                        if isinstance(exc, ParseError | UnicodeDecodeError):
                            continue  # the archive itself is fine: on to its next member
                        break  # the file's bytes end here: nothing more can be read
                    report.rejected.extend(rejected)
                    try:
                        _apply(store, papers, counts=report.counts, meter=meter, waiting=waiting)
                    except StoreBusy as exc:
                        report.errors.append(f"{origin}: not all of it was written: {exc}")
                        return report  # the next files would wait just as long
        except _UNREADABLE as exc:  # the archive's next member cannot be found
            report.errors.append(_unreadable(str(path), exc))
        done += path.stat().st_size if path.is_file() else 0
        if progress is not None:
            progress(done, total)
    return report


def _unreadable(origin: str, exc: BaseException) -> str:
    if isinstance(exc, ParseError):
        return str(exc)
    return f"{origin}: cannot read: {exc}"


# -- network sources ---------------------------------------------------------------------

R = TypeVar("R")

#: One network source: reads what it starts from, fetches, and commits page by page.
Fetch = Callable[[Store, PoliteClient, Settings, IngestReport], None]
#: Writes the records of one page (inside the page's transaction); returns the counts.
Write = Callable[[Store, Sequence[R]], UpsertCounts]


def write_pages(
    store: Store, pages: Iterable[Page[R]], report: IngestReport, *, write: Write[R]
) -> None:
    """Commit each page's records together with its checkpoint, in one transaction.

    The next page is fetched only once the last one is committed, so a fetch stopped
    anywhere leaves every committed page with its checkpoint and nothing of the others.
    """
    for page in pages:
        counts = UpsertCounts()
        if page.records or page.checkpoint is not None:
            with store.atomic():
                counts = write(store, page.records)
                if page.checkpoint is not None:
                    store.set_checkpoint(page.checkpoint_name, page.checkpoint)
        report.counts.add(counts)
        report.rejected.extend(page.rejected)
        report.errors.extend(page.errors)


def _write_papers(store: Store, papers: Sequence[Paper]) -> UpsertCounts:
    return store.upsert_papers(papers)


def _write_repos(store: Store, checks: Sequence[RepoCheck]) -> UpsertCounts:
    counts = UpsertCounts()
    for check in checks:
        state = RepoState(
            check.repo,
            check.etag,
            check.stars,
            check.status,
            check.checked_at,
            check.moved_to,
            check.message,
        )
        store.record_repo(state, paper_ids=check.paper_ids, observed_at=check.observed_at)
        counts.add(check.counts())
    return counts


def _checkpoints(store: Store, names: Iterable[str]) -> Checkpoints:
    return {name: value for name in names if (value := store.get_checkpoint(name)) is not None}


def _fetch_papers(source: PaperSource) -> Fetch:
    def fetch(store: Store, client: PoliteClient, settings: Settings, report: IngestReport) -> None:
        start = _checkpoints(store, source.checkpoint_names(settings))
        pages = source.fetch_pages(client, settings, start)
        with closing(pages):
            write_pages(store, pages, report, write=_write_papers)

    return fetch


def _fetch_github(
    store: Store, client: PoliteClient, settings: Settings, report: IngestReport
) -> None:
    targets = store.github_targets()
    names = {name for url, _ in targets if (name := github.repo_name(url)) is not None}
    known = {name: state for name in names if (state := store.repo_state(name)) is not None}
    start = _checkpoints(store, github.checkpoint_names(settings))
    pages = github.fetch_pages(client, settings, start, targets=targets, known=known)
    with closing(pages):
        write_pages(store, pages, report, write=_write_repos)


#: source name -> how it is fetched.
FETCHERS: dict[str, Fetch] = {
    "arxiv": _fetch_papers(arxiv_atom),
    "oai": _fetch_papers(arxiv_oai),
    "rss": _fetch_papers(arxiv_rss),
    "hf-daily": _fetch_papers(hf_daily),
    "github": _fetch_github,
}


def fetch_source(
    store: Store, settings: Settings, source: str, *, client: PoliteClient | None = None
) -> IngestReport:
    """Fetch what is new from one network source, committing page by page."""
    if source not in FETCHERS:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(FETCHERS)}")
    report = IngestReport()
    with ExitStack() as stack:
        if client is None:
            client = stack.enter_context(PoliteClient(settings))
        before = client.requests
        try:
            FETCHERS[source](store, client, settings, report)
        except PaperwireError as exc:
            report.errors.append(str(exc))
        report.requests = client.requests - before
    return report
