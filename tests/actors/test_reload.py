"""Reloading the config: only added, removed and changed connectors are touched."""

from __future__ import annotations

import copy

from daemon.actors.reload import plan_reload
from daemon.clock import ManualClock
from daemon.config import parse_config
from daemon.states import ConnectorStatus
from tests.actors.connectors import LOG
from tests.actors.test_supervision import RECORDING, connector, daemon_config, report, wait_status
from tests.conftest import wait_until


def document(**changes):
    base = {
        "server_name": "d",
        "services": [{"url_marker": "files-integrator", "connectors": [
            {"name": "a", "connector": RECORDING}, {"name": "b", "connector": RECORDING},
            {"name": "c", "connector": RECORDING, "restart_policy": {"max_restarts": 9}},
        ]}],
    }
    base.update(changes)
    return base


def test_an_unchanged_config_touches_nothing():
    plan = plan_reload(parse_config(document()), parse_config(document()))
    assert plan.unchanged == ("a", "b", "c") and not (plan.added or plan.removed or plan.changed)


def test_added_removed_and_changed_connectors_are_told_apart():
    new = document()
    connectors = new["services"][0]["connectors"]
    connectors[0] = {"name": "a", "connector": RECORDING, "endpoint": "/elsewhere"}
    del connectors[1]
    connectors.append({"name": "d", "connector": RECORDING})
    plan = plan_reload(parse_config(document()), parse_config(new))
    assert (plan.added, plan.removed, plan.changed, plan.unchanged) == (("d",), ("b",), ("a",), ("c",))


def test_a_daemon_default_changes_only_the_connectors_that_inherit_it():
    plan = plan_reload(parse_config(document()), parse_config(document(restart_policy={"max_restarts": 2})))
    assert plan.changed == ("a", "b") and plan.unchanged == ("c",)


def test_settings_read_only_at_start_are_reported_as_needing_a_restart():
    plan = plan_reload(parse_config(document()), parse_config(document(admin={"port": 1234})))
    assert plan.needs_restart == ("admin",) and plan.unchanged == ("a", "b", "c")


def test_a_running_daemon_restarts_only_the_changed_connector(metadata_server):
    from daemon.app import Daemon

    LOG.clear()
    clock = ManualClock()
    old = daemon_config(metadata_server.url, connector("keep"), connector("change"), connector("drop"))
    daemon = Daemon(old, clock=clock).start()
    try:
        for name in ("keep", "change", "drop"):
            LOG.wait_for(name, "refresh", 1)
        raw = {
            "server_name": "test-daemon",
            "metadata_server": {"url": metadata_server.url, "server_name": "test-mds"},
            "admin": {"port": 0},
            "restart_policy": {"initial_backoff": "2s", "max_backoff": "16s", "jitter": 0, "max_restarts": 3},
            "services": [{"url_marker": "files-integrator", "connectors": [
                connector("keep"), {**connector("change"), "endpoint": "/new/place"}, connector("new"),
            ]}],
        }
        plan = daemon.reload(parse_config(copy.deepcopy(raw), environ={}))
        assert (plan.added, plan.removed, plan.changed, plan.unchanged) == (("new",), ("drop",), ("change",), ("keep",))
        LOG.wait_for("change", "start", 2)
        LOG.wait_for("new", "refresh", 1)
        LOG.wait_for("drop", "disconnect", 1)
        wait_until(lambda: {r.name for r in daemon.control.reports()} == {"keep", "change", "new"}, what="drop gone")
        assert LOG.count("keep", "start") == 1 and LOG.count("keep", "disconnect") == 0
        assert daemon.control.configuration("change").endpoint == "/new/place"
        assert wait_status(daemon, "new", ConnectorStatus.WAITING)
        assert report(daemon, "keep").status is ConnectorStatus.WAITING
    finally:
        daemon.stop()


def test_runtime_overrides_survive_a_restart_when_persisted(metadata_server, tmp_path):
    from attrs import evolve

    from daemon.app import Daemon

    LOG.clear()
    config = evolve(daemon_config(metadata_server.url, connector("tuned")), persist_overrides=True,
                    state_directory=str(tmp_path))
    daemon = Daemon(config, clock=ManualClock()).start()
    try:
        LOG.wait_for("tuned", "refresh", 1)
        daemon.control.update_configuration_properties("tuned", {"fail_every": 0})
        daemon.control.update_endpoint("tuned", "/moved")
        LOG.wait_for("tuned", "start", 2)
    finally:
        daemon.stop()
    restarted = Daemon(config, clock=ManualClock()).start()
    try:
        kept = restarted.control.configuration("tuned")
        assert kept.endpoint == "/moved" and kept.configuration_properties == {"fail_every": 0}
    finally:
        restarted.stop()
    without = Daemon(evolve(config, persist_overrides=False), clock=ManualClock()).start()
    try:
        assert without.control.configuration("tuned").endpoint is None
    finally:
        without.stop()
