"""The PostgreSQL description publisher with the cataloguer, against the real test database and a real daemon."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from daemon.app import Daemon
from daemon.config import parse_config
from daemon.metadata import EventLogReader, MetadataClient
from daemon.model.events import EventType, OpenMetadataOutTopicEvent
from tests.conftest import wait_until
from tests.integrations.conftest import PG_URL, POSTGRES, RunningDaemon, connector, sql, unique

PUBLISHER = "daemon.integrations.pg_descriptions:PostgresDescriptionPublisher"


def comment(schema: str, table: str, column: str | None = None) -> str | None:
    """The comment PostgreSQL holds for a table or view, or one of its columns."""
    with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as connection:
        if column is None:
            row = connection.execute("SELECT obj_description(%s::regclass, 'pg_class')", (f"{schema}.{table}",)).fetchone()
        else:
            row = connection.execute(
                "SELECT col_description(%s::regclass, attnum) FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attname = %s",
                (f"{schema}.{table}", f"{schema}.{table}", column),
            ).fetchone()
    return None if row is None else row[0]


def last_sequence(events: EventLogReader) -> int:
    sequence = 0
    while batch := events.events_after(sequence, 1000):
        sequence = batch[-1][0]
    return sequence


def updates_after(events: EventLogReader, after: int, guids: set[str]) -> list[OpenMetadataOutTopicEvent]:
    """The ELEMENT_UPDATED events about ``guids`` logged after sequence ``after``."""
    found = []
    while batch := events.events_after(after, 1000):
        for after, raw in batch:
            event = OpenMetadataOutTopicEvent.from_json(raw)
            header = event.element_header
            if event.event_type is EventType.ELEMENT_UPDATED and header is not None and header.guid in guids:
                found.append(event)
    return found


@pytest.fixture
def start_daemon(metadata_server, tmp_path) -> Iterator[Callable[..., RunningDaemon]]:
    """A daemon on the session's metadata server (embedded event bus on its event log, own state directory)."""
    started: list[Daemon] = []
    reader = MetadataClient(metadata_server.url, "test-mds", "test-reader", timeout=(2.0, 20.0))

    def start(*connectors: dict[str, Any]) -> RunningDaemon:
        config = parse_config({
            "server_name": "descriptions-daemon",
            "local_server_user_id": "itest-npa",
            "metadata_server": {"url": metadata_server.url, "server_name": "test-mds", "read_timeout": "20s"},
            "admin": {"port": 0},
            "event_bus": {"type": "embedded", "poll_interval": "20ms", "handler_attempts": 2, "retry_backoff": "20ms"},
            "state_directory": str(tmp_path / "state"),
            "restart_policy": {"initial_backoff": "60s", "jitter": 0, "max_restarts": 5},
            "services": [{"url_marker": "database-integrator", "connectors": list(connectors)}],
        }, environ={})
        started.append(Daemon(config).start())  # the real clock: the event bus polls on its timer
        return RunningDaemon(started[-1], None, reader)  # type: ignore[arg-type]  # refresh "0": on request only

    yield start
    for daemon in started:
        daemon.stop()
    reader.close()


