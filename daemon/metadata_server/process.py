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

from daemon.config import EventBusConfig, StandaloneMetadataServerConfig
from daemon.metadata_server.server import ACCESS_SERVICES, MetadataServer
from daemon.signals import STOP_SIGNALS, SignalInbox

__all__ = ["run_metadata_server"]

log = logging.getLogger(__name__)

#: How often the main thread checks that the serving thread still runs, while it waits for a signal.
_SERVING_CHECK_SECONDS = 1.0


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
    """Serve until SIGTERM/SIGINT; returns the exit code. Must run on the main thread (signals).

    The server serves on its own thread; the main thread only waits for a stop signal and then
    calls ``stop()`` itself, never from inside a signal handler (see ``daemon/signals.py``).
    """
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

    with SignalInbox(STOP_SIGNALS) as signals:
        try:
            server.start()
            return _serve_until_stopped(server, signals, config.server_name)
        except ValueError as exc:  # the event bus refused its settings
            log.error("metadata server %s cannot start its event bus: %s", config.server_name, exc)
            return 1
        finally:
            server.stop()


def _serve_until_stopped(server: MetadataServer, signals: SignalInbox, name: str) -> int:
    """Wait for SIGTERM/SIGINT while the serving thread runs; 1 if that thread ended on its own."""
    while server.serving:
        received = signals.wait(timeout=_SERVING_CHECK_SECONDS)
        if received:
            names = ", ".join(sorted(signal.Signals(signum).name for signum in received))
            log.info("metadata server %s: %s received, stopping", name, names)
            return 0
    log.error("metadata server %s: its serving loop ended unexpectedly; stopping", name)
    return 1
