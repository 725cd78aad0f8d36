"""Prometheus metrics (the names follow Prometheus' conventions: base units, ``_total``
for counters, ``_seconds`` for times; ``docs/operations.md`` lists them).

Per request (kept by the middleware): ``paperwire_http_requests_total{method,route,status}``,
``paperwire_http_request_duration_seconds{route}`` (a histogram) and
``paperwire_http_response_cache_total{result}``.

Read from the database at each scrape: ``paperwire_database_up``, ``paperwire_papers``,
``paperwire_last_fetch_timestamp_seconds{source,checkpoint}`` (when each fetch checkpoint
was last written, i.e. the last fetch of that source and category),
``paperwire_digest_outbox_messages{status}`` (digests queued, sending, sent, failed),
``paperwire_digest_subscribers{status="suspended"}`` and
``paperwire_job_last_run_timestamp_seconds{job}`` (when each scheduled job last ran, from
``job_runs``, whichever worker ran it).

prometheus_client's own collectors come along: ``process_*`` (CPU, memory, open files,
start time) and ``python_info``, ``python_gc_*``, of the process that answered the scrape.

One process keeps its metrics in ``REGISTRY``. Under several server processes
(``paperwire serve --workers N``) ``PROMETHEUS_MULTIPROC_DIR`` names a folder where
every process writes its counts, and a scrape of any process adds them all up.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from paperwire.config import Settings
from paperwire.store import Store
from paperwire.store.base_digests import SUSPENDED

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "paperwire_http_requests", "HTTP requests", ["method", "route", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "paperwire_http_request_duration_seconds",
    "Time from a request's arrival to its answer's last byte",
    ["route"],
    registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
CACHE = Counter(
    "paperwire_http_response_cache",
    "Cacheable GET requests by result (hit: served from memory; miss: rendered)",
    ["result"],
    registry=REGISTRY,
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(route).observe(seconds)


def observe_cache(hit: bool) -> None:
    CACHE.labels("hit" if hit else "miss").inc()


# -- last fetch per source ---------------------------------------------------------------

#: Checkpoint value keys that tell when a fetch ran, most precise first.
_TIME_KEYS = ("fetched_at", "updated_at", "to", "last_fetched_day", "started", "day")


def checkpoint_names(settings: Settings) -> list[str]:
    """The checkpoints the network sources write for the configured categories."""
    from paperwire.sources.arxiv_oai import CHECKPOINT_PREFIX, oai_sets
    from paperwire.sources.hf_daily import CHECKPOINT

    names = [f"arxiv:{c}" for c in settings.categories]
    names += [f"rss:{c}" for c in settings.categories]
    names += [f"{CHECKPOINT_PREFIX}{s}" for s in oai_sets(settings.categories)]
    names.append(CHECKPOINT)
    return names


def _as_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def checkpoint_time(value: dict[str, Any]) -> datetime | None:
    """When a checkpoint was written, as far as its value tells (the end of an arXiv API
    window is the time of that fetch; other sources record the day they fetched: its
    start, UTC)."""
    for key in _TIME_KEYS:
        found = _as_time(value.get(key))
        if found is not None:
            return found
    return None


def last_fetches(store: Store, settings: Settings) -> dict[str, datetime]:
    """Checkpoint name -> when it was last written. Exact when the store can say when
    each checkpoint was written (``checkpoint_times()``), else read from the values of
    the configured sources' checkpoints."""
    exact = getattr(store, "checkpoint_times", None)
    if callable(exact):
        times: dict[str, datetime] = exact()
        return times
    found: dict[str, datetime] = {}
    for name in checkpoint_names(settings):
        value = store.get_checkpoint(name)
        at = checkpoint_time(value) if value else None
        if at is not None:
            found[name] = at
    return found


# -- scraping ----------------------------------------------------------------------------


class StoreCollector(Collector):
    """Gauges read from the store when scraped."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        try:
            papers = self.store.count_papers()
            fetches = last_fetches(self.store, self.settings)
            outbox = self.store.outbox_counts()
            suspended = len(self.store.subscribers(status=SUSPENDED))
            runs = self.store.job_runs()
        except Exception:  # the scrape still answers: the database is down
            yield GaugeMetricFamily("paperwire_database_up", "1 when the database answers", value=0)
            return
        yield GaugeMetricFamily("paperwire_database_up", "1 when the database answers", value=1)
        yield GaugeMetricFamily("paperwire_papers", "Papers in the store", value=papers)
        last = GaugeMetricFamily(
            "paperwire_last_fetch_timestamp_seconds",
            "When each fetch checkpoint was last written (Unix time)",
            labels=["source", "checkpoint"],
        )
        for name, at in sorted(fetches.items()):
            last.add_metric([name.partition(":")[0], name], at.timestamp())
        yield last
        yield _by_label(
            "paperwire_digest_outbox_messages",
            "Digests in the outbox by status (queued, sending, sent, failed)",
            "status",
            outbox,
        )
        yield _by_label(
            "paperwire_digest_subscribers",
            "Digest subscribers by status (suspended: mail to them was refused)",
            "status",
            {SUSPENDED: suspended},
        )
        yield _by_label(
            "paperwire_job_last_run_timestamp_seconds",
            "When each scheduled job last ran, by any worker (Unix time)",
            "job",
            {job: at.timestamp() for job, at in runs.items()},
        )


def _by_label(
    name: str, documentation: str, label: str, values: Mapping[str, float]
) -> GaugeMetricFamily:
    """A gauge with one sample per value of ``label``."""
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


class _Forward(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()


def render_metrics(store: Store, settings: Settings) -> bytes:
    """The Prometheus text exposition of this process (or of all of them, in
    multi-process mode), of the store, and of the process that answers (its CPU,
    memory and Python runtime)."""
    registry = CollectorRegistry(auto_describe=False)
    path = os.environ.get(MULTIPROC_ENV)
    if path and os.path.isdir(path):
        MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(StoreCollector(store, settings))
    for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        registry.register(collector)
    return generate_latest(registry)
