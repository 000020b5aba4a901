"""Builders for what connectors receive: Out Topic events and technology messages.

Tests hand these to ``ConnectorHarness.deliver`` / ``ConnectorHarness.deliver_message`` (or straight to
a connector's ``on_event`` / ``on_technology_message``) without a metadata server or Kafka.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from daemon.connectors.events import TechnologyMessage
from daemon.model import (
    ElementHeader,
    ElementOrigin,
    ElementType,
    ElementVersions,
    EventType,
    OpenMetadataOutTopicEvent,
    TypeTable,
)

__all__ = ["make_event", "make_header", "make_message"]

_TYPES = TypeTable.default()
_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


def make_header(
    type_name: str,
    *,
    guid: str | None = None,
    metadata_source: str | None = None,
    user_id: str = "steward",
    version: int = 1,
    time: datetime | None = None,
    super_type_names: tuple[str, ...] | None = None,
    types: TypeTable | None = None,
) -> ElementHeader:
    """An element (or relationship) header as the metadata server would send it.

    Supertypes come from the built-in type table (or ``types``) unless given, so
    listeners for a supertype match. ``metadata_source`` makes the origin an external
    source of that name; otherwise the element is locally owned.
    """
    if super_type_names is None:
        super_type_names = (types or _TYPES).super_types(type_name)
    origin = (
        ElementOrigin("EXTERNAL_SOURCE", f"source::{metadata_source}", metadata_source)
        if metadata_source
        else ElementOrigin("LOCAL_COHORT", "harness-metadata-collection", "harness")
    )
    when = time or _EPOCH
    versions = ElementVersions(user_id, user_id, when, when, version)
    return ElementHeader(guid or str(uuid.uuid4()), ElementType(type_name, super_type_names), origin, versions)


def make_event(
    event_type: EventType | str,
    type_name: str,
    properties: Mapping[str, Any] | None = None,
    *,
    guid: str | None = None,
    previous_properties: Mapping[str, Any] | None = None,
    classification: str | None = None,
    classification_properties: Mapping[str, Any] | None = None,
    end_one: ElementHeader | None = None,
    end_two: ElementHeader | None = None,
    metadata_source: str | None = None,
    user_id: str = "steward",
    version: int = 1,
    event_time: datetime | None = None,
    types: TypeTable | None = None,
) -> OpenMetadataOutTopicEvent:
    """An ``OpenMetadataOutTopicEvent`` about one element (or relationship) of ``type_name``.

    ``event_type`` is an ``EventType`` or its name (``"NEW_ELEMENT_CREATED"``).
    ``previous_properties`` sets the previous header and properties (updates);
    ``classification`` names the classification of a (de/re)classification event;
    ``end_one`` / ``end_two`` are the headers of a relationship's ends (see ``make_header``).
    Unknown type names raise ``KeyError``; pass ``types`` for your own type table.
    """
    kind = event_type if isinstance(event_type, EventType) else EventType[event_type]
    time = event_time or _EPOCH
    header = make_header(
        type_name, guid=guid, metadata_source=metadata_source, user_id=user_id, version=version, time=time, types=types
    )
    previous = None
    if previous_properties is not None:
        previous_versions = ElementVersions(user_id, user_id, time, time, max(version - 1, 0))
        previous = ElementHeader(header.guid, header.type, header.origin, previous_versions)
    return OpenMetadataOutTopicEvent(
        event_type=kind,
        event_time=time,
        element_header=header,
        element_properties=dict(properties or {}),
        previous_element_header=previous,
        previous_element_properties=None if previous_properties is None else dict(previous_properties),
        classification_name=classification,
        classification_properties=None if classification_properties is None else dict(classification_properties),
        end_one_element_header=end_one,
        end_two_element_header=end_two,
        event_id=str(uuid.uuid4()),
    )


def make_message(
    value: bytes | str | Mapping[str, Any] | list[Any] | None,
    *,
    topic: str = "technology-events",
    key: bytes | str | None = None,
    partition: int = 0,
    offset: int = 0,
    headers: Mapping[str, bytes | str] | None = None,
) -> TechnologyMessage:
    """A ``TechnologyMessage`` as ``on_technology_message`` gets it from a subscribed topic.

    A dict or list ``value`` is encoded as JSON, a str as UTF-8; ``None`` is a tombstone.
    """
    if isinstance(value, (Mapping, list)):
        encoded: bytes | None = json.dumps(value).encode("utf-8")
    elif isinstance(value, str):
        encoded = value.encode("utf-8")
    else:
        encoded = value
    raw_key = key.encode("utf-8") if isinstance(key, str) else key
    raw_headers = tuple((name, v.encode("utf-8") if isinstance(v, str) else v) for name, v in (headers or {}).items())
    return TechnologyMessage(topic, partition, offset, raw_key, encoded, raw_headers)
