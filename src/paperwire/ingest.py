"""Ingest: read files or network sources, hand the papers to the store.

Each file is imported in one transaction: a file that cannot be read to its end
(truncated gzip, broken XML) leaves the database exactly as it was, while single bad
records are reported (``file:line``) and skipped. Network sources commit page by page
together with their checkpoint, so an interrupted fetch resumes where it stopped.
"""

from __future__ import annotations

import gzip
import importlib
import tarfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from importlib.resources import files
from pathlib import Path
from typing import IO, Protocol, cast

from paperwire.config import Settings
from paperwire.errors import PaperwireError, ParseError
from paperwire.models import IngestReport, Paper, Rejected
from paperwire.sources.base import Record
from paperwire.sources.formats import FORMATS, get_parser, sniff_format
from paperwire.sources.http import PoliteClient
from paperwire.store import Store

SAMPLE_DESCRIPTION = "3,294 real arXiv papers of 2026-06-16..07-01, offline"


def sample_path() -> Path:
    """The bundled sample of real papers (see ``paperwire/sample/README.md``)."""
    return Path(str(files("paperwire") / "sample" / "papers.jsonl.gz"))


def sample_vectors_path() -> Path:
    """Quality-tier vectors of the bundled sample, computed ahead of time."""
    return Path(str(files("paperwire") / "sample" / "quality_vectors.npz"))


#: progress(bytes_done, bytes_total) for file imports.
Progress = Callable[[int, int], None]

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


def import_files(
    store: Store,
    paths: Iterable[str | Path],
    *,
    fmt: str = "auto",
    progress: Progress | None = None,
) -> IngestReport:
    """Import files (``.gz`` and tar archives too) into the store."""
    if fmt != "auto" and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected auto or one of {', '.join(FORMATS)}")
    report = IngestReport()
    files = [Path(p) for p in paths]
    total = sum(p.stat().st_size for p in files if p.is_file())
    done = 0
    for path in files:
        rejected: list[Rejected] = []
        try:
            with ExitStack() as stack, store.atomic():
                streams, raw = _inputs(path, stack)

                def tick(raw: _Tell = raw, base: int = done) -> None:
                    if progress is not None:
                        progress(base + raw.tell(), total)

                for origin, stream in streams:
                    name = fmt if fmt != "auto" else _detect(stream, origin)
                    records = get_parser(name)(stream, origin=origin)
                    counts = store.upsert_papers(_papers(records, rejected, tick))
                    report.counts.add(counts)
        except ParseError as exc:
            report.errors.append(str(exc))
            rejected = []
        except (OSError, EOFError, zlib.error, tarfile.TarError, UnicodeDecodeError) as exc:
            report.errors.append(f"{path}: cannot read: {exc}")
            rejected = []
        report.rejected.extend(rejected)
        done += path.stat().st_size if path.is_file() else 0
        if progress is not None:
            progress(done, total)
    return report


# -- network sources ---------------------------------------------------------------------

#: source name -> "module:function"; each fetcher takes (store, client, settings, report).
FETCHERS: dict[str, str] = {
    "arxiv": "paperwire.sources.arxiv_atom:fetch_arxiv",
    "oai": "paperwire.sources.arxiv_oai:fetch_oai",
    "rss": "paperwire.sources.arxiv_rss:fetch_rss",
    "hf-daily": "paperwire.sources.hf_daily:fetch_hf_daily",
    "github": "paperwire.sources.github:fetch_github",
}


class Fetcher(Protocol):
    def __call__(
        self, store: Store, client: PoliteClient, settings: Settings, report: IngestReport
    ) -> None: ...


def fetch_source(
    store: Store, settings: Settings, source: str, *, client: PoliteClient | None = None
) -> IngestReport:
    """Fetch what is new from one network source, committing page by page."""
    if source not in FETCHERS:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(FETCHERS)}")
    module_name, _, attr = FETCHERS[source].partition(":")
    fetcher: Fetcher = getattr(importlib.import_module(module_name), attr)
    report = IngestReport()
    with ExitStack() as stack:
        if client is None:
            client = stack.enter_context(PoliteClient(settings))
        before = client.requests
        try:
            fetcher(store, client, settings, report)
        except PaperwireError as exc:
            report.errors.append(str(exc))
        report.requests = client.requests - before
    return report
