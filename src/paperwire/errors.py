"""The exceptions paperwire raises.

    PaperwireError
     ├── ConfigError        a setting has a value paperwire cannot use
     ├── StoreError         the database refused or is not what we expect
     ├── ParseError         a whole file or response cannot be read (nothing of it is kept)
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


class ParseError(PaperwireError):
    """A file or response that cannot be parsed at all.

    ``where`` names the file (and line, when known); the message says what is wrong.
    """

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class SourceError(PaperwireError):
    pass


class SourceAnswerError(SourceError):
    """The source answered, but with an error document instead of papers."""
