"""Request bodies of the admin API, read once at the edge, and the FFDC errors about requests.

Egeria's bodies are accepted as Egeria's clients send them (``class`` discriminators, numbers
and booleans possibly as strings, unknown fields ignored as Jackson does). Each problem becomes
an ``InvalidParameterException`` whose message and ``exceptionProperties.parameterName`` name
the field, e.g. ``requestBody.configurationProperties``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import falcon
from attrs import frozen

from daemon.errors import InvalidParameterError

__all__ = [
    "ConnectionUpdate",
    "PropertiesUpdate",
    "RequestError",
    "bad_request",
    "connection_body",
    "name_body",
    "properties_body",
    "read_json",
    "request_object",
    "string_body",
    "unknown_connector",
    "unknown_server",
    "unknown_service",
]

MAX_BODY_BYTES = 1 << 20


class RequestError(InvalidParameterError):
    """An ``InvalidParameterException`` that also carries Egeria's message parameters."""

    def __init__(self, message: str, *, parameters: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.parameters = parameters

    def to_ffdc(self) -> dict[str, Any]:
        body = super().to_ffdc()
        if self.parameters:
            body["exceptionErrorMessageParameters"] = list(self.parameters)
        return body


def bad_request(parameter: str, message: str) -> RequestError:
    """A 400 naming the offending field of the request."""
    return RequestError(
        f"{parameter}: {message}",
        related_http_code=400,
        properties={"parameterName": parameter},
        system_action="The request was rejected; nothing was changed.",
        user_action=f"Correct {parameter} and retry the request.",
    )


def unknown_connector(name: str, server_name: str) -> RequestError:
    """Egeria's UNKNOWN_CONNECTOR_NAME (relatedHTTPCode 400); the transport status is 404."""
    return RequestError(
        f"Integration connector named {name} is not running in the integration daemon {server_name}",
        related_http_code=400,
        http_status=404,
        message_id="INTEGRATION-DAEMON-SERVICES-400-031",
        parameters=(name, server_name),
        properties={"parameterName": "connectorName", "connectorName": name},
        system_action="The integration connector specified on a request is not known to the integration daemon.",
        user_action="Check the connector name against GET .../status and retry the request.",
    )


def unknown_service(url_marker: str, server_name: str) -> RequestError:
    """No integration service with this URL marker runs in the daemon."""
    return RequestError(
        f"Integration service {url_marker} is not running in the integration daemon {server_name}",
        related_http_code=400,
        http_status=404,
        parameters=(url_marker, server_name),
        properties={"parameterName": "serviceURLMarker", "serviceURLMarker": url_marker},
        system_action="The integration service specified on a request is not known to the integration daemon.",
        user_action="Check the URL marker against GET .../integration-services/summary and retry the request.",
    )


def unknown_server(asked: str, actual: str) -> RequestError:
    """The path names another server than this integration daemon."""
    return RequestError(
        f"The OMAG server {asked} is not available: this integration daemon is {actual}",
        related_http_code=404,
        parameters=(asked,),
        properties={"parameterName": "serverName"},
        system_action="The request was rejected; nothing was changed.",
        user_action=f"Send the request to /servers/{actual}/...",
    )


def read_json(req: falcon.Request) -> Any:
    """The request's JSON body, or None when there is none."""
    length = req.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise bad_request("requestBody", f"larger than {MAX_BODY_BYTES} bytes")
    raw = req.bounded_stream.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise bad_request("requestBody", f"larger than {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("requestBody", f"not valid JSON ({exc})") from None


def request_object(document: Any, expected_class: str, *, required: bool = False) -> Mapping[str, Any] | None:
    """The body as an object of ``expected_class`` (``class`` may be absent), or None when there is none."""
    if document is None:
        if required:
            raise bad_request("requestBody", f"required: a {expected_class} JSON object")
        return None
    if not isinstance(document, dict):
        raise bad_request("requestBody", f"must be a {expected_class} JSON object, not {_kind(document)}")
    given = document.get("class")
    if given is not None and given != expected_class:
        raise bad_request("requestBody.class", f"{given!r} is not {expected_class}")
    return document


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _text(document: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = document.get(key)
    if value is None:
        if required:
            raise bad_request(f"requestBody.{key}", "required")
        return None
    if not isinstance(value, str):
        raise bad_request(f"requestBody.{key}", f"must be a string, not {_kind(value)}")
    if required and not value.strip():
        raise bad_request(f"requestBody.{key}", "must not be empty")
    return value


def _boolean(document: Mapping[str, Any], key: str, default: bool) -> bool:
    value = document.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise bad_request(f"requestBody.{key}", f"must be true or false, not {value!r}")


def _mapping(document: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request(f"requestBody.{key}", f"must be a JSON object, not {_kind(value)}")
    return value


def name_body(document: Any) -> str | None:
    """An optional ``NameRequestBody``: the connector's name, or None for all connectors."""
    body = request_object(document, "NameRequestBody")
    return None if body is None else _text(body, "name")


def string_body(document: Any) -> str:
    """A ``StringRequestBody``'s required ``string``."""
    body = request_object(document, "StringRequestBody", required=True)
    assert body is not None
    return str(_text(body, "string", required=True))


@frozen
class PropertiesUpdate:
    """A ``ConnectorConfigPropertiesRequestBody``: ``connector`` None means every connector."""

    connector: str | None
    merge: bool
    properties: dict[str, Any]


def properties_body(document: Any) -> PropertiesUpdate:
    """Read ``{connectorName?, mergeUpdate (default false), configurationProperties}``."""
    body = request_object(document, "ConnectorConfigPropertiesRequestBody", required=True)
    assert body is not None
    return PropertiesUpdate(
        connector=_text(body, "connectorName"),
        merge=_boolean(body, "mergeUpdate", False),
        properties=_mapping(body, "configurationProperties") or {},
    )


@frozen
class ConnectionUpdate:
    """The parts of an OCF ``Connection`` this daemon applies; None leaves a part unchanged."""

    provider: str | None
    address: str | None
    properties: dict[str, Any] | None


def connection_body(document: Any) -> ConnectionUpdate:
    """Read an OCF ``Connection`` (``connectorType``, ``endpoint``, ``configurationProperties``)."""
    body = request_object(document, "Connection", required=True)
    assert body is not None
    connector_type = _mapping(body, "connectorType") or {}
    endpoint = _mapping(body, "endpoint") or {}
    provider = connector_type.get("connectorProviderClassName")
    if provider is not None and not isinstance(provider, str):
        raise bad_request("requestBody.connectorType.connectorProviderClassName", f"must be a string, not {_kind(provider)}")
    address = endpoint.get("address")
    if address is not None and not isinstance(address, str):
        raise bad_request("requestBody.endpoint.address", f"must be a string, not {_kind(address)}")
    return ConnectionUpdate(provider, address, _mapping(body, "configurationProperties"))
