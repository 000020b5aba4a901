"""The PostgreSQL cataloguer against the real test database, through a real daemon."""

from __future__ import annotations

import uuid

import pytest

from daemon.integrations.postgres import conninfo_from_endpoint
from daemon.states import ConnectorStatus
from tests.conftest import wait_until
from tests.integrations.conftest import POSTGRES, RunningDaemon, connected_context, connector, sql, unique
from tests.integrations.faults import CUT_NEXT_READ

SERVICE = "database-integrator"


def shop(schema: str) -> None:
    sql(
        f"CREATE TABLE {schema}.customers (id integer PRIMARY KEY, name text NOT NULL, email varchar(200))",
        f"CREATE TABLE {schema}.orders (id bigint, line integer, customer_id integer REFERENCES {schema}.customers(id),"
        f" amount numeric(10,2) DEFAULT 0, PRIMARY KEY (id, line))",
        f"CREATE TABLE {schema}.products (sku text PRIMARY KEY, title text, price numeric, weight real, tags text[])",
        f"CREATE VIEW {schema}.big_orders AS SELECT id, amount FROM {schema}.orders WHERE amount > 100",
        f"CREATE TABLE {schema}.scratch_tmp (x integer)",
        f"COMMENT ON TABLE {schema}.orders IS 'every order line'",
        f"COMMENT ON COLUMN {schema}.customers.email IS 'where invoices go'",
    )


def start(
    run_daemon, schema: str, reference: str = POSTGRES, name: str = "", server: str = "", **properties
) -> tuple[RunningDaemon, str, str]:
    """A daemon cataloguing ``schema`` (connector ``name`` is also its metadata source); returns it,
    the connector name and the schema's qualifiedName."""
    server, name = server or unique("pgtest"), name or unique("pg")
    properties = {"include_schemas": [schema], "exclude_tables": ["*.scratch_*"], "server_name": server, **properties}
    daemon = run_daemon(SERVICE, connector(name, reference, "postgresql://postgres@127.0.0.1:5432/test", name, **properties))
    daemon.refreshed(name, 1)
    return daemon, name, f"{server}::test::{schema}"


def test_a_schema_is_catalogued_with_its_tables_views_columns_and_keys(run_daemon, pg_schema):
    shop(pg_schema)
    daemon, name, prefix = start(run_daemon, pg_schema)
    server_db = prefix.rpartition("::")[0]

    database = daemon.elements("Database", server_db)[server_db]
    assert database.properties["deployedImplementationType"] == "PostgreSQL Relational Database"
    assert database.origin.collection_name == name  # owned by the connector's metadata source
    schema = daemon.elements("DeployedDatabaseSchema", prefix)[prefix]
    tables = daemon.elements("RelationalTable", prefix)
    assert set(tables) == {f"{prefix}::{t}" for t in ("customers", "orders", "products", "big_orders")}
    orders, view = tables[f"{prefix}::orders"], tables[f"{prefix}::big_orders"]
    assert orders.properties["description"] == "every order line"
    assert orders.properties["additionalProperties"] == {"tableKind": "table", "foreignKeys": "orders_customer_id_fkey(customer_id)"}
    assert orders.classification("TypeEmbeddedAttribute").properties["schemaTypeName"] == "RelationalTableType"
    assert view.properties["additionalProperties"]["tableKind"] == "view"
    assert "amount > " in view.classification("CalculatedValue").properties["formula"]

    columns = daemon.elements("RelationalColumn", prefix)
    amount, name_column = columns[f"{prefix}::orders::amount"], columns[f"{prefix}::customers::name"]
    assert (amount.properties["dataType"], amount.properties["isNullable"], amount.properties["position"]) == (
        "numeric(10,2)", True, 4,
    )
    assert amount.properties["defaultValueOverride"] == "0"
    assert name_column.properties["isNullable"] is False
    assert columns[f"{prefix}::customers::email"].properties["description"] == "where invoices go"
    keyed = {n.rpartition("::")[2] for n, c in columns.items() if "::orders::" in n and c.classification("PrimaryKey")}
    assert keyed == {"id", "line"}
    assert columns[f"{prefix}::orders::id"].classification("PrimaryKey").properties == {"name": "orders_pkey"}

    # Egeria's relational shape: database -> schema -> schema type -> table -> column, and the foreign key.
    reader = daemon.reader
    assert [r.element.guid for r in reader.get_related(database.guid, "DataSetContent")] == [schema.guid]
    (schema_type,) = reader.get_related(schema.guid, "AssetSchemaType")
    assert schema_type.element.type.type_name == "RelationalDBSchemaType"
    in_schema = {r.element.guid for r in reader.get_related(schema_type.element.guid, "AttributeForSchema")}
    assert in_schema == {t.guid for t in tables.values()}
    nested = reader.get_related(orders.guid, "NestedSchemaAttribute")
    assert {r.element.properties["displayName"] for r in nested} == {"id", "line", "customer_id", "amount"}
    (key,) = reader.get_related(columns[f"{prefix}::orders::customer_id"].guid, "ForeignKey")
    assert key.element.guid == columns[f"{prefix}::customers::id"].guid
    assert key.relationship.end1_guid == columns[f"{prefix}::customers::id"].guid  # end 1: the referenced column
    assert key.relationship.properties == {"name": "orders_customer_id_fkey"}


