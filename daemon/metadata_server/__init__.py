"""The bundled metadata access point: a subset of Egeria 6's open metadata store API.

A Falcon WSGI app served by waitress over SQLite (WAL). Every change and its Out Topic
event commit in one transaction (the outbox), which the event relay reads with
``Store.events_after``. Start one embedded with::

    server = MetadataServer("metadata.db", server_name="mds1").start()
    ...  # clients use server.url
    server.stop()

Public surface: ``MetadataServer`` (runner), ``create_app`` (the WSGI app over any
``Store``), ``Store`` / ``StoreReader`` / ``StoreWriter`` (the storage seam) and
``SQLiteStore``.
"""

from daemon.metadata_server._app import BASE_PATH, EVENT_LOG_PATH, create_app
from daemon.metadata_server.server import MetadataServer
from daemon.metadata_server.sqlite_store import SQLiteStore
from daemon.metadata_server.store import Store, StoreReader, StoreWriter

__all__ = [
    "BASE_PATH",
    "EVENT_LOG_PATH",
    "MetadataServer",
    "SQLiteStore",
    "Store",
    "StoreReader",
    "StoreWriter",
    "create_app",
]
