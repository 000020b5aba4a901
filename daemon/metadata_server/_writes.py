"""The metadata server's write operations: elements, classifications and relationships.

Each public method is one store transaction: it reads what it needs, applies the
provenance rule, writes the change and appends its Out Topic event(s). Any error raised
inside the transaction rolls everything back, so a refused request leaves no trace.
Versions count changes: a request that changes nothing (same properties) is not a change,
bumps no version and logs no event.

Called from the HTTP layer's worker threads; holds no state of its own besides its
collaborators.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from attrs import evolve

from daemon.errors import InvalidParameterError
from daemon.metadata_server._bodies import (
    ArchiveRequest,
    Caller,
    NewElementRequest,
    NewRelationshipRequest,
    UpdateRequest,
)
from daemon.metadata_server._events import EventFactory
from daemon.metadata_server._rules import ServerIdentity, check_provenance, not_found, visible_element
from daemon.metadata_server.store import Store, StoreWriter
from daemon.model import (
    Classification,
    Element,
    ElementType,
    ElementVersions,
    EventType,
    Relationship,
    TypeTable,
)

__all__ = ["Writes", "check_type"]

log = logging.getLogger(__name__)

MEMENTO = "Memento"
ANCHORS = "Anchors"


def check_type(types: TypeTable, name: str, kind: str, parameter: str) -> None:
    """Refuse a type name that is not a known ``kind`` (entity, relationship, classification) type."""
    known = {
        "entity": types.is_entity,
        "relationship": types.is_relationship,
        "classification": types.is_classification,
    }[kind](name)
    if not known:
        raise InvalidParameterError(
            f"{parameter}: {name!r} is not a known open metadata {kind} type",
            message_id="OMAG-COMMON-400-018",
            user_action=f"Use an open metadata {kind} type name that this server knows, spelt exactly.",
            properties={"parameterName": parameter, "typeName": name},
        )


def _merged(old: Mapping[str, Any], update: UpdateRequest) -> dict[str, Any]:
    return {**old, **update.properties} if update.merge else dict(update.properties)


class Writes:
    """Element, classification and relationship changes, each with its events, in one transaction."""

    def __init__(
        self,
        store: Store,
        types: TypeTable,
        identity: ServerIdentity,
        clock: Callable[[], datetime],
        new_guid: Callable[[], str] | None = None,
    ) -> None:
        self._store = store
        self._types = types
        self._identity = identity
        self._clock = clock
        self._events = EventFactory(clock)
        self._new_guid = new_guid or (lambda: str(uuid.uuid4()))

    # ------------------------------------------------------------ elements

    def create_element(self, caller: Caller, request: NewElementRequest) -> str:
        """Create an element (and its parent relationship); returns the new guid."""
        check_type(self._types, request.type_name, "entity", "typeName")
        for name in request.classifications:
            check_type(self._types, name, "classification", f"initialClassifications.{name}")
        if request.parent_relationship_type:
            check_type(self._types, request.parent_relationship_type, "relationship", "parentRelationshipTypeName")
        element = self._new_element(caller, request)
        with self._store.write() as tx:
            element = self._with_anchor(tx, caller, element, request)
            parent = visible_element(tx, request.parent_guid, caller, "parentGUID") if request.parent_guid else None
            self._check_unique_name(tx, element)
            tx.insert_element(element)
            tx.append_event(self._events.for_element(EventType.NEW_ELEMENT_CREATED, element))
            if parent is not None and request.parent_relationship_type:
                end1, end2 = (parent, element) if request.parent_at_end1 else (element, parent)
                properties = request.parent_relationship_properties
                self._link(tx, caller, request.parent_relationship_type, end1, end2, properties, "parentAtEnd1")
        return element.guid

    def _new_element(self, caller: Caller, request: NewElementRequest) -> Element:
        now = self._clock()
        return Element(
            guid=self._new_guid(),
            type=ElementType(request.type_name, self._types.super_types(request.type_name)),
            origin=self._identity.origin_for(caller.source),
            versions=ElementVersions(caller.user_id, caller.user_id, now, now, 1),
            classifications=tuple(Classification(n, p) for n, p in request.classifications.items()),
            properties=request.properties,
        )

    def _with_anchor(self, tx: StoreWriter, caller: Caller, element: Element, request: NewElementRequest) -> Element:
        if request.anchor_guid:
            anchor = visible_element(tx, request.anchor_guid, caller, "anchorGUID")
        elif request.is_own_anchor:
            anchor = element
        else:
            return element
        anchors = Classification(ANCHORS, {"anchorGUID": anchor.guid, "anchorTypeName": anchor.type.type_name})
        kept = tuple(c for c in element.classifications if c.name != ANCHORS)
        return evolve(element, classifications=(*kept, anchors))

    def update_element(self, caller: Caller, guid: str, update: UpdateRequest) -> bool:
        """Merge or replace an element's properties; ``False`` when nothing changed."""
        with self._store.write() as tx:
            old = visible_element(tx, guid, caller, "metadataElementGUID")
            check_provenance(caller, old, "updateMetadataElementInStore")
            properties = _merged(old.properties, update)
            if properties == dict(old.properties):
                return False
            new = evolve(old, properties=properties, versions=self._bumped(old.versions, caller))
            self._check_unique_name(tx, new)
            tx.replace_element(new)
            tx.append_event(self._events.for_element(EventType.ELEMENT_UPDATED, new, previous=old))
        return True

    def delete_element(self, caller: Caller, guid: str) -> None:
        """Remove an element and every relationship it has."""
        with self._store.write() as tx:
            element = visible_element(tx, guid, caller, "metadataElementGUID")
            check_provenance(caller, element, "deleteMetadataElementInStore")
            for relationship in tx.relationships_of(guid):
                end1, end2 = tx.element(relationship.end1_guid), tx.element(relationship.end2_guid)
                tx.delete_relationship(relationship.guid)
                tx.append_event(
                    self._events.for_relationship(EventType.DELETED_RELATIONSHIP, relationship, end1, end2)
                )
            tx.delete_element(guid)
            tx.append_event(self._events.for_element(EventType.ELEMENT_DELETED, element))

    def archive_element(self, caller: Caller, guid: str, request: ArchiveRequest) -> None:
        """Mark an element archived (``Memento``): it stays for lineage and leaves normal queries."""
        with self._store.write() as tx:
            old = visible_element(tx, guid, caller, "metadataElementGUID")
            if old.is_archived:
                raise InvalidParameterError(
                    f"The element {guid} is already archived",
                    properties={"parameterName": "metadataElementGUID", "guid": guid},
                )
            check_provenance(caller, old, "archiveMetadataElementInStore")
            memento = Classification(MEMENTO, self._memento_properties(caller, request))
            new = evolve(
                old, classifications=(*old.classifications, memento), versions=self._bumped(old.versions, caller)
            )
            tx.replace_element(new)
            tx.append_event(
                self._events.for_element(
                    EventType.ELEMENT_ARCHIVED, new, previous=old,
                    classification=MEMENTO, classification_properties=memento.properties,
                )
            )

    def _memento_properties(self, caller: Caller, request: ArchiveRequest) -> dict[str, Any]:
        values = {
            "archiveDate": request.archive_date or self._clock(),
            "archiveUser": caller.user_id,
            "archiveProcess": request.archive_process,
            "archiveProperties": request.archive_properties or None,
        }
        return {name: value for name, value in values.items() if value is not None}

    # ------------------------------------------------------------ classifications

    def classify(self, caller: Caller, guid: str, name: str, properties: dict[str, Any]) -> None:
        """Attach a classification the element does not have yet."""
        check_type(self._types, name, "classification", "classificationName")
        with self._store.write() as tx:
            old = visible_element(tx, guid, caller, "metadataElementGUID")
            check_provenance(caller, old, "classifyMetadataElementInStore")
            if old.classification(name) is not None:
                raise InvalidParameterError(
                    f"The element {guid} is already classified as {name}; "
                    "use .../classifications/{name}/update-properties to change its properties",
                    properties={"parameterName": "classificationName", "classificationName": name},
                )
            added = Classification(name, properties)
            classifications = (*old.classifications, added)
            new = evolve(old, classifications=classifications, versions=self._bumped(old.versions, caller))
            tx.replace_element(new)
            tx.append_event(
                self._events.for_element(
                    EventType.ELEMENT_CLASSIFIED, new, previous=old,
                    classification=name, classification_properties=properties,
                )
            )

    def reclassify(self, caller: Caller, guid: str, name: str, update: UpdateRequest) -> None:
        """Change the properties of a classification the element has."""
        with self._store.write() as tx:
            old = visible_element(tx, guid, caller, "metadataElementGUID")
            check_provenance(caller, old, "reclassifyMetadataElementInStore")
            current = self._existing_classification(old, name)
            properties = _merged(current.properties, update)
            if properties == dict(current.properties):
                return
            changed = Classification(name, properties)
            classifications = tuple(changed if c.name == name else c for c in old.classifications)
            new = evolve(old, classifications=classifications, versions=self._bumped(old.versions, caller))
            tx.replace_element(new)
            tx.append_event(
                self._events.for_element(
                    EventType.ELEMENT_RECLASSIFIED, new, previous=old, classification=name,
                    classification_properties=properties, previous_classification_properties=current.properties,
                )
            )

    def declassify(self, caller: Caller, guid: str, name: str) -> None:
        """Remove a classification; removing ``Memento`` restores an archived element."""
        with self._store.write() as tx:
            old = visible_element(tx, guid, caller, "metadataElementGUID")
            check_provenance(caller, old, "declassifyMetadataElementInStore")
            current = self._existing_classification(old, name)
            kept = tuple(c for c in old.classifications if c.name != name)
            new = evolve(old, classifications=kept, versions=self._bumped(old.versions, caller))
            self._check_unique_name(tx, new)
            tx.replace_element(new)
            event_type = EventType.ELEMENT_RESTORED if name == MEMENTO else EventType.ELEMENT_DECLASSIFIED
            tx.append_event(
                self._events.for_element(
                    event_type, new, previous=old, classification=name,
                    previous_classification_properties=current.properties,
                )
            )

    @staticmethod
    def _existing_classification(element: Element, name: str) -> Classification:
        current = element.classification(name)
        if current is None:
            raise InvalidParameterError(
                f"The element {element.guid} has no {name} classification",
                properties={"parameterName": "classificationName", "classificationName": name},
            )
        return current

    # ------------------------------------------------------------ relationships

    def create_relationship(self, caller: Caller, request: NewRelationshipRequest) -> str:
        """Link two visible elements; an identical existing link is returned instead of a new one."""
        check_type(self._types, request.type_name, "relationship", "typeName")
        with self._store.write() as tx:
            end1 = visible_element(tx, request.end1_guid, caller, "metadataElement1GUID")
            end2 = visible_element(tx, request.end2_guid, caller, "metadataElement2GUID")
            return self._link(tx, caller, request.type_name, end1, end2, request.properties, "metadataElement1GUID")

    def _link(
        self, tx: StoreWriter, caller: Caller, type_name: str,
        end1: Element, end2: Element, properties: dict[str, Any], parameter: str,
    ) -> str:
        type_name = self._types.canonical(type_name)
        self._check_ends(type_name, end1, end2, parameter)
        for existing in tx.relationships_of(end1.guid, type_name):
            same_ends = (existing.end1_guid, existing.end2_guid) == (end1.guid, end2.guid)
            if same_ends and dict(existing.properties) == properties:
                return existing.guid
        now = self._clock()
        relationship = Relationship(
            guid=self._new_guid(),
            type=ElementType(type_name),
            end1_guid=end1.guid,
            end2_guid=end2.guid,
            properties=properties,
            origin=self._identity.origin_for(caller.source),
            versions=ElementVersions(caller.user_id, caller.user_id, now, now, 1),
        )
        tx.insert_relationship(relationship)
        tx.append_event(self._events.for_relationship(EventType.NEW_RELATIONSHIP, relationship, end1, end2))
        return relationship.guid

    def update_relationship(self, caller: Caller, guid: str, update: UpdateRequest) -> bool:
        """Merge or replace a relationship's properties; ``False`` when nothing changed."""
        with self._store.write() as tx:
            old = tx.relationship(guid)
            if old is None:
                raise not_found("relationship", guid, "relationshipGUID")
            check_provenance(caller, old, "updateRelationshipInStore")
            properties = _merged(old.properties, update)
            if properties == dict(old.properties):
                return False
            new = evolve(old, properties=properties, versions=self._bumped(old.versions, caller))
            tx.replace_relationship(new)
            end1, end2 = tx.element(new.end1_guid), tx.element(new.end2_guid)
            tx.append_event(
                self._events.for_relationship(EventType.UPDATED_RELATIONSHIP_PROPERTIES, new, end1, end2, previous=old)
            )
        return True

    def delete_relationship(self, caller: Caller, guid: str) -> None:
        """Remove a relationship."""
        with self._store.write() as tx:
            old = tx.relationship(guid)
            if old is None:
                raise not_found("relationship", guid, "relationshipGUID")
            check_provenance(caller, old, "deleteRelationshipInStore")
            tx.delete_relationship(guid)
            end1, end2 = tx.element(old.end1_guid), tx.element(old.end2_guid)
            tx.append_event(self._events.for_relationship(EventType.DELETED_RELATIONSHIP, old, end1, end2))

    # ------------------------------------------------------------ checks

    def _bumped(self, versions: ElementVersions, caller: Caller) -> ElementVersions:
        return evolve(versions, updated_by=caller.user_id, update_time=self._clock(), version=versions.version + 1)

    def _check_unique_name(self, tx: StoreWriter, element: Element) -> None:
        name = element.qualified_name
        if name is None or element.is_archived or not element.type.is_a("Referenceable"):
            return
        for other in tx.elements_named(name, "qualifiedName", include_archived=False):
            if other.guid != element.guid:
                raise InvalidParameterError(
                    f"The qualifiedName {name!r} is already used by {other.type.type_name} {other.guid}",
                    related_http_code=409,
                    message_id="OMAG-COMMON-409-001",
                    system_action="The request is rejected; qualifiedName is unique across Referenceable elements.",
                    user_action="Choose another qualifiedName, or update the existing element instead.",
                    properties={"parameterName": "qualifiedName", "qualifiedName": name, "guid": other.guid},
                )

    def _fits(self, element: Element, wanted: str) -> bool:
        return element.type.is_a(wanted) or self._types.is_subtype(element.type.type_name, wanted)

    def _check_ends(self, type_name: str, end1: Element, end2: Element, parameter: str) -> None:
        """Refuse ends that are clearly the wrong way round; only warn about other mismatches."""
        want1, want2 = self._types.relationship_ends(type_name)
        if self._fits(end1, want1) and self._fits(end2, want2):
            return
        if self._fits(end2, want1) and self._fits(end1, want2):
            raise InvalidParameterError(
                f"{type_name} links a {want1} (end 1) to a {want2} (end 2), but the request puts the "
                f"{end1.type.type_name} {end1.guid} at end 1 and the {end2.type.type_name} {end2.guid} at end 2; "
                "swap the two ends",
                properties={"parameterName": parameter, "typeName": type_name},
            )
        log.warning(
            "%s usually links %s -> %s; linking %s %s -> %s %s anyway",
            type_name, want1, want2, end1.type.type_name, end1.guid, end2.type.type_name, end2.guid,
        )
