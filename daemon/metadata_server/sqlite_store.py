"""SQLite (WAL) storage for the bundled metadata server.

Concurrency: one writer connection guarded by a lock, each write in ``BEGIN IMMEDIATE``,
so changes and their outbox events are serialized and committed together; one reader
connection per thread, each read in its own transaction, so a query sees one snapshot
while writes go on (WAL). Elements and relationships are stored as rows with their
properties and classifications as JSON in the Egeria wire form.

Beside the metadata, the same file keeps the event bus's durable state, so that it commits
with the changes it describes: ``relay_progress`` (the last event sequence each Out Topic
has confirmed) and ``applied_events`` (the ids of In Topic events already applied, written
in the transaction that applies them). A write that appends events wakes the threads
blocked in ``wait_for_events`` once it has committed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from daemon.model import (
    Classification,
    Element,
    ElementOrigin,
    ElementType,
    ElementVersions,
    OpenMetadataOutTopicEvent,
    Relationship,
    decode_properties,
    encode_properties,
    format_time,
    parse_time,
)

__all__ = ["SQLiteStore"]

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS elements (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    guid TEXT NOT NULL UNIQUE,
    type_name TEXT NOT NULL,
    super_types TEXT NOT NULL,
    qualified_name TEXT,
    archived INTEGER NOT NULL,
    status TEXT NOT NULL,
    origin TEXT NOT NULL,
    versions TEXT NOT NULL,
    classifications TEXT NOT NULL,
    properties TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS elements_qualified_name
    ON elements (qualified_name) WHERE qualified_name IS NOT NULL AND archived = 0;
CREATE INDEX IF NOT EXISTS elements_type ON elements (type_name);
CREATE TABLE IF NOT EXISTS relationships (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    guid TEXT NOT NULL UNIQUE,
    type_name TEXT NOT NULL,
    end1_guid TEXT NOT NULL,
    end2_guid TEXT NOT NULL,
    status TEXT NOT NULL,
    origin TEXT NOT NULL,
    versions TEXT NOT NULL,
    properties TEXT
);
CREATE INDEX IF NOT EXISTS relationships_end1 ON relationships (end1_guid);
CREATE INDEX IF NOT EXISTS relationships_end2 ON relationships (end2_guid);
CREATE TABLE IF NOT EXISTS event_log (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    event TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS relay_progress (topic TEXT PRIMARY KEY, sequence INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS applied_events (event_id TEXT PRIMARY KEY, source TEXT NOT NULL, applied_time TEXT NOT NULL);
"""

_ELEMENT_COLUMNS = "guid, type_name, super_types, status, origin, versions, classifications, properties"
_RELATIONSHIP_COLUMNS = "guid, type_name, end1_guid, end2_guid, status, origin, versions, properties"


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _versions_json(versions: ElementVersions) -> str:
    return _dumps(
        {
            "createdBy": versions.created_by,
            "updatedBy": versions.updated_by,
            "createTime": format_time(versions.create_time),
            "updateTime": format_time(versions.update_time),
            "version": versions.version,
        }
    )


def _element_row(element: Element) -> dict[str, Any]:
    referenceable = element.type.is_a("Referenceable")
    return {
        "guid": element.guid,
        "type_name": element.type.type_name,
        "super_types": _dumps(list(element.type.super_type_names)),
        "qualified_name": element.qualified_name if referenceable else None,
        "archived": int(element.is_archived),
        "status": element.status,
        "origin": _dumps(element.origin.to_wire()),
        "versions": _versions_json(element.versions),
        "classifications": _dumps([c.to_wire() for c in element.classifications]),
        "properties": _dumps(encode_properties(element.properties)),
    }


def _element_from_row(row: sqlite3.Row) -> Element:
    return Element(
        guid=row["guid"],
        type=ElementType(row["type_name"], tuple(json.loads(row["super_types"]))),
        origin=ElementOrigin.from_wire(json.loads(row["origin"])),
        versions=_versions_from_json(row["versions"]),
        status=row["status"],
        classifications=tuple(Classification.from_wire(c) for c in json.loads(row["classifications"])),
        properties=decode_properties(json.loads(row["properties"] or "null")),
    )


def _versions_from_json(text: str) -> ElementVersions:
    data = json.loads(text)
    return ElementVersions(
        created_by=data["createdBy"],
        updated_by=data["updatedBy"],
        create_time=parse_time(data["createTime"]),
        update_time=parse_time(data["updateTime"]),
        version=data["version"],
    )


def _relationship_row(relationship: Relationship) -> dict[str, Any]:
    return {
        "guid": relationship.guid,
        "type_name": relationship.type.type_name,
        "end1_guid": relationship.end1_guid,
        "end2_guid": relationship.end2_guid,
        "status": relationship.status,
        "origin": _dumps(relationship.origin.to_wire()),
        "versions": _versions_json(relationship.versions),
        "properties": _dumps(encode_properties(relationship.properties)),
    }