def test_later_refreshes_apply_only_the_differences(run_daemon, pg_schema):
    shop(pg_schema)
    daemon, name, prefix = start(run_daemon, pg_schema)
    before = daemon.elements("RelationalColumn", prefix)

    sql(
        f"ALTER TABLE {pg_schema}.customers ADD COLUMN phone text",
        f"ALTER TABLE {pg_schema}.customers ALTER COLUMN email TYPE varchar(300)",
        f"ALTER TABLE {pg_schema}.customers ALTER COLUMN name DROP NOT NULL",
        f"COMMENT ON COLUMN {pg_schema}.customers.email IS NULL",
        f"DROP VIEW {pg_schema}.big_orders",
        f"ALTER TABLE {pg_schema}.orders DROP CONSTRAINT orders_customer_id_fkey",
    )
    activity = daemon.refresh(name).last_activity
    assert (activity.created, activity.archived) == (1, 3)  # phone; the view and its two columns
    assert activity.by_type["ForeignKey"] == {"deleted": 1}
    assert activity.by_type["RelationalColumn"]["updated"] == 2  # email, name
    assert activity.by_type["RelationalTable"]["updated"] == 1  # orders lost its foreign key

    columns = daemon.elements("RelationalColumn", prefix)
    email = columns[f"{prefix}::customers::email"]
    assert email.properties["dataType"] == "character varying(300)" and "description" not in email.properties
    assert columns[f"{prefix}::customers::name"].properties["isNullable"] is True
    assert columns[f"{prefix}::customers::phone"].properties["position"] == 4
    assert f"{prefix}::big_orders" in daemon.elements("RelationalTable", prefix, archived=True)
    assert daemon.reader.get_related(columns[f"{prefix}::orders::customer_id"].guid, "ForeignKey") == []

    unchanged = daemon.refresh(name).last_activity
    assert (unchanged.created, unchanged.updated, unchanged.deleted, unchanged.archived) == (0, 0, 0, 0)
    assert unchanged.skipped == 1 + 1 + 1 + 3 + 4 + 4 + 5  # database, schema, schema type, tables, columns
    untouched = f"{prefix}::products::price"
    assert daemon.elements("RelationalColumn", prefix)[untouched].versions.version == before[untouched].versions.version


def test_a_refresh_whose_connection_is_cut_mid_way_archives_nothing(run_daemon, pg_schema):
    shop(pg_schema)
    daemon, name, prefix = start(run_daemon, pg_schema, reference="tests.integrations.faults:CutMidway")
    sql(f"DROP VIEW {pg_schema}.big_orders")

    CUT_NEXT_READ.set()
    assert daemon.daemon.control is not None
    daemon.daemon.control.refresh(name)
    failed = daemon.status(name, ConnectorStatus.RESTARTING)
    assert "terminating connection" in failed.last_error
    assert f"{prefix}::big_orders" in daemon.elements("RelationalTable", prefix)  # still there, not archived
    assert daemon.elements("RelationalTable", prefix, archived=True) == {}

    daemon.clock.advance(60)  # the restart backoff: a fresh instance refreshes completely
    wait_until(lambda: f"{prefix}::big_orders" in daemon.elements("RelationalTable", prefix, archived=True))


def test_a_refresh_against_a_dropped_database_archives_nothing(run_daemon, postgres):
    database = f"it_db_{uuid.uuid4().hex[:8]}"
    sql(f"CREATE DATABASE {database}")
    try:
        sql_in = f"postgresql://postgres@127.0.0.1:5432/{database}"
        name, server = unique("pg"), unique("pgtest")
        daemon = run_daemon(SERVICE, connector(name, POSTGRES, sql_in, name, server_name=server))
        daemon.refreshed(name, 1)
        assert f"{server}::{database}" in daemon.elements("Database", server)
    finally:
        sql(f"DROP DATABASE {database} WITH (FORCE)")

    assert daemon.daemon.control is not None
    daemon.daemon.control.refresh(name)
    failed = daemon.status(name, ConnectorStatus.RESTARTING)
    assert f'database "{database}" does not exist' in failed.last_error
    assert f"{server}::{database}" in daemon.elements("Database", server)
    assert daemon.elements("Database", server, archived=True) == {}


