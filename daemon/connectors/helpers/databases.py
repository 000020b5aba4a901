"""Databases, schemas, tables, views, columns and keys (``database-integrator``).

The catalogued shape follows Egeria's relational model (types 0503/0534)::

    Database ─DataSetContent→ DeployedDatabaseSchema ─AssetSchemaType→ RelationalDBSchemaType
        ─AttributeForSchema→ RelationalTable ─NestedSchemaAttribute→ RelationalColumn

A table carries the ``TypeEmbeddedAttribute`` classification (``schemaTypeName``
``RelationalTableType``); a view is a ``RelationalTable`` with the ``CalculatedValue``
classification holding its definition in ``formula``. A column has ``dataType``,
``isNullable``, ``position`` (ordinal position) and ``defaultValueOverride``; primary-key
columns carry the ``PrimaryKey`` classification (``name`` = constraint name); a foreign key
is a ``ForeignKey`` relationship per column pair, end 1 the referenced (primary key)
column, end 2 the referencing column, ``name`` = constraint name.

qualifiedNames (``server`` is e.g. ``postgresql::db1.example:5432``)::

    database      {server}::{database}
    schema        {server}::{database}::{schema}
    schema type   {server}::{database}::{schema}#RelationalDBSchemaType
    table / view  {server}::{database}::{schema}::{table}
    column        {server}::{database}::{schema}::{table}::{column}

(Names are used as they are; an identifier containing ``::`` makes ``parse`` ambiguous.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from attrs import frozen

from daemon.connectors.helpers._sync import Catalogued, IndexedHelper, Links, scope_under
from daemon.connectors.store import OpenMetadataStore

__all__ = ["DatabaseHelper", "ForeignKey", "RelationalPath"]

SCHEMA_TYPE_SUFFIX = "#RelationalDBSchemaType"
TYPES = ("Database", "DeployedDatabaseSchema", "RelationalDBSchemaType", "RelationalTable", "RelationalColumn")


@frozen
class RelationalPath:
    """The parts of a relational qualifiedName below its server prefix (missing parts are ``None``)."""

    database: str
    schema: str | None = None
    table: str | None = None
    column: str | None = None


@frozen
class ForeignKey:
    """One column pair of a foreign key: ``column`` (referencing) → ``references`` (referenced), by qualifiedName."""

    name: str
    column: str
    references: str


def _extra(values: Mapping[str, Any] | None) -> dict[str, str] | None:
    cleaned = {key: str(value) for key, value in (values or {}).items() if value is not None and value != ""}
    return cleaned or None


class DatabaseHelper(IndexedHelper):
    """Catalogue relational databases through the connector's open metadata store."""

    def __init__(self, store: OpenMetadataStore) -> None:
        super().__init__(store, TYPES)
        self._foreign_keys = Links(store, "ForeignKey")
        self._schema_types: dict[str, str] = {}

    # ------------------------------------------------------------ names

    @staticmethod
    def server_name(technology: str, host: str, port: int | str) -> str:
        """The qualifiedName prefix of one database server, e.g. ``postgresql::db1:5432``."""
        return f"{technology}::{host}:{port}"

    @staticmethod
    def qualified_name(
        server: str, database: str, schema: str | None = None, table: str | None = None, column: str | None = None
    ) -> str:
        """The qualifiedName of a database, schema, table or column on ``server``."""
        return "::".join(part for part in (server, database, schema, table, column) if part is not None)

    @staticmethod
    def parse(server: str, qualified_name: str) -> RelationalPath | None:
        """The database/schema/table/column named by ``qualified_name``, or ``None`` if not under ``server``."""
        head = server + "::"
        if not qualified_name.startswith(head):
            return None
        parts = qualified_name[len(head):].split("::")
        if len(parts) == 2 and parts[1].endswith(SCHEMA_TYPE_SUFFIX):
            parts[1] = parts[1][: -len(SCHEMA_TYPE_SUFFIX)]
        if not 1 <= len(parts) <= 4:
            return None
        return RelationalPath(*parts)  # type: ignore[arg-type]

    # ------------------------------------------------------------ refresh bracket

    def begin_refresh(self, server: str, *, full_check_every: int = 10) -> None:
        """Start a refresh of ``server``: read what the connector owns under it unless the index is warm."""
        loads = self.known.loads
        self.known.begin_refresh(scope_under(server), full_check_every=full_check_every)
        if self.known.loads != loads:
            self._foreign_keys.clear()
            self._schema_types.clear()

    def invalidate(self) -> None:
        """After a failed write: the next refresh reads everything again (foreign keys at once)."""
        super().invalidate()
        self._foreign_keys.clear()

    # ------------------------------------------------------------ elements

    def database(
        self,
        server: str,
        name: str,
        *,
        description: str | None = None,
        implementation_type: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Catalogued:
        """A ``Database`` called ``name`` on ``server`` (``implementation_type`` e.g. "PostgreSQL Relational Database")."""
        return self._sync.sync(
            "Database",
            {
                "qualifiedName": f"{server}::{name}",
                "displayName": name,
                "resourceName": name,
                "description": description,
                "deployedImplementationType": implementation_type,
                "additionalProperties": _extra(extra),
            },
        )

    def schema(self, database: Catalogued, name: str, *, description: str | None = None) -> Catalogued:
        """A ``DeployedDatabaseSchema`` in ``database`` and its ``RelationalDBSchemaType``."""
        schema = self._sync.sync(
            "DeployedDatabaseSchema",
            {
                "qualifiedName": f"{database.qualified_name}::{name}",
                "displayName": name,
                "resourceName": name,
                "description": description,
            },
            parent=(database.guid, "DataSetContent", True),
        )
        schema_type = self._sync.sync(
            "RelationalDBSchemaType",
            {"qualifiedName": schema.qualified_name + SCHEMA_TYPE_SUFFIX, "displayName": name},
            parent=(schema.guid, "AssetSchemaType", True),
        )
        self._schema_types[schema.qualified_name] = schema_type.guid
        return schema

    def table(
        self,
        schema: Catalogued,
        name: str,
        *,
        kind: str = "table",
        description: str | None = None,
        view_definition: str | None = None,
        foreign_keys: Iterable[ForeignKey] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> Catalogued:
        """A ``RelationalTable`` (a view when ``view_definition`` is given) in ``schema``.

        ``kind`` (table, view, materialized view, ...) and a summary of its ``foreign_keys``
        (``name(column,...)``, the keys later given to ``foreign_keys()``) are kept in
        ``additionalProperties``; the summary tells a refresh which columns' keys to check.
        """
        schema_type = self._schema_types.get(schema.qualified_name)
        if schema_type is None:
            raise ValueError(f"catalogue schema {schema.qualified_name!r} with schema() before its tables")
        columns_by_key: dict[str, list[str]] = {}
        for key in foreign_keys:
            columns_by_key.setdefault(key.name, []).append(key.column.rpartition("::")[2])
        keys = ",".join(f"{name}({','.join(columns)})" for name, columns in sorted(columns_by_key.items()))
        calculated = None if view_definition is None else {"formula": view_definition}
        return self._sync.sync(
            "RelationalTable",
            {
                "qualifiedName": f"{schema.qualified_name}::{name}",
                "displayName": name,
                "description": description,
                "additionalProperties": _extra({"tableKind": kind, "foreignKeys": keys, **(extra or {})}),
            },
            parent=(schema_type, "AttributeForSchema", True),
            classifications={"CalculatedValue": calculated},
            initial_classifications={"TypeEmbeddedAttribute": {"schemaTypeName": "RelationalTableType"}},
        )

    def column(
        self,
        table: Catalogued,
        name: str,
        *,
        data_type: str,
        is_nullable: bool,
        position: int,
        default: str | None = None,
        description: str | None = None,
        primary_key: str | None = None,
    ) -> Catalogued:
        """A ``RelationalColumn`` of ``table``; ``primary_key`` is the name of the primary key it belongs to."""
        column = self._sync.sync(
            "RelationalColumn",
            {
                "qualifiedName": f"{table.qualified_name}::{name}",
                "displayName": name,
                "description": description,
                "dataType": data_type,
                "isNullable": is_nullable,
                "position": position,
                "defaultValueOverride": default,
            },
            parent=(table.guid, "NestedSchemaAttribute", True),
            classifications={"PrimaryKey": None if primary_key is None else {"name": primary_key}},
        )
        if column.action == "created":
            self._foreign_keys.mark_new(column.guid)
        return column

    def foreign_keys(self, table: Catalogued, columns: Sequence[Catalogued], keys: Iterable[ForeignKey]) -> None:
        """Bring the ``ForeignKey`` relationships from ``table``'s ``columns`` in step with ``keys``
        (the same keys given to ``table()``).

        Referenced columns must have been catalogued in this refresh or be known, so call it
        after every table the keys refer to. When the table's key summary is unchanged, only
        the referencing columns are checked; otherwise every column is.
        """
        wanted: dict[str, dict[str, str]] = {}
        for key in keys:
            source, target = self._guid(key.column), self._guid(key.references)
            if source is not None and target is not None:
                wanted.setdefault(source, {})[target] = key.name
        if table.action == "skipped":
            columns = [column for column in columns if column.guid in wanted]
        for column in columns:
            existing = self._foreign_keys.at(column.guid, 2)
            mine = wanted.get(column.guid, {})
            for target in [t for t in existing if t not in mine]:
                self._foreign_keys.unrelate(target, column.guid)
            for target, name in mine.items():
                self._foreign_keys.ensure(target, column.guid, {"name": name})

    def _guid(self, qualified_name: str) -> str | None:
        element = self.known.get(qualified_name)
        return None if element is None else element.guid