def _relationship_from_row(row: sqlite3.Row) -> Relationship:
    return Relationship(
        guid=row["guid"],
        type=ElementType(row["type_name"]),
        end1_guid=row["end1_guid"],
        end2_guid=row["end2_guid"],
        properties=decode_properties(json.loads(row["properties"] or "null")),
        origin=ElementOrigin.from_wire(json.loads(row["origin"])),
        versions=_versions_from_json(row["versions"]),
        status=row["status"],
    )


class _Session:
    """Reads and writes over one connection inside an open transaction (a ``StoreWriter``)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self.last_appended = 0  # the sequence of the newest event this session appended

    # ------------------------------------------------------------ reads

    def element(self, guid: str) -> Element | None:
        row = self._db.execute(f"SELECT {_ELEMENT_COLUMNS} FROM elements WHERE guid = ?", (guid,)).fetchone()
        return _element_from_row(row) if row else None

    def elements_named(self, name: str, property_name: str, *, include_archived: bool) -> list[Element]:
        archived = "" if include_archived else " AND archived = 0"
        if property_name == "qualifiedName":
            where, args = "qualified_name = ?", [name]
        else:
            json_path = f'$.propertyValueMap."{property_name.replace(chr(34), "")}".primitiveValue'
            where, args = "json_extract(properties, ?) = ?", [json_path, name]
        rows = self._db.execute(f"SELECT {_ELEMENT_COLUMNS} FROM elements WHERE {where}{archived} ORDER BY seq", args)
        return [_element_from_row(row) for row in rows]

    def elements(self, type_names: Collection[str] | None, *, include_archived: bool) -> Generator[Element, None, None]:
        clauses, args = [], []
        if type_names is not None:
            names = list(type_names)
            clauses.append(f"type_name IN ({', '.join('?' * len(names))})" if names else "0")
            args.extend(names)
        if not include_archived:
            clauses.append("archived = 0")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        cursor = self._db.execute(f"SELECT {_ELEMENT_COLUMNS} FROM elements{where} ORDER BY seq", args)
        try:
            for row in cursor:
                yield _element_from_row(row)
        finally:
            cursor.close()

    def relationship(self, guid: str) -> Relationship | None:
        row = self._db.execute(f"SELECT {_RELATIONSHIP_COLUMNS} FROM relationships WHERE guid = ?", (guid,)).fetchone()
        return _relationship_from_row(row) if row else None

    def relationships_of(self, guid: str, type_name: str | None = None) -> list[Relationship]:
        typed = "" if type_name is None else " AND type_name = ?"
        args = [guid, guid] if type_name is None else [guid, guid, type_name]
        rows = self._db.execute(
            f"SELECT {_RELATIONSHIP_COLUMNS} FROM relationships"
            f" WHERE (end1_guid = ? OR end2_guid = ?){typed} ORDER BY seq",
            args,
        )
        return [_relationship_from_row(row) for row in rows]

    def events_after(self, sequence: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        rows = self._db.execute(
            "SELECT sequence, event FROM event_log WHERE sequence > ? ORDER BY sequence LIMIT ?", (sequence, limit)
        ).fetchall()
        return [(row["sequence"], {**json.loads(row["event"]), "sequence": row["sequence"]}) for row in rows]

    def last_sequence(self) -> int:
        row = self._db.execute("SELECT COALESCE(MAX(sequence), 0) AS last FROM event_log").fetchone()
        return int(row["last"])

    def relay_progress(self) -> dict[str, int]:
        rows = self._db.execute("SELECT topic, sequence FROM relay_progress").fetchall()
        return {row["topic"]: int(row["sequence"]) for row in rows}

    def event_applied(self, event_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM applied_events WHERE event_id = ?", (event_id,)).fetchone()
        return row is not None

    # ------------------------------------------------------------ writes

    def insert_element(self, element: Element) -> None:
        row = _element_row(element)
        columns = ", ".join(row)
        self._db.execute(f"INSERT INTO elements ({columns}) VALUES ({', '.join(':' + c for c in row)})", row)

    def replace_element(self, element: Element) -> None:
        row = _element_row(element)
        assignments = ", ".join(f"{c} = :{c}" for c in row if c != "guid")
        self._db.execute(f"UPDATE elements SET {assignments} WHERE guid = :guid", row)

    def delete_element(self, guid: str) -> None:
        self._db.execute("DELETE FROM elements WHERE guid = ?", (guid,))

    def insert_relationship(self, relationship: Relationship) -> None:
        row = _relationship_row(relationship)
        columns = ", ".join(row)
        self._db.execute(f"INSERT INTO relationships ({columns}) VALUES ({', '.join(':' + c for c in row)})", row)

    def replace_relationship(self, relationship: Relationship) -> None:
        row = _relationship_row(relationship)
        assignments = ", ".join(f"{c} = :{c}" for c in row if c != "guid")
        self._db.execute(f"UPDATE relationships SET {assignments} WHERE guid = :guid", row)

    def delete_relationship(self, guid: str) -> None:
        self._db.execute("DELETE FROM relationships WHERE guid = ?", (guid,))

    def append_event(self, event: OpenMetadataOutTopicEvent) -> int:
        cursor = self._db.execute(
            "INSERT INTO event_log (event_id, event_type, event) VALUES (?, ?, ?)",
            (event.event_id, event.event_type.name, _dumps(event.to_dict())),
        )
        self.last_appended = int(cursor.lastrowid or 0)
        return self.last_appended

    def save_relay_progress(self, progress: dict[str, int]) -> None:
        self._db.executemany(
            "INSERT INTO relay_progress (topic, sequence) VALUES (?, ?)"
            " ON CONFLICT (topic) DO UPDATE SET sequence = MAX(sequence, excluded.sequence)",
            list(progress.items()),
        )

    def mark_event_applied(self, event_id: str, source: str) -> bool:
        cursor = self._db.execute(
            "INSERT INTO applied_events (event_id, source, applied_time) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ'))"
            " ON CONFLICT (event_id) DO NOTHING",
            (event_id, source),
        )
        return cursor.rowcount == 1


class SQLiteStore:
    """A ``Store`` in one SQLite file in WAL mode; safe to share between threads."""

    def __init__(self, database: str | Path, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(database)
        self._busy_timeout = busy_timeout
        self._write_lock = threading.Lock()  # one write transaction at a time
        self._registry_lock = threading.Lock()  # guards the list of open connections and _closed
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        self._appended = threading.Condition()  # notified after a commit that appended events
        self._writer = self._connect()
        try:
            self._create_schema()
            self._committed_sequence = _Session(self._writer).last_sequence()
        except BaseException:
            self.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
        )
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        self._connections.append(connection)
        return connection

    def _create_schema(self) -> None:
        with self._write_lock:
            self._writer.executescript(_SCHEMA)
            row = self._writer.execute("SELECT value FROM store_info WHERE key = 'schema_version'").fetchone()
            if row is None:
                self._writer.execute("INSERT INTO store_info VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
            elif row["value"] != SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self.path} holds metadata store schema {row['value']}, this server reads {SCHEMA_VERSION}"
                )

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"the metadata store {self.path} is closed")

    def _reader(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            with self._registry_lock:
                self._check_open()
                connection = self._connect()
            self._local.connection = connection
        return connection

    @contextmanager
    def read(self) -> Iterator[_Session]:
        """A consistent snapshot for the calling thread's queries."""
        self._check_open()
        connection = self._reader()
        connection.execute("BEGIN")
        try:
            yield _Session(connection)
        finally:
            connection.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[_Session]:
        """An exclusive transaction: the change and its events commit together or not at all."""
        with self._write_lock:
            self._check_open()
            self._writer.execute("BEGIN IMMEDIATE")
            session = _Session(self._writer)
            try:
                yield session
                self._writer.execute("COMMIT")
            except BaseException:
                if self._writer.in_transaction:
                    self._writer.execute("ROLLBACK")
                raise
        if session.last_appended:
            with self._appended:
                self._committed_sequence = max(self._committed_sequence, session.last_appended)
                self._appended.notify_all()

    def events_after(self, sequence: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """Up to ``limit`` logged events after ``sequence``, oldest first, each with its ``sequence`` set."""
        with self.read() as session:
            return session.events_after(sequence, limit)

    def last_sequence(self) -> int:
        """The newest event's sequence number, 0 when none."""
        with self.read() as session:
            return session.last_sequence()

    def wait_for_events(self, after: int, timeout: float) -> bool:
        """Block until this store has committed an event with a sequence above ``after``, or ``timeout``.

        Returns whether it has. Only writes through this object wake the waiter; another
        process writing to the same file is seen by the caller's next ``events_after``.
        """
        with self._appended:
            return self._appended.wait_for(lambda: self._committed_sequence > after or self._closed, timeout) and (
                self._committed_sequence > after
            )

    def relay_progress(self) -> dict[str, int]:
        """Out Topic name -> sequence of the newest event whose delivery that topic confirmed."""
        with self.read() as session:
            return session.relay_progress()

    def save_relay_progress(self, progress: dict[str, int]) -> None:
        """Record confirmed delivery up to these sequences (never moves a topic backwards)."""
        if progress:
            with self.write() as session:
                session.save_relay_progress(progress)

    def event_applied(self, event_id: str) -> bool:
        """Whether an In Topic event with this id has been applied."""
        with self.read() as session:
            return session.event_applied(event_id)

    def close(self) -> None:
        """Close every connection this store opened; idempotent."""
        with self._write_lock, self._registry_lock:  # waits for a write in progress to finish
            if self._closed:
                return
            self._closed = True
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        with self._appended:
            self._appended.notify_all()
