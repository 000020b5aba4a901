"""Reading one PostgreSQL database's system catalogs into frozen values (for ``postgres.py``).

Everything of one database is read in one ``REPEATABLE READ READ ONLY`` transaction, so a
refresh sees one consistent snapshot even while DDL runs. Four statements per database,
whatever its size: schemas, relations, columns, keys. System schemas (``pg_catalog``,
``information_schema``, ``pg_toast``, ``pg_temp_*``...) are never read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from attrs import frozen

__all__ = ["CatalogReader", "Column", "DatabaseSnapshot", "ForeignKeyConstraint", "PrimaryKeyConstraint", "Relation"]

RELATION_KINDS = {"r": "table", "p": "partitioned table", "v": "view", "m": "materialized view", "f": "foreign table"}

_DATABASES = """
SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database
WHERE datallowconn AND NOT datistemplate ORDER BY datname"""

_SCHEMAS = """
SELECT n.nspname, obj_description(n.oid, 'pg_namespace') FROM pg_namespace n
WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' ORDER BY n.nspname"""

_RELATIONS = """
SELECT n.nspname, c.relname, c.relkind::text, ds.description,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname = ANY(%s)
ORDER BY n.nspname, c.relname"""

_COLUMNS = """
SELECT n.nspname, c.relname, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), ds.description
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname = ANY(%s)
ORDER BY n.nspname, c.relname, a.attnum"""

_KEYS = """
SELECT con.conname, con.contype::text, n.nspname, c.relname,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.i),
       fn.nspname, fc.relname,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.i)
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.contype IN ('p', 'f') AND n.nspname = ANY(%s)
ORDER BY n.nspname, c.relname, con.conname"""


@frozen
class Column:
    name: str
    position: int
    data_type: str
    nullable: bool
    default: str | None = None
    description: str | None = None


@frozen
class PrimaryKeyConstraint:
    name: str
    columns: tuple[str, ...]


@frozen
class ForeignKeyConstraint:
    name: str
    columns: tuple[str, ...]
    referenced_schema: str
    referenced_table: str
    referenced_columns: tuple[str, ...]


@frozen
class Relation:
    """A table, view, materialized view, partitioned or foreign table with its columns and keys."""

    schema: str
    name: str
    kind: str
    description: str | None = None
    definition: str | None = None  # views: the SELECT
    columns: tuple[Column, ...] = ()
    primary_key: PrimaryKeyConstraint | None = None
    foreign_keys: tuple[ForeignKeyConstraint, ...] = ()


@frozen
class DatabaseSnapshot:
    name: str
    description: str | None
    schemas: dict[str, str | None]  # included schema -> its comment
    relations: tuple[Relation, ...]


class CatalogReader:
    """Reads the catalog of the database ``connection`` is connected to, filtered by the include/exclude lists."""

    def __init__(
        self,
        connection: psycopg.Connection[Any],
        schemas: Callable[..., bool],
        tables: Callable[..., bool],
    ) -> None:
        self.connection = connection
        self._schemas = schemas
        self._tables = tables

    def databases(self, included: Callable[..., bool]) -> list[str]:
        """The names of the server's databases that ``included`` accepts (templates and closed ones left out)."""
        return [name for name, _ in self.connection.execute(_DATABASES).fetchall() if included(name)]

    def read(self, database: str) -> DatabaseSnapshot:
        """The included schemas and relations of this database, from one snapshot."""
        with self.connection.transaction():
            self.connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            row = self.connection.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
            ).fetchone()
            schemas = self.schemas()
            names = list(schemas)
            relations = self.relations(names)
            columns = self.columns(names)
            primary, foreign = self.keys(names)
        built = tuple(
            Relation(
                schema, name, kind, description, definition,
                tuple(columns.get((schema, name), ())), primary.get((schema, name)), tuple(foreign.get((schema, name), ())),
            )
            for schema, name, kind, description, definition in relations
        )
        return DatabaseSnapshot(database, row[0] if row else None, schemas, built)

    def schemas(self) -> dict[str, str | None]:
        return {name: comment for name, comment in self.connection.execute(_SCHEMAS) if self._schemas(name)}

    def relations(self, schemas: list[str]) -> list[tuple[str, str, str, str | None, str | None]]:
        rows = self.connection.execute(_RELATIONS, (schemas,)).fetchall()
        return [
            (schema, name, RELATION_KINDS.get(kind, kind), description, definition)
            for schema, name, kind, description, definition in rows
            if self._tables(f"{schema}.{name}", name)
        ]

    def columns(self, schemas: list[str]) -> dict[tuple[str, str], list[Column]]:
        found: dict[tuple[str, str], list[Column]] = {}
        for schema, table, name, position, data_type, nullable, default, description in self.connection.execute(
            _COLUMNS, (schemas,)
        ):
            found.setdefault((schema, table), []).append(Column(name, position, data_type, nullable, default, description))
        return found

    def keys(
        self, schemas: list[str]
    ) -> tuple[dict[tuple[str, str], PrimaryKeyConstraint], dict[tuple[str, str], list[ForeignKeyConstraint]]]:
        primary: dict[tuple[str, str], PrimaryKeyConstraint] = {}
        foreign: dict[tuple[str, str], list[ForeignKeyConstraint]] = {}
        for name, kind, schema, table, columns, ref_schema, ref_table, ref_columns in self.connection.execute(
            _KEYS, (schemas,)
        ):
            if kind == "p":
                primary[(schema, table)] = PrimaryKeyConstraint(name, tuple(columns))
            else:
                key = ForeignKeyConstraint(name, tuple(columns), ref_schema, ref_table, tuple(ref_columns))
                foreign.setdefault((schema, table), []).append(key)
        return primary, foreign
