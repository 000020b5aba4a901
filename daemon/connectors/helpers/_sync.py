"""What every typed helper shares: an index of the elements a connector owns, element sync
with unchanged-skip against it, and a cache of relationships.

**The index** (``KnownElements``) holds, by qualifiedName, the elements a connector owns in
one *scope* (a regular expression over qualifiedNames, e.g. everything under
``postgresql::db1:5432::``). It is read in bulk, one paged find per type, when it is *cold*:
on first use, after ``invalidate()`` (called when a write failed: the rest of the refresh goes
on with the index as it is), when the scope changes, and every ``full_check_every`` refreshes. In between it is *warm*: the
helper's own writes keep it in step, so an unchanged refresh needs no read of the metadata
server at all. That is safe because of provenance: an element owned by a metadata source can
only be changed through that source. A connector without a metadata source owns nothing
exclusively, so its index is read again on every refresh.

Names outside the scope are looked up one by one (``get_by_qualified_name``) and remembered.

**Sync** (``ElementSync.sync``) creates an element, replaces its properties when any
differs (``None`` means "absent", so a dropped description is removed), or skips it
without a write; it also brings the classifications the helper manages in step. Every call
is counted in the activity report (created / updated / deleted / skipped per type).

**Links** caches the relationships of one type around elements, read lazily with one
``related`` call per element and kept in step by the helper's writes.

Not thread-safe: a helper belongs to one connector instance (one actor thread).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from attrs import evolve, frozen

from daemon.connectors.store import OpenMetadataStore, differs
from daemon.model.element import Classification, Element, ElementOrigin, ElementType

__all__ = ["Catalogued", "ElementSync", "IndexedHelper", "KnownElements", "Links", "scope_under"]

#: Elements read per page when the index is loaded (the bundled server's maximum).
PAGE_SIZE = 1000


def scope_under(prefix: str, separator: str = "::") -> str:
    """The scope pattern for ``prefix`` itself and every qualifiedName below it (``prefix + separator + …``)."""
    return f"{re.escape(prefix)}(?:{re.escape(separator)}.*)?"


@frozen
class Catalogued:
    """One element a helper brought in step: its guid, qualifiedName, type and what was done."""

    guid: str
    qualified_name: str
    type_name: str
    action: str  # "created", "updated" or "skipped"


class KnownElements:
    """The connector's owned elements of some types in one qualifiedName scope, by qualifiedName."""

    def __init__(self, store: OpenMetadataStore, type_names: Iterable[str]) -> None:
        self._store = store
        self._type_names = tuple(type_names)
        self._by_name: dict[str, Element] = {}
        self._outside: dict[str, Element | None] = {}
        self._scope: re.Pattern[str] | None = None
        self._warm_refreshes = 0
        self._dirty = False
        self.loads = 0  # how many bulk reads so far (for tests and benchmarks)
        self.synced: set[str] = set()  # qualifiedNames brought in step since begin_refresh

    def begin_refresh(self, scope: str, *, full_check_every: int = 10) -> None:
        """Start a refresh over ``scope`` (a regular expression): read the index if it is cold.

        ``full_check_every`` is how many refreshes may use the warm index before it is read
        again (1 = read on every refresh).
        """
        self.synced = set()
        exclusive = self._store.metadata_source is not None
        same_scope = self._scope is not None and self._scope.pattern == scope
        if exclusive and same_scope and not self._dirty and self._warm_refreshes < max(full_check_every, 1):
            self._warm_refreshes += 1
            return
        self._load(re.compile(scope))

    def _load(self, scope: re.Pattern[str]) -> None:
        by_name: dict[str, Element] = {}
        source = self._store.metadata_source
        for type_name in self._type_names:
            found = self._store.find(type_name, [("qualifiedName", "LIKE", scope.pattern)], page_size=PAGE_SIZE)
            for element in found:
                name = element.qualified_name
                if name is not None and (source is None or self._store.owns(element)):
                    by_name[name] = element
        self._by_name, self._outside, self._scope = by_name, {}, scope
        self._warm_refreshes, self._dirty = 1, False
        self.loads += 1

    def invalidate(self) -> None:
        """The index may be out of step (a write failed): read it again at the next refresh."""
        self._dirty = True
        self._outside = {}

    def covers(self, qualified_name: str) -> bool:
        return self._scope is not None and self._scope.fullmatch(qualified_name) is not None

    def get(self, qualified_name: str) -> Element | None:
        """In the scope, the owned element with this name; outside it, whatever element has the
        name (looked up once, and remembered when the connector has a metadata source); or ``None``."""
        if self.covers(qualified_name):
            return self._by_name.get(qualified_name)
        if qualified_name not in self._outside:
            found = self._store.get_by_qualified_name(qualified_name)
            if self._store.metadata_source is None:
                return found  # nothing is exclusively ours: never cache
            self._outside[qualified_name] = found
        return self._outside[qualified_name]

    def remember(self, element: Element) -> None:
        name = element.qualified_name or ""
        if self.covers(name):
            self._by_name[name] = element
        elif self._store.metadata_source is not None:
            self._outside[name] = element

    def forget(self, qualified_name: str) -> None:
        self._by_name.pop(qualified_name, None)
        self._outside.pop(qualified_name, None)

    def elements(self) -> dict[str, Element]:
        """A copy of the indexed elements in scope, by qualifiedName."""
        return dict(self._by_name)


