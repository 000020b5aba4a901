"""Out Topic events (Egeria's ``OpenMetadataOutTopicEvent``) as frozen values.

The metadata server writes one of these to its event log for every change; the Out Topic
layer decodes Kafka messages (or log rows) with ``from_json`` once and fans the value out
to connectors, whose listeners filter with ``matches``. ``eventId`` (unique per event) and
``sequence`` (position in the server's log) are additions of this project; Egeria readers
ignore unknown fields.

``from_json`` checks everything (the envelope, the property maps, every header's guid,
type, origin, versions and dates, and its classifications) and raises ``ValueError`` naming
the field for anything it cannot decode; the Kafka layer sends such messages to the
dead-letter topic at once. The typed headers (``ElementHeader``) and the event time are
built on first use and kept, so routing an event (``element_type_names``,
``origin_collection_name``, ``updated_by``) never pays for them. Events compare, copy and
pickle by their typed values.
"""

from __future__ import annotations

import enum
import json

from collections.abc import Callable, Collection, Hashable, Mapping
from datetime import datetime, timezone
from typing import Any, cast

from daemon.model.element import ElementHeader, parse_time
from daemon.model.properties import encode_properties
from daemon.model.wire import AnyEvent, AnyHeader, decode_event, header_document, plain_properties

__all__ = ["EventType", "OpenMetadataOutTopicEvent"]

EVENT_VERSION = 1


class EventType(enum.Enum):
    """Egeria ``OpenMetadataEventType`` names (serialized by name)."""

    NEW_ELEMENT_CREATED = "NEW_ELEMENT_CREATED"
    ELEMENT_UPDATED = "ELEMENT_UPDATED"
    ELEMENT_DELETED = "ELEMENT_DELETED"
    ELEMENT_ARCHIVED = "ELEMENT_ARCHIVED"
    ELEMENT_RESTORED = "ELEMENT_RESTORED"
    ELEMENT_CLASSIFIED = "ELEMENT_CLASSIFIED"
    ELEMENT_RECLASSIFIED = "ELEMENT_RECLASSIFIED"
    ELEMENT_DECLASSIFIED = "ELEMENT_DECLASSIFIED"
    NEW_RELATIONSHIP = "NEW_RELATIONSHIP"
    UPDATED_RELATIONSHIP_PROPERTIES = "UPDATED_RELATIONSHIP_PROPERTIES"
    DELETED_RELATIONSHIP = "DELETED_RELATIONSHIP"

    @property
    def is_relationship_event(self) -> bool:
        """Whether the event's ``element_header`` is a relationship's header."""
        return self in _RELATIONSHIP_EVENTS


_RELATIONSHIP_EVENTS = frozenset(
    {EventType.NEW_RELATIONSHIP, EventType.UPDATED_RELATIONSHIP_PROPERTIES, EventType.DELETED_RELATIONSHIP}
)

# JSON key -> attribute name, for the optional headers and property maps
_HEADERS = {
    "elementHeader": "element_header",
    "previousElementHeader": "previous_element_header",
    "endOneElementHeader": "end_one_element_header",
    "endTwoElementHeader": "end_two_element_header",
}
_PROPERTIES = {
    "elementProperties": "element_properties",
    "previousElementProperties": "previous_element_properties",
    "classificationProperties": "classification_properties",
    "previousClassificationProperties": "previous_classification_properties",
}


def _millis(value: datetime) -> int:
    return int(round(value.timestamp() * 1000))




