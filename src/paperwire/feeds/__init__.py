"""Atom and RSS feeds."""