def test_a_refresh_that_would_archive_more_than_a_fifth_is_refused_until_overridden(run_daemon, pg_schema):
    sql(*(f"CREATE TABLE {pg_schema}.t{i} (id integer, v text)" for i in range(6)))
    daemon, name, prefix = start(run_daemon, pg_schema)
    assert len(daemon.elements("RelationalTable", prefix)) == 6  # with database, schema, schema type, 12 columns: 21

    sql(*(f"DROP TABLE {pg_schema}.t{i}" for i in range(3)))  # 9 of 21 elements gone: 43 %
    refused = daemon.refresh(name)
    assert refused.status is ConnectorStatus.WAITING and refused.last_error is None
    assert (refused.last_activity.archived, refused.last_activity.refused) == (0, 9)
    assert refused.last_activity.by_type["RelationalColumn"]["refused"] == 6
    assert len(daemon.elements("RelationalTable", prefix)) == 6

    assert daemon.daemon.control is not None
    daemon.daemon.control.update_configuration_properties(name, {"override_stale_limit": "true"})  # restarts it
    overridden = wait_until(lambda: (a := daemon.report(name).last_activity) and a.archived and a, what="the override")
    assert (overridden.archived, overridden.refused) == (9, 0)
    assert set(daemon.elements("RelationalTable", prefix)) == {f"{prefix}::t{i}" for i in range(3, 6)}


def test_what_the_include_and_exclude_lists_no_longer_see_is_left_alone(run_daemon, pg_schema):
    shop(pg_schema)
    first, name, prefix = start(run_daemon, pg_schema)
    assert f"{prefix}::scratch_tmp" not in first.elements("RelationalTable", prefix)  # excluded from the start
    first.daemon.stop()

    server = prefix.split("::")[0]
    narrowed, _, _ = start(run_daemon, pg_schema, name=name, server=server, exclude_tables=["*.scratch_*", "orders"])
    activity = narrowed.report(name).last_activity
    assert (activity.created, activity.archived, activity.refused) == (0, 0, 0)
    assert activity.skipped > 0
    assert f"{prefix}::orders" in narrowed.elements("RelationalTable", prefix)
    assert f"{prefix}::orders::amount" in narrowed.elements("RelationalColumn", prefix)


@pytest.mark.parametrize(
    "endpoint",
    ["jdbc:postgresql://127.0.0.1:5432/test?user=postgres&ssl=false", "host=127.0.0.1 port=5432 user=postgres dbname=test"],
)
def test_jdbc_urls_and_conninfo_text_are_accepted_as_endpoints(run_daemon, pg_schema, endpoint):
    sql(f"CREATE TABLE {pg_schema}.t (id integer)")
    name, server = unique("pg"), unique("pgtest")
    daemon = run_daemon(SERVICE, connector(name, POSTGRES, endpoint, name, server_name=server, include_schemas=pg_schema))
    daemon.refreshed(name, 1)
    assert f"{server}::test::{pg_schema}::t::id" in daemon.elements("RelationalColumn", server)


def test_a_table_that_cannot_be_catalogued_leaves_the_refresh_incomplete_and_the_rest_catalogued(
    run_daemon, pg_schema, metadata_server
):
    shop(pg_schema)
    server = unique("pgtest")
    squatter = connected_context(metadata_server, unique("squatter"))
    squatter.metadata.create("RelationalTable", {"qualifiedName": f"{server}::test::{pg_schema}::customers"})

    daemon, name, prefix = start(run_daemon, pg_schema, server=server)
    report = daemon.report(name)
    assert report.status is ConnectorStatus.WAITING  # reported in the log, not a reason to restart
    assert f"{prefix}::orders::amount" in daemon.elements("RelationalColumn", prefix)
    assert f"{prefix}::customers::id" not in daemon.elements("RelationalColumn", prefix)

    sql(f"DROP VIEW {pg_schema}.big_orders")
    incomplete = daemon.refresh(name).last_activity
    assert (incomplete.archived, incomplete.refused) == (0, 3)
    assert f"{prefix}::big_orders" in daemon.elements("RelationalTable", prefix)


@pytest.mark.parametrize(
    ("endpoint", "conninfo"),
    [
        ("jdbc:postgresql://db1:5433/sales?user=r&password=s&ssl=true&currentSchema=x",
         "postgresql://db1:5433/sales?user=r&password=s&sslmode=require"),
        ("jdbc:postgresql:sales", "dbname=sales"),
        ("postgres://u@db1/sales", "postgres://u@db1/sales"),
    ],
)
def test_jdbc_urls_become_libpq_urls(endpoint, conninfo):
    assert conninfo_from_endpoint(endpoint) == conninfo
