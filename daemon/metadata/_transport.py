"""HTTP calls to a metadata access point, with every failure translated into the daemon's errors.

The only place the daemon imports ``requests``. Translation, at this boundary only:

- connection refused / DNS / TLS problems, timeouts -> ``MetadataUnreachable``
- an answer that is not a JSON object -> ``MetadataUnreachable`` ("not an open metadata server")
  (a bare 401/403 without JSON, as Egeria sends for a bad token -> ``UserNotAuthorizedError``)
- an FFDC answer (``exceptionClassName``, or ``relatedHTTPCode`` other than 200, or an HTTP
  error status) -> ``MetadataRequestError.from_ffdc`` (Egeria answers errors with HTTP 200 and
  the code in the body; the bundled server also sets the HTTP status)
"""

from __future__ import annotations

from typing import Any

import requests
import requests.adapters

from daemon.errors import MetadataRequestError, MetadataUnreachable, UserNotAuthorizedError

__all__ = ["Transport", "pooled_session"]

Timeout = tuple[float, float]


class Transport:
    """JSON-over-HTTP calls on one ``requests.Session``; not for use by several threads at once."""

    def __init__(self, session: requests.Session, timeout: Timeout, token: str | None) -> None:
        self.session = session
        self.timeout = timeout
        self.token = token

    def call(
        self, method: str, url: str, body: dict[str, Any] | None = None, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Send one request and return the JSON object answered, or raise the translated error."""
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self.session.request(
                method, url, json=body, params=params, headers=headers, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise MetadataUnreachable(
                f"the metadata server did not answer {method} {url} within {self.timeout[1]:g}s "
                f"(connect timeout {self.timeout[0]:g}s); check that it is running and not overloaded"
            ) from exc
        except requests.RequestException as exc:
            raise MetadataUnreachable(
                f"cannot reach the metadata server for {method} {url} ({_reason(exc)}); "
                "check that it is running and that the platform root URL in the config is right"
            ) from exc
        return _answer(method, url, response)


def _reason(exc: requests.RequestException) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."


def _answer(method: str, url: str, response: requests.Response) -> dict[str, Any]:
    status = response.status_code
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        if status in (401, 403):
            raise UserNotAuthorizedError(
                f"the metadata server refused {method} {url} (HTTP {status}): the bearer token is missing, "
                "wrong or expired",
                related_http_code=status,
                http_status=status,
                user_action="Check the token configured for the daemon.",
            )
        content_type = response.headers.get("Content-Type") or "no content type"
        raise MetadataUnreachable(
            f"not an open metadata server at {url}: {method} answered HTTP {status} with {content_type}, "
            "not a JSON object; check the platform root URL and server name in the config"
        )
    related = data.get("relatedHTTPCode", 200)
    if data.get("exceptionClassName") or status >= 400 or related not in (200, None):
        raise MetadataRequestError.from_ffdc(data, status)
    return data


def pooled_session(pool_size: int = 32) -> requests.Session:
    """A session many connector threads may share: at most ``pool_size`` kept-alive connections.

    Each request takes a connection from urllib3's thread-safe pool; when more threads call
    at once than the pool holds, the extra connections are opened and closed for that call.
    One shared pool keeps a daemon with a thousand connectors from holding a thousand idle
    sockets (and server-side channels) open to the metadata server.
    """
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, pool_block=False)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
