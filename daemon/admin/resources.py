"""Egeria's integration daemon routes, and our operator controls beside them.

Each resource parses its request (``bodies``), acts through ``DaemonControl`` (every call an
``ask`` with a timeout, or a ``tell`` that returns at once) and renders Egeria's JSON
(``views``). The server name in the path is checked once, by the API's middleware, before
any responder runs. Errors are raised as FFDC exceptions and rendered by the API's handler.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import falcon
from attrs import frozen
from loguru import logger

from daemon.actors.control import DaemonControl
from daemon.admin.bodies import (
    RequestError,
    bad_request,
    connection_body,
    name_body,
    properties_body,
    read_json,
    string_body,
    unknown_connector,
    unknown_service,
)
from daemon.admin.metrics import EventStatsSource
from daemon.admin.validation import property_problems, validate_connector
from daemon.admin.views import properties_response, service_summaries_response, status_response, void_response
from daemon.config import ConnectorConfig, ServiceConfig, looks_like_java_class, resolve_provider

__all__ = ["AdminContext", "connector_routes", "service_routes"]

_log = logger.bind(service="admin", connector="-")


@frozen
class AdminContext:
    """What every resource shares: the daemon's name and services, the control, the hooks."""

    server_name: str
    control: DaemonControl
    services: Sequence[ServiceConfig]
    providers: Mapping[str, str]
    event_stats: EventStatsSource | None = None

    def events(self) -> dict[str, dict[str, int]] | None:
        """Out Topic delivery counts by connector name, or None when no event source is wired in."""
        if self.event_stats is None:
            return None
        try:
            stats = self.event_stats()
        except Exception as exc:  # a broken hook must not break the status
            _log.warning("event statistics failed: {}", exc)
            return None
        return {
            c.connector: {"delivered": c.delivered, "failed": c.failed, "dead_lettered": c.dead_lettered}
            for c in stats.connectors
        }

    def service(self, url_marker: str) -> ServiceConfig:
        for service in self.services:
            if service.url_marker == url_marker:
                return service
        raise unknown_service(url_marker, self.server_name)

    def configuration(self, name: str) -> ConnectorConfig:
        """The connector's current config (as changed by earlier requests)."""
        return self.control.configuration(name)


class Resource:
    """Base of the admin resources: Egeria's response class and action name, for FFDC errors."""

    response_class = "VoidResponse"
    action = ""

    def __init__(self, context: AdminContext) -> None:
        self.ctx = context


# --- Egeria: whole daemon ---------------------------------------------------------------------


class Status(Resource):
    response_class, action = "IntegrationDaemonStatusResponse", "getIntegrationDaemonStatus"

    def on_get(self, req: falcon.Request, resp: falcon.Response, **_: str) -> None:
        resp.media = status_response(self.ctx.services, self.ctx.control.reports(), self.ctx.events())


class ServiceSummaries(Resource):
    response_class, action = "IntegrationServiceSummaryResponse", "getIntegrationServicesSummaries"

    def on_get(self, req: falcon.Request, resp: falcon.Response, **_: str) -> None:
        resp.media = service_summaries_response(self.ctx.services, self.ctx.control.reports(), self.ctx.events())


class RefreshConnectors(Resource):
    action = "refreshConnectors"

    def on_post(self, req: falcon.Request, resp: falcon.Response, **_: str) -> None:
        name = name_body(read_json(req))
        self.ctx.control.refresh(name)
        _log.info("refresh requested for {}", name or "every connector")
        resp.media = void_response()


class RestartConnectors(Resource):
    action = "restartConnectors"

    def on_post(self, req: falcon.Request, resp: falcon.Response, **_: str) -> None:
        name = name_body(read_json(req))
        self.ctx.control.restart(name)
        _log.info("restart requested for {}", name or "every connector")
        resp.media = void_response()


# --- Egeria: one connector's configuration ---------------------------------------------------


class ConfigurationProperties(Resource):
    response_class, action = "PropertiesResponse", "getConfigurationProperties"

    def on_get(self, req: falcon.Request, resp: falcon.Response, connectorName: str, **_: str) -> None:  # noqa: N803
        resp.media = properties_response(self.ctx.configuration(connectorName).configuration_properties)


