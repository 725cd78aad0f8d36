"""Email digests: subscriptions, choosing papers, rendering, the outbox and sending.

- ``subscriptions``: validate, double opt-in, signed links (confirm, preferences, unsubscribe);
- ``compose``: pick each subscriber's papers for a period from stored scores and shared
  topic searches (``summary`` writes the two-sentence summaries);
- ``render``: Jinja2 templates to a multipart/alternative message;
- ``outbox``: compose and render into one outbox row per (subscriber, period);
- ``send``: claim rows, send them through ``paperwire.mail``, record each.
"""
