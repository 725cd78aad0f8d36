"""The indexed bundled sample (fixtures shared with the index tests)."""

from tests.index.conftest import indexed, sample_db

__all__ = ["indexed", "sample_db"]
