"""Egeria-shaped JSON for connector reports (IntegrationDaemonStatusResponse and friends).

Egeria's fields come first and keep Egeria's names and enum names; our extra fields
(next refresh, restarts, next retry) are added beside them, never instead of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from daemon.config import SERVICE_KINDS, ServiceConfig
from daemon.states import ConnectorReport

__all__ = ["egeria_time", "status_response"]


def egeria_time(moment: datetime | None) -> str | None:
    """Spring's ISO format, e.g. ``2026-01-01T10:00:00.000+00:00``."""
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds")


def connector_report(report: ConnectorReport) -> dict[str, Any]:
    body: dict[str, Any] = {
        "connectorId": report.connector_id,
        "connectorName": report.name,
        "connectorInstanceId": report.instance_id or None,
        "connectorStatus": report.status.name,
        "lastStatusChange": egeria_time(report.last_status_change),
        "lastRefreshTime": egeria_time(report.last_refresh_time),
        "minMinutesBetweenRefresh": int(report.refresh_interval // 60),
        "statistics": report.last_activity.as_statistics() if report.last_activity else {},
        "nextRefreshTime": egeria_time(report.next_refresh_time),
        "refreshIntervalSeconds": report.refresh_interval,
        "refreshCount": report.refresh_count,
        "restartCount": report.restart_count,
        "consecutiveFailures": report.consecutive_failures,
        "nextRetryTime": egeria_time(report.next_retry_time),
        "lastError": report.last_error,
    }
    if report.status.is_failed and report.last_error:
        body["failingExceptionMessage"] = report.last_error
    return {key: value for key, value in body.items() if value is not None}


def service_summary(service: ServiceConfig, reports: Iterable[ConnectorReport]) -> dict[str, Any]:
    kind = SERVICE_KINDS[service.url_marker]
    return {
        "integrationServiceId": service.url_marker,
        "integrationServiceFullName": kind.full_name,
        "integrationServiceURLMarker": service.url_marker,
        "integrationServiceDescription": kind.description,
        "integrationConnectorReports": [connector_report(r) for r in reports if r.service == service.url_marker],
    }


def status_response(services: Sequence[ServiceConfig], reports: Sequence[ConnectorReport]) -> dict[str, Any]:
    return {
        "class": "IntegrationDaemonStatusResponse",
        "relatedHTTPCode": 200,
        "integrationDaemonStatus": {
            "integrationServiceSummaries": [service_summary(s, reports) for s in services],
        },
    }
