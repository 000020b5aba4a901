"""The PostgreSQL description publisher: catalogue descriptions of tables and columns → ``COMMENT ON``.

Outbound, ``database-integrator``, TO_THIRD_PARTY (it writes only to PostgreSQL; the service's
default is FROM_THIRD_PARTY, so say so). Config::

    - name: warehouse-comments
      connector: postgres-descriptions  # or daemon.integrations.pg_descriptions:PostgresDescriptionPublisher
      permitted_synchronization: TO_THIRD_PARTY
      endpoint: postgresql://comment_writer@db1.example:5432/sales   # as for postgres-catalog
      configuration_properties:
        source: warehouse-pg            # required: the metadata_source of the postgres-catalog connector
        server_name: ""                 # qualifiedName prefix; default postgresql::{host}:{port} of the endpoint
        connect_timeout: 5s
        statement_timeout: 10s          # every statement (also lock_timeout)

It listens on the Out Topic for ``ELEMENT_UPDATED`` events of ``RelationalTable`` and
``RelationalColumn`` elements. For one whose origin (metadata collection) is ``source``, whose
qualifiedName is under ``server_name`` (``{server}::{database}::{schema}::{table}[::{column}]``,
see ``daemon.connectors.helpers.databases``) and whose ``description`` differs from the event's
previous properties, it connects to that database and runs ``COMMENT ON TABLE|VIEW|MATERIALIZED
VIEW|FOREIGN TABLE|COLUMN … IS …`` (the table's kind from its ``tableKind``; identifiers quoted,
the text bound client-side, as ``COMMENT`` takes no server-side parameters; a removed description removes the comment). The connecting role
must own the tables (PostgreSQL's rule for ``COMMENT``).

**No loop.** The cataloguer reads comments back as ``description``: at its next refresh it finds
the description it already has (the one this connector wrote out), so it writes nothing and no
event follows; and this connector ignores events whose description did not change. Events about
elements of other sources, other servers, other types or other properties are ignored.

Errors: a connection or statement failure raises ``ConnectorError``; the daemon retries the event
``event_bus.handler_attempts`` times, then dead-letters it and goes on. A table or column that no
longer exists is skipped with a warning (the cataloguer archives it at its next refresh).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, cast

import psycopg
from attrs import field, frozen
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from daemon.connectors import Connector, ConnectorContext
from daemon.connectors.helpers import DatabaseHelper, RelationalPath
from daemon.errors import ConnectorConfigError, ConnectorError
from daemon.integrations._options import seconds
from daemon.integrations.postgres import conninfo_from_endpoint
from daemon.model.events import OpenMetadataOutTopicEvent

__all__ = ["PostgresDescriptionConfig", "PostgresDescriptionPublisher", "comment_statement"]

TYPE_NAMES = ("RelationalTable", "RelationalColumn")
#: ``tableKind`` (as the cataloguer records it) → the object kind ``COMMENT ON`` needs
_OBJECT_KINDS = {"view": "VIEW", "materialized view": "MATERIALIZED VIEW", "foreign table": "FOREIGN TABLE"}


@frozen(kw_only=True)
class PostgresDescriptionConfig:
    """The publisher's ``configuration_properties``."""

    source: str = ""
    server_name: str = ""
    connect_timeout: Any = field(default=5.0, converter=seconds)
    statement_timeout: Any = field(default=10.0, converter=seconds)


def comment_statement(path: RelationalPath, table_kind: str | None) -> sql.Composed:
    """``COMMENT ON … IS %s`` for the table (of ``table_kind``) or column named by ``path``."""
    if path.schema is None or path.table is None:
        raise ValueError(f"not a table or column: {path}")
    table = sql.Identifier(path.schema, path.table)
    if path.column is not None:
        return sql.SQL("COMMENT ON COLUMN {}.{} IS %s").format(table, sql.Identifier(path.column))
    kind = _OBJECT_KINDS.get((table_kind or "").lower(), "TABLE")
    return sql.SQL("COMMENT ON {} {} IS %s").format(sql.SQL(kind), table)


