"""Names the index jobs and search share: the vector tiers and the progress callback.

A module of its own, so ``paperwire.index.search`` and the jobs that use it
(``paperwire.index.neighbours``, called by ``paperwire.index.jobs``) import these names
without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable

FAST, QUALITY = "fast", "quality"
TIERS = (FAST, QUALITY)

#: progress(stage, done, total)
Progress = Callable[[str, int, int], None]
