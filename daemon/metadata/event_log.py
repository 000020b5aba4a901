"""Reading the bundled metadata server's event log (its outbox) over HTTP.

The embedded event bus reads Out Topic events straight from here instead of Kafka.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from daemon.metadata._transport import Timeout, Transport

__all__ = ["EventLogReader"]


class EventLogReader:
    """``events_after(sequence, limit)`` on one metadata server; one reader per thread."""

    def __init__(
        self,
        base_url: str,
        server_name: str,
        *,
        token: str | None = None,
        timeout: Timeout = (3.05, 30.0),
        session: requests.Session | None = None,
    ) -> None:
        self._transport = Transport(session or requests.Session(), timeout, token)
        self._url = f"{base_url.rstrip('/')}/servers/{quote(server_name, safe='')}/open-metadata/event-log"

    def last_sequence(self) -> int:
        """The sequence of the newest event in the log (0 when it is empty)."""
        data = self._transport.call("GET", self._url, params={"after": 0, "limit": 1})
        return int(data.get("lastSequence") or 0)

    def events_after(self, sequence: int, limit: int = 500) -> list[tuple[int, dict[str, Any]]]:
        """Events with a sequence above ``sequence``, oldest first, at most ``limit``."""
        data = self._transport.call("GET", self._url, params={"after": sequence, "limit": limit})
        return [(int(item["sequence"]), item["event"]) for item in data.get("events") or []]