def _needs_replace(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Whether ``current`` must be replaced by ``wanted`` (a value differs, or a key is extra or missing)."""
    if current == wanted:  # the common case, and one C-level comparison
        return False
    return differs(current, wanted) or any(key not in wanted for key in current)


class ElementSync:
    """Create / replace / skip elements against a ``KnownElements`` index, counting each outcome."""

    def __init__(self, store: OpenMetadataStore, known: KnownElements) -> None:
        self.store = store
        self.known = known

    def sync(
        self,
        type_name: str,
        properties: Mapping[str, Any],
        *,
        parent: tuple[str, str, bool] | None = None,
        classifications: Mapping[str, Mapping[str, Any] | None] | None = None,
        initial_classifications: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Catalogued:
        """Bring one element in step.

        ``properties`` is the element's complete property set (``None`` values mean absent).
        ``parent`` is ``(parent guid, relationship type, parent at end 1)``, used when the
        element is created. ``classifications`` are kept in step (``None`` = must be absent);
        ``initial_classifications`` are only set when the element is created.
        """
        qualified_name = properties.get("qualifiedName")
        if not isinstance(qualified_name, str) or not qualified_name:
            raise ValueError("sync needs properties['qualifiedName']")
        wanted = {key: value for key, value in properties.items() if value is not None}
        managed = dict(classifications or {})
        self.known.synced.add(qualified_name)
        current = self.known.get(qualified_name)
        if current is not None and current.type.type_name != type_name:
            self.store.delete(current.guid, type_name=current.type.type_name)  # its kind changed
            self.known.forget(qualified_name)
            current = None
        if current is None:
            return self._create(type_name, wanted, managed, initial_classifications or {}, parent)
        wrote = False
        if _needs_replace(current.properties, wanted):
            self.store.update(current.guid, wanted, merge=False, type_name=type_name)
            wrote = True
        classes, changed = self._sync_classifications(current, managed)
        if changed and not wrote:
            self.store.activity.count("updated", type_name)
        if not (wrote or changed):
            self.store.activity.count("skipped", type_name)
            return Catalogued(current.guid, qualified_name, type_name, "skipped")
        self.known.remember(evolve(current, properties=wanted, classifications=classes))
        return Catalogued(current.guid, qualified_name, type_name, "updated")

    def _create(
        self,
        type_name: str,
        wanted: dict[str, Any],
        managed: Mapping[str, Mapping[str, Any] | None],
        initial: Mapping[str, Mapping[str, Any]],
        parent: tuple[str, str, bool] | None,
    ) -> Catalogued:
        classes = {**initial, **{name: dict(props) for name, props in managed.items() if props is not None}}
        options: dict[str, Any] = {}
        if parent is not None:
            options = {"parent_guid": parent[0], "parent_relationship": parent[1], "parent_at_end1": parent[2]}
        guid = self.store.create(type_name, wanted, classifications=classes or None, **options)
        origin = ElementOrigin(collection_name=self.store.metadata_source or "")
        self.known.remember(
            Element(
                guid,
                ElementType(type_name),
                origin=origin,
                classifications=tuple(Classification(name, props) for name, props in classes.items()),
                properties=wanted,
            )
        )
        return Catalogued(guid, wanted["qualifiedName"], type_name, "created")

    def _sync_classifications(
        self, current: Element, managed: Mapping[str, Mapping[str, Any] | None]
    ) -> tuple[tuple[Classification, ...], bool]:
        classes = {c.name: c for c in current.classifications}
        changed = False
        for name, props in managed.items():
            have = classes.get(name)
            if props is None and have is not None:
                self.store.declassify(current.guid, name)
                del classes[name]
            elif props is not None and have is None:
                self.store.classify(current.guid, name, props)
                classes[name] = Classification(name, dict(props))
            elif props is not None and have is not None and _needs_replace(have.properties, props):
                self.store.reclassify(current.guid, name, props, merge=False)
                classes[name] = Classification(name, dict(props))
            else:
                continue
            changed = True
        return tuple(classes.values()), changed


class Links:
    """The relationships of one type around elements: ``other end guid -> (relationship guid, properties)``.

    Read lazily, one ``related`` call per (element, end), and kept in step by ``relate`` and
    ``unrelate``. Elements the helper has just created are known to have none (``mark_new``).
    """

    def __init__(self, store: OpenMetadataStore, type_name: str) -> None:
        self._store = store
        self.type_name = type_name
        self._ends: dict[tuple[str, int], dict[str, tuple[str, Mapping[str, Any]]]] = {}

    def clear(self) -> None:
        self._ends.clear()

    def mark_new(self, guid: str) -> None:
        self._ends[(guid, 1)] = {}
        self._ends[(guid, 2)] = {}

    def at(self, guid: str, end: int) -> dict[str, tuple[str, Mapping[str, Any]]]:
        """Relationships with ``guid`` at ``end`` (1 or 2), by the guid at the other end."""
        key = (guid, end)
        if key not in self._ends:
            found: dict[str, tuple[str, Mapping[str, Any]]] = {}
            for related in self._store.related(guid, self.type_name):
                rel = related.relationship
                if (rel.end1_guid if end == 1 else rel.end2_guid) == guid:
                    found.setdefault(related.element.guid, (rel.guid, rel.properties))
            self._ends[key] = found
        return self._ends[key]

    def ensure(self, end1: str, end2: str, properties: Mapping[str, Any] | None = None) -> str:
        """Link ``end1 -> end2`` unless already linked with these properties; returns what was done."""
        wanted = {k: v for k, v in (properties or {}).items() if v is not None}
        existing = self.at(end1, 1).get(end2)
        if existing is not None and not _needs_replace(existing[1], wanted):
            self._store.activity.count("skipped", self.type_name)
            return "skipped"
        if existing is not None:
            self.unrelate(end1, end2)
        self.relate(end1, end2, wanted)
        return "created" if existing is None else "updated"

    def relate(self, end1: str, end2: str, properties: Mapping[str, Any]) -> None:
        guid = self._store.relate(self.type_name, end1, end2, properties)
        for key, other in (((end1, 1), end2), ((end2, 2), end1)):
            if key in self._ends:
                self._ends[key][other] = (guid, dict(properties))

    def unrelate(self, end1: str, end2: str) -> None:
        existing = self.at(end1, 1).pop(end2, None)
        if existing is None:
            return
        self._store.unrelate(existing[0], type_name=self.type_name)
        self._ends.get((end2, 2), {}).pop(end1, None)


class IndexedHelper:
    """Base of the helpers that keep an index of what the connector owns (see ``StaleSweep``)."""

    def __init__(self, store: OpenMetadataStore, type_names: Iterable[str]) -> None:
        self.store = store
        self.known = KnownElements(store, type_names)
        self._sync = ElementSync(store, self.known)

    def owned(self) -> dict[str, Element]:
        """The owned elements in the scope of this refresh, by qualifiedName."""
        return self.known.elements()

    def synced(self) -> set[str]:
        """The qualifiedNames brought in step since the refresh began (they are still in the technology)."""
        return set(self.known.synced)

    def forget(self, qualified_name: str) -> None:
        """Drop an element from the index (it was archived)."""
        self.known.forget(qualified_name)

    def invalidate(self) -> None:
        """After a failed write: the next refresh reads everything again."""
        self.known.invalidate()
