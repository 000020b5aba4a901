"""The routes outside Egeria's paths: liveness, readiness, metrics, the OpenAPI document, the status page.

``/health`` and ``/ready`` answer without a token (probes carry none); so do the status page's
static files, which hold no data: the page asks the user for the token and sends it with
every API call it makes.
"""

from __future__ import annotations

import html
from importlib import resources
from typing import Any

import falcon
import pykka
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry

from daemon.actors.control import DaemonControl
from daemon.admin.metrics import render_metrics

__all__ = ["OPEN_PATHS", "site_routes"]

STATIC_PREFIX = "/static/"
_STATIC_FILES = ("status.js", "status.css")
#: Paths served without a token: the probes, and the status page's files (they hold no data).
OPEN_PATHS = frozenset({"/health", "/ready", "/", *(STATIC_PREFIX + name for name in _STATIC_FILES)})
_STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _package_file(name: str) -> bytes:
    return resources.files("daemon.admin").joinpath(name).read_bytes()


class Health:
    """Liveness: the HTTP server's threads answer."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"status": "UP"}


class Ready:
    """Readiness: every actor of the daemon answered a ping, and the reports, within the control's timeout."""

    def __init__(self, control: DaemonControl) -> None:
        self._control = control

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        try:
            answered = self._control.ping_all()
            reports = self._control.reports()
        except (pykka.Timeout, pykka.ActorDeadError) as exc:
            answered, reason = False, f"the actors did not answer: {type(exc).__name__}"
        else:
            reason = "an actor answered that it is not ready"
        if not answered:
            resp.status = falcon.HTTP_503
            resp.media = {"status": "NOT_READY", "reason": reason}
            return
        resp.media = {"status": "READY", "connectors": len(reports)}


class Metrics:
    """Prometheus text exposition, collected from the actors at each scrape."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = CONTENT_TYPE_LATEST
        resp.data = render_metrics(self._registry)


class OpenApi:
    """The OpenAPI document kept in the repository (``daemon/admin/openapi.json``), byte for byte."""

    def __init__(self) -> None:
        self._document = _package_file("openapi.json")

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._document


class Page:
    """The live status page; the daemon's server name is written into it once."""

    def __init__(self, server_name: str) -> None:
        text = _package_file("static/index.html").decode("utf-8")
        self._page = text.replace("{{SERVER_NAME}}", html.escape(server_name, quote=True)).encode("utf-8")

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.set_header("Content-Security-Policy", _PAGE_POLICY)
        resp.set_header("Cache-Control", "no-store")
        resp.data = self._page


class Static:
    """The page's script and style sheet; only files listed at start are served."""

    def __init__(self) -> None:
        self._files = {name: _package_file(f"static/{name}") for name in _STATIC_FILES}

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        if name not in self._files:
            raise falcon.HTTPNotFound(title=f"no static file {name!r}")
        resp.content_type = _STATIC_TYPES[name[name.rindex("."):]]
        resp.set_header("Cache-Control", "no-cache")
        resp.data = self._files[name]


def site_routes(server_name: str, control: DaemonControl, registry: CollectorRegistry) -> dict[str, Any]:
    """Routes at the root of the admin port."""
    return {
        "/": Page(server_name),
        STATIC_PREFIX + "{name}": Static(),
        "/health": Health(),
        "/ready": Ready(control),
        "/metrics": Metrics(registry),
        "/openapi.json": OpenApi(),
    }
