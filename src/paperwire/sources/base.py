"""What every parser and network source has in common.

A parser reads one file or response and yields ``Paper`` for each good record and
``Rejected`` (with ``file:line`` or ``file#record``) for each bad one. A file that
cannot be read at all raises ``ParseError``; the importer then keeps nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Protocol

from paperwire.models import Paper, Rejected

Record = Paper | Rejected


class Parser(Protocol):
    def __call__(self, stream: IO[bytes], *, origin: str) -> Iterator[Record]: ...
