"""The status JSON, field by field, against Egeria's IntegrationDaemonStatusResponse (DESIGN.md's list)."""

from __future__ import annotations

import re

from daemon.states import ConnectorStatus
from tests.actors.connectors import LOG
from tests.admin.conftest import recording

SPRING_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")
EGERIA_STATES = {"INITIALIZED", "WAITING", "REFRESHING", "RUNNING", "STOPPED", "INITIALIZE_FAILED", "CONFIG_FAILED",
                 "SHUTDOWN", "FAILED"}
SERVICE_FIELDS = {"integrationServiceId", "integrationServiceFullName", "integrationServiceURLMarker",
                  "integrationServiceDescription", "integrationConnectorReports"}
CONNECTOR_FIELDS = {"connectorId", "connectorName", "connectorInstanceId", "connectorStatus", "lastStatusChange",
                    "lastRefreshTime", "minMinutesBetweenRefresh", "failingExceptionMessage", "statistics"}
OUR_FIELDS = {"integrationServiceURLMarker", "nextRefreshTime", "refreshIntervalSeconds", "refreshCount", "restartCount",
              "consecutiveFailures", "nextRetryTime", "lastError", "paused", "totalStatistics",
              "eventsDelivered", "eventsFailed", "eventsDeadLettered", "abandonedThreads"}


def reports_by_name(body: dict) -> dict[str, dict]:
    return {r["connectorName"]: r
            for s in body["integrationDaemonStatus"]["integrationServiceSummaries"]
            for r in s["integrationConnectorReports"]}


def test_the_status_has_egerias_envelope_and_service_summary_fields(start_admin):
    admin = start_admin(recording("alpha"))
    body = admin.call("GET", "/status").json()
    assert set(body) == {"class", "relatedHTTPCode", "integrationDaemonStatus"}
    assert (body["class"], body["relatedHTTPCode"]) == ("IntegrationDaemonStatusResponse", 200)
    assert set(body["integrationDaemonStatus"]) == {"integrationServiceSummaries"}
    (summary,) = body["integrationDaemonStatus"]["integrationServiceSummaries"]
    assert set(summary) == SERVICE_FIELDS
    assert summary["integrationServiceId"] == summary["integrationServiceURLMarker"] == "files-integrator"
    assert summary["integrationServiceFullName"] == "Files Integrator OMIS"
    assert summary["integrationServiceDescription"]


def test_a_working_connector_report_has_every_egeria_field_with_egerias_types(start_admin):
    admin = start_admin({**recording("alpha", refresh="5m"), "connector_id": "7a1b-guid"})
    admin.wait_refreshed("alpha")
    report = reports_by_name(admin.call("GET", "/status").json())["alpha"]
    assert CONNECTOR_FIELDS - {"failingExceptionMessage"} <= set(report)
    assert "failingExceptionMessage" not in report  # only when failed, as in Egeria
    assert report["connectorId"] == "7a1b-guid" and report["connectorName"] == "alpha"
    assert re.fullmatch(r"[0-9a-f-]{36}", report["connectorInstanceId"])
    assert report["connectorStatus"] == "WAITING"
    assert SPRING_TIME.match(report["lastStatusChange"]) and SPRING_TIME.match(report["lastRefreshTime"])
    assert report["minMinutesBetweenRefresh"] == 5 and isinstance(report["minMinutesBetweenRefresh"], int)
    assert report["statistics"] == {"created": 0, "updated": 0, "deleted": 0, "archived": 0, "skipped": 0, "refused": 0,
                                   "byType": {}}
    assert set(report) - CONNECTOR_FIELDS <= OUR_FIELDS  # ours are added beside Egeria's, nothing else
    assert (report["refreshCount"], report["restartCount"], report["paused"]) == (1, 0, False)
    assert SPRING_TIME.match(report["nextRefreshTime"]) and report["refreshIntervalSeconds"] == 300.0


def test_a_failed_connector_report_carries_the_failing_exception_message_and_retry(start_admin):
    admin = start_admin(recording("flaky", fail_start=True))
    admin.wait_status("flaky", ConnectorStatus.RESTARTING)
    report = reports_by_name(admin.call("GET", "/status").json())["flaky"]
    assert report["connectorStatus"] == "RESTARTING"  # ours: between a failure and its retry
    assert "failingExceptionMessage" not in report and "start failed on purpose" in report["lastError"]
    assert SPRING_TIME.match(report["nextRetryTime"]) and report["restartCount"] == 1


def test_connector_states_are_serialized_by_egerias_enum_names(start_admin):
    admin = start_admin(recording("fine"), {"name": "broken", "connector": "no.such.module:Nope"},
                        policy={"initial_backoff": "1s", "jitter": 0, "max_restarts": 0})
    admin.wait_status("broken", ConnectorStatus.CONFIG_FAILED)
    LOG.wait_for("fine", "refresh", 1)
    reports = reports_by_name(admin.call("GET", "/status").json())
    assert {r["connectorStatus"] for r in reports.values()} <= EGERIA_STATES
    assert reports["broken"]["connectorStatus"] == "CONFIG_FAILED"
    assert "cannot import module 'no.such.module'" in reports["broken"]["failingExceptionMessage"]
