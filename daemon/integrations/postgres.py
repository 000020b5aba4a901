"""The PostgreSQL cataloguer: databases, schemas, tables, views, columns and keys.

Passive, ``database-integrator``, FROM_THIRD_PARTY (it only reads PostgreSQL). Config::

    - name: warehouse-catalog
      connector: postgres-catalog       # or daemon.integrations.postgres:PostgresCatalogConnector
      endpoint: postgresql://catalog_reader@db1.example:5432/sales   # or jdbc:postgresql://db1:5432/sales?user=x
      metadata_source: warehouse-pg     # owns what it creates (recommended)
      refresh: 1h
      configuration_properties:
        include_databases: []           # glob patterns; none = only the endpoint's database
        exclude_databases: []
        include_schemas: []             # none = every schema but pg_catalog, information_schema, pg_*
        exclude_schemas: [scratch*]
        include_tables: []              # patterns match "schema.table" or "table" (views too)
        exclude_tables: ["*.tmp_*"]
        connect_timeout: 5s             # every connection
        statement_timeout: 30s          # every statement (also lock_timeout)
        server_name: ""                 # qualifiedName prefix; default postgresql::{host}:{port}
        max_stale_share: 0.2            # stale-removal fail-safe (daemon.integrations.stale)
        stale_allowance: 1
        override_stale_limit: false
        full_check_every: 10            # refreshes between full reads of what it owns

Each refresh reads every included database's system catalogs (``pg_namespace``,
``pg_class``, ``pg_attribute``, ``pg_constraint``, ``pg_description``) in one read-only
snapshot and brings open metadata in step through ``context.databases`` (shapes and
qualifiedNames: ``daemon.connectors.helpers.databases``): ``Database`` →
``DeployedDatabaseSchema`` → ``RelationalDBSchemaType`` → ``RelationalTable`` (views:
``CalculatedValue`` with the definition) → ``RelationalColumn`` (``dataType``,
``isNullable``, ``position``, ``defaultValueOverride``), ``PrimaryKey`` classifications,
``ForeignKey`` relationships; comments become ``description``. Unchanged elements cost
no write. Tables, columns, schemas and databases that disappeared are archived at the end of
a complete refresh, within the fail-safe and only inside the include/exclude lists.

A PostgreSQL error (connection refused or cut, timeout) ends the refresh with a
``ConnectorError`` before anything is archived; the daemon restarts the connector with backoff.
The password, if the endpoint has one, is never logged (prefer ``~/.pgpass`` or ``PGPASSWORD``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from attrs import field, frozen
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from daemon.connectors import Connector, ConnectorContext
from daemon.connectors.helpers import Catalogued, DatabaseHelper, ForeignKey
from daemon.errors import ConnectorConfigError, ConnectorError
from daemon.integrations._options import Filter, patterns, seconds
from daemon.integrations._pg_catalog import CatalogReader, DatabaseSnapshot, Relation
from daemon.integrations.stale import CataloguingConfig, StaleSweep
from daemon.model.element import Element

__all__ = ["PostgresCatalogConfig", "PostgresCatalogConnector", "conninfo_from_endpoint"]

IMPLEMENTATION_TYPE = "PostgreSQL Relational Database"
_JDBC_PARAMETERS = {"user": "user", "password": "password", "sslmode": "sslmode", "ApplicationName": "application_name"}


@frozen(kw_only=True)
class PostgresCatalogConfig(CataloguingConfig):
    include_databases: Any = field(default=(), converter=patterns)
    exclude_databases: Any = field(default=(), converter=patterns)
    include_schemas: Any = field(default=(), converter=patterns)
    exclude_schemas: Any = field(default=(), converter=patterns)
    include_tables: Any = field(default=(), converter=patterns)
    exclude_tables: Any = field(default=(), converter=patterns)
    connect_timeout: Any = field(default=5.0, converter=seconds)
    statement_timeout: Any = field(default=30.0, converter=seconds)
    server_name: str = ""


def conninfo_from_endpoint(endpoint: str) -> str:
    """A libpq conninfo from ``postgresql://…``, ``postgres://…``, ``jdbc:postgresql://…`` or ``key=value`` text."""
    text = endpoint.strip()
    if not text.startswith("jdbc:"):
        return text
    url = urlsplit(text[len("jdbc:"):])
    if url.scheme != "postgresql":
        raise ValueError(f"not a PostgreSQL JDBC URL: {endpoint!r}")
    if not url.netloc:  # jdbc:postgresql:database
        return make_conninfo(dbname=url.path)
    query: list[tuple[str, str]] = []
    for key, value in parse_qsl(url.query):
        if key in _JDBC_PARAMETERS:
            query.append((_JDBC_PARAMETERS[key], value))
        elif key == "ssl" and value.lower() == "true":
            query.append(("sslmode", "require"))
    return urlunsplit(("postgresql", url.netloc, url.path, urlencode(query), ""))


