"""Who wants which event: listener filters, echo suppression and the routing table.

Plain logic the topic consumer actor delegates to. A listener names element type names
(matching subtypes, through the event's ``superTypeNames``) and event types; empty means
"all". An event caused by a connector's own writes — its metadata source owns the element,
or the connector's own user id made the change — is not delivered back to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from attrs import define, frozen

from daemon.model.events import EventType, OpenMetadataOutTopicEvent

__all__ = ["EchoIdentity", "ListenerFilter", "Route", "RoutingTable"]


@frozen
class ListenerFilter:
    """What a connector listens to; empty tuples mean everything."""

    type_names: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()

    def matches(self, event: OpenMetadataOutTopicEvent) -> bool:
        return event.matches(self.type_names or None, [EventType(name) for name in self.event_types] or None)


@frozen
class EchoIdentity:
    """How to recognise a connector's own writes. ``user_id`` only when the connector has its own."""

    metadata_source: str | None = None
    user_id: str | None = None

    def caused(self, event: OpenMetadataOutTopicEvent) -> bool:
        header = event.element_header
        if header is None:
            return False
        if self.metadata_source and header.origin.collection_name == self.metadata_source:
            return True
        return bool(self.user_id) and header.versions.updated_by == self.user_id


@define
class Route:
    """One subscribed connector: where to deliver, which generation, what it wants."""

    name: str
    generation: int
    target: Any  # the connector host's ActorRef
    filters: tuple[ListenerFilter, ...]  # a record matching any of them is wanted; none: everything
    echo: EchoIdentity
    held: bool = False  # paused: events wait for it

    def wants(self, event: OpenMetadataOutTopicEvent) -> bool:
        return not self.filters or any(f.matches(event) for f in self.filters)


class RoutingTable:
    def __init__(self, suppress_echo: bool = True) -> None:
        self._routes: dict[str, Route] = {}
        self._suppress_echo = suppress_echo

    def subscribe(self, route: Route) -> Route | None:
        """Add or replace (a new generation) a connector's route; returns the one it replaced."""
        previous = self._routes.get(route.name)
        if previous is not None:
            route.held = previous.held
        self._routes[route.name] = route
        return previous

    def unsubscribe(self, name: str) -> Route | None:
        return self._routes.pop(name, None)

    def get(self, name: str) -> Route | None:
        return self._routes.get(name)

    def routes(self) -> Iterable[Route]:
        return self._routes.values()

    def interested(self, event: OpenMetadataOutTopicEvent) -> list[Route]:
        """Routes that should receive ``event``, in subscription order."""
        return [
            route
            for route in self._routes.values()
            if route.wants(event) and not (self._suppress_echo and route.echo.caused(event))
        ]
