"""Ranking: what is trending."""
