"""What every HTTP surface shares: the pages (``web``), the JSON APIs (``api``) and the
feeds (``feeds``) are built on these modules, and ``web/app.py`` puts the three together.

Modules: ``deps`` (what handlers receive: the store, the settings, the searcher, the
recommender, the signed-in reader, the time), ``params`` (one set of rules for
parameters, ``BadParam``), ``conditional`` (``ETag`` and ``If-Modified-Since``).
Nothing here imports ``web``, ``api`` or ``feeds``.
"""
