"""Running the bundled metadata server: the Falcon app under waitress over a SQLite store.

Two ways to run it:

- embedded (the daemon's quickstart, tests): ``server.start()`` serves on a background
  thread this object owns and returns once the socket listens; ``server.stop()`` ends it;
- standalone: ``server.listen()`` binds (so the URL can be announced), then
  ``server.serve_forever()`` serves on the calling thread until ``stop()`` is called from
  another thread or a signal handler.

``stop()`` stops accepting connections, lets requests in flight finish (within a budget),
closes every connection, joins the serving thread and closes the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import waitress
from waitress import wasyncore

from daemon.metadata_server._app import create_app
from daemon.metadata_server.sqlite_store import SQLiteStore
from daemon.model import TypeTable

__all__ = ["MetadataServer"]

log = logging.getLogger(__name__)


class MetadataServer:
    """One bundled metadata server: store, app and waitress server, started and stopped as a unit.

    ``connection_limit`` is how many client connections stay open at once (one per
    connector session, so keep it above the number of connectors); ``poll()`` is used so
    that more than 1024 sockets work.
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
    ) -> None:
        self.server_name = server_name
        self.store = SQLiteStore(database)
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

    # ------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        """The TCP port the server listens on (known once started)."""
        if self._server is None:
            raise RuntimeError("the metadata server is not started")
        return int(self._server.effective_port)

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
        """Listen, then serve on a background thread; returns once connections are accepted."""
        self.listen()
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"metadata-server-{self.server_name}", daemon=True
            )
            self._thread.start()
            self._loop_started.wait(timeout=5.0)
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread until ``stop()`` (binds first unless ``listen()`` was called)."""
        self.listen()
        self._run()

    def _run(self) -> None:
        self._loop_thread_id = threading.get_ident()
        self._loop_started.set()
        try:
            self._server.run()
        finally:
            self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
            self._loop_done.set()
            if self._finish_on_loop:  # stop() was called on this thread (a signal handler): finish here
                self.store.close()
                log.info("metadata server %s stopped", self.server_name)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving, finish requests in flight (within ``timeout``), close the database; idempotent.

        Called on the serving thread (a signal handler during ``serve_forever``), it only asks
        the loop to end; ``serve_forever`` finishes the shutdown before it returns.
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
        if server is not None:
            self._shut_down(server, timeout)
        self.store.close()
        log.info("metadata server %s stopped", self.server_name)

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
