"""What every parser and network source has in common.

A parser reads one file or response and yields ``Paper`` for each good record and
``Rejected`` (with ``file:line`` or ``file#record``) for each bad one. A file that
cannot be read at all raises ``ParseError``; the importer then keeps nothing of it.

A network source is a generator of ``Page``: the records one step of the fetch brought
(a response, a day, a repository) and the checkpoint to keep after them. It is handed
the checkpoints it starts from as plain values and never writes; ``paperwire.ingest``
commits each page's records together with its checkpoint in one transaction, so a fetch
stopped between two pages resumes after the last committed one.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, Generic, Protocol, TypeVar

from paperwire.config import Settings
from paperwire.models import Paper, Rejected
from paperwire.sources.http import PoliteClient

Record = Paper | Rejected
#: A stored checkpoint's value (JSON).
Checkpoint = dict[str, Any]
#: The stored checkpoints a source starts from, by name; a name never stored is absent.
Checkpoints = Mapping[str, Checkpoint]

R = TypeVar("R")


class Parser(Protocol):
    def __call__(self, stream: IO[bytes], *, origin: str) -> Iterator[Record]: ...


@dataclass(frozen=True, slots=True)
class Page(Generic[R]):
    """One step of a fetch: its records and the checkpoint ``checkpoint_name`` after them.

    ``checkpoint`` None leaves the stored checkpoint as it is. ``rejected`` and
    ``errors`` (whole requests that failed, naming what and where) go to the report.
    """

    checkpoint_name: str
    checkpoint: Checkpoint | None = None
    records: tuple[R, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    errors: tuple[str, ...] = ()


#: What a network source's ``fetch_pages`` returns (a generator, so ingest can close it).
Pages = Generator[Page[R], None, None]


def paper_page(
    checkpoint_name: str, checkpoint: Checkpoint | None, records: Iterable[Record]
) -> Page[Paper]:
    """A page of what a parser read: the papers to keep and the records it rejected."""
    papers: list[Paper] = []
    rejected: list[Rejected] = []
    for record in records:
        if isinstance(record, Paper):
            papers.append(record)
        else:
            rejected.append(record)
    return Page(checkpoint_name, checkpoint, tuple(papers), tuple(rejected))


class PaperSource(Protocol):
    """A network source of papers (a module of ``paperwire.sources``)."""

    def checkpoint_names(self, settings: Settings) -> list[str]:
        """The checkpoints ``fetch_pages`` starts from."""
        ...

    def fetch_pages(
        self, client: PoliteClient, settings: Settings, checkpoints: Checkpoints
    ) -> Pages[Paper]: ...
