"""The exceptions paperwire raises.

    PaperwireError
     ├── ConfigError        a setting has a value paperwire cannot use
     ├── StoreError         the database refused or is not what we expect
     │    └── StoreBusy     a write could not start in time: another writer holds the database
     ├── ParseError         a whole file or response cannot be read (nothing of it is kept)
     │    └── LibraryFormatError   a reader's library file (JSON, BibTeX, ids) cannot be imported
     └── SourceError        a network source failed after its retries
          └── SourceAnswerError   the source answered with an error document (arXiv's "Error" entry)

A single bad record inside a readable file is not an exception: parsers yield a
``Rejected`` for it and go on with the next record.
"""

from __future__ import annotations


class PaperwireError(Exception):
    """Base class of every error paperwire raises on purpose."""


class ConfigError(PaperwireError):
    pass


class StoreError(PaperwireError):
    pass


class StoreBusy(StoreError):
    """Another writer (an import, an index or ranking run, another process) held the
    database longer than this write may wait. Nothing was written; try again later.

    ``waited`` is how long the write waited, in seconds; ``retry_after`` is a sensible
    number of whole seconds to wait before trying again (the web's ``Retry-After``).
    """

    def __init__(self, waited: float, *, retry_after: int = 1) -> None:
        super().__init__(
            f"the database is busy: another writer held it for more than {waited:.1f} s; "
            "nothing was written, try again shortly"
        )
        self.waited = waited
        self.retry_after = retry_after


class ParseError(PaperwireError):
    """A file or response that cannot be parsed at all.

    ``where`` names the file (and line, when known); the message says what is wrong.
    """

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class LibraryFormatError(ParseError):
    """A reader's library file that cannot be imported at all: not UTF-8, broken JSON,
    no entry that can be read, or larger than an import may be."""


class SourceError(PaperwireError):
    pass


class SourceAnswerError(SourceError):
    """The source answered, but with an error document instead of papers."""
