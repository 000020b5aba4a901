"""Connectors for the integration tests: a PostgreSQL cataloguer whose connection is cut mid-way
on request, and a connector that tries to change elements another connector owns."""

from __future__ import annotations

import threading

import psycopg
from attrs import frozen

from daemon import Connector
from daemon.integrations._pg_catalog import CatalogReader, Column
from daemon.integrations.postgres import PostgresCatalogConnector

#: Set it to cut the next catalog read after its relations were read (the event clears itself).
CUT_NEXT_READ = threading.Event()


class CuttingReader(CatalogReader):
    """Terminates its own backend from another session between two catalog queries."""

    def columns(self, schemas: list[str]) -> dict[tuple[str, str], list[Column]]:
        if CUT_NEXT_READ.is_set():
            CUT_NEXT_READ.clear()
            pid = self.connection.info.backend_pid
            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as killer:
                killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
        return super().columns(schemas)


class CutMidway(PostgresCatalogConnector):
    reader_class = CuttingReader


@frozen
class IntruderConfig:
    guid: str = ""
    description: str = "changed by someone else"


class Intruder(Connector):
    """On each refresh, tries to change the element ``guid`` (an error goes to the supervisor as usual)."""

    config_class = IntruderConfig

    def refresh(self) -> None:
        self.context.metadata.update(self.context.config.guid, {"description": self.context.config.description})
