"""Out Topic events for the changes the server makes.

The write operations call these builders inside their transaction and append the result
to the store's event log, so a change and its event commit together.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from daemon.model import Element, EventType, OpenMetadataOutTopicEvent, Relationship

__all__ = ["EventFactory"]


class EventFactory:
    """Builds ``OpenMetadataOutTopicEvent`` values with fresh ids and the server's clock."""

    def __init__(self, clock: Callable[[], datetime], new_id: Callable[[], str] | None = None) -> None:
        self._clock = clock
        self._new_id = new_id or (lambda: str(uuid.uuid4()))

    def for_element(
        self,
        event_type: EventType,
        element: Element,
        *,
        previous: Element | None = None,
        classification: str | None = None,
        classification_properties: Mapping[str, Any] | None = None,
        previous_classification_properties: Mapping[str, Any] | None = None,
    ) -> OpenMetadataOutTopicEvent:
        """An event about an element (created, updated, deleted, archived, (de/re)classified)."""
        return OpenMetadataOutTopicEvent(
            event_type=event_type,
            event_time=self._clock(),
            element_header=element.header,
            element_properties=dict(element.properties),
            previous_element_header=previous.header if previous else None,
            previous_element_properties=dict(previous.properties) if previous else None,
            classification_name=classification,
            classification_properties=classification_properties,
            previous_classification_properties=previous_classification_properties,
            event_id=self._new_id(),
        )

    def for_relationship(
        self,
        event_type: EventType,
        relationship: Relationship,
        end1: Element | None,
        end2: Element | None,
        *,
        previous: Relationship | None = None,
    ) -> OpenMetadataOutTopicEvent:
        """An event about a relationship, with the headers of the elements at its ends."""
        return OpenMetadataOutTopicEvent(
            event_type=event_type,
            event_time=self._clock(),
            element_header=relationship.header,
            element_properties=dict(relationship.properties),
            previous_element_header=previous.header if previous else None,
            previous_element_properties=dict(previous.properties) if previous else None,
            end_one_element_header=end1.header if end1 else None,
            end_two_element_header=end2.header if end2 else None,
            event_id=self._new_id(),
        )
