"""Benchmark: catalogue a PostgreSQL schema of ``tables`` × ``columns`` with the PostgreSQL cataloguer.

``python -m daemon.bench catalog [--tables 200] [--columns 20] [--dsn postgresql://postgres@127.0.0.1:5432/test]``

It creates a uniquely named schema (every table with a primary key, every table but the
first with a foreign key to the one before), starts a bundled metadata server on a
temporary SQLite file, runs the connector's ``refresh()`` directly (no actors) and prints:

* the first refresh: elements (and foreign-key relationships) created, time, per second;
* an unchanged second refresh (warm index): writes (should be 0), time, elements checked/s
  (target ≥ 50,000/s), and the ratio first/second;
* an unchanged refresh by a fresh connector instance (cold index: it reads what it owns from
  the metadata server first), for comparison.

Exit code 0 when the warm refresh wrote nothing and met the target, 1 otherwise. The
schema and the temporary server are removed afterwards.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from daemon.config import PermittedSynchronization
from daemon.connectors import ConnectorContext
from daemon.integrations.postgres import PostgresCatalogConfig, PostgresCatalogConnector
from daemon.metadata import MetadataClient
from daemon.metadata_server import MetadataServer
from daemon.states import ActivityReport

__all__ = ["run_catalog_bench"]

TARGET_CHECKED_PER_SECOND = 50_000
DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/test"


def _create_schema(dsn: str, schema: str, tables: int, columns: int) -> None:
    statements = [f"CREATE SCHEMA {schema}"]
    for t in range(tables):
        cols = ["id integer PRIMARY KEY"]
        if t:
            cols.append(f"prev_id integer REFERENCES {schema}.t{t - 1:04d}(id)")
        cols += [f"c{c:02d} {'text' if c % 2 else 'numeric(12,2)'}" for c in range(len(cols), columns)]
        statements.append(f"CREATE TABLE {schema}.t{t:04d} ({', '.join(cols)})")
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as connection:
        with connection.transaction():
            for statement in statements:
                connection.execute(statement)


def _drop_schema(dsn: str, schema: str) -> None:
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _connector(server: MetadataServer, dsn: str, schema: str) -> tuple[PostgresCatalogConnector, ConnectorContext]:
    properties: dict[str, Any] = {"include_schemas": [schema], "server_name": f"bench::{schema}", "statement_timeout": 60}
    config = PostgresCatalogConfig(include_schemas=[schema], server_name=f"bench::{schema}", statement_timeout=60)
    context = ConnectorContext(
        service="database-integrator",
        name="bench-postgres",
        user_id="bench",
        client_factory=lambda user: MetadataClient(server.url, server.server_name, user, timeout=(3.0, 60.0)),
        permitted_synchronization=PermittedSynchronization.FROM_THIRD_PARTY,
        metadata_source=f"bench-{schema}",
        endpoint=dsn,
        configuration_properties=properties,
        config=config,
    )
    context.connect()
    connector = PostgresCatalogConnector()
    connector.start(context)
    return connector, context


def _timed_refresh(connector: PostgresCatalogConnector, context: ConnectorContext) -> tuple[float, ActivityReport]:
    started = time.perf_counter()
    connector.refresh()
    return time.perf_counter() - started, context.take_activity()


def _writes(activity: ActivityReport) -> int:
    return activity.created + activity.updated + activity.deleted + activity.archived


def run_catalog_bench(tables: int = 200, columns: int = 20, dsn: str = DEFAULT_DSN) -> int:
    """Run the benchmark and print its figures; returns the process exit code."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    print(f"creating {tables} tables x {columns} columns in schema {schema} ...", flush=True)
    _create_schema(dsn, schema, tables, columns)
    folder = Path(tempfile.mkdtemp(prefix="catalog-bench-"))
    server = MetadataServer(folder / "metadata.db", server_name="bench-mds", tokens={})
    server.start()
    try:
        connector, context = _connector(server, dsn, schema)
        first_time, first = _timed_refresh(connector, context)
        elements = first.created
        keys = first.by_type.get("ForeignKey", {}).get("created", 0)
        print(
            f"first refresh:      {elements} created ({elements - keys} elements + {keys} foreign keys)"
            f" in {first_time:.2f}s = {elements / first_time:,.0f}/s"
        )

        warm_time, warm = _timed_refresh(connector, context)
        checked = warm.skipped
        rate = checked / warm_time
        print(
            f"unchanged refresh:  {checked} checked, {_writes(warm)} writes, in {warm_time * 1000:.1f} ms"
            f" = {rate:,.0f} elements checked/s (target {TARGET_CHECKED_PER_SECOND:,}/s)"
        )
        print(f"ratio first/unchanged: {first_time / warm_time:,.0f}x")

        cold_connector, cold_context = _connector(server, dsn, schema)
        cold_time, cold = _timed_refresh(cold_connector, cold_context)
        print(
            f"unchanged refresh by a fresh instance (cold index): {cold.skipped} checked, {_writes(cold)} writes,"
            f" in {cold_time * 1000:.0f} ms = {cold.skipped / cold_time:,.0f} elements checked/s"
        )
        ok = _writes(warm) == 0 and _writes(cold) == 0 and rate >= TARGET_CHECKED_PER_SECOND
        print("PASS" if ok else "MISSED: see the figures above")
        return 0 if ok else 1
    finally:
        server.stop()
        _drop_schema(dsn, schema)
