"""Recommendations: each reader's model, trained from their library, applied to new papers."""

from paperwire.recommend.service import (
    Recommendation,
    Recommender,
    RefreshReport,
    refresh_models,
)

__all__ = ["Recommendation", "Recommender", "RefreshReport", "refresh_models"]
