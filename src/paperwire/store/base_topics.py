"""The store methods (part of the ``Store`` protocol) for the topics of each day, which
the index job computes (``paperwire.index.topics``) and the day page reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Topic:
    """One topic of a day: its label, the terms it is made of, and its papers' ids."""

    label: str
    terms: list[str] = field(default_factory=list)
    paper_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DayTopics:
    """The stored topics of a day, largest first, and the ``fingerprint`` of the day's
    papers they were computed from (no topics: the day was too small to group)."""

    day: date
    fingerprint: str
    topics: list[Topic]
    computed_at: datetime


class TopicStore(Protocol):
    def save_day_topics(self, day: date, *, fingerprint: str, topics: Sequence[Topic]) -> None:
        """Replace the stored topics of ``day``."""
        ...

    def day_topics(self, day: date) -> DayTopics | None:
        """The stored topics of ``day``; None when it was never grouped."""
        ...

    def topic_terms_of(self, papers: Sequence[tuple[str, date]]) -> dict[str, list[str]]:
        """The label terms of the topic each (paper id, day) was grouped under on that day,
        by paper id (a paper not grouped on that day: absent)."""
        ...

    def topic_fingerprints(self, days: Sequence[date]) -> dict[date, str]:
        """The fingerprint each of ``days`` was grouped from (days never grouped: absent)."""
        ...

    def days_written_after(self, revision: int) -> list[date]:
        """Every day a paper written after ``revision`` may be listed on (its feed days,
        and its publication and first-seen days), newest first."""
        ...

    def vectors_of(self, tier: str, ids: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors (float16 bytes) of those of ``ids`` that have one."""
        ...
