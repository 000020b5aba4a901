"""Connector states (Egeria's names) and the frozen status snapshots reported about connectors."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from attrs import field, frozen

__all__ = ["REFRESH_SECONDS_BUCKETS", "ActivityReport", "ConnectorReport", "ConnectorStatus", "RefreshInfo"]


class ConnectorStatus(enum.Enum):
    """Egeria's IntegrationConnectorStatus, plus PAUSED and RESTARTING. Serialized by name."""

    INITIALIZED = "INITIALIZED"
    WAITING = "WAITING"
    REFRESHING = "REFRESHING"
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"
    INITIALIZE_FAILED = "INITIALIZE_FAILED"
    CONFIG_FAILED = "CONFIG_FAILED"
    SHUTDOWN = "SHUTDOWN"
    FAILED = "FAILED"
    PAUSED = "PAUSED"
    RESTARTING = "RESTARTING"

    @property
    def is_failed(self) -> bool:
        return self in (ConnectorStatus.FAILED, ConnectorStatus.CONFIG_FAILED, ConnectorStatus.INITIALIZE_FAILED)


@frozen
class ActivityReport:
    """What one refresh did to open metadata: counts per action and per type name."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    archived: int = 0
    skipped: int = 0
    refused: int = 0  # writes refused because of the connector's permitted synchronization
    by_type: dict[str, dict[str, int]] = field(factory=dict)

    def plus(self, other: ActivityReport) -> ActivityReport:
        """The sum of two reports (for running totals)."""
        by_type = {t: dict(actions) for t, actions in self.by_type.items()}
        for type_name, actions in other.by_type.items():
            mine = by_type.setdefault(type_name, {})
            for action, n in actions.items():
                mine[action] = mine.get(action, 0) + n
        return ActivityReport(
            created=self.created + other.created,
            updated=self.updated + other.updated,
            deleted=self.deleted + other.deleted,
            archived=self.archived + other.archived,
            skipped=self.skipped + other.skipped,
            refused=self.refused + other.refused,
            by_type=by_type,
        )

    def as_statistics(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "archived": self.archived,
            "skipped": self.skipped,
            "refused": self.refused,
            "byType": self.by_type,
        }


#: Upper bounds (seconds) of the refresh duration histogram buckets; the last bucket is +Inf.
REFRESH_SECONDS_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0)


@frozen
class RefreshInfo:
    """One connector's refresh cycle, as the timer knows it (with running totals for metrics)."""

    next_refresh_time: datetime | None = None
    last_refresh_time: datetime | None = None
    refreshing_since: datetime | None = None
    refresh_count: int = 0
    last_activity: ActivityReport | None = None
    total_activity: ActivityReport = ActivityReport()
    refresh_seconds_sum: float = 0.0
    #: cumulative counts per REFRESH_SECONDS_BUCKETS bound, then +Inf (Prometheus histogram shape)
    refresh_seconds_buckets: tuple[int, ...] = (0,) * (len(REFRESH_SECONDS_BUCKETS) + 1)


@frozen
class ConnectorReport:
    """One connector's state at one moment, as the supervisor knows it."""

    service: str
    name: str
    connector_id: str
    instance_id: str
    status: ConnectorStatus
    last_status_change: datetime
    refresh_interval: float
    last_refresh_time: datetime | None = None
    next_refresh_time: datetime | None = None
    last_error: str | None = None
    restart_count: int = 0
    consecutive_failures: int = 0
    next_retry_time: datetime | None = None
    refresh_count: int = 0
    last_activity: ActivityReport | None = None
    total_activity: ActivityReport = ActivityReport()
    refresh_seconds_sum: float = 0.0
    refresh_seconds_buckets: tuple[int, ...] = ()
    paused: bool = False
    abandoned_threads: int = 0
