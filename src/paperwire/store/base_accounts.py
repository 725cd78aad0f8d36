"""The store methods (part of the ``Store`` protocol) for
accounts, sign-in links, sessions, API tokens, upvotes and submissions.
"""

from __future__ import annotations

from typing import Protocol


class AccountsStore(Protocol):
    pass
