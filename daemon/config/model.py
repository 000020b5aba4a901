"""The daemon's configuration as frozen classes. Defaults live here, once.

A YAML document maps onto these classes key for key (snake_case); unknown keys are
errors. ``daemon.config.loader`` turns a document into a ``DaemonConfig`` and reports
every problem with its path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from attrs import asdict, evolve, field, frozen

from daemon.config.types import Duration, PermittedSynchronization, Secret

__all__ = [
    "AdminConfig",
    "ConnectorConfig",
    "DaemonConfig",
    "EventBusConfig",
    "LoggingConfig",
    "MetadataServerConfig",
    "RestartPolicy",
    "RestartPolicyOverride",
    "ServiceConfig",
    "StandaloneMetadataServerConfig",
    "TokenGrant",
]


@frozen
class RestartPolicy:
    """How a failed connector is restarted: exponential backoff with jitter under a budget.

    At most ``max_restarts`` restarts within ``window``; one more failure makes the connector
    FAILED until an operator restarts it.
    """

    initial_backoff: Duration = Duration(1.0)
    max_backoff: Duration = Duration(60.0)
    multiplier: float = 2.0
    jitter: float = 0.2
    max_restarts: int = 5
    window: Duration = Duration(60.0)


@frozen
class RestartPolicyOverride:
    """Per-connector changes to the daemon's restart policy; unset fields keep the daemon's."""

    initial_backoff: Duration | None = None
    max_backoff: Duration | None = None
    multiplier: float | None = None
    jitter: float | None = None
    max_restarts: int | None = None
    window: Duration | None = None

    def over(self, base: RestartPolicy) -> RestartPolicy:
        changes = {name: value for name, value in asdict(self, recurse=False).items() if value is not None}
        return evolve(base, **changes)


@frozen
class MetadataServerConfig:
    """Where the metadata access point is.

    Without ``url`` the daemon starts the bundled metadata server in its own process
    (SQLite file ``database``) on a loopback port and talks to it over REST.
    """

    url: str | None = None
    server_name: str = "metadata-server"
    token: Secret | None = None
    database: str = "metadata.db"
    port: int = 0
    connect_timeout: Duration = Duration(3.05)
    read_timeout: Duration = Duration(30.0)

    @property
    def embedded(self) -> bool:
        return self.url is None


@frozen
class EventBusConfig:
    """How Out Topic / In Topic events travel: the metadata server's event log, or Kafka.

    Delivery is at least once to every interested connector, in order per connector.
    ``max_in_flight_per_connector`` events are handed to a connector at a time; above
    ``max_buffered`` unfinished events the consumer pauses its partitions (and resumes at
    half). A handler error is retried ``handler_attempts`` times with backoff from
    ``retry_backoff``; then the event goes to the dead-letter topic and the stream goes on.
    """

    type: Literal["embedded", "kafka"] = "embedded"
    bootstrap_servers: str | None = None
    topic_root: str = "egeria.omag"
    consumer: dict[str, Any] = field(factory=dict)
    producer: dict[str, Any] = field(factory=dict)
    start_position: Literal["earliest", "latest"] = "earliest"
    max_in_flight_per_connector: int = 1000
    max_buffered: int = 10_000
    handler_attempts: int = 3
    retry_backoff: Duration = Duration(0.5)
    batch_size: int = 500
    commit_interval: Duration = Duration(1.0)
    poll_interval: Duration = Duration(0.1)
    dead_letter_topic: str | None = None  # default: {topic_root}.server.{server_name}.deadLetter
    echo_suppression: bool = True


@frozen
class AdminConfig:
    """The admin REST API (status and control)."""

    host: str = "127.0.0.1"
    port: int = 9444
    token: Secret | None = None


@frozen
class LoggingConfig:
    level: Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    format: Literal["text", "json"] = "text"


@frozen
class ConnectorConfig:
    """One integration connector (Egeria's IntegrationConnectorConfig, in our words).

    ``connector`` is an entry-point name of group ``integration_daemon.connectors``
    (e.g. ``folder``) or ``package.module:Class``. ``refresh`` is the time between the
    end of one refresh and the start of the next; ``0`` means at start and on request only.
    """

    name: str
    connector: str
    connector_id: str | None = None
    user_id: str | None = None
    endpoint: str | None = None
    configuration_properties: dict[str, Any] = field(factory=dict)
    metadata_source: str | None = None
    refresh: Duration = Duration(3600.0)
    refresh_timeout: Duration = Duration(300.0)
    permitted_synchronization: PermittedSynchronization | None = None
    restart_policy: RestartPolicyOverride | None = None
    #: Egeria's usesBlockingCalls: the connector's ``engage()`` is called in a loop (status RUNNING)
    uses_blocking_calls: bool = False


@frozen
class ServiceConfig:
    """One integration service and the connectors it hosts."""

    url_marker: str
    connectors: tuple[ConnectorConfig, ...] = ()
    default_permitted_synchronization: PermittedSynchronization | None = None
    options: dict[str, Any] = field(factory=dict)


@frozen
class DaemonConfig:
    """The whole daemon."""

    server_name: str
    local_server_user_id: str = "integration-daemon"
    metadata_server: MetadataServerConfig = MetadataServerConfig()
    event_bus: EventBusConfig = EventBusConfig()
    admin: AdminConfig = AdminConfig()
    logging: LoggingConfig = LoggingConfig()
    restart_policy: RestartPolicy = RestartPolicy()
    shutdown_timeout: Duration = Duration(10.0)
    #: where the daemon keeps what must survive a restart (embedded bus offsets, dead letters, pid);
    #: by default next to the embedded metadata server's database, else ./integration-daemon-state
    state_directory: str | None = None
    #: keep configuration property and endpoint changes made through the admin API across restarts
    persist_overrides: bool = False
    services: tuple[ServiceConfig, ...] = ()
    #: Egeria connector provider class (Java) -> our connector (entry-point name or module:Class);
    #: adds to or overrides the built-in table in daemon.config.providers.
    connector_providers: dict[str, str] = field(factory=dict)

    def state_path(self) -> Path:
        if self.state_directory:
            return Path(self.state_directory).expanduser()
        if self.metadata_server.embedded:
            return Path(self.metadata_server.database).expanduser().parent / "integration-daemon-state"
        return Path("integration-daemon-state")

    def connectors(self) -> list[tuple[ServiceConfig, ConnectorConfig]]:
        """Every connector with the service that hosts it, in config order."""
        return [(service, connector) for service in self.services for connector in service.connectors]


@frozen
class TokenGrant:
    """A bearer token and the user ids a caller presenting it may act as (``*`` = any)."""

    token: Secret
    users: tuple[str, ...] = ("*",)


@frozen
class StandaloneMetadataServerConfig:
    """The bundled metadata server run as its own process (``integration-daemon metadata-server``)."""

    server_name: str = "metadata-server"
    host: str = "127.0.0.1"
    port: int = 9443
    database: str = "metadata.db"
    threads: int = 8
    tokens: tuple[TokenGrant, ...] = ()
    logging: LoggingConfig = LoggingConfig()
    #: with ``type: kafka`` the server relays its event log to the Out Topics of ``access_services``
    #: and applies what arrives on their In Topics
    event_bus: EventBusConfig = EventBusConfig()
    access_services: tuple[str, ...] = ("data-manager", "asset-manager", "open-metadata-store")
    relay_max_in_flight: int = 10_000
