"""Open metadata elements and relationships as frozen values, with their Egeria 6 wire shapes.

The metadata server builds these from its store and sends ``to_wire()``; the metadata
client reads responses with ``from_wire()`` and hands the values to connectors. Header
dates travel as ISO-8601 strings with an offset; property values as ``ElementProperties``
(see ``daemon.model.properties``). Properties are plain values; treat the dicts as
read-only.

``from_wire`` raises ``ValueError`` naming the field when a document cannot be read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from attrs import field, frozen

from daemon.model.properties import decode_properties, encode_properties

__all__ = [
    "Classification",
    "Element",
    "ElementHeader",
    "ElementOrigin",
    "ElementType",
    "ElementVersions",
    "RelatedElement",
    "Relationship",
    "format_time",
    "parse_time",
]

MEMENTO = "Memento"


def format_time(value: datetime | None) -> str | None:
    """ISO-8601 text with milliseconds and offset, as Egeria writes header dates."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.astimezone()
    return value.isoformat(timespec="milliseconds")


def parse_time(value: Any, path: str = "time") -> datetime | None:
    """A header date from ISO-8601 text or epoch milliseconds; ``None`` stays ``None``."""
    if value is None:
        return None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError, OSError) as exc:
        raise ValueError(f"{path}: {value!r} is not a date") from exc
    raise ValueError(f"{path}: {value!r} is not a date")