class PostgresCatalogConnector(Connector):
    """Catalogues PostgreSQL databases from their system catalogs."""

    config_class = PostgresCatalogConfig

    @property
    def config(self) -> PostgresCatalogConfig:
        """The structured configuration properties."""
        return cast(PostgresCatalogConfig, self.context.config)

    #: The class that reads one database's catalog (tests replace it to cut connections mid-way).
    reader_class: type[CatalogReader] = CatalogReader

    def start(self, context: ConnectorContext) -> None:
        super().start(context)
        config = cast(PostgresCatalogConfig, context.config)
        if not context.endpoint:
            raise ConnectorConfigError("no endpoint: set endpoint to a postgresql:// URL or conninfo", context.name)
        try:
            self._conninfo = conninfo_from_endpoint(context.endpoint)
            params = conninfo_to_dict(self._conninfo)
        except (ValueError, psycopg.ProgrammingError) as exc:
            raise ConnectorConfigError(f"endpoint is not a PostgreSQL URL or conninfo: {exc}", context.name) from None
        self._home = str(params.get("dbname") or params.get("user") or "postgres")
        host, port = str(params.get("host") or "localhost"), str(params.get("port") or 5432)
        self._server = config.server_name or DatabaseHelper.server_name("postgresql", host, port)
        self._databases = Filter(config.include_databases or (self._home,), config.exclude_databases)
        self._schemas = Filter(config.include_schemas, config.exclude_schemas)
        self._tables = Filter(config.include_tables, config.exclude_tables)

    def refresh(self) -> None:
        config = self.config
        helper: DatabaseHelper = self.context.databases
        helper.begin_refresh(self._server, full_check_every=config.full_check_every)
        with StaleSweep(self.context, helper, config.stale_policy, in_scope=self._in_scope) as sweep:
            with self._connection(self._home) as connection:
                reader = self.reader_class(connection, self._schemas, self._tables)
                databases = reader.databases(self._databases)
                home = reader.read(self._home) if self._home in databases else None
            if home is not None:
                self._catalogue(home, sweep)
            for name in databases:
                if name != self._home:
                    with self._connection(name) as connection:
                        snapshot = self.reader_class(connection, self._schemas, self._tables).read(name)
                    self._catalogue(snapshot, sweep)

    # ------------------------------------------------------------ PostgreSQL

    @contextmanager
    def _connection(self, database: str) -> Iterator[psycopg.Connection[Any]]:
        config = self.config
        timeout_ms = max(1, int(config.statement_timeout * 1000))
        try:
            connection = psycopg.connect(
                make_conninfo(self._conninfo, dbname=database),
                connect_timeout=max(1, math.ceil(config.connect_timeout)),
                options=f"-c statement_timeout={timeout_ms} -c lock_timeout={timeout_ms}",
                application_name=f"integration-daemon:{self.context.name}"[:63],
                keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3,
                autocommit=True,
            )
        except psycopg.Error as exc:
            raise ConnectorError(f"cannot connect to database {database!r} on {self._server}: {exc}", self.context.name) from exc
        try:
            yield connection
        except psycopg.Error as exc:
            raise ConnectorError(f"reading database {database!r} on {self._server} failed: {exc}", self.context.name) from exc
        finally:
            connection.close()

    # ------------------------------------------------------------ open metadata

    def _catalogue(self, snapshot: DatabaseSnapshot, sweep: StaleSweep) -> None:
        helper: DatabaseHelper = self.context.databases
        database: Catalogued | None = None
        with sweep.guard(f"database {snapshot.name}"):
            database = helper.database(
                self._server, snapshot.name, description=snapshot.description, implementation_type=IMPLEMENTATION_TYPE
            )
        if database is None:
            return
        schemas: dict[str, Catalogued] = {}
        for name, description in snapshot.schemas.items():
            with sweep.guard(f"schema {snapshot.name}.{name}"):
                schemas[name] = helper.schema(database, name, description=description)
        tables: dict[tuple[str, str], tuple[Catalogued, list[Catalogued]]] = {}
        keys: dict[tuple[str, str], list[ForeignKey]] = {}
        for relation in snapshot.relations:
            if relation.schema in schemas:
                where = (relation.schema, relation.name)
                keys[where] = list(self._foreign_keys(schemas[relation.schema], relation))
                with sweep.guard(f"table {snapshot.name}.{relation.schema}.{relation.name}"):
                    tables[where] = self._table(schemas[relation.schema], relation, keys[where])
        for (schema_name, table_name), (table, columns) in tables.items():
            with sweep.guard(f"foreign keys of {snapshot.name}.{schema_name}.{table_name}"):
                helper.foreign_keys(table, columns, keys[(schema_name, table_name)])

    def _table(
        self, schema: Catalogued, relation: Relation, keys: list[ForeignKey]
    ) -> tuple[Catalogued, list[Catalogued]]:
        helper: DatabaseHelper = self.context.databases
        table = helper.table(
            schema,
            relation.name,
            kind=relation.kind,
            description=relation.description,
            view_definition=relation.definition,
            foreign_keys=keys,
        )
        primary = relation.primary_key
        columns = [
            helper.column(
                table,
                column.name,
                data_type=column.data_type,
                is_nullable=column.nullable,
                position=column.position,
                default=column.default,
                description=column.description,
                primary_key=primary.name if primary and column.name in primary.columns else None,
            )
            for column in relation.columns
        ]
        return table, columns

    @staticmethod
    def _foreign_keys(schema: Catalogued, relation: Relation) -> Iterator[ForeignKey]:
        database = schema.qualified_name.rpartition("::")[0]
        for key in relation.foreign_keys:
            table = f"{schema.qualified_name}::{relation.name}"
            target = f"{database}::{key.referenced_schema}::{key.referenced_table}"
            for column, referenced in zip(key.columns, key.referenced_columns):
                yield ForeignKey(key.name, f"{table}::{column}", f"{target}::{referenced}")

    def _in_scope(self, element: Element) -> bool:
        """Whether the include/exclude lists let this refresh see the element (and so archive it)."""
        path = DatabaseHelper.parse(self._server, element.qualified_name or "")
        return path is not None and self._visible(path.database, path.schema, path.table)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one connector instance, bounded, per table
    def _visible(self, database: str, schema: str | None, table: str | None) -> bool:
        if not self._databases(database) or (schema is not None and not self._schemas(schema)):
            return False
        return table is None or self._tables(f"{schema}.{table}", table)
