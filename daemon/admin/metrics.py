"""Prometheus metrics (``GET /metrics``), read from the actors at scrape time.

``DaemonCollector`` asks ``DaemonControl.reports()`` once per scrape and turns the frozen
snapshots into metric families: connector state, refreshes and their duration histogram,
elements created/updated/deleted/archived, restarts. Out Topic delivery (events delivered,
failed, dead-lettered per connector) and consumer lag per partition come from an optional
``event_stats`` callable returning ``EventStatistics``; the families are always declared,
with no samples until a source is wired in. A scrape never fails because an actor is slow:
``integration_daemon_actors_responding`` goes to 0 instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import pykka
from attrs import frozen
from loguru import logger
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from daemon.states import REFRESH_SECONDS_BUCKETS, ConnectorReport, ConnectorStatus

__all__ = [
    "ConnectorEventCounts",
    "DaemonCollector",
    "EventStatistics",
    "EventStatsSource",
    "PartitionLag",
    "metrics_registry",
    "render_metrics",
]

PREFIX = "integration_daemon"
_CONNECTOR = ["service", "connector"]
_ACTIONS = ("created", "updated", "deleted", "archived", "skipped", "refused")


class ConnectorEventCounts(Protocol):
    """Out Topic delivery totals of one connector (any object with these attributes will do)."""

    service: str
    connector: str
    delivered: int
    failed: int
    dead_lettered: int


class PartitionLag(Protocol):
    """How far one consumer is behind on one partition."""

    topic: str
    partition: int
    lag: int


@frozen
class EventCounts:
    """A plain ``ConnectorEventCounts``."""

    service: str
    connector: str
    delivered: int = 0
    failed: int = 0
    dead_lettered: int = 0


@frozen
class Lag:
    """A plain ``PartitionLag``."""

    topic: str
    partition: int
    lag: int


@frozen
class EventStatistics:
    """Everything the event side reports at one moment."""

    connectors: Sequence[ConnectorEventCounts] = ()
    lags: Sequence[PartitionLag] = ()


#: The hook the Out Topic side feeds: called at each scrape and status read, from an HTTP thread.
EventStatsSource = Callable[[], EventStatistics]


class DaemonCollector(Collector):
    """A custom collector: every sample is read from the actors when Prometheus scrapes."""

    def __init__(
        self, reports: Callable[[], Sequence[ConnectorReport]], event_stats: EventStatsSource | None = None
    ) -> None:
        self._reports = reports
        self._event_stats = event_stats

    def describe(self) -> Iterator[Metric]:
        return iter(())  # families depend on the daemon's state; nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        try:
            reports = list(self._reports())
            responding = 1.0
        except (pykka.Timeout, pykka.ActorDeadError) as exc:
            logger.bind(service="admin", connector="-").warning("metrics: actors did not answer: {}", exc)
            reports, responding = [], 0.0
        up = GaugeMetricFamily(f"{PREFIX}_actors_responding", "1 if the actors answered the scrape in time, else 0")
        up.add_metric([], responding)
        yield up
        yield from _connector_families(reports)
        yield from _event_families(self._read_events())

    def _read_events(self) -> EventStatistics:
        if self._event_stats is None:
            return EventStatistics()
        try:
            return self._event_stats()
        except Exception as exc:  # a broken hook must not break the scrape
            logger.bind(service="admin", connector="-").warning("metrics: event statistics failed: {}", exc)
            return EventStatistics()


def _connector_families(reports: Sequence[ConnectorReport]) -> Iterator[Metric]:
    state = GaugeMetricFamily(
        f"{PREFIX}_connector_state", "1 for the connector's current state (Egeria's names)", labels=[*_CONNECTOR, "state"]
    )
    paused = GaugeMetricFamily(f"{PREFIX}_connector_paused", "1 if an operator paused the connector", labels=_CONNECTOR)
    refreshes = CounterMetricFamily(f"{PREFIX}_connector_refreshes", "Refreshes completed", labels=_CONNECTOR)
    duration = HistogramMetricFamily(
        f"{PREFIX}_connector_refresh_duration_seconds", "How long refreshes took", labels=_CONNECTOR
    )
    elements = CounterMetricFamily(
        f"{PREFIX}_connector_elements", "Open metadata elements the connector's refreshes wrote, by action",
        labels=[*_CONNECTOR, "action"],
    )
    restarts = CounterMetricFamily(
        f"{PREFIX}_connector_restarts", "Automatic restarts since the daemon started", labels=_CONNECTOR
    )
    failures = GaugeMetricFamily(
        f"{PREFIX}_connector_consecutive_failures", "Failures since the connector last worked", labels=_CONNECTOR
    )
    last_refresh = GaugeMetricFamily(
        f"{PREFIX}_connector_last_refresh_timestamp_seconds", "When the last refresh ended (Unix time)", labels=_CONNECTOR
    )
    for report in reports:
        labels = [report.service, report.name]
        for status in ConnectorStatus:
            state.add_metric([*labels, status.name], 1.0 if report.status is status else 0.0)
        paused.add_metric(labels, 1.0 if report.paused else 0.0)
        refreshes.add_metric(labels, report.refresh_count)
        duration.add_metric(labels, _buckets(report.refresh_seconds_buckets), report.refresh_seconds_sum)
        for action in _ACTIONS:
            elements.add_metric([*labels, action], getattr(report.total_activity, action))
        restarts.add_metric(labels, report.restart_count)
        failures.add_metric(labels, report.consecutive_failures)
        if report.last_refresh_time is not None:
            last_refresh.add_metric(labels, report.last_refresh_time.timestamp())
    yield from (state, paused, refreshes, duration, elements, restarts, failures, last_refresh)


def _buckets(counts: Sequence[int]) -> list[tuple[str, float]]:
    """Prometheus buckets (cumulative, ending with +Inf) from the report's cumulative counts."""
    bounds = [*(repr(float(b)) for b in REFRESH_SECONDS_BUCKETS), "+Inf"]
    values = [float(c) for c in counts[: len(bounds)]]
    values += [values[-1] if values else 0.0] * (len(bounds) - len(values))
    return list(zip(bounds, values))


def _event_families(stats: EventStatistics) -> Iterator[Metric]:
    delivered = CounterMetricFamily(
        f"{PREFIX}_events_delivered", "Out Topic events a connector finished handling", labels=_CONNECTOR
    )
    failed = CounterMetricFamily(f"{PREFIX}_events_failed", "Out Topic event deliveries that raised", labels=_CONNECTOR)
    dead = CounterMetricFamily(
        f"{PREFIX}_events_dead_lettered", "Out Topic events sent to the dead-letter topic", labels=_CONNECTOR
    )
    lag = GaugeMetricFamily(
        f"{PREFIX}_consumer_lag", "Messages not yet consumed, per topic partition", labels=["topic", "partition"]
    )
    for counts in stats.connectors:
        labels = [counts.service, counts.connector]
        delivered.add_metric(labels, counts.delivered)
        failed.add_metric(labels, counts.failed)
        dead.add_metric(labels, counts.dead_lettered)
    for item in stats.lags:
        lag.add_metric([item.topic, str(item.partition)], item.lag)
    yield from (delivered, failed, dead, lag)


def metrics_registry(
    reports: Callable[[], Sequence[ConnectorReport]], event_stats: EventStatsSource | None = None
) -> CollectorRegistry:
    """A registry of its own (not the process-global one) holding one ``DaemonCollector``."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DaemonCollector(reports, event_stats))
    return registry


def render_metrics(registry: CollectorRegistry) -> bytes:
    """The Prometheus text exposition of ``registry``."""
    return generate_latest(registry)
