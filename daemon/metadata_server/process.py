"""The bundled metadata server as its own process (``integration-daemon metadata-server``).

``run_metadata_server`` is called by the CLI on the main thread with a structured config:
it opens the database, listens, serves until SIGTERM or SIGINT, then stops cleanly and
returns the process exit code (0 after a clean stop, 1 if it could not start).

With an event bus of type ``kafka`` it also relays its event log to the access services'
Out Topics and applies their In Topics (see ``server.py``). The bus comes from the
``event_bus`` argument, else from ``config.event_bus`` once the config has that field.
"""

from __future__ import annotations

import logging
import signal
import sqlite3
from pathlib import Path
from types import FrameType

from daemon.config import EventBusConfig, StandaloneMetadataServerConfig
from daemon.metadata_server.server import ACCESS_SERVICES, MetadataServer

__all__ = ["run_metadata_server"]

log = logging.getLogger(__name__)

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _server_for(
    config: StandaloneMetadataServerConfig, event_bus: EventBusConfig | None, relay_max_in_flight: int
) -> MetadataServer:
    database = Path(config.database).expanduser()
    database.parent.mkdir(parents=True, exist_ok=True)
    tokens = {grant.token.reveal(): frozenset(grant.users) for grant in config.tokens}
    return MetadataServer(
        database,
        server_name=config.server_name,
        host=config.host,
        port=config.port,
        tokens=tokens,
        threads=config.threads,
        event_bus=event_bus,
        access_services=getattr(config, "access_services", ACCESS_SERVICES),
        relay_max_in_flight=relay_max_in_flight,
    )


def run_metadata_server(
    config: StandaloneMetadataServerConfig,
    *,
    event_bus: EventBusConfig | None = None,
    relay_max_in_flight: int = 10_000,
) -> int:
    """Serve until SIGTERM/SIGINT; returns the exit code. Must run on the main thread (signals)."""
    bus = event_bus if event_bus is not None else getattr(config, "event_bus", None)
    try:
        server = _server_for(config, bus, relay_max_in_flight)
    except ValueError as exc:
        log.error("metadata server %s: invalid event bus settings: %s", config.server_name, exc)
        return 1
    except (OSError, RuntimeError, sqlite3.Error) as exc:
        log.error("metadata server %s cannot open its database %s: %s", config.server_name, config.database, exc)
        return 1
    try:
        server.listen()
    except OSError as exc:
        log.error("metadata server %s cannot listen on %s:%s: %s", config.server_name, config.host, config.port, exc)
        server.stop()
        return 1
    if not config.tokens:
        log.warning("no tokens configured: anyone who can reach %s may read and change its metadata", server.url)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("metadata server %s: %s received, stopping", config.server_name, signal.Signals(signum).name)
        server.stop()

    previous = {signum: signal.signal(signum, on_signal) for signum in _STOP_SIGNALS}
    try:
        server.serve_forever()
    except ValueError as exc:  # the event bus refused its settings
        log.error("metadata server %s cannot start its event bus: %s", config.server_name, exc)
        return 1
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        server.stop()
    return 0
