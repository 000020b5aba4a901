"""The admin REST API (Falcon): Egeria's integration daemon paths, our controls, probes, metrics, status page.

Egeria's routes are served under both ``/servers/{serverName}/open-metadata/integration-daemon``
and the older ``.../integration-daemon/users/{userId}`` prefix. With a token configured, every
route but ``/health``, ``/ready`` and the status page's static files needs
``Authorization: Bearer <token>`` (compared in constant time; the token is never logged).
Without one, the app refuses to be built for a non-loopback address. Every error is an
Egeria FFDC body whose ``class`` is the response class of the route that failed.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import falcon
import pykka
from loguru import logger

from daemon.actors.control import DaemonControl
from daemon.admin.bodies import RequestError, unknown_connector, unknown_server
from daemon.admin.metrics import EventStatsSource, metrics_registry
from daemon.admin.resources import AdminContext, connector_routes, service_routes
from daemon.admin.site import OPEN_PATHS, site_routes
from daemon.config import ServiceConfig
from daemon.errors import ConfigError, MetadataRequestError, PropertyServerError, UnknownConnector, UserNotAuthorizedError

__all__ = ["DAEMON_BASE", "USER_BASE", "make_admin_app"]

DAEMON_BASE = "/servers/{serverName}/open-metadata/integration-daemon"
USER_BASE = DAEMON_BASE + "/users/{userId}"

_log = logger.bind(service="admin", connector="-")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: str | None) -> None:
    """Refuse an unauthenticated admin API (it can restart and reconfigure connectors) off loopback."""
    if token or is_loopback(host):
        return
    raise ConfigError(
        [
            f"admin.token: required when admin.host is {host!r}, which is not a loopback address; the admin API "
            "can restart and reconfigure connectors. Set admin.token (e.g. token: ${ADMIN_TOKEN}) or bind "
            "admin.host to 127.0.0.1"
        ],
        "admin",
    )


class _Guard:
    """Falcon middleware: bearer token before routing, server name and error context after it."""

    def __init__(self, token: str | None, server_name: str) -> None:
        self._token = token.encode("utf-8") if token else None
        self._server_name = server_name

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if self._token is None or req.path in OPEN_PATHS:
            return
        scheme, _, presented = (req.get_header("Authorization") or "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode("utf-8"), self._token):
            return
        _log.warning("refused {} {}: {}", req.method, req.path, "wrong bearer token" if presented else "no bearer token")
        raise UserNotAuthorizedError(
            "a valid bearer token is required",
            related_http_code=401,
            http_status=401,
            system_action="The request was rejected; nothing was changed.",
            user_action="Send the admin token configured in admin.token as 'Authorization: Bearer <token>'.",
        )

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: object, params: dict[str, str]
    ) -> None:
        req.context.response_class = getattr(resource, "response_class", None)
        req.context.action = getattr(resource, "action", "")
        asked = params.get("serverName")
        if asked is not None and asked != self._server_name:
            raise unknown_server(asked, self._server_name)


def _as_ffdc(req: falcon.Request, error: Exception, server_name: str) -> MetadataRequestError:
    """Any exception a responder raised, as an FFDC error."""
    if isinstance(error, MetadataRequestError):
        return error
    if isinstance(error, UnknownConnector):
        return unknown_connector(error.connector, server_name)
    if isinstance(error, falcon.HTTPMethodNotAllowed):
        allowed = dict(error.headers or {}).get("Allow", "")
        return RequestError(f"method {req.method} is not allowed on {req.path} (allowed: {allowed})",
                            related_http_code=405, properties={"parameterName": "method"})
    if isinstance(error, falcon.HTTPRouteNotFound):
        return RequestError(f"no route {req.method} {req.path}: see /openapi.json", related_http_code=404,
                            properties={"parameterName": "path"})
    if isinstance(error, falcon.HTTPError):
        return RequestError(error.title or "bad request", related_http_code=error.status_code)
    if isinstance(error, pykka.Timeout):
        return PropertyServerError("the daemon's actors did not answer in time", related_http_code=503)
    if isinstance(error, pykka.ActorDeadError):
        return PropertyServerError("the daemon is stopping", related_http_code=503)
    _log.opt(exception=error).error("admin request failed: {}: {}", type(error).__name__, error)
    return PropertyServerError(f"the integration daemon failed to handle the request: {type(error).__name__}")


def _error_handler(server_name: str) -> Callable[[falcon.Request, falcon.Response, Exception, object], None]:
    """Renders every error as an Egeria FFDC body with the failed route's response class."""

    def handle(req: falcon.Request, resp: falcon.Response, error: Exception, params: object) -> None:
        ffdc = _as_ffdc(req, error, server_name)
        body = ffdc.to_ffdc()
        body["class"] = getattr(req.context, "response_class", None) or body["class"]
        if getattr(req.context, "action", ""):
            body["actionDescription"] = req.context.action
        resp.status = falcon.code_to_http_status(ffdc.http_status)
        resp.media = body
        if isinstance(error, falcon.HTTPError) and error.headers:
            resp.set_headers(error.headers)  # e.g. Allow on 405
        if ffdc.http_status == 401:
            resp.set_header("WWW-Authenticate", 'Bearer realm="integration-daemon"')

    return handle


def make_admin_app(
    *,
    server_name: str,
    control: DaemonControl,
    services: Sequence[ServiceConfig],
    token: str | None,
    host: str = "127.0.0.1",
    connector_providers: Mapping[str, str] | None = None,
    event_stats: EventStatsSource | None = None,
) -> falcon.App:
    """The admin WSGI app. Raises ConfigError for a token-less app on a non-loopback ``host``.

    ``connector_providers`` is the config's Egeria provider table (used to validate connectors);
    ``event_stats`` is the Out Topic side's statistics hook, shown in status and metrics.
    """
    check_exposure(host, token)
    app = falcon.App(middleware=[_Guard(token, server_name)])
    app.add_error_handler(Exception, _error_handler(server_name))
    app.add_error_handler(falcon.HTTPError, _error_handler(server_name))
    context = AdminContext(server_name, control, tuple(services), MappingProxyType(dict(connector_providers or {})),
                           event_stats)
    daemon_routes = {**connector_routes(context), **service_routes(context)}
    for base in (DAEMON_BASE, USER_BASE):
        for path, resource in daemon_routes.items():
            app.add_route(base + path, resource)
    for path, resource in site_routes(server_name, control, metrics_registry(control.reports, event_stats)).items():
        app.add_route(path, resource)
    return app