def test_a_description_changed_in_the_catalogue_becomes_a_comment_and_no_loop_follows(
    start_daemon, metadata_server, pg_schema
):
    sql(
        f"CREATE TABLE {pg_schema}.orders (id integer PRIMARY KEY, \"Net Amount\" numeric(10,2))",
        f"CREATE VIEW {pg_schema}.big_orders AS SELECT id FROM {pg_schema}.orders WHERE \"Net Amount\" > 100",
        f"COMMENT ON TABLE {pg_schema}.orders IS 'as the developers left it'",
    )
    source, server, cataloguer = unique("pgsrc"), unique("pgdesc"), unique("pgcat")
    publisher = {"name": unique("comments"), "connector": PUBLISHER, "endpoint": PG_URL, "refresh": "0",
                 "permitted_synchronization": "TO_THIRD_PARTY",
                 "configuration_properties": {"source": source, "server_name": server, "statement_timeout": "5s"}}
    daemon = start_daemon(
        connector(cataloguer, POSTGRES, PG_URL, source, include_schemas=[pg_schema], server_name=server), publisher
    )
    daemon.refreshed(cataloguer, 1)
    prefix = f"{server}::test::{pg_schema}"
    table, view = (daemon.reader.get_by_unique_name(f"{prefix}::{t}") for t in ("orders", "big_orders"))
    column = daemon.reader.get_by_unique_name(f"{prefix}::orders::Net Amount")
    assert table is not None and view is not None and column is not None
    assert table.properties["description"] == "as the developers left it"

    # A steward edits descriptions in the catalogue, on behalf of the cataloguer's source (provenance allows it).
    with MetadataClient(metadata_server.url, "test-mds", "steward", timeout=(2.0, 20.0)) as steward:
        owner = steward.with_external_source(steward.ensure_metadata_source(source), source)
        owner.update_element(table.guid, {"description": "One row per order line; it's the source of truth"})
        owner.update_element(column.guid, {"description": "Net total in EUR"})
        owner.update_element(view.guid, {"description": "Orders above 100"})
        owner.update_element(table.guid, {"displayName": "orders"})  # no description change: nothing to write

    wait_until(lambda: comment(pg_schema, "orders") == "One row per order line; it's the source of truth", 20,
               "the table's comment")
    wait_until(lambda: comment(pg_schema, "orders", "Net Amount") == "Net total in EUR", 20, "the column's comment")
    wait_until(lambda: comment(pg_schema, "big_orders") == "Orders above 100", 20, "the view's comment")

    # The cataloguer reads the comments back: the descriptions it finds are the catalogue's, so nothing changes.
    # (Its warm index still holds the old descriptions, so it sends them once more as replacements; the metadata
    # server finds them unchanged and logs no event: what matters for a loop is the event log, checked here.)
    events = EventLogReader(metadata_server.url, "test-mds")
    baseline = last_sequence(events)
    report = daemon.refresh(cataloguer)
    assert report.status.name not in {"FAILED", "RESTARTING"}
    assert updates_after(events, baseline, {table.guid, column.guid, view.guid}) == []
    assert daemon.reader.get_element(column.guid).properties["description"] == "Net total in EUR"
    assert comment(pg_schema, "orders", "Net Amount") == "Net total in EUR"
    assert daemon.report(publisher["name"]).status.name in {"WAITING", "RUNNING"}


def test_descriptions_of_elements_from_another_source_are_left_alone(start_daemon, metadata_server, pg_schema):
    sql(f"CREATE TABLE {pg_schema}.kept (id integer)")
    served, other = unique("pgsrc"), unique("pgother")
    served_server, other_server = unique("pgdesc"), unique("pgelse")
    publisher = {"name": unique("comments"), "connector": PUBLISHER, "endpoint": PG_URL, "refresh": "0",
                 "permitted_synchronization": "TO_THIRD_PARTY",
                 "configuration_properties": {"source": served, "server_name": served_server}}
    # Two cataloguers of the same database under different names: only the first one's elements are served.
    daemon = start_daemon(
        connector(unique("pgcat"), POSTGRES, PG_URL, served, include_schemas=[pg_schema], server_name=served_server),
        connector(unique("pgcat"), POSTGRES, PG_URL, other, include_schemas=[pg_schema], server_name=other_server),
        publisher,
    )

    def element(server: str, *names: str) -> Any:
        name = "::".join((server, "test", pg_schema, *names))
        return wait_until(lambda: daemon.reader.get_by_unique_name(name), 20, name)

    with MetadataClient(metadata_server.url, "test-mds", "steward", timeout=(2.0, 20.0)) as steward:
        as_served = steward.with_external_source(steward.ensure_metadata_source(served), served)
        as_other = steward.with_external_source(steward.ensure_metadata_source(other), other)
        as_served.update_element(element(served_server, "kept").guid, {"description": "from the served source"})
        wait_until(lambda: comment(pg_schema, "kept") == "from the served source", 20, "the served comment")
        as_other.update_element(element(other_server, "kept").guid, {"description": "from another source"})
        as_served.update_element(element(served_server, "kept", "id").guid, {"description": "a later event"})
    # Events are handled in order: once the later one is written, the other source's was passed over.
    wait_until(lambda: comment(pg_schema, "kept", "id") == "a later event", 20, "the later event's comment")
    assert comment(pg_schema, "kept") == "from the served source"
