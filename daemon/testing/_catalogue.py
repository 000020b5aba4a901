"""Reading and asserting on what a metadata server holds, for connector tests.

``Catalogue`` reads through its own ``MetadataClient`` (a user of its own, not the
connector's), and the server's Out Topic event log when it is given the server's store,
so tests can tell not only *what* is catalogued but *whether anything was written*.
Assertions raise ``AssertionError`` listing every difference, so pytest shows them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from daemon.connectors.store import differs
from daemon.metadata import MetadataClient
from daemon.metadata_server import Store
from daemon.model import Element, OpenMetadataOutTopicEvent

__all__ = ["Catalogue"]


def _describe(event: OpenMetadataOutTopicEvent) -> str:
    header = event.element_header
    what = header.type.type_name if header else "?"
    name = (event.element_properties or {}).get("qualifiedName") or (header.guid if header else "?")
    return f"#{event.sequence} {event.event_type.name} {what} {name}"


class Catalogue:
    """What the metadata server behind ``client`` holds, with assertions for tests.

    ``store`` (the bundled server's ``Store``, e.g. ``MetadataServer.store``) enables the
    event-log methods: ``mark``, ``events`` and ``assert_not_written_since``.
    """

    def __init__(self, client: MetadataClient, store: Store | None = None) -> None:
        self.client = client
        self._store = store

    # ------------------------------------------------------------ reads

    def elements(self, type_name: str | None = None, *, archived: bool = False) -> list[Element]:
        """Every element of ``type_name`` (and its subtypes); ``archived=True`` includes archived ones."""
        return self.client.find_all(type_name, for_lineage=archived)

    def element(self, qualified_name: str, *, archived: bool = False) -> Element | None:
        """The element with this ``qualifiedName`` (``archived=True``: even if archived), or ``None``."""
        return self.client.get_by_unique_name(qualified_name, for_lineage=archived)

    def qualified_names(self, type_name: str | None = None) -> set[str]:
        """The ``qualifiedName`` of every active element of ``type_name`` (and its subtypes)."""
        return {e.qualified_name for e in self.elements(type_name) if e.qualified_name is not None}

    def mark(self) -> int:
        """The position of the newest event in the server's log: pass it to ``events`` or ``assert_not_written_since``."""
        return self._events_store().last_sequence()

    def events(self, since: int = 0, *, limit: int = 10_000) -> list[OpenMetadataOutTopicEvent]:
        """The Out Topic events the server logged after position ``since``, oldest first."""
        rows = self._events_store().events_after(since, limit)
        return [OpenMetadataOutTopicEvent.from_json(event) for _, event in rows]

    def _events_store(self) -> Store:
        if self._store is None:
            raise RuntimeError("this Catalogue has no event log: create it with the metadata server's store")
        return self._store

    # ------------------------------------------------------------ assertions

    def assert_catalogued(
        self,
        qualified_name: str,
        type_name: str | None = None,
        properties: Mapping[str, Any] | None = None,
        *,
        classifications: Iterable[str] = (),
        metadata_source: str | None = None,
    ) -> Element:
        """Fail unless an active element called ``qualified_name`` exists as described; return it.

        ``type_name`` must be the element's exact type (not a supertype); every entry of
        ``properties`` must be equal (other properties are not checked); every name in
        ``classifications`` must be attached; ``metadata_source`` must own the element.
        """
        element = self.element(qualified_name)
        if element is None:
            archived = self.element(qualified_name, archived=True)
            state = "it is archived" if archived is not None else "there is no such element"
            raise AssertionError(f"{qualified_name!r} is not catalogued: {state}{self._nearby(type_name)}")
        problems = self._differences(element, type_name, properties or {}, classifications, metadata_source)
        if problems:
            listing = "\n".join(f"  - {p}" for p in problems)
            raise AssertionError(f"{qualified_name!r} is catalogued, but not as expected:\n{listing}")
        return element

    def assert_not_catalogued(self, qualified_name: str) -> None:
        """Fail if an active element called ``qualified_name`` exists (archived ones are allowed)."""
        element = self.element(qualified_name)
        if element is not None:
            raise AssertionError(
                f"{qualified_name!r} is catalogued as {element.type.type_name} {element.guid}; expected it not to be"
            )

    def assert_archived(self, qualified_name: str) -> Element:
        """Fail unless the element called ``qualified_name`` exists and is archived; return it."""
        element = self.element(qualified_name, archived=True)
        if element is None:
            raise AssertionError(f"{qualified_name!r} is not archived: there is no such element (deleted, or never created)")
        if not element.is_archived:
            raise AssertionError(f"{qualified_name!r} is not archived: it is still active ({element.type.type_name})")
        return element

    def assert_version(self, qualified_name: str, version: int) -> Element:
        """Fail unless the element called ``qualified_name`` (even archived) is at ``version``; return it."""
        element = self.element(qualified_name, archived=True)
        if element is None:
            raise AssertionError(f"{qualified_name!r} has no version: there is no such element")
        if element.versions.version != version:
            raise AssertionError(
                f"{qualified_name!r} is at version {element.versions.version}, expected {version} "
                f"(last updated by {element.versions.updated_by!r})"
            )
        return element

    def assert_not_written_since(self, mark: int, qualified_name: str | None = None) -> None:
        """Fail if the server logged a change after ``mark`` (from ``mark()``), to anything or to ``qualified_name``."""
        changes = self.events(mark)
        if qualified_name is not None:
            changes = [e for e in changes if (e.element_properties or {}).get("qualifiedName") == qualified_name]
        if changes:
            target = f"{qualified_name!r}" if qualified_name else "open metadata"
            listing = "\n".join(f"  - {_describe(e)}" for e in changes[:20])
            more = f"\n  ... and {len(changes) - 20} more" if len(changes) > 20 else ""
            raise AssertionError(f"{target} was written {len(changes)} time(s) since mark {mark}:\n{listing}{more}")

    # ------------------------------------------------------------ helpers

    @staticmethod
    def _differences(
        element: Element,
        type_name: str | None,
        properties: Mapping[str, Any],
        classifications: Iterable[str],
        metadata_source: str | None,
    ) -> list[str]:
        problems = []
        if type_name is not None and element.type.type_name != type_name:
            problems.append(f"type: expected {type_name}, found {element.type.type_name}")
        for key, expected in properties.items():
            if key not in element.properties:
                problems.append(f"{key}: expected {expected!r}, the property is not set")
            elif differs(element.properties, {key: expected}):
                problems.append(f"{key}: expected {expected!r}, found {element.properties[key]!r}")
        attached = {c.name for c in element.classifications}
        problems.extend(f"classification {name}: not attached" for name in classifications if name not in attached)
        if metadata_source is not None and element.origin.collection_name != metadata_source:
            owner = element.origin.collection_name or "no metadata source (locally owned)"
            problems.append(f"owner: expected metadata source {metadata_source!r}, found {owner}")
        return problems

    def _nearby(self, type_name: str | None) -> str:
        """A hint for a failed lookup: what *is* catalogued of that type (a few names)."""
        if type_name is None:
            return ""
        names = sorted(self.qualified_names(type_name))
        if not names:
            return f" (no {type_name} is catalogued)"
        shown = ", ".join(repr(n) for n in names[:5])
        return f" (catalogued {type_name}: {shown}{', ...' if len(names) > 5 else ''})"
