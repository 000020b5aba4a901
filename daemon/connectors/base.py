"""The connector SPI: the plain class users subclass. No actor runtime in sight.

The daemon hosts each connector instance in its own actor, so **hooks of one instance are
never called concurrently**, and each is called on that actor's thread. A restart
builds a fresh instance: keep state you need across restarts in open metadata, not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from daemon.connectors.context import ConnectorContext

__all__ = ["Connector"]


class Connector:
    """Base class for integration connectors.

    Override what your technology needs:

    * ``start(context)`` — once per instance, before anything else. Keep the context.
      Raising here counts as a failure (restart with backoff).
    * ``refresh()`` — passive technologies: called at start, every ``refresh`` interval after
      the previous refresh ended, and on request. Never called while a refresh is running.
    * ``on_event(event)`` — outbound: Out Topic events matching the listener you registered.
    * ``on_technology_message(message)`` — active technologies: messages from the topic you
      subscribed to.
    * ``engage()`` — blocking-style connectors (``uses_blocking_calls: true``, Egeria's
      ``usesBlockingCalls``): called again and again, each call may block on the technology
      for a while; return regularly, and return at once when ``context.stopping`` is set.
      It runs on the connector's own thread like every other hook: events and refreshes
      wait for the current ``engage()`` call to return.
    * ``disconnect()`` — once, when the instance is stopped or replaced. Release resources.

    An exception from a hook is reported to the daemon's supervisor, which restarts the
    connector with a fresh instance under its restart policy.
    """

    #: Optional attrs class that ``configuration_properties`` are structured into
    #: (available as ``context.config``). None means a plain dict.
    config_class: ClassVar[type | None] = None

    context: ConnectorContext

    def start(self, context: ConnectorContext) -> None:
        self.context = context

    def refresh(self) -> None:
        """Bring open metadata in step with the technology (passive connectors)."""

    def on_event(self, event: Any) -> None:
        """Handle one Out Topic event (outbound connectors)."""

    def on_technology_message(self, message: Any) -> None:
        """Handle one message from the technology's own topic (active connectors)."""

    def engage(self) -> None:
        """One round of blocking work (blocking-style connectors); see the class docstring."""

    def disconnect(self) -> None:
        """Release what ``start`` acquired."""
