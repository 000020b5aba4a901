"""Running the bundled metadata server: the Falcon app under waitress over a SQLite store.

Two ways to run it:

- embedded (the daemon's quickstart, tests): ``server.start()`` serves on a background
  thread this object owns and returns once the socket listens; ``server.stop()`` ends it;
- standalone: ``server.listen()`` binds (so the URL can be announced), then
  ``server.serve_forever()`` serves on the calling thread until ``stop()`` is called from
  another thread. (The ``metadata-server`` command serves with ``start()`` instead, so that its
  main thread is free to wait for signals: ``process.py``.)

``stop()`` stops accepting connections, lets requests in flight finish (within a budget),
closes every connection, joins the serving thread and closes the database.

With ``event_bus`` of type ``kafka`` the server also runs its side of the event bus, on
threads of its own: the relay (``relay.py``) publishes the event log to the Out Topic of
each access service in ``access_services``, and the In Topic consumer (``intopic.py``)
applies the events pushed to their In Topics. Both start with the server; ``stop()``
stops the In Topic first (no new changes), then the HTTP server, then the relay (which
flushes the last events) and only then closes the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import waitress
from waitress import wasyncore

from daemon.config import EventBusConfig
from daemon.metadata_server._app import create_app
from daemon.metadata_server.intopic import InTopicConsumer
from daemon.metadata_server.relay import EventRelay
from daemon.metadata_server.sqlite_store import SQLiteStore
from daemon.model import TypeTable
from daemon.topics.names import dead_letter_topic, in_topic, out_topic

__all__ = ["ACCESS_SERVICES", "MetadataServer"]

#: the access services whose Out Topics the relay feeds and whose In Topics are applied
ACCESS_SERVICES = ("data-manager", "asset-manager", "open-metadata-store")

log = logging.getLogger(__name__)


class MetadataServer:
    """One bundled metadata server: store, app and waitress server, started and stopped as a unit.

    ``connection_limit`` is how many client connections stay open at once (one per
    connector session, so keep it above the number of connectors); ``poll()`` is used so
    that more than 1024 sockets work.

    ``event_bus`` of type ``kafka`` adds the relay (``self.relay``) to the Out Topics and the
    In Topic consumer (``self.in_topic``) of each of ``access_services`` (URL markers);
    ``relay_max_in_flight`` bounds what the relay has sent without durably confirming it,
    i.e. what a crash can make it send twice. ``ValueError`` for unusable bus settings.
    """

    def __init__(
        self,
        database: str | Path,
        *,
        server_name: str,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: Mapping[str, frozenset[str]] | None = None,
        threads: int = 8,
        types: TypeTable | None = None,
        connection_limit: int = 2000,
        max_page_size: int = 1000,
        event_bus: EventBusConfig | None = None,
        access_services: Sequence[str] = ACCESS_SERVICES,
        relay_max_in_flight: int = 10_000,
    ) -> None:
        self.server_name = server_name
        self.store = SQLiteStore(database)
        self.relay: EventRelay | None = None
        self.in_topic: InTopicConsumer | None = None
        if event_bus is not None and event_bus.type == "kafka":
            try:
                self._plan_event_bus(event_bus, access_services, relay_max_in_flight, types)
            except BaseException:
                self.store.close()
                raise
        self.app = create_app(
            self.store, server_name=server_name, tokens=tokens, types=types, max_page_size=max_page_size
        )
        self._options: dict[str, Any] = {
            "host": host,
            "port": port,
            "threads": threads,
            "connection_limit": connection_limit,
            "asyncore_use_poll": True,
            "ident": "integration-daemon-metadata-server",
        }
        self._map: dict[int, Any] = {}
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._loop_thread_id: int | None = None
        self._loop_started = threading.Event()
        self._loop_done = threading.Event()
        self._state_lock = threading.Lock()
        self._stopped = False
        self._finish_on_loop = False

    def _plan_event_bus(
        self, bus: EventBusConfig, markers: Sequence[str], max_in_flight: int, types: TypeTable | None
    ) -> None:
        if not bus.bootstrap_servers:
            raise ValueError("event_bus: type kafka needs bootstrap_servers")
        if not markers:
            raise ValueError("event_bus: the metadata server needs at least one access service")
        base = {"bootstrap.servers": bus.bootstrap_servers}
        name, root = self.server_name, bus.topic_root
        self.relay = EventRelay(
            self.store, [out_topic(root, name, m) for m in markers], {**base, **bus.producer},
            max_in_flight=max_in_flight, name=name,
        )
        consumer = {k: v for k, v in bus.consumer.items() if k != "group.id"}  # the daemon's group, not ours
        self.in_topic = InTopicConsumer(
            self.store, [in_topic(root, name, m) for m in markers], {**base, **consumer}, server_name=name,
            dead_letter_topic=dead_letter_topic(root, name), producer_config=bus.producer, types=types,
        )

    def _start_event_bus(self) -> None:
        if self.relay is not None:
            self.relay.start()
        if self.in_topic is not None:
            self.in_topic.start()

    # ------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        """The TCP port the server listens on (known once started)."""
        if self._server is None:
            raise RuntimeError("the metadata server is not started")
        return int(self._server.effective_port)

    @property
    def serving(self) -> bool:
        """True while the serving loop runs, or its thread (``start()``) is still starting it."""
        if self._thread is not None:
            return self._thread.is_alive()
        return self._loop_started.is_set() and not self._loop_done.is_set()

    @property
    def url(self) -> str:
        """The platform root URL clients use, e.g. ``http://127.0.0.1:9443``."""
        host = self._server.effective_host if self._server is not None else self._options["host"]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{self.port}"

    # ------------------------------------------------------------ lifecycle

    def listen(self) -> MetadataServer:
        """Bind and listen without serving yet (``port`` and ``url`` are then known); idempotent."""
        with self._state_lock:
            if self._stopped:
                raise RuntimeError("the metadata server was stopped; create a new one")
            if self._server is None:
                self._server = waitress.create_server(self.app, map=self._map, **self._options)
                log.info("metadata server %s listening on %s", self.server_name, self.url)
        return self

    def start(self) -> MetadataServer:
        """Listen, then serve on a background thread; returns once connections are accepted.

        Starts the event bus too (``ValueError`` if its Kafka settings are refused).
        """
        self.listen()
        if self._thread is None:
            self._start_event_bus()
            self._thread = threading.Thread(
                target=self._run, name=f"metadata-server-{self.server_name}", daemon=True
            )
            self._thread.start()
            self._loop_started.wait(timeout=5.0)
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread until ``stop()`` (binds first unless ``listen()`` was called)."""
        self.listen()
        self._start_event_bus()
        self._run()

    def _run(self) -> None:
        self._loop_thread_id = threading.get_ident()
        self._loop_started.set()
        try:
            self._server.run()
        finally:
            self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
            self._loop_done.set()
            if self._finish_on_loop:  # stop() was called on this thread: finish here
                self._stop_event_bus(10.0)
                self.store.close()
                log.info("metadata server %s stopped", self.server_name)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving, finish requests in flight (within ``timeout``), close the database; idempotent.

        Called on the serving thread (from a thunk run by the loop), it only asks the loop to
        end; the loop finishes the shutdown before it returns.
        """
        with self._state_lock:
            already, self._stopped = self._stopped, True
        if already:
            return
        server = self._server
        if server is not None and threading.get_ident() == self._loop_thread_id and not self._loop_done.is_set():
            self._finish_on_loop = True
            self._on_loop(server, self._close_everything)
            return
        if self.in_topic is not None:  # no more changes from the In Topic
            self.in_topic.stop(timeout / 4)
        if server is not None:
            self._shut_down(server, timeout)
        self._stop_event_bus(timeout / 2)
        self.store.close()
        log.info("metadata server %s stopped", self.server_name)

    def _stop_event_bus(self, timeout: float) -> None:
        """Stop the In Topic (if still running), then flush the relay, before the store closes."""
        if self.in_topic is not None:
            self.in_topic.stop(timeout / 2)
        if self.relay is not None:
            self.relay.stop(timeout)

    def _shut_down(self, server: Any, timeout: float) -> None:
        running = self._loop_thread_id is not None and not self._loop_done.is_set()
        if not running:
            server.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout)
            wasyncore.close_all(self._map, ignore_all=True)
            return
        self._on_loop(server, lambda: wasyncore.dispatcher.close(server))  # stop accepting
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout / 2)  # let requests finish
        self._on_loop(server, self._close_everything)
        if not self._loop_done.wait(timeout / 2):
            log.warning("metadata server %s: serving loop did not end within %.1fs", self.server_name, timeout)
        if self._thread is not None:
            self._thread.join(timeout / 2)

    def _close_everything(self) -> None:
        wasyncore.close_all(self._map, ignore_all=True)

    @staticmethod
    def _on_loop(server: Any, thunk: Callable[[], object]) -> None:
        """Run ``thunk`` on the serving thread (waitress runs trigger thunks there)."""
        try:
            server.trigger.pull_trigger(thunk)
        except OSError:
            # the thunk is queued before the trigger is written to; the serving thread may have run
            # it already, and closing everything closes the trigger too
            pass

    def __enter__(self) -> MetadataServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
