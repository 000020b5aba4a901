"""Out Topic events (Egeria's ``OpenMetadataOutTopicEvent``) as frozen values.

The metadata server writes one of these to its event log for every change; the Out Topic
layer decodes Kafka messages (or log rows) with ``from_json`` once and fans the value out
to connectors, whose listeners filter with ``matches``. ``eventId`` (unique per event) and
``sequence`` (position in the server's log) are additions of this project; Egeria readers
ignore unknown fields.

``from_json`` raises ``ValueError`` for anything it cannot decode; the Kafka layer sends
such messages to the dead-letter topic.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Collection, Mapping
from datetime import datetime, timezone
from typing import Any

from attrs import field, frozen

from daemon.model.element import ElementHeader
from daemon.model.properties import decode_properties, encode_properties

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


@frozen
class OpenMetadataOutTopicEvent:
    """One change to open metadata, in the shape of Egeria's Out Topic event.

    For relationship events ``element_header`` is the relationship's header and the two end
    headers describe the linked elements. Property maps hold plain values (``None`` when
    the event has none).
    """

    event_type: EventType
    event_time: datetime
    element_header: ElementHeader | None = None
    element_properties: Mapping[str, Any] | None = None
    previous_element_header: ElementHeader | None = None
    previous_element_properties: Mapping[str, Any] | None = None
    classification_name: str | None = None
    classification_properties: Mapping[str, Any] | None = None
    previous_classification_properties: Mapping[str, Any] | None = None
    end_one_element_header: ElementHeader | None = None
    end_two_element_header: ElementHeader | None = None
    event_id: str = ""
    sequence: int | None = None
    event_version_id: int = field(default=EVENT_VERSION)

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
        header = self.element_header
        return header is not None and any(header.type.is_a(name) for name in type_names)

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
            header = getattr(self, attribute)
            if header is not None:
                data[key] = header.to_wire()
        for key, attribute in _PROPERTIES.items():
            values = getattr(self, attribute)
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
        document = _parse(data)
        try:
            return cls._from_dict(document)
        except ValueError as exc:
            raise ValueError(f"not an OpenMetadataOutTopicEvent: {exc}") from exc

    @classmethod
    def _from_dict(cls, document: Mapping[str, Any]) -> OpenMetadataOutTopicEvent:
        event_type = _event_type(document.get("eventType"))
        headers: dict[str, Any] = {
            attribute: ElementHeader.from_wire(document[key], key)
            for key, attribute in _HEADERS.items()
            if document.get(key) is not None
        }
        properties: dict[str, Any] = {
            attribute: decode_properties(document[key], key)
            for key, attribute in _PROPERTIES.items()
            if document.get(key) is not None
        }
        return cls(
            event_type=event_type,
            event_time=_event_time(document.get("eventTime")),
            classification_name=_optional_str(document, "classificationName"),
            event_id=_optional_str(document, "eventId") or "",
            sequence=_optional_int(document, "sequence"),
            event_version_id=_optional_int(document, "eventVersionId") or EVENT_VERSION,
            **headers,
            **properties,
        )


def _parse(data: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(data, Mapping):
        return data
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, TypeError) as exc:
        raise ValueError(f"not an OpenMetadataOutTopicEvent: not JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise ValueError(f"not an OpenMetadataOutTopicEvent: expected a JSON object, got {type(document).__name__}")
    return document


def _event_type(value: Any) -> EventType:
    try:
        return EventType[value]
    except (KeyError, TypeError):
        raise ValueError(f"eventType: unknown event type {value!r}") from None


def _event_time(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"eventTime: expected epoch milliseconds, got {value!r}")
    try:
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"eventTime: {value!r} is out of range") from exc


def _optional_str(document: Mapping[str, Any], key: str) -> str | None:
    value = document.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key}: expected a string, got {value!r}")
    return value


def _optional_int(document: Mapping[str, Any], key: str) -> int | None:
    value = document.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"{key}: expected an integer, got {value!r}")
    return value