def _table_kind(properties: Mapping[str, Any]) -> str | None:
    extra = properties.get("additionalProperties")
    kind = extra.get("tableKind") if isinstance(extra, Mapping) else None
    return kind if isinstance(kind, str) else None


class PostgresDescriptionPublisher(Connector):
    """Writes description changes of catalogued PostgreSQL tables and columns back as comments."""

    config_class = PostgresDescriptionConfig

    @property
    def config(self) -> PostgresDescriptionConfig:
        """The structured configuration properties."""
        return cast(PostgresDescriptionConfig, self.context.config)

    def start(self, context: ConnectorContext) -> None:
        super().start(context)
        config = self.config
        if not config.source.strip():
            raise ConnectorConfigError(
                "no source: set configuration_properties.source to the metadata_source of the PostgreSQL cataloguer",
                context.name,
            )
        if not context.endpoint:
            raise ConnectorConfigError("no endpoint: set endpoint to a postgresql:// URL or conninfo", context.name)
        try:
            self._conninfo = conninfo_from_endpoint(context.endpoint)
            params = conninfo_to_dict(self._conninfo)
        except (ValueError, psycopg.ProgrammingError) as exc:
            raise ConnectorConfigError(f"endpoint is not a PostgreSQL URL or conninfo: {exc}", context.name) from None
        host, port = str(params.get("host") or "localhost"), str(params.get("port") or 5432)
        self._server = config.server_name or DatabaseHelper.server_name("postgresql", host, port)
        context.register_listener(type_names=TYPE_NAMES, event_types=["ELEMENT_UPDATED"])

    def on_event(self, event: OpenMetadataOutTopicEvent) -> None:
        header = event.element_header
        if header is None or header.origin.collection_name != self.config.source.strip():
            return
        current = dict(event.element_properties or {})
        previous = event.previous_element_properties
        description = current.get("description")
        if previous is not None and previous.get("description") == description:
            return  # some other property changed (or the cataloguer wrote what it read): nothing to say
        qualified_name = current.get("qualifiedName")
        path = DatabaseHelper.parse(self._server, qualified_name) if isinstance(qualified_name, str) else None
        is_column = header.type.is_a("RelationalColumn")
        if path is None or path.table is None or (path.column is not None) != is_column:
            self.context.logger.debug("ignoring {} {!r}: not a {} under {}", header.type.type_name,
                                      qualified_name, "column" if is_column else "table", self._server)
            return
        text = description if isinstance(description, str) and description != "" else None
        self._comment(path, comment_statement(path, None if is_column else _table_kind(current)), text)

    def _comment(self, path: RelationalPath, statement: sql.Composed, text: str | None) -> None:
        config, name = self.config, self.context.name
        timeout_ms = max(1, int(config.statement_timeout * 1000))
        target = ".".join(p for p in (path.database, path.schema, path.table, path.column) if p is not None)
        try:
            with psycopg.connect(
                make_conninfo(self._conninfo, dbname=path.database),
                connect_timeout=max(1, math.ceil(config.connect_timeout)),
                options=f"-c statement_timeout={timeout_ms} -c lock_timeout={timeout_ms}",
                application_name=f"integration-daemon:{name}"[:63],
                autocommit=True,
            ) as connection, psycopg.ClientCursor(connection) as cursor:
                cursor.execute(statement, (text,))  # utility statements take no server-side parameters
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn, psycopg.errors.InvalidSchemaName) as exc:
            self.context.logger.warning("not commenting on {}: it no longer exists ({})", target, str(exc).strip())
            self.context.metadata.activity.count("skipped", "comment")
            return
        except psycopg.Error as exc:
            raise ConnectorError(f"COMMENT ON {target} on {self._server} failed: {str(exc).strip()}", name) from exc
        self.context.metadata.activity.count("updated", "comment")
        self.context.logger.info("{} the comment on {}", "set" if text is not None else "removed", target)