class OpenMetadataOutTopicEvent:
    """One change to open metadata, in the shape of Egeria's Out Topic event (immutable).

    For relationship events ``element_header`` is the relationship's header and the two end
    headers describe the linked elements. Property maps hold plain values (``None`` when
    the event has none).
    """

    __slots__ = ("_wire", "_event_type", "_element_properties", "_values")

    _wire: AnyEvent | None  # what a decoded event was read from; its typed parts are made from it on first use
    _event_type: EventType  # the two values every event has at once (routing and most listeners read them)
    _element_properties: Mapping[str, Any] | None
    _values: dict[str, Any] | None  # typed values known so far (a decoded event: None until one is asked for)

    def __init__(
        self,
        event_type: EventType,
        event_time: datetime,
        element_header: ElementHeader | None = None,
        element_properties: Mapping[str, Any] | None = None,
        previous_element_header: ElementHeader | None = None,
        previous_element_properties: Mapping[str, Any] | None = None,
        classification_name: str | None = None,
        classification_properties: Mapping[str, Any] | None = None,
        previous_classification_properties: Mapping[str, Any] | None = None,
        end_one_element_header: ElementHeader | None = None,
        end_two_element_header: ElementHeader | None = None,
        event_id: str = "",
        sequence: int | None = None,
        event_version_id: int = EVENT_VERSION,
    ) -> None:
        values = dict(locals())
        del values["self"]
        _set_wire(self, None)
        _set_event_type(self, event_type)
        _set_element_properties(self, element_properties)
        _set_values(self, values)

    def _get(self, name: str) -> Any:
        values = self._values
        if values is None:
            values = {"event_type": self._event_type, "element_properties": self._element_properties}
            _set_values(self, values)
        try:
            return values[name]
        except KeyError:
            value = values[name] = _FROM_WIRE[name](self._wire)
            return value

    __match_args__ = (
        "event_type", "event_time", "element_header", "element_properties", "previous_element_header",
        "previous_element_properties", "classification_name", "classification_properties",
        "previous_classification_properties", "end_one_element_header", "end_two_element_header",
        "event_id", "sequence", "event_version_id",
    )

    def __reduce__(self) -> tuple[Any, ...]:
        """Copies and pickles are made through the constructor, with every typed value."""
        return (type(self), tuple(self._get(name) for name in _FIELDS))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"OpenMetadataOutTopicEvent is immutable (cannot set {name!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OpenMetadataOutTopicEvent):
            return NotImplemented
        return all(self._get(name) == other._get(name) for name in _FIELDS)

    def __hash__(self) -> int:
        return hash((self.event_type, self.event_id, self.sequence))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={self._get(name)!r}" for name in _FIELDS if self._get(name) is not None)
        return f"OpenMetadataOutTopicEvent({shown})"

    @property
    def event_type(self) -> EventType:
        return self._event_type

    @property
    def event_time(self) -> datetime:
        return cast(datetime, self._get("event_time"))

    @property
    def element_header(self) -> ElementHeader | None:
        return cast("ElementHeader | None", self._get("element_header"))

    @property
    def element_properties(self) -> Mapping[str, Any] | None:
        return self._element_properties

    @property
    def previous_element_header(self) -> ElementHeader | None:
        return cast("ElementHeader | None", self._get("previous_element_header"))

    @property
    def previous_element_properties(self) -> Mapping[str, Any] | None:
        return cast("Mapping[str, Any] | None", self._get("previous_element_properties"))

    @property
    def classification_name(self) -> str | None:
        return cast("str | None", self._get("classification_name"))

    @property
    def classification_properties(self) -> Mapping[str, Any] | None:
        return cast("Mapping[str, Any] | None", self._get("classification_properties"))

    @property
    def previous_classification_properties(self) -> Mapping[str, Any] | None:
        return cast("Mapping[str, Any] | None", self._get("previous_classification_properties"))

    @property
    def end_one_element_header(self) -> ElementHeader | None:
        return cast("ElementHeader | None", self._get("end_one_element_header"))

    @property
    def end_two_element_header(self) -> ElementHeader | None:
        return cast("ElementHeader | None", self._get("end_two_element_header"))

    @property
    def event_id(self) -> str:
        return cast(str, self._get("event_id"))

    @property
    def sequence(self) -> int | None:
        return cast("int | None", self._get("sequence"))

    @property
    def event_version_id(self) -> int:
        return cast(int, self._get("event_version_id"))

    # ------------------------------------------------------------ routing facts (no typed header needed)

    @property
    def element_type_names(self) -> tuple[str, ...]:
        """The element header's type name, then its supertypes (nearest first); ``()`` without a header."""
        wire = self._wire
        if wire is not None and ((values := self._values) is None or "element_header" not in values):
            header = wire.elementHeader
            return () if header is None else (header.type.typeName, *(header.type.superTypeNames or ()))
        typed = self.element_header
        return () if typed is None else (typed.type.type_name, *typed.type.super_type_names)

    @property
    def routing_key(self) -> tuple[Hashable, Hashable]:
        """What routing an event depends on: its event type (its name, for a decoded event), and its
        element's type name with the supertypes (the wire struct, or ``element_type_names``). Equal
        keys route alike."""
        wire = self._wire
        if wire is not None:  # the wire's own strings and struct: nothing is built, nothing hashed in Python
            header = wire.elementHeader
            return (wire.eventType, None if header is None else header.type)
        return (self.event_type, self.element_type_names)

    @property
    def element_type_name(self) -> str | None:
        """The element header's type name (``None`` without a header)."""
        wire = self._wire
        if wire is not None:
            header = wire.elementHeader
            return None if header is None else header.type.typeName
        typed = self._get("element_header")
        return None if typed is None else cast(str, typed.type.type_name)

    @property
    def origin_collection_name(self) -> str:
        """The element's home metadata collection name (``""`` when unknown)."""
        wire = self._wire
        if wire is not None:
            origin = wire.elementHeader.origin if wire.elementHeader is not None else None
            return (origin.homeMetadataCollectionName or "") if origin is not None else ""
        typed = self._get("element_header")
        return "" if typed is None else cast(str, typed.origin.collection_name)

    @property
    def updated_by(self) -> str:
        """Who last changed the element (``""`` when unknown)."""
        wire = self._wire
        if wire is not None:
            versions = wire.elementHeader.versions if wire.elementHeader is not None else None
            return (versions.updatedBy or "") if versions is not None else ""
        typed = self._get("element_header")
        return "" if typed is None else cast(str, typed.versions.updated_by)

    # ------------------------------------------------------------ filtering

    def matches(
        self, type_names: Collection[str] | None = None, event_types: Collection[EventType] | None = None
    ) -> bool:
        """Whether a listener interested in these types and event types wants this event.

        ``type_names`` matches the element header's type or any of its supertypes (so a
        listener for ``DataFile`` sees ``CSVFile`` events); empty or ``None`` means any type.
        ``event_types`` empty or ``None`` means any event type.
        """
        if event_types and self.event_type not in event_types:
            return False
        if not type_names:
            return True
        names = self.element_type_names
        return any(name in names for name in type_names)

    # ------------------------------------------------------------ JSON

    def to_dict(self) -> dict[str, Any]:
        """The event as a JSON-ready dict in Egeria's shape (optional fields left out when empty)."""
        data: dict[str, Any] = {
            "class": "OpenMetadataOutTopicEvent",
            "eventVersionId": self.event_version_id,
            "eventType": self.event_type.name,
            "eventTime": _millis(self.event_time),
            "eventId": self.event_id,
        }
        if self.sequence is not None:
            data["sequence"] = self.sequence
        for key, attribute in _HEADERS.items():
            header = self._get(attribute)
            if header is not None:
                data[key] = header.to_wire()
        for key, attribute in _PROPERTIES.items():
            values = self._get(attribute)
            if values is not None:
                data[key] = encode_properties(values, key) or {"class": "ElementProperties", "propertyValueMap": {}}
        if self.classification_name is not None:
            data["classificationName"] = self.classification_name
        return data

    def to_json(self) -> bytes:
        """The event as compact UTF-8 JSON, ready for a Kafka message value."""
        return json.dumps(self.to_dict(), separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes | str | Mapping[str, Any]) -> OpenMetadataOutTopicEvent:
        """Decode an event from JSON bytes, text or an already-parsed dict; ``ValueError`` if impossible."""
        try:
            wire = decode_event(data)
            if not _MIN_MILLIS <= wire.eventTime < _MAX_MILLIS:
                raise ValueError(f"eventTime: {wire.eventTime!r} is out of range")
            event_type = _EVENT_TYPES.get(wire.eventType)
            if event_type is None:
                raise ValueError(f"eventType: unknown event type {wire.eventType!r}")
            header, properties = wire.elementHeader, wire.elementProperties
            if header is not None:
                _check_header(header, "elementHeader")
            plain = None if properties is None else plain_properties(properties, "elementProperties")
            values = None  # the rare property maps only when present (see _FROM_WIRE)
            if not (wire.previousElementHeader is wire.endOneElementHeader is wire.endTwoElementHeader is None):
                for key, attribute in _RARE_HEADERS:
                    if (header := getattr(wire, key)) is not None:
                        _check_header(header, key)
            if not (wire.previousElementProperties is wire.classificationProperties
                    is wire.previousClassificationProperties is None):
                values = {"event_type": event_type, "element_properties": plain}
                for key, attribute in _RARE_PROPERTIES:
                    if (properties := getattr(wire, key)) is not None:
                        values[attribute] = plain_properties(properties, key)
        except ValueError as exc:
            raise ValueError(f"not an OpenMetadataOutTopicEvent: {exc}") from exc
        event = _new(cls)
        _set_wire(event, wire)
        _set_event_type(event, event_type)
        _set_element_properties(event, plain)
        _set_values(event, values)
        return event


