"""The metadata server's queries: get, unique-name lookup, finds and related elements.

Each method reads one store snapshot. Type filters match subtypes; archived elements are
left out unless the caller asks ``forLineage``. Results come in creation order, so paging
through a find with ``startFrom`` is stable while elements are only added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TypeVar

from daemon.errors import InvalidParameterError
from daemon.metadata_server._bodies import Caller
from daemon.metadata_server._query_bodies import (
    FindRequest,
    Paging,
    SearchCriteria,
    SearchStringRequest,
    UniqueNameRequest,
)
from daemon.metadata_server._rules import visible_element
from daemon.metadata_server._search import matches_criteria, matches_search_string
from daemon.metadata_server._writes import check_type
from daemon.metadata_server.store import Store, StoreReader
from daemon.model import Element, RelatedElement, Relationship, TypeTable

__all__ = ["Reads"]


T = TypeVar("T")


def _page(items: Iterable[T], paging: Paging) -> list[T]:
    return list(islice(items, paging.start, paging.start + paging.page_size))


class Reads:
    """Read-only operations over the store; safe to call from many threads at once."""

    def __init__(self, store: Store, types: TypeTable) -> None:
        self._store = store
        self._types = types

    def get_element(self, caller: Caller, guid: str) -> Element:
        """The element with this guid; InvalidParameterError (404) if unknown or archived without forLineage."""
        with self._store.read() as session:
            return visible_element(session, guid, caller, "elementGUID")

    def by_unique_name(self, caller: Caller, request: UniqueNameRequest) -> Element | None:
        """The one element whose ``property_name`` is ``name``; ``None`` if none, an error if several."""
        with self._store.read() as session:
            found = session.elements_named(request.name, request.property_name, include_archived=caller.for_lineage)
        live = [element for element in found if not element.is_archived]
        if len(found) > 1 and len(live) == 1:
            return live[0]
        if len(found) > 1:
            raise InvalidParameterError(
                f"{len(found)} elements have {request.property_name} {request.name!r}; the name is not unique",
                message_id="OMAG-COMMON-400-021",
                user_action="Use a property whose values are unique, or find the elements by search conditions.",
                properties={"parameterName": "name", "guids": [element.guid for element in found]},
            )
        return found[0] if found else None

    def find(self, caller: Caller, request: FindRequest) -> list[Element]:
        """Elements of the requested types whose properties meet the search conditions, one page."""
        type_names = self._type_filter(request.type_name, request.subtype_names)
        criteria = request.criteria

        def wanted(element: Element) -> bool:
            return criteria is None or matches_criteria(criteria, element.properties)

        name = self._indexed_name(criteria, type_names)
        return self._scan(caller, type_names, request.statuses, wanted, request.paging, name)

    def search(self, caller: Caller, request: SearchStringRequest) -> list[Element]:
        """Elements of the requested types with a string property matching the search string, one page."""
        type_names = self._type_filter(request.type_name, request.subtype_names)
        pattern = request.pattern

        def wanted(element: Element) -> bool:
            return matches_search_string(pattern, element.properties)

        return self._scan(caller, type_names, request.statuses, wanted, request.paging)

    def related(
        self, caller: Caller, guid: str, relationship_type: str | None, starting_at_end: int, paging: Paging
    ) -> list[RelatedElement]:
        """The elements linked to ``guid`` (optionally by one relationship type), one page.

        ``starting_at_end`` 1 or 2 keeps only relationships where ``guid`` is at that end; 0 either.
        """
        if relationship_type is not None:
            check_type(self._types, relationship_type, "relationship", "relationshipTypeName")
            relationship_type = self._types.canonical(relationship_type)
        with self._store.read() as session:
            visible_element(session, guid, caller, "elementGUID")
            relationships = session.relationships_of(guid, relationship_type)
            related = self._other_ends(session, caller, guid, relationships, starting_at_end)
            return _page(related, paging)

    # ------------------------------------------------------------ helpers

    def _scan(
        self,
        caller: Caller,
        type_names: frozenset[str] | None,
        statuses: tuple[str, ...],
        wanted: Callable[[Element], bool],
        paging: Paging,
        qualified_name: str | None = None,
    ) -> list[Element]:
        def keep(element: Element) -> bool:
            return (not statuses or element.status in statuses) and wanted(element)

        with self._store.read() as session:
            if qualified_name is not None:  # the indexed lookup instead of a scan
                named = session.elements_named(qualified_name, "qualifiedName", include_archived=caller.for_lineage)
                in_types = (e for e in named if type_names is None or e.type.type_name in type_names)
                return _page(filter(keep, in_types), paging)
            candidates = session.elements(type_names, include_archived=caller.for_lineage)
            try:
                return _page(filter(keep, candidates), paging)
            finally:
                candidates.close()

    def _indexed_name(self, criteria: SearchCriteria | None, type_names: frozenset[str] | None) -> str | None:
        """The qualifiedName an ALL-criteria find pins with EQ, when the index can answer it.

        The index holds Referenceable elements only, so a find over other types scans. (A find
        with no type filter uses the index too: the one non-Referenceable entity type is the
        abstract root.)
        """
        if criteria is None or criteria.match != "ALL":
            return None
        if type_names is not None and not all(self._types.is_subtype(t, "Referenceable") for t in type_names):
            return None
        for condition in criteria.conditions:
            pinned = condition.property == "qualifiedName" and condition.operator == "EQ"
            if pinned and isinstance(condition.value, str):
                return condition.value
        return None

    @staticmethod
    def _other_ends(
        session: StoreReader, caller: Caller, guid: str, relationships: list[Relationship], starting_at_end: int
    ) -> Iterator[RelatedElement]:
        for relationship in relationships:
            at_end1 = relationship.end1_guid == guid
            if (starting_at_end == 1 and not at_end1) or (starting_at_end == 2 and relationship.end2_guid != guid):
                continue
            other_guid = relationship.end2_guid if at_end1 else relationship.end1_guid
            other = session.element(other_guid)
            if other is None or (other.is_archived and not caller.for_lineage):
                continue
            yield RelatedElement(relationship, other, element_at_end1=not at_end1)

    def _type_filter(self, type_name: str | None, subtype_names: tuple[str, ...]) -> frozenset[str] | None:
        """The exact type names a find matches, or ``None`` for every type."""
        family = None
        if type_name:
            check_type(self._types, type_name, "entity", "metadataElementTypeName")
            family = self._types.type_family(type_name)
        if subtype_names:
            chosen: set[str] = set()
            for name in subtype_names:
                check_type(self._types, name, "entity", "metadataElementSubtypeNames")
                chosen |= self._types.type_family(name)
            family = frozenset(chosen) if family is None else family & chosen
        return family
