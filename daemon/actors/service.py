"""The IntegrationService actor: one per configured integration service.

It owns what its connectors share (the service's kind and defaults, how to reach the
partner access service) and hands each connector to the supervisor with a builder that
makes a fresh instance and context on every (re)start.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import pykka
from attrs import evolve, frozen

from daemon.actors.event_bus import EventBus
from daemon.actors.supervisor import ConnectorSpec
from daemon.clock import Clock
from daemon.config import (
    ConnectorConfig,
    DaemonConfig,
    ServiceConfig,
    looks_like_java_class,
    resolve_provider,
    service_kind,
)
from daemon.connectors import Connector, ConnectorContext
from daemon.connectors.loading import load_connector_class, structure_connector_config
from daemon.errors import ConnectorLoadError
from daemon.messages import Ping, RequestRefresh, RestartConnector, Supervise
from daemon.metadata import MetadataClient

__all__ = ["ApplyServiceConfig", "ConnectorBuilder", "IntegrationService", "RefreshService", "RestartService"]


@frozen
class RefreshService:
    """Refresh every connector of this service."""


@frozen
class RestartService:
    """Restart every connector of this service."""


@frozen
class ApplyServiceConfig:
    """A reload: adopt ``config``/``daemon_config`` and (re)start the connectors named in ``start``."""

    config: ServiceConfig
    daemon_config: DaemonConfig
    start: tuple[str, ...]


@frozen
class ConnectorBuilder:
    """Builds a fresh connector instance and its context from config (called on each (re)start)."""

    service: ServiceConfig
    connector: ConnectorConfig
    default_user_id: str
    client_factory: Callable[[str], MetadataClient]
    clock: Clock
    providers: Mapping[str, str] = MappingProxyType({})
    publisher: Callable[[dict[str, Any], float], None] | None = None

    def __call__(self) -> tuple[Connector, ConnectorContext]:
        config = self.connector
        cls = load_connector_class(self._reference(), config.name)
        structured = structure_connector_config(cls, config.configuration_properties, config.name)
        sync = (
            config.permitted_synchronization
            or self.service.default_permitted_synchronization
            or service_kind(self.service.url_marker).default_permitted_synchronization
        )
        context = ConnectorContext(
            service=self.service.url_marker,
            name=config.name,
            connector_id=config.connector_id or config.name,
            user_id=config.user_id or self.default_user_id,
            client_factory=self.client_factory,
            permitted_synchronization=sync,
            metadata_source=config.metadata_source,
            endpoint=config.endpoint,
            configuration_properties=config.configuration_properties,
            config=structured,
            clock=self.clock,
            publisher=self.publisher,
        )
        return cls(), context

    def with_config(self, config: ConnectorConfig) -> ConnectorBuilder:
        return evolve(self, connector=config)

    def _reference(self) -> str:
        """The connector reference, with an Egeria Java provider class translated through the provider table."""
        reference = self.connector.connector
        if not looks_like_java_class(reference):
            return reference
        resolved = resolve_provider(reference, self.providers)
        if resolved is None:
            raise ConnectorLoadError(
                f"no Python connector for Egeria provider {reference!r}; map it under connector_providers "
                f"(e.g. connector_providers: {{{reference}: package.module:Class}})",
                self.connector.name,
            )
        return resolved


class IntegrationService(pykka.ThreadingActor):
    """Hands its connectors to the supervisor and acts on service-wide requests."""

    def __init__(
        self,
        *,
        config: ServiceConfig,
        daemon_config: DaemonConfig,
        client_factory: Callable[[str], MetadataClient],
        supervisor: pykka.ActorRef,
        timer: pykka.ActorRef,
        clock: Clock,
        event_bus: EventBus | None = None,
    ) -> None:
        super().__init__()
        self._event_bus = event_bus
        self._config = config
        self._daemon_config = daemon_config
        self._client_factory = client_factory
        self._supervisor = supervisor
        self._timer = timer
        self._clock = clock

    def on_start(self) -> None:
        for connector in self._config.connectors:
            self._supervise(connector)

    def _supervise(self, connector: ConnectorConfig) -> None:
        """Hand ``connector`` to the supervisor (a running one with that name is replaced)."""
        daemon = self._daemon_config
        policy = connector.restart_policy.over(daemon.restart_policy) if connector.restart_policy else daemon.restart_policy
        builder = ConnectorBuilder(
            self._config,
            connector,
            daemon.local_server_user_id,
            self._client_factory,
            self._clock,
            MappingProxyType(dict(daemon.connector_providers)),
            self._event_bus.publisher_for(self._config) if self._event_bus else None,
        )
        events = self._event_bus.wiring_for(self._config, connector) if self._event_bus else None
        self._supervisor.tell(Supervise(ConnectorSpec(self._config.url_marker, connector, policy, builder, events)))

    def on_receive(self, message: object) -> object:
        match message:
            case Ping():
                return True
            case RefreshService():
                for connector in self._config.connectors:
                    self._timer.tell(RequestRefresh(connector.name))
            case RestartService():
                for connector in self._config.connectors:
                    self._supervisor.tell(RestartConnector(connector.name))
            case ApplyServiceConfig(config, daemon_config, start):
                self._config, self._daemon_config = config, daemon_config
                for connector in config.connectors:
                    if connector.name in start:
                        self._supervise(connector)
            case _:
                return super().on_receive(message)
        return None
