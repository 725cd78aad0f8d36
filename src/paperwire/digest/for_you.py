"""The "For you" section of a digest: each signed-up reader's recommendations among the
period's papers, chosen for many subscribers at once.

A subscriber gets the section when their address is a reader's account
(``users.email``, compared lower-cased as accounts are keyed) and that reader has
signals: saved, upvoted or hidden papers, followed authors or topics
(``paperwire.recommend``). Everyone else gets the digest as before, byte for byte.

``ForYou.picks`` takes a batch of subscribers (the outbox composes 2,000 at a time)
and asks ``Recommender.for_readers`` once for all its readers: the models are read in
one query per tier and the period's papers scored for every reader with one product
per tier; the recommender is kept for the whole run, so its shared state (the
background of each tier, the papers' word vectors) is built once. Readers without a
model or signals waiting to be trained are left out before it is asked, so the
subscribers who have no account, or an account without signals, cost a dictionary
look-up each.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from paperwire.config import Settings, index_directory
from paperwire.digest.compose import Period
from paperwire.models import Paper
from paperwire.recommend import Recommendation, Recommender
from paperwire.store.base import Store
from paperwire.store.base_digests import Subscriber
from paperwire.text import plain_text

log = logging.getLogger(__name__)

#: Recommendations asked for beyond the section and Trending (see ``ForYou.picks``).
EXTRA = 5
#: The longest reason a digest shows (two titles and a few terms fit).
MAX_REASON = 300


#: A paper recommended to a subscriber and the reason the digest shows.
Pick = tuple[Paper, str]


def reason_of(recommendation: Recommendation) -> str:
    """The recommendation's reason as the digest shows it: on one line, LaTeX in the
    titles it names turned into text, no control characters, at most ``MAX_REASON``
    characters. (Escaping is the templates' work: the HTML part escapes it.)"""
    text = plain_text(recommendation.reason) or "close to what you follow"
    if len(text) > MAX_REASON:
        text = text[: MAX_REASON - 1].rstrip() + "…"
    return text


class ForYou:
    """Recommendations for the subscribers of one period; keep one for the whole run."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        period: Period,
        *,
        recommender: Recommender | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.period = period
        self.limit = settings.digest_for_you
        self._recommender = recommender
        self._accounts: dict[str, int] | None = None
        self._waiting: set[int] | None = None
        self.readers = 0  # readers given recommendations so far

    @property
    def recommender(self) -> Recommender:
        if self._recommender is None:
            self._recommender = Recommender(self.store, index_dir=index_directory(self.settings))
        return self._recommender

    def _account_ids(self) -> dict[str, int]:
        """Readers' accounts by address (lower-cased, as accounts are keyed); read once."""
        if self._accounts is None:
            self._accounts = {u.email.lower(): u.id for u in self.store.list_users()}
        return self._accounts

    def _with_signals(self, tiers: Sequence[str], user_ids: Sequence[int]) -> set[int]:
        """Those of ``user_ids`` that have a model, or signals waiting to be trained."""
        if self._waiting is None:
            self._waiting = set()
            for tier in tiers:
                self._waiting.update(self.store.readers_to_train(tier))
        found = {u for u in user_ids if u in self._waiting}
        for tier in tiers:
            found.update(m.user_id for m in self.store.stored_models(tier, user_ids))
        return found

    def picks(self, subscribers: Sequence[Subscriber]) -> dict[int, list[Pick]]:
        """Subscriber id -> their recommendations among the period's papers, best first;
        only subscribers who are readers with signals. Papers in the reader's library
        (in a list, upvoted, hidden, marked read or noted) are left out. There are more
        than ``digest_for_you`` of them: the digest drops those it lists under Trending
        or sent before."""
        if self.limit <= 0 or not subscribers:
            return {}
        accounts = self._account_ids()
        if not accounts:
            return {}
        readers = {
            s.id: accounts[s.email.lower()]
            for s in subscribers
            if s.is_active and s.email.lower() in accounts
        }
        if not readers:
            return {}
        tiers = self.recommender.tiers()
        if not tiers:  # no paper vectors yet: nothing can be recommended
            return {}
        with_signals = self._with_signals(tiers, sorted(set(readers.values())))
        asked = [(sid, uid) for sid, uid in readers.items() if uid in with_signals]
        if not asked:
            return {}
        # Enough for the section after dropping what Trending lists (the only group
        # above it) and the odd paper marked read or sent before; each pick's reason
        # costs a little, so not many more.
        depth = self.limit + self.settings.digest_trending + EXTRA
        found = self.recommender.for_readers(
            [(uid, self.period.start) for _, uid in asked], limit=depth
        )
        picks: dict[int, list[Pick]] = {}
        for (sid, uid), recommendations in zip(asked, found, strict=True):
            inside = [r for r in recommendations if self._in_period(r)]
            if not inside:
                continue
            library = self.store.library_entries(uid, [r.paper.id for r in inside])
            chosen = [(r.paper, reason_of(r)) for r in inside if r.paper.id not in library]
            if chosen:
                picks[sid] = chosen
        self.readers += len(picks)
        return picks

    def _in_period(self, recommendation: Recommendation) -> bool:
        day = recommendation.paper.first_day
        return day is None or self.period.start <= day <= self.period.end
