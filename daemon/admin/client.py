"""A small client of the admin API, for the CLI and scripts (the one admin module that uses ``requests``).

Every call has (connect, read) timeouts. ``AdminUnreachable`` means no answer; ``AdminRequestFailed``
means the daemon answered with an FFDC error, whose body it keeps. The token is sent as a
bearer token and never appears in messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests

__all__ = ["AdminClient", "AdminError", "AdminRequestFailed", "AdminUnreachable"]


class AdminError(Exception):
    """A call to the admin API failed."""


class AdminUnreachable(AdminError):
    """The admin API did not answer (refused, timed out, not JSON)."""


class AdminRequestFailed(AdminError):
    """The admin API answered with an FFDC error."""

    def __init__(self, message: str, body: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.body = dict(body)


class AdminClient:
    """Calls one integration daemon's admin API at ``url`` (e.g. ``http://127.0.0.1:9444``)."""

    def __init__(
        self, url: str, server_name: str, *, token: str | None = None, timeout: tuple[float, float] = (3.05, 10.0)
    ) -> None:
        self.url = url.rstrip("/")
        self.server_name = server_name
        self._headers = {"Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._timeout = timeout

    @property
    def base(self) -> str:
        return f"{self.url}/servers/{quote(self.server_name, safe='')}/open-metadata/integration-daemon"

    # --- reading --------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """The ``IntegrationDaemonStatusResponse``."""
        return self._call("GET", "/status")

    def configuration_properties(self, name: str) -> dict[str, Any]:
        """A connector's configuration properties (secrets redacted by the daemon)."""
        return dict(self._call("GET", f"/integration-connectors/{_segment(name)}/configuration-properties")
                    .get("properties") or {})

    # --- acting (each returns the daemon's VoidResponse at once; status shows the effect) --------

    def refresh(self, name: str | None = None) -> dict[str, Any]:
        return self._call("POST", "/integration-connectors/refresh", _name_body(name))

    def restart(self, name: str | None = None) -> dict[str, Any]:
        return self._call("POST", "/integration-connectors/restart", _name_body(name))

    def restart_failed(self) -> dict[str, Any]:
        return self._call("POST", "/integration-connectors/restart-failed")

    def pause(self, name: str) -> dict[str, Any]:
        return self._call("POST", f"/integration-connectors/{_segment(name)}/pause")

    def resume(self, name: str) -> dict[str, Any]:
        return self._call("POST", f"/integration-connectors/{_segment(name)}/resume")

    def replay_dead_letters(self, name: str) -> dict[str, Any]:
        return self._call("POST", f"/integration-connectors/{_segment(name)}/dead-letters/replay")

    def update_configuration_properties(
        self, name: str, properties: Mapping[str, Any], *, merge: bool = True
    ) -> dict[str, Any]:
        body = {"class": "ConnectorConfigPropertiesRequestBody", "connectorName": name, "mergeUpdate": merge,
                "configurationProperties": dict(properties)}
        return self._call("POST", "/integration-connectors/configuration-properties", body)

    # --- transport ------------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        address = self.base + path
        try:
            response = requests.request(method, address, json=body, headers=self._headers, timeout=self._timeout)
            answer = response.json()
        except requests.RequestException as exc:
            raise AdminUnreachable(f"cannot reach the admin API at {address}: {exc}") from exc
        except ValueError as exc:
            raise AdminUnreachable(f"{address} did not answer JSON (HTTP {response.status_code})") from exc
        if not isinstance(answer, dict):
            raise AdminUnreachable(f"{address} did not answer a JSON object (HTTP {response.status_code})")
        if answer.get("relatedHTTPCode", response.status_code) != 200 or response.status_code >= 400:
            message = answer.get("exceptionErrorMessage") or f"HTTP {response.status_code}"
            raise AdminRequestFailed(f"{method} {path}: {message}", answer)
        return answer


def _segment(name: str) -> str:
    return quote(name, safe="")


def _name_body(name: str | None) -> dict[str, str] | None:
    return None if name is None else {"class": "NameRequestBody", "name": name}
