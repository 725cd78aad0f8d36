"""The store methods (part of the ``Store`` protocol) for
GitHub star fetching state and stored trending scores.
"""

from __future__ import annotations

from typing import Protocol


class RankStore(Protocol):
    pass
