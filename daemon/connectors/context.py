"""The context the daemon gives each connector instance.

It tells the connector who it is (name, user id, metadata source, permitted
synchronization, endpoint, configuration), gives it a bound logger and the generic
open metadata API (``metadata``), and counts its activity per refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
import threading
import uuid
from functools import cached_property
from typing import TYPE_CHECKING, Any

from loguru import logger as _root_logger

from daemon.clock import Clock, SystemClock
from daemon.config import PermittedSynchronization
from daemon.connectors.events import ListenerRequest, SubscriptionRequest
from daemon.connectors.store import ActivityCounter, OpenMetadataStore
from daemon.errors import ConnectorError, SynchronizationRefused
from daemon.model.events import EventType
from daemon.model.properties import encode_properties
from daemon.states import ActivityReport

if TYPE_CHECKING:
    from daemon.metadata import MetadataClient

__all__ = ["ConnectorContext"]


class ConnectorContext:
    """Everything a connector may use. Owned by the connector's actor; not shared across threads."""

    def __init__(
        self,
        *,
        service: str,
        name: str,
        user_id: str,
        client_factory: Callable[[str], MetadataClient],
        permitted_synchronization: PermittedSynchronization,
        connector_id: str = "",
        metadata_source: str | None = None,
        endpoint: str | None = None,
        configuration_properties: Mapping[str, Any] | None = None,
        config: Any = None,
        clock: Clock | None = None,
        publisher: Callable[[dict[str, Any], float], None] | None = None,
    ) -> None:
        self.service = service
        self.name = name
        self.connector_id = connector_id or name
        self.user_id = user_id
        self.metadata_source = metadata_source
        self.permitted_synchronization = permitted_synchronization
        self.endpoint = endpoint
        self.configuration_properties = dict(configuration_properties or {})
        self.config: Any = config if config is not None else self.configuration_properties
        self.clock = clock or SystemClock()
        self.logger = _root_logger.bind(service=service, connector=name)
        self._client_factory = client_factory
        self._activity = ActivityCounter()
        self._metadata: OpenMetadataStore | None = None
        self._publisher = publisher
        #: set when the daemon stops or replaces this instance; blocking work should end promptly
        self.stopping = threading.Event()
        self.listeners: list[ListenerRequest] = []
        self.subscriptions: list[SubscriptionRequest] = []

    def connect(self) -> None:
        """Reach the metadata access point and register the metadata source, if any.

        Raises MetadataUnreachable when it does not answer (the connector is then
        INITIALIZE_FAILED and retried).
        """
        client = self._client_factory(self.user_id)
        source_guid = None
        if self.metadata_source:
            source_guid = client.ensure_metadata_source(self.metadata_source)
            client = client.with_external_source(source_guid, self.metadata_source)
        else:
            client.ping()
        self._metadata = OpenMetadataStore(
            client,
            connector=self.name,
            permitted_synchronization=self.permitted_synchronization,
            metadata_source=self.metadata_source,
            activity=self._activity,
        )
        self._metadata.source_guid = source_guid

    @property
    def metadata(self) -> OpenMetadataStore:
        if self._metadata is None:
            raise RuntimeError("the context is not connected yet: use it from start() on")
        return self._metadata

    # --- typed helpers of the integration services (daemon.connectors.helpers) ----------------

    @cached_property
    def files(self) -> Any:
        """Files and folders (files-integrator)."""
        from daemon.connectors.helpers import FilesHelper

        return FilesHelper(self.metadata)

    @cached_property
    def databases(self) -> Any:
        """Databases, schemas, tables, columns, keys (database-integrator)."""
        from daemon.connectors.helpers import DatabaseHelper

        return DatabaseHelper(self.metadata)

    @cached_property
    def topics(self) -> Any:
        """Event brokers and topics (topic-integrator)."""
        from daemon.connectors.helpers import TopicHelper

        return TopicHelper(self.metadata)

    @cached_property
    def lineage(self) -> Any:
        """Processes, data sets and lineage (lineage-integrator)."""
        from daemon.connectors.helpers import LineageHelper

        return LineageHelper(self.metadata)

    @cached_property
    def catalog(self) -> Any:
        """Generic assets and glossary terms (catalog-integrator)."""
        from daemon.connectors.helpers import CatalogHelper

        return CatalogHelper(self.metadata)

    def take_activity(self) -> ActivityReport:
        """What this connector changed since the last call (the daemon calls it after each refresh)."""
        return self._activity.take()

    # --- event bus --------------------------------------------------------------------------

    def register_listener(self, *, type_names: Iterable[str] = (), event_types: Iterable[str] = ()) -> None:
        """Receive Out Topic events about these element types (subtypes too) and event types
        in ``on_event``; call it from ``start()``. Empty means all. Refused for a connector that
        may not push metadata to its technology (FROM_THIRD_PARTY)."""
        if not self.permitted_synchronization.may_write_third_party:
            self._activity.count("refused", "listener")
            raise SynchronizationRefused(
                "may not listen to the Out Topic: its permitted synchronization is "
                f"{self.permitted_synchronization.name}",
                self.name,
            )
        wanted = tuple(event_types)
        unknown = [name for name in wanted if name not in EventType.__members__]
        if unknown:
            raise ConnectorError(
                f"unknown event type(s) {', '.join(unknown)} (known: {', '.join(EventType.__members__)})", self.name
            )
        self.listeners.append(ListenerRequest(tuple(type_names), wanted))

    def subscribe(
        self,
        topic: str,
        *,
        bootstrap_servers: str | None = None,
        group_id: str | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        """Receive the messages of a technology's own Kafka topic in ``on_technology_message``;
        call it from ``start()``. Offsets are committed only after the hook returns."""
        self.subscriptions.append(SubscriptionRequest(topic, bootstrap_servers, group_id, dict(settings or {})))

    def publish(self, event: Mapping[str, Any], *, timeout: float = 10.0) -> None:
        """Send an event to the In Topic of this service's access service, and wait until the
        event bus confirmed it; raises if it could not be delivered within ``timeout``.

        The event is an In Topic event (see ``daemon.metadata_server.intopic``); plain
        ``properties`` are encoded as its ``elementProperties``, and ``eventId``, ``userId``
        and this connector's metadata source are filled in when absent."""
        if not self.permitted_synchronization.may_write_open_metadata:
            self._activity.count("refused", "inTopic")
            raise SynchronizationRefused(
                f"may not publish to the In Topic: its permitted synchronization is {self.permitted_synchronization.name}",
                self.name,
            )
        if self._publisher is None:
            raise ConnectorError("this daemon has no In Topic for the connector's service (no Kafka event bus)",
                                 self.name)
        document = dict(event)
        if "properties" in document:
            document["elementProperties"] = encode_properties(document.pop("properties"))
        document.setdefault("eventId", str(uuid.uuid4()))
        document.setdefault("userId", self.user_id)
        if self.metadata_source and self._metadata is not None and self._metadata.source_guid:
            document.setdefault("externalSourceName", self.metadata_source)
            document.setdefault("externalSourceGUID", self._metadata.source_guid)
        self._publisher(document, timeout)
