"""The storage seam of the bundled metadata server.

The server's operations run against these protocols, so a PostgreSQL store can sit
beside the SQLite one. A store hands out two kinds of unit of work:

- ``read()``: a consistent snapshot for queries; many may run at once, one per thread;
- ``write()``: a transaction in which the change *and* its Out Topic events are written
  (the outbox). Writes are serialized; leaving the block commits, an exception rolls back.

It also keeps the event bus's durable state: the relay's confirmed position per Out Topic,
and the ids of In Topic events already applied (recorded in the applying transaction).

Stores keep values from ``daemon.model`` and know nothing about HTTP or provenance rules.
"""

from __future__ import annotations

from collections.abc import Collection, Generator
from contextlib import AbstractContextManager
from typing import Any, Protocol

from daemon.model import Element, OpenMetadataOutTopicEvent, Relationship

__all__ = ["Store", "StoreReader", "StoreWriter"]


class StoreReader(Protocol):
    """Queries inside one read (or write) unit of work."""

    def element(self, guid: str) -> Element | None:
        """The element with this guid, archived or not, or ``None``."""

    def elements_named(self, name: str, property_name: str, *, include_archived: bool) -> list[Element]:
        """Elements whose string property ``property_name`` equals ``name`` (``qualifiedName`` is indexed)."""

    def elements(self, type_names: Collection[str] | None, *, include_archived: bool) -> Generator[Element, None, None]:
        """Elements of these exact type names (``None`` = all), in creation order, lazily."""

    def relationship(self, guid: str) -> Relationship | None:
        """The relationship with this guid, or ``None``."""

    def relationships_of(self, guid: str, type_name: str | None = None) -> list[Relationship]:
        """Relationships with the element at either end (optionally of one type), in creation order."""

    def event_applied(self, event_id: str) -> bool:
        """Whether an In Topic event with this id has been applied."""


class StoreWriter(StoreReader, Protocol):
    """Changes inside one write transaction."""

    def insert_element(self, element: Element) -> None:
        """Add a new element."""

    def replace_element(self, element: Element) -> None:
        """Overwrite the stored element that has ``element.guid``."""

    def delete_element(self, guid: str) -> None:
        """Remove an element (its relationships are removed by the caller first)."""

    def insert_relationship(self, relationship: Relationship) -> None:
        """Add a new relationship."""

    def replace_relationship(self, relationship: Relationship) -> None:
        """Overwrite the stored relationship that has ``relationship.guid``."""

    def delete_relationship(self, guid: str) -> None:
        """Remove a relationship."""

    def append_event(self, event: OpenMetadataOutTopicEvent) -> int:
        """Append an event to the outbox log; returns its sequence number."""

    def mark_event_applied(self, event_id: str, source: str) -> bool:
        """Record that the In Topic event ``event_id`` is applied by this transaction.

        ``False`` (and nothing written) when it was applied before: the caller rolls back.
        """


class Store(Protocol):
    """A metadata store: snapshots for reads, serialized transactions for writes, and the event log.

    Safe to use from many threads at once. ``close()`` ends every use.
    """

    def read(self) -> AbstractContextManager[StoreReader]:
        """A read snapshot for the calling thread."""

    def write(self) -> AbstractContextManager[StoreWriter]:
        """An exclusive write transaction (commit on success, roll back on exception)."""

    def events_after(self, sequence: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """Up to ``limit`` logged events with a sequence above ``sequence``, oldest first, as JSON dicts."""

    def last_sequence(self) -> int:
        """The sequence number of the newest logged event (0 when the log is empty)."""

    def wait_for_events(self, after: int, timeout: float) -> bool:
        """Wait (at most ``timeout`` s) until an event above ``after`` is committed; whether one is."""

    def relay_progress(self) -> dict[str, int]:
        """Out Topic name -> sequence of the newest event that topic confirmed (the relay's cursor)."""

    def save_relay_progress(self, progress: dict[str, int]) -> None:
        """Durably record relay progress per topic; a topic never moves backwards."""

    def event_applied(self, event_id: str) -> bool:
        """Whether an In Topic event with this id has been applied."""

    def close(self) -> None:
        """Close every connection; later use raises ``RuntimeError``."""