def _names(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _classification_tuple(values: Iterable[Classification]) -> tuple[Classification, ...]:
    return tuple(values)


def _mapping(data: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected an object, got {type(data).__name__}")
    return data


def _text(data: Mapping[str, Any], key: str, path: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{path}.{key}: expected a string, got {value!r}")
    return value


@frozen
class ElementType:
    """The type of an element or relationship: its name and its supertypes, nearest first."""

    type_name: str
    super_type_names: tuple[str, ...] = field(default=(), converter=_names)

    def is_a(self, type_name: str) -> bool:
        """Whether this type is ``type_name`` or one of its subtypes."""
        return type_name == self.type_name or type_name in self.super_type_names

    def to_wire(self) -> dict[str, Any]:
        """The Egeria ``ElementType`` JSON."""
        return {"typeName": self.type_name, "superTypeNames": list(self.super_type_names)}

    @classmethod
    def from_wire(cls, data: Any, path: str = "type") -> ElementType:
        """Read an ``ElementType`` JSON object."""
        data = _mapping(data, path)
        supers = data.get("superTypeNames") or []
        if not isinstance(supers, list) or not all(isinstance(s, str) for s in supers):
            raise ValueError(f"{path}.superTypeNames: expected a list of strings")
        return cls(_text(data, "typeName", path), tuple(supers))


@frozen
class ElementOrigin:
    """Where an element comes from: ``LOCAL_COHORT`` or ``EXTERNAL_SOURCE`` and its metadata collection."""

    category: str = "LOCAL_COHORT"
    collection_id: str = ""
    collection_name: str = ""
    source_server: str = ""

    def to_wire(self) -> dict[str, Any]:
        """The Egeria ``ElementOrigin`` JSON."""
        return {
            "sourceServer": self.source_server,
            "originCategory": self.category,
            "homeMetadataCollectionId": self.collection_id,
            "homeMetadataCollectionName": self.collection_name,
        }

    @classmethod
    def from_wire(cls, data: Any, path: str = "origin") -> ElementOrigin:
        """Read an ``ElementOrigin`` JSON object (missing fields become empty)."""
        data = _mapping(data or {}, path)
        return cls(
            category=str(data.get("originCategory") or "UNKNOWN"),
            collection_id=str(data.get("homeMetadataCollectionId") or ""),
            collection_name=str(data.get("homeMetadataCollectionName") or ""),
            source_server=str(data.get("sourceServer") or ""),
        )


@frozen
class ElementVersions:
    """Who created and last changed an element, when, and how many times it changed."""

    created_by: str = ""
    updated_by: str = ""
    create_time: datetime | None = None
    update_time: datetime | None = None
    version: int = 0

    def to_wire(self) -> dict[str, Any]:
        """The Egeria ``ElementVersions`` JSON, dates as ISO-8601 text."""
        return {
            "createdBy": self.created_by,
            "updatedBy": self.updated_by,
            "createTime": format_time(self.create_time),
            "updateTime": format_time(self.update_time),
            "version": self.version,
        }

    @classmethod
    def from_wire(cls, data: Any, path: str = "versions") -> ElementVersions:
        """Read an ``ElementVersions`` JSON object."""
        data = _mapping(data or {}, path)
        version = data.get("version") or 0
        if not isinstance(version, int) or isinstance(version, bool):
            raise ValueError(f"{path}.version: expected an integer, got {version!r}")
        return cls(
            created_by=str(data.get("createdBy") or ""),
            updated_by=str(data.get("updatedBy") or ""),
            create_time=parse_time(data.get("createTime"), f"{path}.createTime"),
            update_time=parse_time(data.get("updateTime"), f"{path}.updateTime"),
            version=version,
        )


@frozen
class Classification:
    """A named classification attached to an element, with its properties."""

    name: str
    properties: Mapping[str, Any] = field(factory=dict)

    def to_wire(self) -> dict[str, Any]:
        """The Egeria ``AttachedClassification`` JSON."""
        return {
            "class": "AttachedClassification",
            "classificationName": self.name,
            "classificationProperties": encode_properties(self.properties, "classificationProperties"),
        }

    @classmethod
    def from_wire(cls, data: Any, path: str = "classification") -> Classification:
        """Read an ``AttachedClassification`` JSON object."""
        data = _mapping(data, path)
        return cls(
            _text(data, "classificationName", path),
            decode_properties(data.get("classificationProperties"), f"{path}.classificationProperties"),
        )


def _classifications_from_wire(data: Any, path: str) -> tuple[Classification, ...]:
    if data is None:
        return ()
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list")
    return tuple(Classification.from_wire(item, f"{path}[{i}]") for i, item in enumerate(data))


@frozen
class ElementHeader:
    """An element's control header without its properties, as carried in Out Topic events."""

    guid: str
    type: ElementType
    origin: ElementOrigin = field(factory=ElementOrigin)
    versions: ElementVersions = field(factory=ElementVersions)
    status: str = "ACTIVE"
    classifications: tuple[Classification, ...] = field(default=(), converter=_classification_tuple)

    def to_wire(self) -> dict[str, Any]:
        """The Egeria ``ElementHeader`` JSON (key ``guid``)."""
        return {
            "class": "ElementHeader",
            "guid": self.guid,
            "type": self.type.to_wire(),
            "origin": self.origin.to_wire(),
            "versions": self.versions.to_wire(),
            "status": self.status,
            "classifications": [c.to_wire() for c in self.classifications],
        }

    @classmethod
    def from_wire(cls, data: Any, path: str = "elementHeader") -> ElementHeader:
        """Read an ``ElementHeader`` JSON object (accepts ``guid`` or ``elementGUID``)."""
        data = _mapping(data, path)
        guid_key = "guid" if "guid" in data else "elementGUID"
        return cls(
            guid=_text(data, guid_key, path),
            type=ElementType.from_wire(data.get("type"), f"{path}.type"),
            origin=ElementOrigin.from_wire(data.get("origin"), f"{path}.origin"),
            versions=ElementVersions.from_wire(data.get("versions"), f"{path}.versions"),
            status=str(data.get("status") or "ACTIVE"),
            classifications=_classifications_from_wire(data.get("classifications"), f"{path}.classifications"),
        )


@frozen
class Element:
    """An open metadata element (entity): header fields plus plain-valued properties."""

    guid: str
    type: ElementType
    origin: ElementOrigin = field(factory=ElementOrigin)
    versions: ElementVersions = field(factory=ElementVersions)
    status: str = "ACTIVE"
    classifications: tuple[Classification, ...] = field(default=(), converter=_classification_tuple)
    properties: Mapping[str, Any] = field(factory=dict)

    @property
    def qualified_name(self) -> str | None:
        """The ``qualifiedName`` property, if set."""
        value = self.properties.get("qualifiedName")
        return value if isinstance(value, str) else None

    @property
    def is_archived(self) -> bool:
        """Whether the element carries the ``Memento`` classification."""
        return self.classification(MEMENTO) is not None

    @property
    def header(self) -> ElementHeader:
        """The element's control header, as used in events."""
        return ElementHeader(self.guid, self.type, self.origin, self.versions, self.status, self.classifications)

    def classification(self, name: str) -> Classification | None:
        """The classification called ``name``, or ``None``."""
        return next((c for c in self.classifications if c.name == name), None)

    def to_wire(self) -> dict[str, Any]:
        """The Egeria ``OpenMetadataElement`` JSON."""
        return {
            "class": "OpenMetadataElement",
            "elementGUID": self.guid,
            "type": self.type.to_wire(),
            "origin": self.origin.to_wire(),
            "versions": self.versions.to_wire(),
            "status": self.status,
            "classifications": [c.to_wire() for c in self.classifications],
            "elementProperties": encode_properties(self.properties, "elementProperties"),
        }

    @classmethod
    def from_wire(cls, data: Any, path: str = "element") -> Element:
        """Read an ``OpenMetadataElement`` JSON object."""
        header = ElementHeader.from_wire(data, path)
        properties = decode_properties(_mapping(data, path).get("elementProperties"), f"{path}.elementProperties")
        return cls(
            header.guid, header.type, header.origin, header.versions, header.status, header.classifications, properties
        )


@frozen
class Relationship:
    """A typed link between two elements (end1 -> end2) with its own properties and header."""

    guid: str
    type: ElementType
    end1_guid: str
    end2_guid: str
    properties: Mapping[str, Any] = field(factory=dict)
    origin: ElementOrigin = field(factory=ElementOrigin)
    versions: ElementVersions = field(factory=ElementVersions)
    status: str = "ACTIVE"

    @property
    def header(self) -> ElementHeader:
        """The relationship's control header, as used in events."""
        return ElementHeader(self.guid, self.type, self.origin, self.versions, self.status)

    def to_wire(self) -> dict[str, Any]:
        """The Egeria ``OpenMetadataRelationship`` JSON."""
        return {
            "class": "OpenMetadataRelationship",
            "relationshipGUID": self.guid,
            "type": self.type.to_wire(),
            "relationshipType": self.type.to_wire(),
            "origin": self.origin.to_wire(),
            "versions": self.versions.to_wire(),
            "status": self.status,
            "elementGUIDAtEnd1": self.end1_guid,
            "elementGUIDAtEnd2": self.end2_guid,
            "relationshipProperties": encode_properties(self.properties, "relationshipProperties"),
        }

    @classmethod
    def from_wire(cls, data: Any, path: str = "relationship") -> Relationship:
        """Read an ``OpenMetadataRelationship`` JSON object."""
        data = _mapping(data, path)
        type_key = "relationshipType" if data.get("relationshipType") else "type"
        return cls(
            guid=_text(data, "relationshipGUID", path),
            type=ElementType.from_wire(data.get(type_key), f"{path}.{type_key}"),
            end1_guid=_text(data, "elementGUIDAtEnd1", path),
            end2_guid=_text(data, "elementGUIDAtEnd2", path),
            properties=decode_properties(data.get("relationshipProperties"), f"{path}.relationshipProperties"),
            origin=ElementOrigin.from_wire(data.get("origin"), f"{path}.origin"),
            versions=ElementVersions.from_wire(data.get("versions"), f"{path}.versions"),
            status=str(data.get("status") or "ACTIVE"),
        )


@frozen
class RelatedElement:
    """An element reached through a relationship from a starting element.

    ``element_at_end1`` tells whether ``element`` sits at end 1 of ``relationship``.
    """

    relationship: Relationship
    element: Element
    element_at_end1: bool

    def to_wire(self) -> dict[str, Any]:
        """The Egeria ``RelatedMetadataElement`` JSON (plus both end GUIDs, which Egeria readers ignore)."""
        rel = self.relationship
        return {
            "class": "RelatedMetadataElement",
            "relationshipGUID": rel.guid,
            "type": rel.type.to_wire(),
            "origin": rel.origin.to_wire(),
            "versions": rel.versions.to_wire(),
            "status": rel.status,
            "relationshipProperties": encode_properties(rel.properties, "relationshipProperties"),
            "elementAtEnd1": self.element_at_end1,
            "elementGUIDAtEnd1": rel.end1_guid,
            "elementGUIDAtEnd2": rel.end2_guid,
            "element": self.element.to_wire(),
        }

    @classmethod
    def from_wire(cls, data: Any, starting_guid: str = "", path: str = "relatedElement") -> RelatedElement:
        """Read a ``RelatedMetadataElement``; ``starting_guid`` fills the other end when the JSON lacks it."""
        data = _mapping(data, path)
        element = Element.from_wire(data.get("element"), f"{path}.element")
        at_end1 = bool(data.get("elementAtEnd1"))
        end1 = data.get("elementGUIDAtEnd1") or (element.guid if at_end1 else starting_guid)
        end2 = data.get("elementGUIDAtEnd2") or (starting_guid if at_end1 else element.guid)
        relationship = Relationship(
            guid=_text(data, "relationshipGUID", path),
            type=ElementType.from_wire(data.get("type"), f"{path}.type"),
            end1_guid=str(end1),
            end2_guid=str(end2),
            properties=decode_properties(data.get("relationshipProperties"), f"{path}.relationshipProperties"),
            origin=ElementOrigin.from_wire(data.get("origin"), f"{path}.origin"),
            versions=ElementVersions.from_wire(data.get("versions"), f"{path}.versions"),
            status=str(data.get("status") or "ACTIVE"),
        )
        return cls(relationship, element, at_end1)
