"""The admin REST API (Falcon): Egeria's integration daemon paths, plus health.

Handlers parse, ask the actors through ``DaemonControl`` with a timeout, and render.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

import falcon
import pykka

from daemon.actors.control import DaemonControl
from daemon.admin.views import status_response
from daemon.config import ServiceConfig
from daemon.errors import InvalidParameterError, MetadataRequestError, PropertyServerError, UserNotAuthorizedError

__all__ = ["make_admin_app"]

DAEMON_BASE = "/servers/{serverName}/open-metadata/integration-daemon"
USER_BASE = DAEMON_BASE + "/users/{userId}"


class _BearerToken:
    """Requires ``Authorization: Bearer <token>`` on every route but the open ones."""

    OPEN = ("/health", "/ready")

    def __init__(self, token: str | None) -> None:
        self._token = token.encode() if token else None

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if self._token is None or req.path in self.OPEN:
            return
        header = req.get_header("Authorization") or ""
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), self._token):
            raise UserNotAuthorizedError(
                "a valid bearer token is required", related_http_code=401, http_status=401,
                user_action="send the admin token configured in admin.token as 'Authorization: Bearer <token>'",
            )


def _ffdc_error(req: falcon.Request, resp: falcon.Response, error: Exception, params: Any) -> None:
    if not isinstance(error, MetadataRequestError):
        if isinstance(error, falcon.HTTPError):
            error = InvalidParameterError(error.title or "bad request", related_http_code=error.status_code)
        elif isinstance(error, pykka.Timeout):
            error = PropertyServerError("the daemon's actors did not answer in time", related_http_code=503)
        else:
            error = PropertyServerError(f"{type(error).__name__}: {error}")
    resp.status = falcon.code_to_http_status(error.http_status)
    resp.media = error.to_ffdc()


class _Status:
    def __init__(self, server_name: str, control: DaemonControl, services: Sequence[ServiceConfig]) -> None:
        self._server_name = server_name
        self._control = control
        self._services = services

    def on_get(self, req: falcon.Request, resp: falcon.Response, serverName: str, userId: str = "") -> None:  # noqa: N803
        _check_server(serverName, self._server_name)
        resp.media = status_response(self._services, self._control.reports())


class _Health:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"status": "UP"}


def _check_server(asked: str, actual: str) -> None:
    if asked != actual:
        raise InvalidParameterError(
            f"this integration daemon is {actual!r}, not {asked!r}",
            related_http_code=404,
            properties={"parameterName": "serverName"},
        )


def make_admin_app(
    *, server_name: str, control: DaemonControl, services: Sequence[ServiceConfig], token: str | None
) -> falcon.App:
    app = falcon.App(middleware=[_BearerToken(token)])
    app.add_error_handler(Exception, _ffdc_error)
    status = _Status(server_name, control, services)
    for base in (DAEMON_BASE, USER_BASE):
        app.add_route(base + "/status", status)
    app.add_route("/health", _Health())
    return app
