"""Tests of the web pages, through the test client and a real browser."""
