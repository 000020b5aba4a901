"""Connector states (Egeria's names) and the frozen status snapshots reported about connectors."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from attrs import field, frozen

__all__ = ["ActivityReport", "ConnectorReport", "ConnectorStatus", "RefreshInfo"]


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
    by_type: dict[str, dict[str, int]] = field(factory=dict)

    def as_statistics(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "archived": self.archived,
            "skipped": self.skipped,
            "byType": self.by_type,
        }


@frozen
class RefreshInfo:
    """One connector's refresh cycle, as the timer knows it."""

    next_refresh_time: datetime | None = None
    last_refresh_time: datetime | None = None
    refreshing_since: datetime | None = None
    refresh_count: int = 0
    last_activity: ActivityReport | None = None


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
