"""Accounts without passwords: emailed sign-in links, sessions, API tokens, roles, rate
limits; and what readers do with an account: upvotes and submissions to the daily feed.

Modules: ``links`` (sign-in links and their mail),
``sessions`` (session cookies and API tokens: who is asking), ``limits`` (rate limits),
``upvotes``, ``submissions``. See ``docs/accounts.md``.
"""
