"""What connectors ask of the event bus, and the technology messages they receive.

Plain records: the context collects a connector's requests (listeners, subscriptions)
during ``start()``; the daemon acts on them once ``start()`` has returned.
"""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

__all__ = ["ListenerRequest", "SubscriptionRequest", "TechnologyMessage"]


@frozen
class ListenerRequest:
    """Out Topic events wanted: element type names (subtypes match) and event type names; empty = all."""

    type_names: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()


@frozen
class SubscriptionRequest:
    """A technology topic to listen on (active connectors)."""

    topic: str
    bootstrap_servers: str | None = None  # None: the daemon's own Kafka cluster
    group_id: str | None = None  # None: "<daemon>.<connector>"
    settings: dict[str, Any] = field(factory=dict)  # extra consumer properties


@frozen
class TechnologyMessage:
    """One message from a technology's own topic, as given to ``on_technology_message``."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()

    def text(self, encoding: str = "utf-8") -> str:
        return (self.value or b"").decode(encoding)
