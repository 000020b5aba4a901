"""``ConnectorHarness``: one connector, its hooks called synchronously, a real metadata server.

The harness does what the daemon's connector builder and host do, minus the actors: it
loads the class, structures ``configuration_properties`` into its ``config_class``, gives
the instance a ``ConnectorContext`` connected to a bundled metadata server (SQLite, in a
temporary directory), and calls the hooks **on the calling thread**, one at a time. Hook
exceptions reach the test unchanged (the daemon would restart the connector; ``restart()``
does the same on request).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

from loguru import logger

from daemon.clock import Clock, ManualClock
from daemon.config import PermittedSynchronization, service_kind
from daemon.config.catalogue import SERVICE_KINDS
from daemon.connectors import ActivityCounter, Connector, ConnectorContext, OpenMetadataStore
from daemon.connectors.events import ListenerRequest, SubscriptionRequest
from daemon.connectors.loading import load_connector_class, structure_connector_config
from daemon.metadata import MetadataClient
from daemon.metadata_server import MetadataServer
from daemon.model import Element, EventType, OpenMetadataOutTopicEvent, TypeTable
from daemon.states import ActivityReport
from daemon.testing._catalogue import Catalogue

__all__ = ["ConnectorHarness"]

STEWARD = "harness-steward"


def _matches(listener: ListenerRequest, event: OpenMetadataOutTopicEvent) -> bool:
    kinds = [EventType[name] for name in listener.event_types]
    return event.matches(listener.type_names or None, kinds or None)


def _sync(value: PermittedSynchronization | str | None, service: str) -> PermittedSynchronization:
    if value is None:
        return service_kind(service).default_permitted_synchronization
    return value if isinstance(value, PermittedSynchronization) else PermittedSynchronization[value]


class ConnectorHarness:
    """Runs one connector's hooks synchronously against a real bundled metadata server.

    ::

        with ConnectorHarness(InventoryConnector, endpoint=str(path), metadata_source="inventory") as h:
            h.start()
            h.refresh()
            h.assert_catalogued("inventory::orders", "DataSet", {"displayName": "orders"})

    Arguments mirror a connector's entry in the daemon's config: ``connector`` is the class
    or its reference (entry-point name or ``package.module:Class``). The context's clock
    is ``clock`` (a ``ManualClock`` by default); the server's database lives in
    ``directory`` (a temporary directory, removed on close, by default).
    """

    def __init__(
        self,
        connector: type[Connector] | str,
        *,
        name: str = "connector-under-test",
        service: str = "catalog-integrator",
        endpoint: str | None = None,
        configuration_properties: Mapping[str, Any] | None = None,
        metadata_source: str | None = None,
        permitted_synchronization: PermittedSynchronization | str | None = None,
        user_id: str = "connector-npa",
        connector_id: str | None = None,
        clock: Clock | None = None,
        directory: str | Path | None = None,
        server_name: str = "harness-metadata-server",
        types: TypeTable | None = None,
    ) -> None:
        if service not in SERVICE_KINDS:
            raise ValueError(f"unknown integration service {service!r}; known: {', '.join(sorted(SERVICE_KINDS))}")
        self._reference = connector
        self.name, self.service, self.endpoint, self.user_id = name, service, endpoint, user_id
        self.configuration_properties = dict(configuration_properties or {})
        self.metadata_source = metadata_source
        self.permitted_synchronization = _sync(permitted_synchronization, service)
        self.connector_id = connector_id or name
        self.clock = clock if clock is not None else ManualClock()
        self.published: list[dict[str, Any]] = []
        self.logs: list[tuple[str, str]] = []
        self.activity = ActivityReport()
        self.last_activity = ActivityReport()
        self._directory, self._server_name, self._types = directory, server_name, types
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._server: MetadataServer | None = None
        self._catalogue: Catalogue | None = None
        self._steward: OpenMetadataStore | None = None
        self._clients: list[MetadataClient] = []
        self._log_sink: int | None = None
        self._instance: Connector | None = None
        self._context: ConnectorContext | None = None
        self._delivered = 0

    # ------------------------------------------------------------ harness lifecycle

    def open(self) -> ConnectorHarness:
        """Start the metadata server (``__enter__`` calls this)."""
        if self._server is not None:
            return self
        if self._directory is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="connector-harness-")
            self._directory = self._tmp.name
        database = Path(self._directory) / "metadata.db"
        self._server = MetadataServer(database, server_name=self._server_name, tokens={}, types=self._types).start()
        self._delivered = self._server.store.last_sequence()
        steward = self._client(STEWARD)
        self._catalogue = Catalogue(steward, self._server.store)
        self._steward = OpenMetadataStore(
            steward, connector=STEWARD, permitted_synchronization=PermittedSynchronization.BOTH_DIRECTIONS,
            metadata_source=None, activity=ActivityCounter(),
        )
        self._log_sink = logger.add(self._capture_log, level="TRACE", filter=self._is_mine, format="{message}")
        return self

    def close(self) -> None:
        """Disconnect the connector if it is still started, stop the server, remove the temporary directory."""
        try:
            if self._instance is not None:
                self.disconnect()
        finally:
            self._release()

    def _release(self) -> None:
        if self._log_sink is not None:
            logger.remove(self._log_sink)
            self._log_sink = None
        for client in self._clients:
            client.close()
        self._clients.clear()
        if self._server is not None:
            self._server.stop()
            self._server = None
            self._catalogue = self._steward = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = self._directory = None

    def __enter__(self) -> ConnectorHarness:
        return self.open()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.close()
        except Exception:
            if exc is None:
                raise  # otherwise the test's own failure matters more than one from disconnect()

    # ------------------------------------------------------------ hooks

    def start(self) -> Connector:
        """Build a fresh instance and context as the daemon does, connect, call ``start``; return the instance.

        Raises what the daemon would turn into a state: ``ConnectorLoadError`` or
        ``ConnectorConfigError`` (CONFIG_FAILED), ``MetadataUnreachable`` (INITIALIZE_FAILED),
        or the hook's own exception (a restart).
        """
        server = self._require_server()
        if self._instance is not None:
            raise RuntimeError("the connector is already started: call disconnect() or restart()")
        cls = self._reference if isinstance(self._reference, type) else load_connector_class(self._reference, self.name)
        if not issubclass(cls, Connector):
            raise TypeError(f"{cls!r} is not a subclass of daemon.Connector")
        config = structure_connector_config(cls, self.configuration_properties, self.name)
        context = ConnectorContext(
            service=self.service, name=self.name, connector_id=self.connector_id,
            user_id=self.user_id, client_factory=self._client, permitted_synchronization=self.permitted_synchronization,
            metadata_source=self.metadata_source, endpoint=self.endpoint,
            configuration_properties=self.configuration_properties, config=config, clock=self.clock,
            publisher=self._publish,
        )
        self._context = context
        self._delivered = max(self._delivered, server.store.last_sequence())  # a new listener starts at the end
        self._call(context.connect)  # may register the metadata source: the connector's own event
        instance = self._instance = cls()
        try:
            self._call(partial(instance.start, context))
        except BaseException:
            self._instance = None  # as in the daemon: a failed start is discarded without disconnect()
            raise
        return instance

    def refresh(self) -> ActivityReport:
        """Call ``refresh()``; return what it changed in open metadata."""
        instance = self._require_instance()
        return self._call(instance.refresh)

    def deliver(self, event: OpenMetadataOutTopicEvent) -> ActivityReport:
        """Call ``on_event(event)``, whatever listeners the connector registered; return what it changed."""
        instance = self._require_instance()
        return self._call(partial(instance.on_event, event))

    def deliver_new_events(
        self, type_names: Collection[str] | None = None, event_types: Collection[EventType | str] | None = None
    ) -> list[OpenMetadataOutTopicEvent]:
        """Deliver, in order, the events the server logged since the last delivery that the connector would get.

        As in the daemon: nothing unless the connector registered a listener; nothing logged
        before its ``start()`` (a new listener starts at the end of the log); not its own
        writes (elements its metadata source owns, or changed by its user id); only events
        matching one of its listeners, or ``type_names`` / ``event_types`` when given.
        Returns what was delivered.
        """
        server, instance, context = self._require_server(), self._require_instance(), self.context
        listeners = list(context.listeners)
        if type_names is not None or event_types is not None:
            kinds = tuple(t.name if isinstance(t, EventType) else t for t in event_types or ())
            listeners = [ListenerRequest(tuple(type_names or ()), kinds)] if listeners else []
        delivered = []
        for sequence, body in server.store.events_after(self._delivered, 100_000):
            self._delivered = sequence
            event = OpenMetadataOutTopicEvent.from_json(body)
            if self._is_echo(event) or not any(_matches(listener, event) for listener in listeners):
                continue
            self._call(partial(instance.on_event, event))
            delivered.append(event)
        return delivered

    def deliver_message(self, message: Any) -> ActivityReport:
        """Call ``on_technology_message(message)`` (see ``make_message``); return what it changed."""
        instance = self._require_instance()
        return self._call(partial(instance.on_technology_message, message))

    def disconnect(self) -> None:
        """Call ``disconnect()``; the instance is then gone (``start()`` builds a fresh one)."""
        instance = self._require_instance()
        try:
            instance.disconnect()
        finally:
            self._instance = None

    def restart(self) -> Connector:
        """What the daemon does after a failure: disconnect (errors ignored), then start a fresh instance."""
        if self._instance is not None:
            try:
                self.disconnect()
            except Exception as exc:
                self.logs.append(("WARNING", f"disconnect failed: {exc}"))
        return self.start()

    # ------------------------------------------------------------ what the connector did

    @property
    def connector(self) -> Connector:
        """The started instance."""
        return self._require_instance()

    @property
    def context(self) -> ConnectorContext:
        """The context given to the current (or last) instance."""
        if self._context is None:
            raise RuntimeError("the connector has not been started: call start()")
        return self._context

    @property
    def listeners(self) -> list[ListenerRequest]:
        """The Out Topic listeners the connector registered (``context.register_listener``)."""
        return list(self.context.listeners)

    @property
    def subscriptions(self) -> list[SubscriptionRequest]:
        """The technology topics the connector subscribed to (``context.subscribe``)."""
        return list(self.context.subscriptions)

    @property
    def steward(self) -> OpenMetadataStore:
        """Open metadata as another user (``harness-steward``, no metadata source), to arrange what the
        connector should find or react to. Its writes are not the connector's activity, and their
        events are delivered by ``deliver_new_events``."""
        self._require_server()
        assert self._steward is not None
        return self._steward

    @property
    def url(self) -> str:
        """The metadata server's platform root URL."""
        return self._require_server().url

    @property
    def server_name(self) -> str:
        """The metadata server's server name (in its URL paths)."""
        return self._server_name

    @property
    def directory(self) -> Path:
        """Where the metadata server's database lives (a temporary directory unless one was given)."""
        self._require_server()
        return Path(str(self._directory))

    # ------------------------------------------------------------ the catalogue (see Catalogue)

    def catalogue(self, type_name: str | None = None, *, archived: bool = False) -> list[Element]:
        """Every element of ``type_name`` (and subtypes) in the server; ``archived=True`` includes archived ones."""
        return self._reader().elements(type_name, archived=archived)

    def element(self, qualified_name: str, *, archived: bool = False) -> Element | None:
        """The element with this ``qualifiedName`` (``archived=True``: even if archived), or ``None``."""
        return self._reader().element(qualified_name, archived=archived)

    def mark(self) -> int:
        """The newest event's position in the server's log, for ``events`` and ``assert_not_written_since``."""
        return self._reader().mark()

    def events(self, since: int = 0) -> list[OpenMetadataOutTopicEvent]:
        """The Out Topic events the server logged after position ``since``, oldest first."""
        return self._reader().events(since)

    def assert_catalogued(
        self,
        qualified_name: str,
        type_name: str | None = None,
        properties: Mapping[str, Any] | None = None,
        *,
        classifications: Iterable[str] = (),
        metadata_source: str | None = None,
    ) -> Element:
        """See ``Catalogue.assert_catalogued``: the element exists, active, of that exact type, with those properties."""
        return self._reader().assert_catalogued(
            qualified_name, type_name, properties, classifications=classifications, metadata_source=metadata_source
        )

    def assert_not_catalogued(self, qualified_name: str) -> None:
        """See ``Catalogue.assert_not_catalogued``: no active element has this ``qualifiedName``."""
        self._reader().assert_not_catalogued(qualified_name)

    def assert_archived(self, qualified_name: str) -> Element:
        """See ``Catalogue.assert_archived``: the element exists and is archived."""
        return self._reader().assert_archived(qualified_name)

    def assert_version(self, qualified_name: str, version: int) -> Element:
        """See ``Catalogue.assert_version``: the element is at this version (1 = never updated)."""
        return self._reader().assert_version(qualified_name, version)

    def assert_not_written_since(self, mark: int, qualified_name: str | None = None) -> None:
        """See ``Catalogue.assert_not_written_since``: no change logged after ``mark`` (to ``qualified_name``)."""
        self._reader().assert_not_written_since(mark, qualified_name)

    # ------------------------------------------------------------ plumbing

    def _call(self, hook: Callable[[], object]) -> ActivityReport:
        """Run one hook on this thread and account what it changed (also when it raises)."""
        context = self.context
        try:
            hook()
        finally:
            self.last_activity = context.take_activity()
            self.activity = self.activity.plus(self.last_activity)
        return self.last_activity

    def _is_echo(self, event: OpenMetadataOutTopicEvent) -> bool:
        header = event.element_header
        if header is None:
            return False
        own_source = self.metadata_source is not None and header.origin.collection_name == self.metadata_source
        return own_source or header.versions.updated_by == self.user_id

    def _publish(self, event: dict[str, Any], timeout: float) -> None:
        """The context's In Topic publisher: the harness keeps what was published in ``published``."""
        self.published.append(event)

    def _client(self, user_id: str) -> MetadataClient:
        server = self._require_server()
        client = MetadataClient(server.url, self._server_name, user_id, timeout=(3.05, 30.0))
        self._clients.append(client)
        return client

    def _reader(self) -> Catalogue:
        self._require_server()
        assert self._catalogue is not None
        return self._catalogue

    def _require_server(self) -> MetadataServer:
        if self._server is None:
            raise RuntimeError("the harness is not open: use it in a with block, or call open()")
        return self._server

    def _require_instance(self) -> Connector:
        self._require_server()
        if self._instance is None:
            raise RuntimeError("the connector is not started: call start()")
        return self._instance

    def _is_mine(self, record: Any) -> bool:
        extra = record["extra"]
        return bool(extra.get("connector") == self.name and extra.get("service") == self.service)

    def _capture_log(self, message: Any) -> None:
        record = message.record
        self.logs.append((record["level"].name, record["message"]))
