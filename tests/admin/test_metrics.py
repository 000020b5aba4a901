"""Prometheus metrics: read from the actors at scrape time, with hooks for the event side."""

from __future__ import annotations

from datetime import datetime, timezone

import falcon.testing
import pykka
from prometheus_client.parser import text_string_to_metric_families

from daemon.admin import EventCounts, EventStatistics, Lag, make_admin_app
from daemon.admin.metrics import metrics_registry, render_metrics
from daemon.admin.views import status_response
from daemon.config import ServiceConfig
from daemon.states import ActivityReport, ConnectorReport, ConnectorStatus
from tests.actors.connectors import LOG
from tests.admin.conftest import PREFIXES, SERVER, recording

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by (name, sorted labels)."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def labels(connector: str, **extra: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({"service": "files-integrator", "connector": connector, **extra}.items()))


def a_report(**changes) -> ConnectorReport:
    fields = dict(service="files-integrator", name="orders", connector_id="orders", instance_id="i-1",
                  status=ConnectorStatus.WAITING, last_status_change=NOW, refresh_interval=60.0)
    fields.update(changes)
    return ConnectorReport(**fields)


def test_a_scrape_reads_each_connectors_state_refreshes_and_restarts_from_the_running_daemon(start_admin):
    admin = start_admin(recording("steady"), recording("flaky", fail_start=True))
    admin.wait_refreshed("steady")
    LOG.wait_for("flaky", "start", 1)
    admin.wait_status("flaky", ConnectorStatus.RESTARTING)
    response = admin.call("GET", "/metrics", prefix="")
    assert response.headers["Content-Type"].startswith("text/plain")
    values = samples(response.text)
    assert values[("integration_daemon_actors_responding", ())] == 1.0
    assert values[("integration_daemon_connector_state", labels("steady", state="WAITING"))] == 1.0
    assert values[("integration_daemon_connector_state", labels("steady", state="FAILED"))] == 0.0
    assert values[("integration_daemon_connector_state", labels("flaky", state="RESTARTING"))] == 1.0
    assert values[("integration_daemon_connector_refreshes_total", labels("steady"))] == 1.0
    assert values[("integration_daemon_connector_refresh_duration_seconds_count", labels("steady"))] == 1.0
    assert values[("integration_daemon_connector_restarts_total", labels("flaky"))] == 1.0
    assert values[("integration_daemon_connector_restarts_total", labels("steady"))] == 0.0


def test_elements_and_the_refresh_histogram_come_from_the_running_totals():
    report = a_report(
        refresh_count=3,
        total_activity=ActivityReport(created=5, updated=2, deleted=1, archived=4, skipped=10),
        refresh_seconds_sum=0.75,
        refresh_seconds_buckets=(1, 2, 2, 3, 3, 3, 3, 3, 3, 3),
        last_refresh_time=NOW,
    )
    values = samples(render_metrics(metrics_registry(lambda: [report])).decode())
    for action, count in {"created": 5, "updated": 2, "deleted": 1, "archived": 4, "skipped": 10}.items():
        assert values[("integration_daemon_connector_elements_total", labels("orders", action=action))] == count
    assert values[("integration_daemon_connector_refresh_duration_seconds_bucket", labels("orders", le="0.01"))] == 1
    assert values[("integration_daemon_connector_refresh_duration_seconds_bucket", labels("orders", le="0.1"))] == 2
    assert values[("integration_daemon_connector_refresh_duration_seconds_bucket", labels("orders", le="+Inf"))] == 3
    assert values[("integration_daemon_connector_refresh_duration_seconds_sum", labels("orders"))] == 0.75
    assert values[("integration_daemon_connector_last_refresh_timestamp_seconds", labels("orders"))] == NOW.timestamp()


def test_event_statistics_from_the_hook_become_delivery_and_lag_metrics():
    stats = EventStatistics(
        connectors=[EventCounts("files-integrator", "orders", delivered=40, failed=3, dead_lettered=1)],
        lags=[Lag("egeria.omag.server.mds.omas.datamanager.outTopic", 0, 12)],
    )
    values = samples(render_metrics(metrics_registry(lambda: [a_report()], lambda: stats)).decode())
    assert values[("integration_daemon_events_delivered_total", labels("orders"))] == 40
    assert values[("integration_daemon_events_failed_total", labels("orders"))] == 3
    assert values[("integration_daemon_events_dead_lettered_total", labels("orders"))] == 1
    lag = (("partition", "0"), ("topic", "egeria.omag.server.mds.omas.datamanager.outTopic"))
    assert values[("integration_daemon_consumer_lag", lag)] == 12


def test_without_an_event_source_the_event_families_are_declared_empty():
    text = render_metrics(metrics_registry(lambda: [a_report()])).decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name in ("integration_daemon_events_delivered", "integration_daemon_events_failed",
                 "integration_daemon_events_dead_lettered", "integration_daemon_consumer_lag"):
        assert families[name].samples == []


def test_a_scrape_still_answers_when_the_actors_or_the_hook_do_not():
    def silent_actors():
        raise pykka.Timeout("no answer")

    def broken_hook():
        raise RuntimeError("event side down")

    values = samples(render_metrics(metrics_registry(silent_actors, broken_hook)).decode())
    assert values[("integration_daemon_actors_responding", ())] == 0.0


def test_the_status_shows_event_counts_beside_egerias_fields_when_a_source_is_wired_in():
    services = (ServiceConfig("files-integrator"),)
    events = {"orders": {"delivered": 7, "failed": 1, "dead_lettered": 0}}
    report = status_response(services, [a_report()], events)["integrationDaemonStatus"][
        "integrationServiceSummaries"][0]["integrationConnectorReports"][0]
    assert (report["eventsDelivered"], report["eventsFailed"], report["eventsDeadLettered"]) == (7, 1, 0)
    without = status_response(services, [a_report()])["integrationDaemonStatus"][
        "integrationServiceSummaries"][0]["integrationConnectorReports"][0]
    assert "eventsDelivered" not in without


def test_an_event_source_given_to_the_app_reaches_both_the_status_and_the_metrics(start_admin):
    admin = start_admin(recording("alpha"))
    admin.wait_refreshed("alpha")
    stats = EventStatistics(connectors=[EventCounts("files-integrator", "alpha", delivered=12, failed=2)])
    app = make_admin_app(server_name=SERVER, control=admin.daemon.control, services=admin.daemon.config.services,
                         token=None, event_stats=lambda: stats)
    client = falcon.testing.TestClient(app)
    report = client.simulate_get(PREFIXES[0] + "/status").json["integrationDaemonStatus"][
        "integrationServiceSummaries"][0]["integrationConnectorReports"][0]
    assert (report["eventsDelivered"], report["eventsFailed"], report["eventsDeadLettered"]) == (12, 2, 0)
    values = samples(client.simulate_get("/metrics").text)
    assert values[("integration_daemon_events_delivered_total", labels("alpha"))] == 12
