"""Faults a long-running service meets: hung hooks, crash loops, a metadata server that goes away."""

from __future__ import annotations

import time

from attrs import evolve

from daemon.app import Daemon
from daemon.config import Duration
from daemon.clock import ManualClock
from daemon.metadata_server import MetadataServer
from daemon.states import ConnectorStatus
from tests.actors.connectors import LOG
from tests.actors.test_supervision import connector, daemon_config, report, wait_planned, wait_status
from tests.conftest import free_port, wait_until


def test_a_refresh_that_hangs_is_reported_and_replaced_while_others_keep_their_cadence(metadata_server):
    LOG.clear()
    clock = ManualClock()
    config = evolve(daemon_config(
        metadata_server.url,
        {**connector("stuck", block_refresh=True), "refresh_timeout": "30s"},
        connector("steady"),
    ), shutdown_timeout=Duration(2.0))
    daemon = Daemon(config, clock=clock).start()
    try:
        LOG.wait_for("stuck", "refresh", 1)
        for step in range(1, 7):  # 6 steps of 5 s: steady refreshes every step, stuck is overdue at 30 s
            wait_planned(daemon, "steady")
            clock.advance(5.0)
            LOG.wait_for("steady", "refresh", step + 1)
        stuck = wait_until(lambda: (r := report(daemon, "stuck")).status is not ConnectorStatus.WAITING
                           and r.status is not ConnectorStatus.REFRESHING and r, what="stuck to be replaced")
        assert stuck.last_error == "refresh timed out after 30s; its thread was abandoned"
        assert stuck.abandoned_threads == 1 and stuck.status is ConnectorStatus.RESTARTING
        clock.advance(2.0)  # the backoff: a fresh instance starts (and hangs again, as configured)
        LOG.wait_for("stuck", "start", 2)
        started = time.monotonic()
    finally:
        daemon.stop()
    stop_seconds = time.monotonic() - started
    assert stop_seconds < float(config.shutdown_timeout) + 3, f"stop took {stop_seconds:.1f}s"


def test_shutdown_with_a_hung_connector_returns_within_the_budget(metadata_server):
    LOG.clear()
    config = daemon_config(metadata_server.url, {**connector("stuck", block_refresh=True), "refresh_timeout": "1h"})
    config = evolve(config, shutdown_timeout=Duration(2.0))
    daemon = Daemon(config).start()
    LOG.wait_for("stuck", "refresh", 1)
    started = time.monotonic()
    daemon.stop()
    elapsed = time.monotonic() - started
    print(f"shutdown with a connector hung in refresh: {elapsed:.2f}s (budget 2s)")
    assert elapsed < 2.0 + 2.5


def test_a_connector_crash_looping_in_start_backs_off_without_burning_cpu(metadata_server):
    LOG.clear()
    policy = {"initial_backoff": "100ms", "max_backoff": "400ms", "jitter": 0, "max_restarts": 1000, "window": "1h"}
    daemon = Daemon(daemon_config(metadata_server.url, connector("crasher", fail_start=True), policy=policy)).start()
    try:
        LOG.wait_for("crasher", "start", 3)
        cpu_before, wall_before = time.process_time(), time.monotonic()
        starts_before = LOG.count("crasher", "start")
        wait_until(lambda: time.monotonic() - wall_before >= 3.0, 5, "a 3 s window")  # measuring, not syncing
        cpu = time.process_time() - cpu_before
        wall = time.monotonic() - wall_before
        starts = LOG.count("crasher", "start") - starts_before
    finally:
        daemon.stop()
    print(f"crash loop: {starts} restarts in {wall:.1f}s using {cpu / wall:.1%} of a core")
    assert 3 <= starts <= 3.0 / 0.4 + 2  # backoff holds it near one restart per 400 ms
    assert cpu / wall < 0.10


