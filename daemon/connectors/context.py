"""The context the daemon gives each connector instance.

It tells the connector who it is (name, user id, metadata source, permitted
synchronization, endpoint, configuration), gives it a bound logger and the generic
open metadata API (``metadata``), and counts its activity per refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from loguru import logger as _root_logger

from daemon.clock import Clock, SystemClock
from daemon.config import PermittedSynchronization
from daemon.connectors.store import ActivityCounter, OpenMetadataStore
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
    ) -> None:
        self.service = service
        self.name = name
        self.connector_id = connector_id or name
        self.user_id = user_id
        self.metadata_source = metadata_source
        self.permitted_synchronization = permitted_synchronization
        self.endpoint = endpoint
        self.configuration_properties = dict(configuration_properties or {})
        self.config = config if config is not None else self.configuration_properties
        self.clock = clock or SystemClock()
        self.logger = _root_logger.bind(service=service, connector=name)
        self._client_factory = client_factory
        self._activity = ActivityCounter()
        self._metadata: OpenMetadataStore | None = None

    def connect(self) -> None:
        """Reach the metadata access point and register the metadata source, if any.

        Raises MetadataUnreachable when it does not answer (the connector is then
        INITIALIZE_FAILED and retried).
        """
        client = self._client_factory(self.user_id)
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

    # --- event bus (filled in with the Out Topic / In Topic support) -------------------------

    def register_listener(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("Out Topic listeners need the event bus, which this build does not have yet")

    def publish(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("In Topic publishing needs the event bus, which this build does not have yet")

    def subscribe(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("technology topic subscriptions need Kafka support, which this build does not have yet")