class UpdateConfigurationProperties(Resource):
    action = "updateConfigurationProperties"

    def on_post(self, req: falcon.Request, resp: falcon.Response, **_: str) -> None:
        update = properties_body(read_json(req))
        names = [update.connector] if update.connector is not None else self.ctx.control.connector_names()
        configs = [self.ctx.configuration(name) for name in names]
        for config in configs:  # check all first: a rejected request changes nothing
            new = {**config.configuration_properties, **update.properties} if update.merge else update.properties
            _reject_properties(config, new, self.ctx.providers)
        for config in configs:
            self.ctx.control.update_configuration_properties(config.name, update.properties, merge=update.merge)
            _log.info("configuration properties of {} {} (connector restarts)", config.name,
                      "merged" if update.merge else "replaced")
        resp.media = void_response()


class EndpointNetworkAddress(Resource):
    action = "updateEndpointNetworkAddress"

    def on_post(self, req: falcon.Request, resp: falcon.Response, connectorName: str, **_: str) -> None:  # noqa: N803
        address = string_body(read_json(req))
        self.ctx.configuration(connectorName)  # unknown names fail before anything changes
        self.ctx.control.update_endpoint(connectorName, address)
        _log.info("endpoint of {} updated (connector restarts)", connectorName)
        resp.media = void_response()


class Connection(Resource):
    """Applies a Connection's endpoint address and configuration properties; absent parts stay as they are."""

    action = "updateConnectorConnection"

    def on_post(self, req: falcon.Request, resp: falcon.Response, connectorName: str, **_: str) -> None:  # noqa: N803
        update = connection_body(read_json(req))
        config = self.ctx.configuration(connectorName)
        if update.provider is not None and not _same_connector(update.provider, config.connector, self.ctx.providers):
            raise bad_request(
                "requestBody.connectorType.connectorProviderClassName",
                f"{update.provider!r} is not this connector's class ({config.connector!r}); changing the class of a "
                "running connector is not supported: change the daemon's config and restart it",
            )
        if update.properties is not None:
            _reject_properties(config, update.properties, self.ctx.providers)
        self.ctx.control.update_connection(
            connectorName, endpoint=update.address, configuration_properties=update.properties
        )
        _log.info("connection of {} updated (connector restarts)", connectorName)
        resp.media = void_response()


def _reject_properties(config: ConnectorConfig, properties: Mapping[str, Any], providers: Mapping[str, str]) -> None:
    problems = property_problems(config, properties, providers)
    if problems:
        raise RequestError(
            f"connector {config.name}: {'; '.join(problems)}",
            related_http_code=400,
            properties={"parameterName": "requestBody.configurationProperties", "connectorName": config.name,
                        "problems": problems},
            system_action="The request was rejected; nothing was changed.",
            user_action="Correct the configuration properties and retry the request.",
        )


def _same_connector(provider: str, current: str, providers: Mapping[str, str]) -> bool:
    def reference(name: str) -> str:
        return (resolve_provider(name, providers) or name) if looks_like_java_class(name) else name

    return provider == current or reference(provider) == reference(current)


# --- Egeria: integration services ------------------------------------------------------------


class ServiceRefresh(Resource):
    action = "refreshService"

    def on_post(self, req: falcon.Request, resp: falcon.Response, serviceURLMarker: str, **_: str) -> None:  # noqa: N803
        name = _service_connector(self.ctx, serviceURLMarker, name_body(read_json(req)))
        if name is None:
            self.ctx.control.refresh_service(serviceURLMarker)
        else:
            self.ctx.control.refresh(name)
        _log.info("refresh requested for {} of {}", name or "every connector", serviceURLMarker)
        resp.media = void_response()


class ServiceRestart(Resource):
    action = "restartService"

    def on_post(self, req: falcon.Request, resp: falcon.Response, serviceURLMarker: str, **_: str) -> None:  # noqa: N803
        name = _service_connector(self.ctx, serviceURLMarker, name_body(read_json(req)))
        if name is None:
            self.ctx.control.restart_service(serviceURLMarker)
        else:
            self.ctx.control.restart(name)
        _log.info("restart requested for {} of {}", name or "every connector", serviceURLMarker)
        resp.media = void_response()


