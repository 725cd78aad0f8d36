"""The store methods (part of the ``Store`` protocol) for
subscriptions, the digest outbox and what each subscriber was sent.
"""

from __future__ import annotations

from typing import Protocol


class DigestStore(Protocol):
    pass
