"""Real parts for the bundled connectors: PostgreSQL at 127.0.0.1:5432, the test broker, a daemon.

PostgreSQL must be there: if it does not answer, the session tries to start the local
cluster once, and fails (never skips) with a message saying what to do.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from daemon.app import Daemon
from daemon.clock import ManualClock
from daemon.config import PermittedSynchronization, parse_config
from daemon.connectors import ConnectorContext
from daemon.metadata import MetadataClient
from daemon.model import Element
from daemon.states import ConnectorReport, ConnectorStatus
from tests.conftest import wait_until

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES = "daemon.integrations.postgres:PostgresCatalogConnector"
KAFKA = "daemon.integrations.kafka_topics:KafkaTopicConnector"


def _answers() -> str | None:
    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
        return None
    except psycopg.Error as exc:
        return str(exc).strip()


@pytest.fixture(scope="session")
def postgres() -> str:
    """The test database's URL, once PostgreSQL answers (started here if it is installed but down)."""
    problem = _answers()
    if problem is not None:
        versions = sorted(p.name for p in Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").is_dir() else []
        for version in versions:
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                capture_output=True, timeout=60, check=False,
            )
        problem = _answers() if versions else problem
    if problem is not None:
        pytest.fail(
            f"PostgreSQL is needed at {PG_URL} (user postgres, trust auth, database test) and does not answer: "
            f"{problem}. Start it (e.g. pg_ctlcluster --skip-systemctl-redirect 15 main start) and run again.",
            pytrace=False,
        )
    return PG_URL


def sql(*statements: str) -> None:
    """Run statements in the test database (autocommit)."""
    with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as connection:
        for statement in statements:
            connection.execute(statement)


@pytest.fixture
def pg_schema(postgres: str) -> Iterator[str]:
    """A uniquely named, empty schema in the test database, dropped afterwards."""
    name = f"it_{uuid.uuid4().hex[:10]}"
    sql(f"CREATE SCHEMA {name}")
    yield name
    sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class RunningDaemon:
    """A real daemon with a manual clock (refreshes happen at start and on request), and a reader."""

    def __init__(self, daemon: Daemon, clock: ManualClock, reader: MetadataClient) -> None:
        self.daemon = daemon
        self.clock = clock
        self.reader = reader

    def report(self, name: str) -> ConnectorReport:
        assert self.daemon.control is not None
        return self.daemon.control.report(name)

    def refreshed(self, name: str, count: int, timeout: float = 20.0) -> ConnectorReport:
        """Wait until ``name`` finished ``count`` refreshes in all; fail early if it fails instead."""

        def done() -> ConnectorReport | None:
            report = self.report(name)
            if report.status in (ConnectorStatus.RESTARTING, ConnectorStatus.FAILED, ConnectorStatus.CONFIG_FAILED):
                raise AssertionError(f"{name} is {report.status.name}: {report.last_error}")
            return report if report.refresh_count >= count else None

        return wait_until(done, timeout, f"{name} to finish refresh {count}")  # type: ignore[return-value]

    def refresh(self, name: str) -> ConnectorReport:
        """Request a refresh and wait for it to finish."""
        count = self.report(name).refresh_count
        assert self.daemon.control is not None
        self.daemon.control.refresh(name)
        return self.refreshed(name, count + 1)

    def status(self, name: str, status: ConnectorStatus, timeout: float = 20.0) -> ConnectorReport:
        return wait_until(  # type: ignore[return-value]
            lambda: (r := self.report(name)).status is status and r, timeout, f"{name} to be {status.name}"
        )

    def elements(self, type_name: str, prefix: str, *, archived: bool = False) -> dict[str, Element]:
        """Elements of ``type_name`` whose qualifiedName starts with ``prefix``, by qualifiedName
        (archived ones only when ``archived``)."""
        pattern = re.escape(prefix) + ".*"
        found = self.reader.find_all(type_name, [("qualifiedName", "LIKE", pattern)], for_lineage=archived)
        return {e.qualified_name or "": e for e in found if e.is_archived == archived}


@pytest.fixture
def run_daemon(metadata_server) -> Iterator[Callable[..., RunningDaemon]]:
    """Start a daemon on the session's metadata server with one service and its connectors."""
    started: list[Daemon] = []
    reader = MetadataClient(metadata_server.url, "test-mds", "test-reader", timeout=(2.0, 20.0))

    def start(service: str, *connectors: dict[str, Any], policy: dict[str, Any] | None = None) -> RunningDaemon:
        config = parse_config(
            {
                "server_name": "integration-test-daemon",
                "local_server_user_id": "itest-npa",
                "metadata_server": {"url": metadata_server.url, "server_name": "test-mds", "read_timeout": "20s"},
                "admin": {"port": 0},
                "restart_policy": policy or {"initial_backoff": "60s", "jitter": 0, "max_restarts": 5},
                "services": [{"url_marker": service, "connectors": list(connectors)}],
            },
            environ={},
        )
        clock = ManualClock()
        daemon = Daemon(config, clock=clock).start()
        started.append(daemon)
        return RunningDaemon(daemon, clock, reader)

    yield start
    for daemon in started:
        daemon.stop()
    reader.close()


def connector(name: str, reference: str, endpoint: str, source: str | None, **properties: Any) -> dict[str, Any]:
    """A connector's config: refreshed at start and on request only."""
    config = {"name": name, "connector": reference, "endpoint": endpoint, "refresh": "0", "configuration_properties": properties}
    if source is not None:
        config["metadata_source"] = source
    return config


def connected_context(
    metadata_server, source: str | None, sync: str = "FROM_THIRD_PARTY", service: str = "files-integrator", **config: Any
) -> ConnectorContext:
    """A connector context on the session's metadata server, connected (its metadata source registered)."""

    def client_for(user_id: str) -> MetadataClient:
        return MetadataClient(metadata_server.url, "test-mds", user_id, timeout=(2.0, 20.0))

    context = ConnectorContext(
        service=service,
        name=source or unique("ctx"),
        user_id="itest-npa",
        client_factory=client_for,
        permitted_synchronization=PermittedSynchronization[sync],
        metadata_source=source,
        config=config.pop("config", None),
        configuration_properties=config,
    )
    context.connect()
    return context