def _service_connector(ctx: AdminContext, url_marker: str, name: str | None) -> str | None:
    """Check the service (and that it hosts ``name``, if given)."""
    service = ctx.service(url_marker)
    if name is not None and all(c.name != name for c in service.connectors):
        raise unknown_connector(name, ctx.server_name)
    return name


# --- ours: operator controls -----------------------------------------------------------------


class Pause(Resource):
    action = "pauseConnector"

    def on_post(self, req: falcon.Request, resp: falcon.Response, connectorName: str, **_: str) -> None:  # noqa: N803
        self.ctx.control.pause(connectorName)
        _log.info("{} paused", connectorName)
        resp.media = void_response()


class Resume(Resource):
    action = "resumeConnector"

    def on_post(self, req: falcon.Request, resp: falcon.Response, connectorName: str, **_: str) -> None:  # noqa: N803
        self.ctx.control.resume(connectorName)
        _log.info("{} resumed", connectorName)
        resp.media = void_response()


class RestartFailed(Resource):
    action = "restartFailedConnectors"

    def on_post(self, req: falcon.Request, resp: falcon.Response, **_: str) -> None:
        self.ctx.control.restart_failed()
        _log.info("restart requested for every failed connector")
        resp.media = void_response()


class Validate(Resource):
    response_class, action = "ConnectorValidationResponse", "validateConnectorConfig"

    def on_post(self, req: falcon.Request, resp: falcon.Response, **_: str) -> None:
        result = validate_connector(
            read_json(req), server_name=self.ctx.server_name, services=self.ctx.services, providers=self.ctx.providers
        )
        body: dict[str, Any] = {"class": self.response_class, "relatedHTTPCode": 200, "valid": result.valid,
                                "integrationServiceURLMarker": result.service}
        if result.name:
            body["connectorName"] = result.name
        if result.reference:
            body["connector"] = result.reference
        if result.problems:
            body["problems"] = list(result.problems)
        resp.media = body


class ReplayDeadLetters(Resource):
    """Ours: deliver again to a connector what was dead-lettered for it (``integration-daemon dlq replay``)."""

    action = "replayDeadLetters"
    response_class = "CountResponse"

    def on_post(self, req: falcon.Request, resp: falcon.Response, connectorName: str, **_: str) -> None:  # noqa: N803
        count = self.ctx.control.replay_dead_letters(connectorName)
        _log.info("{} dead letter(s) replayed to {}", count, connectorName)
        resp.media = {"class": "CountResponse", "relatedHTTPCode": 200, "count": count}


def connector_routes(ctx: AdminContext) -> dict[str, Resource]:
    """Routes relative to the daemon base (both prefixes), Egeria's first."""
    return {
        "/status": Status(ctx),
        "/integration-connectors/refresh": RefreshConnectors(ctx),
        "/integration-connectors/restart": RestartConnectors(ctx),
        "/integration-connectors/{connectorName}/configuration-properties": ConfigurationProperties(ctx),
        "/integration-connectors/configuration-properties": UpdateConfigurationProperties(ctx),
        "/integration-connectors/{connectorName}/endpoint-network-address": EndpointNetworkAddress(ctx),
        "/integration-connectors/{connectorName}/connection": Connection(ctx),
        "/integration-connectors/{connectorName}/pause": Pause(ctx),
        "/integration-connectors/{connectorName}/resume": Resume(ctx),
        "/integration-connectors/restart-failed": RestartFailed(ctx),
        "/integration-connectors/validate": Validate(ctx),
        "/integration-connectors/{connectorName}/dead-letters/replay": ReplayDeadLetters(ctx),
    }


def service_routes(ctx: AdminContext) -> dict[str, Resource]:
    """Integration service routes relative to the daemon base."""
    return {
        "/integration-services/summary": ServiceSummaries(ctx),
        "/integration-services/{serviceURLMarker}/refresh": ServiceRefresh(ctx),
        "/integration-services/{serviceURLMarker}/restart": ServiceRestart(ctx),
    }

