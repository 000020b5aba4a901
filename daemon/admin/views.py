"""Egeria-shaped JSON for the admin API: status, summaries, properties, void and error bodies.

Egeria's fields keep Egeria's names, enum names and ``class`` discriminators; like Egeria
(``@JsonInclude(NON_NULL)`` and getters that return null for empty collections), absent
values and empty lists or maps are left out. Our extra fields (next refresh, restarts,
next retry, paused, running totals, event counts) are added beside Egeria's, never
instead of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from daemon.config import SERVICE_KINDS, ServiceConfig
from daemon.states import ConnectorReport

__all__ = [
    "REDACTED",
    "connector_report",
    "egeria_time",
    "properties_response",
    "redact",
    "service_summaries_response",
    "status_response",
    "void_response",
]

REDACTED = "********"
#: Configuration property names whose values are secrets (matched anywhere in the name, any case).
_SECRET_NAME = re.compile(r"password|passwd|passphrase|secret|token|credential|api[_-]?key|private[_-]?key", re.IGNORECASE)


def egeria_time(moment: datetime | None) -> str | None:
    """Spring's ISO format, e.g. ``2026-01-01T10:00:00.000+00:00``."""
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds")


def redact(value: Any, name: str = "") -> Any:
    """``value`` with every entry whose name looks like a secret replaced by ``********`` (recursively)."""
    if name and _SECRET_NAME.search(name):
        return REDACTED
    if isinstance(value, Mapping):
        return {key: redact(item, str(key)) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(item) for item in value]
    if type(value).__name__ == "Secret":  # daemon.config.Secret: never revealed here
        return REDACTED
    return value


def _compact(body: Mapping[str, Any]) -> dict[str, Any]:
    """Egeria's NON_NULL rule: drop None and empty lists/maps."""
    return {key: value for key, value in body.items() if value is not None and value != [] and value != {}}


def connector_report(report: ConnectorReport, events: Mapping[str, int] | None = None) -> dict[str, Any]:
    """One ``IntegrationConnectorReport``; ``events`` adds this connector's Out Topic event counts."""
    totals = report.total_activity.as_statistics()
    totals.pop("byType", None)
    body: dict[str, Any] = {
        "connectorId": report.connector_id,
        "connectorName": report.name,
        "connectorInstanceId": report.instance_id or None,
        "connectorStatus": report.status.name,
        "lastStatusChange": egeria_time(report.last_status_change),
        "lastRefreshTime": egeria_time(report.last_refresh_time),
        "minMinutesBetweenRefresh": int(report.refresh_interval // 60),
        "failingExceptionMessage": report.last_error if report.status.is_failed else None,
        "statistics": report.last_activity.as_statistics() if report.last_activity else None,
        # --- ours, beside Egeria's -------------------------------------------------------------
        "integrationServiceURLMarker": report.service,
        "nextRefreshTime": egeria_time(report.next_refresh_time),
        "refreshIntervalSeconds": report.refresh_interval,
        "refreshCount": report.refresh_count,
        "restartCount": report.restart_count,
        "consecutiveFailures": report.consecutive_failures,
        "abandonedThreads": report.abandoned_threads,
        "nextRetryTime": egeria_time(report.next_retry_time),
        "lastError": report.last_error,
        "paused": report.paused,
        "totalStatistics": totals,
    }
    if events is not None:
        body.update(
            eventsDelivered=events.get("delivered", 0),
            eventsFailed=events.get("failed", 0),
            eventsDeadLettered=events.get("dead_lettered", 0),
        )
    return _compact(body)


def service_summary(
    url_marker: str, reports: Iterable[ConnectorReport], events: Mapping[str, Mapping[str, int]] | None = None
) -> dict[str, Any]:
    """One ``IntegrationServiceSummary`` with the reports of the connectors it hosts."""
    kind = SERVICE_KINDS.get(url_marker)
    mine = [r for r in reports if r.service == url_marker]
    return _compact(
        {
            "integrationServiceId": url_marker,
            "integrationServiceFullName": kind.full_name if kind else None,
            "integrationServiceURLMarker": url_marker,
            "integrationServiceDescription": kind.description if kind else None,
            "integrationConnectorReports": [
                connector_report(r, None if events is None else events.get(r.name, {})) for r in mine
            ],
        }
    )


def _summaries(
    services: Sequence[ServiceConfig],
    reports: Sequence[ConnectorReport],
    events: Mapping[str, Mapping[str, int]] | None,
) -> list[dict[str, Any]]:
    """The configured services in config order, then any service only the reports name (added by a reload)."""
    markers = list(dict.fromkeys([s.url_marker for s in services] + [r.service for r in reports]))
    return [service_summary(marker, reports, events) for marker in markers]


def status_response(
    services: Sequence[ServiceConfig],
    reports: Sequence[ConnectorReport],
    events: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, Any]:
    """``IntegrationDaemonStatusResponse``."""
    return {
        "class": "IntegrationDaemonStatusResponse",
        "relatedHTTPCode": 200,
        "integrationDaemonStatus": _compact({"integrationServiceSummaries": _summaries(services, reports, events)}),
    }


def service_summaries_response(
    services: Sequence[ServiceConfig],
    reports: Sequence[ConnectorReport],
    events: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, Any]:
    """``IntegrationServiceSummaryResponse`` (``GET /integration-services/summary``)."""
    return _compact(
        {
            "class": "IntegrationServiceSummaryResponse",
            "relatedHTTPCode": 200,
            "integrationServiceSummaries": _summaries(services, reports, events),
        }
    )


def properties_response(properties: Mapping[str, Any]) -> dict[str, Any]:
    """``PropertiesResponse`` with secret-looking values redacted."""
    return _compact({"class": "PropertiesResponse", "relatedHTTPCode": 200, "properties": redact(dict(properties))})


def void_response(**extra: Any) -> dict[str, Any]:
    """``VoidResponse``; ``extra`` fields (ours) are added beside Egeria's."""
    return {"class": "VoidResponse", "relatedHTTPCode": 200, **extra}
