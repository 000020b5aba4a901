"""The open metadata wire model shared by the metadata server, its client and the Out Topic layer.

Frozen values and pure functions only: no I/O, no threads, no third-party imports but attrs
and msgspec (which checks an Out Topic event's wire shape in one pass).

- ``properties``: plain Python values <-> Egeria ``ElementProperties``
- ``types``: the type table (supertypes, subtypes, relationship ends, classifications)
- ``element``: elements, relationships and related elements with their wire shapes
- ``events``: ``OpenMetadataOutTopicEvent`` and ``EventType``
"""

from daemon.model.element import (
    Classification,
    Element,
    ElementHeader,
    ElementOrigin,
    ElementType,
    ElementVersions,
    RelatedElement,
    Relationship,
    format_time,
    parse_time,
)
from daemon.model.events import EventType, OpenMetadataOutTopicEvent
from daemon.model.properties import (
    PropertyValueError,
    decode_properties,
    decode_value,
    encode_properties,
    encode_value,
)
from daemon.model.types import TypeTable

__all__ = [
    "Classification",
    "Element",
    "ElementHeader",
    "ElementOrigin",
    "ElementType",
    "ElementVersions",
    "EventType",
    "OpenMetadataOutTopicEvent",
    "PropertyValueError",
    "RelatedElement",
    "Relationship",
    "TypeTable",
    "decode_properties",
    "decode_value",
    "encode_properties",
    "encode_value",
    "format_time",
    "parse_time",
]
