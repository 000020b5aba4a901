"""Check one connector's configuration without applying it (``POST .../integration-connectors/validate``).

The connector is checked exactly as the daemon would check it at start: the document through
``parse_config`` (a one-connector daemon document), then its class through
``load_connector_class`` and its configuration properties through the class's
``config_class`` with ``structure_properties`` (what ``structure_connector_config`` calls;
called directly here to keep one line per problem). Every problem is reported with its path,
none stops the others. Nothing is started or changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from attrs import frozen

from daemon.admin.bodies import bad_request, request_object
from daemon.config import (
    ConnectorConfig,
    ServiceConfig,
    egeria_to_document,
    looks_like_java_class,
    parse_config,
    resolve_provider,
    structure_properties,
)
from daemon.connectors import Connector
from daemon.connectors.loading import load_connector_class
from daemon.errors import ConfigError, ConnectorError

__all__ = ["ValidationResult", "property_problems", "validate_connector"]

_OURS = "connector"
_EGERIA = "integrationConnectorConfig"
_SERVICE = "integrationServiceURLMarker"
_DOCUMENT_PATH = re.compile(r"^services\[0\]\.connectors\[0\]")
_EGERIA_PATH = re.compile(r"^integrationServicesConfig\[0\]\.integrationConnectorConfigs\[0\]")


@frozen
class ValidationResult:
    """What a validation found: the connector's name and class reference (when known) and every problem."""

    service: str
    name: str | None
    reference: str | None
    problems: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.problems


def validate_connector(
    document: Any,
    *,
    server_name: str,
    services: Sequence[ServiceConfig],
    providers: Mapping[str, str] | None = None,
) -> ValidationResult:
    """Validate the connector in a ``ConnectorValidationRequestBody``; raise RequestError for a bad body."""
    document = request_object(document, "ConnectorValidationRequestBody", required=True)
    if (_OURS in document) == (_EGERIA in document):
        raise bad_request(f"requestBody.{_OURS}", f"give exactly one of {_OURS} (our YAML keys) or {_EGERIA} (Egeria's)")
    ours, egeria = document.get(_OURS), document.get(_EGERIA)
    for key in (_OURS, _EGERIA):
        if key in document and not isinstance(document[key], dict):
            raise bad_request(f"requestBody.{key}", "must be a JSON object")
    service = _service_marker(document, ours or egeria or {}, services)
    if egeria is not None:
        ours, problems = _from_egeria(egeria, service, server_name)
        if problems:
            return ValidationResult(service, egeria.get("connectorName"), None, tuple(problems))
    assert ours is not None
    return _validate(ours, service, server_name, providers or {})


def _service_marker(document: Mapping[str, Any], connector: Mapping[str, Any], services: Sequence[ServiceConfig]) -> str:
    """The service named in the body; else the one hosting a connector of that name; else the first."""
    marker = document.get(_SERVICE)
    if marker is not None:
        if not isinstance(marker, str):
            raise bad_request(f"requestBody.{_SERVICE}", "must be a string")
        return marker
    name = connector.get("name") or connector.get("connectorName")
    for service in services:
        if any(c.name == name for c in service.connectors):
            return service.url_marker
    return services[0].url_marker if services else "files-integrator"


def _from_egeria(node: dict[str, Any], service: str, server_name: str) -> tuple[dict[str, Any] | None, list[str]]:
    """Our connector document for an Egeria IntegrationConnectorConfig, or the problems with Egeria paths."""
    wrapper = {
        "localServerName": server_name,
        "integrationServicesConfig": [
            {
                _SERVICE: service,
                "omagserverName": "metadata-server",
                "omagserverPlatformRootURL": "https://localhost",
                "integrationConnectorConfigs": [node],
            }
        ],
    }
    try:
        converted, _warnings = egeria_to_document(wrapper, environ={}, placeholders={}, source=_EGERIA)
    except ConfigError as exc:
        return None, [_EGERIA_PATH.sub(_EGERIA, p) for p in exc.problems]
    return converted["services"][0]["connectors"][0], []


def _validate(connector: dict[str, Any], service: str, server_name: str, providers: Mapping[str, str]) -> ValidationResult:
    name = connector.get("name") if isinstance(connector.get("name"), str) else None
    document = {"server_name": server_name, "services": [{"url_marker": service, "connectors": [connector]}]}
    try:
        config = parse_config(document, source="connector", environ={})
    except ConfigError as exc:
        return ValidationResult(service, name, None, tuple(_our_path(p) for p in exc.problems))
    checked = config.services[0].connectors[0]
    reference, problems = _reference(checked, providers)
    if reference is not None:
        problems += _class_problems(checked, reference)
    return ValidationResult(service, checked.name, reference, tuple(problems))


def _our_path(problem: str) -> str:
    problem = _DOCUMENT_PATH.sub(_OURS, problem)
    return problem.replace("services[0].url_marker", _SERVICE, 1)


def _reference(config: ConnectorConfig, providers: Mapping[str, str]) -> tuple[str | None, list[str]]:
    if not looks_like_java_class(config.connector):
        return config.connector, []
    resolved = resolve_provider(config.connector, providers)
    if resolved is None:
        return None, [f"{_OURS}.connector: no Python connector for Egeria provider {config.connector!r}; "
                      "map it under connector_providers"]
    return resolved, []


def _class_problems(config: ConnectorConfig, reference: str) -> list[str]:
    try:
        cls = load_connector_class(reference)
    except ConnectorError as exc:
        return [f"{_OURS}.connector: {exc}"]
    return _structure_problems(cls, config.configuration_properties, f"{_OURS}.configuration_properties")


def _structure_problems(cls: type[Connector], properties: Mapping[str, Any], path: str) -> list[str]:
    """What ``structure_connector_config`` would refuse, one problem per line (it joins them into one)."""
    if cls.config_class is None:
        return []
    try:
        structure_properties(dict(properties), cls.config_class, path=path)
    except ConfigError as exc:
        return list(exc.problems)
    return []


def property_problems(config: ConnectorConfig, properties: Mapping[str, Any], providers: Mapping[str, str]) -> list[str]:
    """Problems that ``properties`` would cause as ``config``'s configuration properties.

    A connector whose class cannot be loaded has nothing to check them against: none are reported.
    """
    reference, _problems = _reference(config, providers)
    if reference is None:
        return []
    try:
        cls = load_connector_class(reference)
    except ConnectorError:
        return []
    return _structure_problems(cls, properties, "requestBody.configurationProperties")
