"""Fixtures for the admin API: a real daemon (ManualClock, test connectors) and an HTTP helper.

Requests go over real HTTP to the daemon's admin port; each call opens and closes its own
connection, so stopping the daemon never waits on an idle keep-alive connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from daemon.app import Daemon
from daemon.clock import ManualClock
from daemon.config import DaemonConfig, parse_config
from daemon.states import ConnectorReport, ConnectorStatus
from tests.actors.connectors import LOG
from tests.conftest import wait_until

RECORDING = "tests.actors.connectors:Recording"
SERVER = "admin-daemon"
TOKEN = "s3cr3t-admin-token-for-tests"
PREFIXES = (
    f"/servers/{SERVER}/open-metadata/integration-daemon",
    f"/servers/{SERVER}/open-metadata/integration-daemon/users/garygeeke",
)


def recording(name: str, *, refresh: str = "5s", **properties: Any) -> dict[str, Any]:
    """A test connector's config; ``properties`` drive its faults (fail_start, fail_every)."""
    return {"name": name, "connector": RECORDING, "refresh": refresh, "configuration_properties": properties}


def admin_config(url: str, *connectors: dict[str, Any], token: str | None = None, services: list | None = None,
                 policy: dict[str, Any] | None = None) -> DaemonConfig:
    """A daemon with the given connectors in files-integrator (or ``services``), admin on a free loopback port."""
    admin: dict[str, Any] = {"host": "127.0.0.1", "port": 0}
    if token:
        admin["token"] = token
    return parse_config(
        {
            "server_name": SERVER,
            "metadata_server": {"url": url, "server_name": "test-mds", "connect_timeout": "200ms", "read_timeout": "2s"},
            "admin": admin,
            "restart_policy": policy or {"initial_backoff": "2s", "max_backoff": "16s", "jitter": 0, "max_restarts": 3},
            "services": services or [{"url_marker": "files-integrator", "connectors": list(connectors)}],
        },
        environ={},
    )


class Admin:
    """A running daemon, its clock, and calls to its admin API."""

    def __init__(self, daemon: Daemon, clock: ManualClock, token: str | None) -> None:
        self.daemon = daemon
        self.clock = clock
        self.token = token
        self.url = daemon.admin.url  # type: ignore[union-attr]

    def call(self, method: str, path: str, body: Any = None, *, prefix: str = PREFIXES[0],
             token: str | None | bool = True, raw: bytes | None = None) -> requests.Response:
        """``path`` under ``prefix`` (give ``prefix=""`` for root routes); ``token=True`` sends the daemon's."""
        presented = self.token if token is True else (token or None)
        headers = {"Authorization": f"Bearer {presented}"} if presented else {}
        return requests.request(method, self.url + prefix + path, json=body, data=raw, headers=headers, timeout=10)

    def report(self, name: str) -> ConnectorReport:
        return self.daemon.control.report(name)  # type: ignore[union-attr]

    def wait_status(self, name: str, status: ConnectorStatus, timeout: float = 10.0) -> ConnectorReport:
        return wait_until(  # type: ignore[return-value]
            lambda: (r := self.report(name)).status is status and r, timeout,
            f"{name} to be {status.name} (is {self.report(name).status.name})",
        )

    def wait_refreshed(self, name: str, count: int = 1) -> ConnectorReport:
        """Wait until ``count`` refreshes have finished (a refresh request is dropped while one runs)."""
        return wait_until(  # type: ignore[return-value]
            lambda: (r := self.report(name)).refresh_count >= count and r, what=f"{name}'s refresh {count} to finish"
        )

    def wait_planned(self, name: str) -> ConnectorReport:
        """Wait until the timer has planned the next refresh (the previous one finished)."""
        return wait_until(lambda: (r := self.report(name)).next_refresh_time and r, what=f"{name}'s next refresh")  # type: ignore[return-value]


@pytest.fixture
def start_admin(metadata_server) -> Iterator[Callable[..., Admin]]:
    """Start a daemon (ManualClock) with the given connectors; stopped after the test."""
    started: list[Daemon] = []

    def start(*connectors: dict[str, Any], token: str | None = None, **options: Any) -> Admin:
        LOG.clear()
        clock = ManualClock()
        daemon = Daemon(admin_config(metadata_server.url, *connectors, token=token, **options), clock=clock).start()
        started.append(daemon)
        return Admin(daemon, clock, token)

    yield start
    for daemon in started:
        daemon.stop()
