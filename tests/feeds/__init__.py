"""Tests of the Atom and RSS feeds."""
