"""Who wants which event: listener filters, echo suppression and the routing table.

Plain logic the topic consumer actor delegates to. A listener names element type names
(matching subtypes, through the event's ``superTypeNames``) and event types; empty means
"all". An event caused by a connector's own writes — its metadata source owns the element,
or the connector's own user id made the change — is not delivered back to it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from attrs import define, frozen

from daemon.model.events import EventType, OpenMetadataOutTopicEvent

__all__ = ["EchoIdentity", "ListenerFilter", "Route", "RoutingTable"]


@frozen
class ListenerFilter:
    """What a connector listens to; empty tuples mean everything."""

    type_names: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()

    def matches_kind(self, event_type: EventType, type_names: tuple[str, ...]) -> bool:
        """Whether events of this type, about an element of these type names, are wanted."""
        if self.event_types and event_type.name not in self.event_types:
            return False
        return not self.type_names or any(name in type_names for name in self.type_names)


@frozen
class EchoIdentity:
    """How to recognise a connector's own writes. ``user_id`` only when the connector has its own."""

    metadata_source: str | None = None
    user_id: str | None = None

    def caused(self, event: OpenMetadataOutTopicEvent) -> bool:
        if self.metadata_source and event.origin_collection_name == self.metadata_source:
            return True
        return bool(self.user_id) and event.updated_by == self.user_id


@define
class Route:
    """One subscribed connector: where to deliver, which generation, what it wants."""

    name: str
    generation: int
    target: Any  # the connector host's ActorRef
    filters: tuple[ListenerFilter, ...]  # a record matching any of them is wanted; none: everything
    echo: EchoIdentity
    held: bool = False  # paused: events wait for it

    def wants_kind(self, event_type: EventType, type_names: tuple[str, ...]) -> bool:
        return not self.filters or any(f.matches_kind(event_type, type_names) for f in self.filters)

    @property
    def checks_echo(self) -> bool:
        return bool(self.echo.metadata_source or self.echo.user_id)


class RoutingTable:
    """The subscribed routes, with who wants what remembered per (event type, element type)."""

    def __init__(self, suppress_echo: bool = True) -> None:
        self._routes: dict[str, Route] = {}
        self._suppress_echo = suppress_echo
        # an event's routing_key -> ((routes wanting such events, their names), whether any checks echoes)
        self._wanted: dict[tuple[Hashable, Hashable], tuple[tuple[list[Route], list[str]], bool]] = {}

    def subscribe(self, route: Route) -> Route | None:
        """Add or replace (a new generation) a connector's route; returns the one it replaced."""
        previous = self._routes.get(route.name)
        if previous is not None:
            route.held = previous.held
        self._routes[route.name] = route
        self._wanted.clear()
        return previous

    def unsubscribe(self, name: str) -> Route | None:
        self._wanted.clear()
        return self._routes.pop(name, None)

    def get(self, name: str) -> Route | None:
        return self._routes.get(name)

    def routes(self) -> Iterable[Route]:
        return self._routes.values()

    def interested(self, event: OpenMetadataOutTopicEvent) -> list[Route]:
        """Routes that should receive ``event``, in subscription order."""
        return list(self.interested_names(event)[0])

    def interested_each(self, events: list[OpenMetadataOutTopicEvent]) -> list[tuple[list[Route], list[str]]]:
        """``interested_names`` of each event. Events routed alike without echo checks get one
        shared answer (the same tuple): what the caller tests to hand a whole batch out at once."""
        known = self._wanted.get
        return [answer[0] if (answer := known(event.routing_key)) is not None and not answer[1]
                else self.interested_names(event) for event in events]

    def interested_names(self, event: OpenMetadataOutTopicEvent) -> tuple[list[Route], list[str]]:
        """Routes that should receive ``event`` and their names (the hot path: answers are remembered
        per ``routing_key``, the event type and element type with its supertypes; the lists returned
        are shared, read-only)."""
        key = event.routing_key
        known = self._wanted.get(key)
        if known is None:
            if len(self._wanted) >= 10_000:  # bounded: element types are few, but a feed may invent many
                self._wanted.clear()
            kind = (event.event_type, event.element_type_names)
            wanted = [route for route in self._routes.values() if route.wants_kind(*kind)]
            check_echo = self._suppress_echo and any(route.checks_echo for route in wanted)
            known = self._wanted[key] = ((wanted, [route.name for route in wanted]), check_echo)
        answer, check_echo = known
        if check_echo:
            wanted = [route for route in answer[0] if not route.echo.caused(event)]
            return wanted, [route.name for route in wanted]
        return answer
