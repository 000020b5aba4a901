"""The actor tree under faults: restarts with backoff, budgets, CONFIG_FAILED, INITIALIZE_FAILED.

Time is a ManualClock, so backoff and schedules are checked without sleeping; the
metadata server is a real one on loopback.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from daemon.app import Daemon
from daemon.clock import ManualClock
from daemon.config import parse_config
from daemon.metadata_server import MetadataServer
from daemon.states import ConnectorStatus
from tests.actors.connectors import LOG
from tests.conftest import free_port, wait_until

RECORDING = "tests.actors.connectors:Recording"


def daemon_config(url: str, *connectors: dict, policy: dict | None = None):
    return parse_config(
        {
            "server_name": "test-daemon",
            "metadata_server": {"url": url, "server_name": "test-mds", "connect_timeout": "200ms", "read_timeout": "2s"},
            "admin": {"port": 0},
            "restart_policy": policy or {"initial_backoff": "2s", "max_backoff": "16s", "jitter": 0, "max_restarts": 3},
            "services": [{"url_marker": "files-integrator", "connectors": list(connectors)}],
        },
        environ={},
    )


def connector(name: str, **properties) -> dict:
    return {"name": name, "connector": RECORDING, "refresh": "5s", "configuration_properties": properties}


@pytest.fixture
def run_daemon():
    started: list[Daemon] = []

    def start(config, clock):
        LOG.clear()
        daemon = Daemon(config, clock=clock).start()
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.stop()


def report(daemon: Daemon, name: str):
    return next(r for r in daemon.control.reports() if r.name == name)


def wait_planned(daemon: Daemon, name: str):
    """Wait until the timer has planned the next refresh (the previous one has been reported finished)."""
    return wait_until(lambda: report(daemon, name).next_refresh_time, what=f"{name}'s next refresh to be planned")


def wait_status(daemon: Daemon, name: str, status: ConnectorStatus, timeout: float = 10.0):
    return wait_until(
        lambda: (r := report(daemon, name)).status is status and r,
        timeout,
        f"{name} to be {status.name} (is {report(daemon, name).status.name})",
    )


def test_a_connector_raising_in_refresh_is_restarted_after_the_configured_backoff(metadata_server, run_daemon):
    clock = ManualClock()
    daemon = run_daemon(daemon_config(metadata_server.url, connector("flaky", fail_every=1)), clock)
    failed_at = clock.now()
    restarting = wait_status(daemon, "flaky", ConnectorStatus.RESTARTING)
    assert restarting.next_retry_time == failed_at + timedelta(seconds=2)
    assert "refresh 1 failed on purpose" in restarting.last_error
    assert LOG.calls("flaky") == ["start", "refresh", "disconnect"]

    clock.advance(2.0)
    LOG.wait_for("flaky", "start", 2)
    second = wait_status(daemon, "flaky", ConnectorStatus.RESTARTING)
    assert second.restart_count == 2
    assert second.next_retry_time == clock.now() + timedelta(seconds=4)  # doubled


def test_a_connector_raising_in_start_is_restarted_with_backoff_too(metadata_server, run_daemon):
    clock = ManualClock()
    daemon = run_daemon(daemon_config(metadata_server.url, connector("bad-start", fail_start=True)), clock)
    first = wait_status(daemon, "bad-start", ConnectorStatus.RESTARTING)
    assert "start failed on purpose" in first.last_error
    assert first.next_retry_time == clock.now() + timedelta(seconds=2)
    clock.advance(2.0)
    LOG.wait_for("bad-start", "start", 2)
    assert LOG.count("bad-start", "refresh") == 0


def test_past_the_budget_a_connector_is_failed_while_others_keep_refreshing_on_time(metadata_server, run_daemon):
    clock = ManualClock()
    config = daemon_config(metadata_server.url, connector("doomed", fail_start=True), connector("steady"))
    daemon = run_daemon(config, clock)
    LOG.wait_for("steady", "refresh", 1)
    for attempt in range(2, 5):  # 3 restarts are allowed; the 4th failure gives up
        wait_status(daemon, "doomed", ConnectorStatus.RESTARTING)
        wait_planned(daemon, "steady")
        clock.advance(16.0)
        LOG.wait_for("doomed", "start", attempt)
        LOG.wait_for("steady", "refresh", attempt)  # one refresh per 16 s step (interval 5 s)
    failed = wait_status(daemon, "doomed", ConnectorStatus.FAILED)
    assert "gave up: 3 restarts within 60s" in failed.last_error
    assert failed.next_retry_time is None

    steady = wait_status(daemon, "steady", ConnectorStatus.WAITING)
    assert steady.restart_count == 0
    wait_planned(daemon, "steady")
    clock.advance(5.0)
    LOG.wait_for("steady", "refresh", 5)
    assert report(daemon, "doomed").status is ConnectorStatus.FAILED
    assert LOG.count("doomed", "start") == 4


@pytest.mark.parametrize(
    ("reference", "reason"),
    [
        ("no.such.module:Nope", "cannot import module 'no.such.module'"),
        ("tests.actors.connectors:Missing", "has no class 'Missing'"),
        ("tests.actors.connectors:NotAConnector", "is not a subclass of daemon.Connector"),
        ("no-such-entry-point", "no connector named 'no-such-entry-point'"),
    ],
)
def test_a_connector_class_that_cannot_be_loaded_is_config_failed_and_not_retried(
    metadata_server, run_daemon, reference, reason
):
    clock = ManualClock()
    config = daemon_config(metadata_server.url, {"name": "broken", "connector": reference}, connector("fine"))
    daemon = run_daemon(config, clock)
    broken = wait_status(daemon, "broken", ConnectorStatus.CONFIG_FAILED)
    assert reason in broken.last_error and broken.restart_count == 0
    LOG.wait_for("fine", "refresh", 1)
    wait_planned(daemon, "fine")
    clock.advance(120.0)
    LOG.wait_for("fine", "refresh", 2)
    assert report(daemon, "broken").status is ConnectorStatus.CONFIG_FAILED


def test_invalid_configuration_properties_are_config_failed_with_their_path(metadata_server, run_daemon):
    daemon = run_daemon(daemon_config(metadata_server.url, connector("typo", fail_evry=2)), ManualClock())
    broken = wait_status(daemon, "typo", ConnectorStatus.CONFIG_FAILED)
    assert "fail_evry" in broken.last_error


def test_an_unreachable_metadata_server_is_initialize_failed_and_retried_until_it_answers(tmp_path, run_daemon):
    clock = ManualClock()
    port = free_port()
    daemon = run_daemon(daemon_config(f"http://127.0.0.1:{port}", connector("patient")), clock)
    for attempt in range(3):
        # this attempt's failure: the status alone may still be the previous attempt's
        waiting = wait_until(
            lambda: (r := report(daemon, "patient")).status is ConnectorStatus.INITIALIZE_FAILED
            and r.restart_count >= attempt and r,
            10, f"attempt {attempt} to fail",
        )
        assert "127.0.0.1" in waiting.last_error
        clock.advance(16.0)
    server = MetadataServer(tmp_path / "late.db", server_name="test-mds", port=port, tokens={})
    server.start()
    try:
        clock.advance(16.0)
        LOG.wait_for("patient", "refresh", 1)
        recovered = wait_status(daemon, "patient", ConnectorStatus.WAITING)
        assert recovered.restart_count >= 3
    finally:
        daemon.stop()
        server.stop()


def test_an_operator_restart_brings_a_failed_connector_back_with_a_fresh_budget(metadata_server, run_daemon):
    clock = ManualClock()
    policy = {"initial_backoff": "1s", "jitter": 0, "max_restarts": 0}
    daemon = run_daemon(daemon_config(metadata_server.url, connector("once", fail_every=1), policy=policy), clock)
    wait_status(daemon, "once", ConnectorStatus.FAILED)
    daemon.control.restart("once")
    LOG.wait_for("once", "start", 2)
    LOG.wait_for("once", "refresh", 2)
    assert wait_status(daemon, "once", ConnectorStatus.FAILED).restart_count == 0