_FIELDS = OpenMetadataOutTopicEvent.__match_args__
_new = object.__new__
# the slots' own setters: what object.__setattr__ ends up calling, without looking them up by name
_set_wire = OpenMetadataOutTopicEvent.__dict__["_wire"].__set__
_set_values = OpenMetadataOutTopicEvent.__dict__["_values"].__set__
_set_event_type = OpenMetadataOutTopicEvent.__dict__["_event_type"].__set__
_set_element_properties = OpenMetadataOutTopicEvent.__dict__["_element_properties"].__set__
_MIN_MILLIS = -62135596800000  # 0001-01-01T00:00:00Z and
_MAX_MILLIS = 253402300800000  # 10000-01-01T00:00:00Z: what a datetime can hold
_RARE_HEADERS = tuple((key, attribute) for key, attribute in _HEADERS.items() if key != "elementHeader")
_RARE_PROPERTIES = tuple((key, attribute) for key, attribute in _PROPERTIES.items() if key != "elementProperties")
_TIME_PATHS = {key: (f"{key}.versions.createTime", f"{key}.versions.updateTime") for key in _HEADERS}


def _check_header(header: AnyHeader, key: str) -> None:
    """What msgspec cannot check of a wire header: a guid is there, its dates are dates, its
    classifications (rare in events) are readable. The typed header is still made on first use."""
    if header.guid is None and header.elementGUID is None:
        raise ValueError(f"{key}.guid: missing")
    versions = header.versions
    if versions is not None:
        create_time, update_time = versions.createTime, versions.updateTime
        # datetime: already read as one (strict structs); None: nothing to check
        if create_time is not None and type(create_time) is not datetime:
            _check_time(create_time, _TIME_PATHS[key][0])
        if update_time is not None and type(update_time) is not datetime:
            _check_time(update_time, _TIME_PATHS[key][1])
    if header.classifications:
        ElementHeader.from_wire(header_document(header), key)


