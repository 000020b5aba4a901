"""A WSGI app served by waitress on a thread this object owns (admin API, metadata server)."""

from __future__ import annotations

import threading
from typing import Any

import waitress
from waitress import wasyncore
from loguru import logger

__all__ = ["WsgiServer"]


class WsgiServer:
    """Serve ``app`` on ``host:port`` (port 0 picks a free one) until ``stop()``."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0, threads: int = 4, name: str = "http") -> None:
        self._map: dict[int, Any] = {}
        self._server = waitress.create_server(app, host=host, port=port, threads=threads, ident=name, map=self._map)
        self._name = name
        self._thread: threading.Thread | None = None
        self.host = host

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> WsgiServer:
        """Serve on a background thread; the socket is already listening when this returns."""
        self._thread = threading.Thread(target=self._serve, name=f"{self._name}-server", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread until ``stop()`` is called from another."""
        self._serve()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, let requests in flight finish (within ``timeout``), close every connection."""
        self._server.close()
        self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout / 2)  # type: ignore[union-attr]
        wasyncore.close_all(self._map, ignore_all=True)  # kept-alive clients too, or the loop never ends
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning("{} server thread did not stop within {}s", self._name, timeout)

    def _serve(self) -> None:
        try:
            self._server.run()
        except OSError:
            pass  # the socket was closed by stop()