def test_connectors_recover_by_themselves_when_the_metadata_server_comes_back(tmp_path):
    LOG.clear()
    clock = ManualClock()
    port = free_port()
    server = MetadataServer(tmp_path / "m.db", server_name="test-mds", port=port, tokens={})
    server.start()
    config = daemon_config(f"http://127.0.0.1:{port}", connector("reader", touch_metadata=True))
    daemon = Daemon(config, clock=clock).start()
    try:
        LOG.wait_for("reader", "refresh", 1)
        wait_planned(daemon, "reader")
        server.stop()  # the metadata server goes away
        clock.advance(5.0)
        down = wait_status(daemon, "reader", ConnectorStatus.INITIALIZE_FAILED)
        assert "127.0.0.1" in down.last_error
        for _ in range(3):  # 30 s of outage: retried with backoff, never given up
            clock.advance(10.0)
            wait_status(daemon, "reader", ConnectorStatus.INITIALIZE_FAILED)
        server = MetadataServer(tmp_path / "m.db", server_name="test-mds", port=port, tokens={})
        server.start()
        clock.advance(20.0)
        recovered = wait_status(daemon, "reader", ConnectorStatus.WAITING)
        assert LOG.count("reader", "refresh") >= 2 and recovered.restart_count >= 1
    finally:
        daemon.stop()
        server.stop()


def test_a_blocking_connector_engages_in_a_loop_is_running_and_stops_promptly(metadata_server):
    LOG.clear()
    config = daemon_config(metadata_server.url, {
        "name": "blocking", "connector": "tests.actors.connectors:Blocking", "uses_blocking_calls": True,
    })
    daemon = Daemon(config).start()
    try:
        LOG.wait_for("blocking", "engage", 5)
        assert wait_status(daemon, "blocking", ConnectorStatus.RUNNING).refresh_count == 0
        started = time.monotonic()
    finally:
        daemon.stop()
    assert time.monotonic() - started < 2.0
    assert LOG.calls("blocking")[-1] == "disconnect"


def _refreshes_in(window: float, config) -> tuple[int, Daemon]:
    daemon = Daemon(config).start()
    LOG.wait_for("steady", "refresh", 1)
    start, first = time.monotonic(), LOG.count("steady", "refresh")
    wait_until(lambda: time.monotonic() - start >= window, window + 2, "the measuring window")  # measuring
    return LOG.count("steady", "refresh") - first, daemon


def test_a_connector_failing_every_third_refresh_restarts_within_its_backoff_and_leaves_others_on_time(metadata_server):
    policy = {"initial_backoff": "200ms", "max_backoff": "400ms", "multiplier": 2, "jitter": 0.2,
              "max_restarts": 1000, "window": "1h"}
    steady = {**connector("steady"), "refresh": "100ms"}
    LOG.clear()
    baseline, daemon = _refreshes_in(3.0, daemon_config(metadata_server.url, steady, policy=policy))
    daemon.stop()
    LOG.clear()
    flaky = {**connector("flaky", fail_every=3), "refresh": "100ms"}
    with_faults, daemon = _refreshes_in(3.0, daemon_config(metadata_server.url, steady, flaky, policy=policy))
    daemon.stop()
    calls = LOG.timed("flaky")
    # A failure is the 3rd, 6th, ... refresh; the next start is the restart.
    failures = [t for i, (hook, t) in enumerate(c for c in calls if c[0] == "refresh") if (i + 1) % 3 == 0]
    starts = [t for hook, t in calls if hook == "start"][1:]
    delays = [start - failed for failed, start in zip(failures, starts)]
    print(f"steady: {baseline} refreshes alone, {with_faults} beside a failing connector; "
          f"restart delays {', '.join(f'{d * 1000:.0f}' for d in delays)} ms")
    assert len(delays) >= 3
    assert all(0.2 * 0.8 - 0.01 <= d <= 0.4 * 1.2 + 0.1 for d in delays)  # policy bounds (+100 ms scheduling)
    assert abs(with_faults - baseline) <= 0.10 * baseline