def _check_time(value: Any, path: str) -> None:
    if type(value) is int:  # epoch milliseconds: what a datetime can hold
        if not _MIN_MILLIS <= value < _MAX_MILLIS:
            raise ValueError(f"{path}: {value!r} is not a date")
    else:  # text (lenient structs) or fractional milliseconds: read as the typed header will
        parse_time(value, path)


def _typed_header(header: AnyHeader | None, key: str) -> ElementHeader | None:
    return None if header is None else ElementHeader.from_wire(header_document(header), key)


# How each typed value is made from the wire form, on first use (property maps are made at once).
_FROM_WIRE: dict[str, Callable[[Any], Any]] = {
    "event_time": lambda wire: datetime.fromtimestamp(wire.eventTime / 1000, tz=timezone.utc),
    "element_header": lambda wire: _typed_header(wire.elementHeader, "elementHeader"),
    "previous_element_header": lambda wire: _typed_header(wire.previousElementHeader, "previousElementHeader"),
    "end_one_element_header": lambda wire: _typed_header(wire.endOneElementHeader, "endOneElementHeader"),
    "end_two_element_header": lambda wire: _typed_header(wire.endTwoElementHeader, "endTwoElementHeader"),
    "classification_name": lambda wire: wire.classificationName,
    "event_id": lambda wire: wire.eventId or "",
    "sequence": lambda wire: wire.sequence,
    "event_version_id": lambda wire: EVENT_VERSION if wire.eventVersionId is None else wire.eventVersionId,
    # present ones are decoded (and checked) with the event; absent ones are None
    "previous_element_properties": lambda wire: None,
    "classification_properties": lambda wire: None,
    "previous_classification_properties": lambda wire: None,
}


_EVENT_TYPES = {event_type.name: event_type for event_type in EventType}
