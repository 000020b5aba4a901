"""Accept Egeria ``OMAGServerConfig`` JSON documents for an integration daemon, as they are.

``egeria_to_document`` turns one into the YAML-shaped document ``parse_config`` takes (so our
own checks still apply), ``load_egeria_config`` reads, converts and structures a JSON file, and
``to_yaml`` prints the equivalent YAML for ``integration-daemon convert``. Egeria → ours:

* ``localServerName``, ``localServerUserId`` (Egeria's default ``OMAGServer``) → ``server_name``,
  ``local_server_user_id``.
* ``eventBusConfig`` → ``event_bus``: ``type: kafka``; ``topicURLRoot`` → ``topic_root``;
  ``configurationProperties.producer``/``.consumer`` → ``producer``/``consumer``, their
  ``bootstrap.servers`` → ``bootstrap_servers``. Absent, or Egeria's in-memory topic: ``embedded``.
* ``integrationServicesConfig[]`` → ``services[]``: ``integrationServiceURLMarker`` → ``url_marker``,
  ``defaultPermittedSynchronization``, ``integrationServiceOptions`` → ``options``. ``DISABLED``
  services are left out. ``omagserverPlatformRootURL``/``omagserverName`` → ``metadata_server``
  ``.url``/``.server_name``: every service must name the same one.
* ``integrationConnectorConfigs[]`` → ``connectors[]``: ``connectorId``, ``connectorName``,
  ``connectorUserId``, ``metadataSourceQualifiedName``, ``permittedSynchronization``;
  ``connection.connectorType.connectorProviderClassName`` → ``connector``, kept as the Java name
  and resolved through ``daemon.config.providers`` when the connector loads (so an unmapped class
  fails only that connector); ``connection.endpoint.address`` (or ``.networkAddress``, or else the
  first embedded connection's) → ``endpoint``; ``connection.configurationProperties``;
  ``refreshTimeInterval`` in minutes (default 0: at start and on request only) → ``refresh`` in seconds.

Accepted without a word: ``maxPageSize`` (must be a whole number; the daemon has no page size
setting yet), ``generateIntegrationReports`` (must be a boolean) and Egeria's descriptive fields
(``class``, ``versionId``, ``integrationServiceWiki``, ...). ``usesBlockingCalls`` becomes
``uses_blocking_calls`` (``engage()`` in a loop). Fields the daemon cannot honour (passwords, security
connectors, audit log destinations) and unknown fields are ignored with a warning naming their path,
as Egeria ignores unknown fields. ``dynamicIntegrationGroupsConfig`` is refused: those connectors
are defined as metadata in the metadata server, which this daemon does not read.

Numbers and booleans may be strings (``"60"``, ``"true"``), as Jackson allows. ``~{name}~`` in a
used string is replaced from ``placeholders``, else from environment variable ``name``; an unknown
one is a problem. Every ``$`` of the result is written ``$$`` so ``parse_config`` keeps it literal.
Problems name their path in Egeria's words
(``integrationServicesConfig[0].integrationConnectorConfigs[1].refreshTimeInterval``) and are
raised together as one ``ConfigError``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml

from daemon.config.catalogue import SERVICE_KINDS
from daemon.config.loader import parse_config
from daemon.config.model import DaemonConfig
from daemon.config.types import PermittedSynchronization
from daemon.errors import ConfigError

__all__ = ["egeria_to_document", "load_egeria_config", "looks_like_egeria", "to_yaml"]

_PLACEHOLDER = re.compile(r"~\{([^{}~]+)\}~")
_WHOLE_NUMBER = re.compile(r"^\s*\d+\s*$")
_KAFKA_BUS = "org.odpi.openmetadata.adapters.eventbus.topic.kafka.KafkaOpenMetadataTopicProvider"
_IN_MEMORY_BUS = "org.odpi.openmetadata.adapters.eventbus.topic.inmemory.InMemoryOpenMetadataTopicProvider"
_JAVA_KAFKA_SETTINGS = frozenset({"key.serializer", "value.serializer", "key.deserializer", "value.deserializer"})
_EGERIA_DEFAULT_USER = "OMAGServer"
T = TypeVar("T")


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_HEADER = _names("class headerVersion")
_DESCRIPTIVE = _HEADER | _names("type guid url qualifiedName displayName description")
_SERVER_USED = _names("localServerName localServerUserId maxPageSize eventBusConfig integrationServicesConfig "
                      "dynamicIntegrationGroupsConfig")
_SERVER_SILENT = _HEADER | _names("versionId localServerId localServerDescription localServerType organizationName "
                                  "localServerURL auditTrail")
_OTHER_SERVER = "ignored: it configures another kind of OMAG server, not an integration daemon"
_SERVER_NOTED = {
    "localServerPassword": "ignored: the daemon authenticates with metadata_server.token",
    "serverSecurityConnection": "ignored: the daemon's admin API is protected by admin.token",
    "repositoryServicesConfig": "ignored: the daemon's logging section replaces audit log destinations",
    **dict.fromkeys(_names("accessServicesConfig viewServicesConfig engineHostServicesConfig conformanceSuiteConfig"),
                    _OTHER_SERVER),
}
_SERVICE_USED = _names("integrationServiceURLMarker omagserverPlatformRootURL omagserverName integrationServiceOptions "
                       "defaultPermittedSynchronization integrationServiceOperationalStatus integrationConnectorConfigs")
_SERVICE_SILENT = _HEADER | _names("integrationServiceId integrationServiceDevelopmentStatus integrationServiceName "
                                   "integrationServiceContextManagerClass integrationServiceFullName "
                                   "integrationServiceDescription integrationServiceWiki integrationServicePartnerOMAS")
_SERVICE_NOTED = dict.fromkeys(_names("secretsStoreProvider secretsStoreLocation secretsStoreCollection"),
                               "ignored: the daemon authenticates with metadata_server.token")
_CONNECTOR_USED = _names("connectorId connectorName connectorUserId connection metadataSourceQualifiedName "
                         "refreshTimeInterval usesBlockingCalls permittedSynchronization generateIntegrationReports")
_CONNECTION_USED = _names("connectorType endpoint configurationProperties embeddedConnections")
_CONNECTION_SILENT = _DESCRIPTIVE | _names("assetSummary extendedProperties")
_CONNECTION_NOTED = {
    **dict.fromkeys(_names("userId clearPassword encryptedPassword securedProperties"),
                    "ignored: the daemon's connector config has no credentials yet"),
    "additionalProperties": "ignored: only configurationProperties is passed to the connector",
}
_ENDPOINT_USED = _names("address networkAddress")
_ENDPOINT_SILENT = _DESCRIPTIVE | _names("protocol encryptionMethod additionalProperties")
_BUS_USED = _names("connectorProvider topicURLRoot configurationProperties additionalProperties")


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _whole_number(value: Any) -> int:
    """A count that Jackson would accept for a Java ``int``/``long``: 10, 10.0 or "10"; never negative."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.match(value):
        return int(value)
    raise ValueError(value)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(value)


def _sync(value: Any) -> str:
    if isinstance(value, str) and value.strip().upper() in PermittedSynchronization.__members__:
        return value.strip().upper()
    raise ValueError(value)


_A_BOOLEAN = "a boolean (true or false)"
_A_SYNC = f"a permitted synchronization ({', '.join(PermittedSynchronization.__members__)})"


class _Reader:
    """Reads values out of one Egeria document by path, collecting problems and warnings."""

    def __init__(self, lookup: Callable[[str], str | None]) -> None:
        self.lookup = lookup
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.connector_names: dict[str, str] = {}

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path or '(top)'}: {message}")

    def warn(self, path: str, message: str) -> None:
        self.warnings.append(f"{path}: {message}")

    def fields(self, node: Mapping[str, Any], path: str, used: frozenset[str], silent: frozenset[str] = _HEADER,
               noted: Mapping[str, str] | None = None) -> None:
        """Warn about every field of ``node`` that is neither used nor silently accepted."""
        for key in node:
            if key not in used and key not in silent:
                reason = (noted or {}).get(key, "unknown field; ignored, as Egeria ignores unknown fields")
                self.warn(_at(path, key), reason)

    def expand(self, value: Any, path: str) -> Any:
        """``value`` with every ``~{name}~`` in its strings replaced."""
        if isinstance(value, dict):
            return {key: self.expand(item, _at(path, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [self.expand(item, _at(path, i)) for i, item in enumerate(value)]
        if isinstance(value, str):
            return _PLACEHOLDER.sub(lambda match: self._substitute(match.group(1), path), value)
        return value

    def _substitute(self, name: str, path: str) -> str:
        value = self.lookup(name)
        if value is None:
            self.problem(path, f"placeholder ~{{{name}}}~ has no value "
                               f"(give it as a placeholder or set environment variable {name})")
        return value or ""

    def obj(self, value: Any, path: str) -> dict[str, Any] | None:
        """``value`` if it is a JSON object; None (and a problem unless it is null) otherwise."""
        if value is None or isinstance(value, dict):
            return value
        self.problem(path, f"expected a JSON object, got {_json_type(value)}")
        return None

    def array(self, value: Any, path: str) -> list[Any]:
        if value is None or isinstance(value, list):
            return value or []
        self.problem(path, f"expected a JSON array, got {_json_type(value)}")
        return []

    def mapping(self, node: Mapping[str, Any], key: str, path: str) -> dict[str, Any] | None:
        """A free-form object (configuration properties, options), placeholders replaced."""
        value = self.obj(node.get(key), _at(path, key))
        return None if value is None else self.expand(value, _at(path, key))

    def text(self, node: Mapping[str, Any], key: str, path: str) -> str | None:
        value = node.get(key)
        if isinstance(value, (dict, list)):
            self.problem(_at(path, key), f"expected a string, got {_json_type(value)}")
            return None
        if value is not None and not isinstance(value, str):
            value = json.dumps(value)
        return self.expand(value, _at(path, key))

    def scalar(self, node: Mapping[str, Any], key: str, path: str, parse: Callable[[Any], T], what: str) -> T | None:
        """``node[key]`` read by ``parse``, or None if absent; a problem if it is not ``what``."""
        value = self.expand(node.get(key), _at(path, key))
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError:
            self.problem(_at(path, key), f"{value!r} is not {what}")
            return None


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    return names.get(type(value), "a number" if isinstance(value, (int, float)) else "null")


def _compact(**fields: Any) -> dict[str, Any]:
    """The fields that have a value, in the order given."""
    return {key: value for key, value in fields.items() if value is not None}


def looks_like_egeria(document: Any) -> bool:
    """True if ``document`` is (the JSON object of) an Egeria OMAGServerConfig."""
    if not isinstance(document, dict):
        return False
    return any(key in document for key in ("localServerName", "integrationServicesConfig")) or (
        document.get("class") == "OMAGServerConfig"
    )


def egeria_to_document(
    document: Any,
    *,
    environ: Mapping[str, str],
    placeholders: Mapping[str, str] | None = None,
    source: str = "Egeria config",
) -> tuple[dict[str, Any], list[str]]:
    """Our YAML-shaped document for an Egeria OMAGServerConfig, and the warnings on the way.

    Raises ConfigError (naming ``source``) listing every problem with its Egeria path.
    """

    def lookup(name: str) -> str | None:
        if placeholders is not None and name in placeholders:
            return str(placeholders[name])
        return environ.get(name)

    reader = _Reader(lookup)
    converted = _server(reader, document)
    if reader.problems:
        raise ConfigError(reader.problems, source)
    return _escape_dollars(converted), reader.warnings


def _server(reader: _Reader, document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        reader.problem("", "an Egeria OMAGServerConfig document must be a JSON object")
        return {}
    reader.fields(document, "", _SERVER_USED, _SERVER_SILENT, _SERVER_NOTED)
    name = reader.text(document, "localServerName", "")
    if not name:
        reader.problem("localServerName", "required: the integration daemon's server name")
    reader.scalar(document, "maxPageSize", "", _whole_number, "a whole number")
    if document.get("dynamicIntegrationGroupsConfig") not in (None, []):
        reader.problem("dynamicIntegrationGroupsConfig", "dynamic integration groups are not supported (their connectors "
                       "are defined as metadata in the metadata server); list the connectors under "
                       "integrationServicesConfig instead, or remove this field")
    services, metadata_server = _services(reader, document.get("integrationServicesConfig"))
    return _compact(
        server_name=name,
        local_server_user_id=reader.text(document, "localServerUserId", "") or _EGERIA_DEFAULT_USER,
        metadata_server=metadata_server or None,
        event_bus=_event_bus(reader, document.get("eventBusConfig")),
        services=services,
    )


def _services(reader: _Reader, value: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    path = "integrationServicesConfig"
    if value is None:
        reader.warn(path, "missing: the daemon starts with no integration connectors")
    services: list[dict[str, Any]] = []
    servers: list[tuple[str, Mapping[str, Any]]] = []
    for i, item in enumerate(reader.array(value, path)):
        node = reader.obj(item, _at(path, i))
        service = None if node is None else _service(reader, node, _at(path, i))
        if node is not None and service is not None:
            services.append(service)
            servers.append((_at(path, i), node))
    return services, _metadata_server(reader, servers)


def _service(reader: _Reader, node: Mapping[str, Any], path: str) -> dict[str, Any] | None:
    reader.fields(node, path, _SERVICE_USED, _SERVICE_SILENT, _SERVICE_NOTED)
    status = (reader.text(node, "integrationServiceOperationalStatus", path) or "ENABLED").upper()
    if status == "DISABLED":
        reader.warn(_at(path, "integrationServiceOperationalStatus"), "DISABLED: the service and its connectors are left out")
        return None
    if status != "ENABLED":
        reader.problem(_at(path, "integrationServiceOperationalStatus"), f"{status!r} is not ENABLED or DISABLED")
    marker = reader.text(node, "integrationServiceURLMarker", path)
    if marker is None:
        reader.problem(_at(path, "integrationServiceURLMarker"), "required: names the service (e.g. files-integrator)")
    elif marker not in SERVICE_KINDS:
        reader.problem(_at(path, "integrationServiceURLMarker"),
                       f"unknown integration service {marker!r} (known: {', '.join(SERVICE_KINDS)})")
    where = _at(path, "integrationConnectorConfigs")
    items = [(_at(where, j), reader.obj(item, _at(where, j)))
             for j, item in enumerate(reader.array(node.get("integrationConnectorConfigs"), where))]
    return _compact(
        url_marker=marker,
        connectors=[_connector(reader, item, item_path) for item_path, item in items if item is not None],
        default_permitted_synchronization=reader.scalar(node, "defaultPermittedSynchronization", path, _sync, _A_SYNC),
        options=reader.mapping(node, "integrationServiceOptions", path),
    )


def _connector(reader: _Reader, node: Mapping[str, Any], path: str) -> dict[str, Any]:
    reader.fields(node, path, _CONNECTOR_USED)
    connector_id = reader.text(node, "connectorId", path)
    name = _connector_name(reader, node, path, connector_id)
    provider, endpoint, properties = _connection(reader, node.get("connection"), _at(path, "connection"))
    minutes = reader.scalar(node, "refreshTimeInterval", path, _whole_number, "a number of minutes")
    blocking = reader.scalar(node, "usesBlockingCalls", path, _boolean, _A_BOOLEAN)
    reader.scalar(node, "generateIntegrationReports", path, _boolean, _A_BOOLEAN)
    return _compact(
        name=name,
        connector=provider,
        connector_id=connector_id,
        user_id=reader.text(node, "connectorUserId", path),
        uses_blocking_calls=blocking or None,
        endpoint=endpoint,
        configuration_properties=properties,
        metadata_source=reader.text(node, "metadataSourceQualifiedName", path),
        refresh=(minutes or 0) * 60,
        permitted_synchronization=reader.scalar(node, "permittedSynchronization", path, _sync, _A_SYNC),
    )


def _connector_name(reader: _Reader, node: Mapping[str, Any], path: str, connector_id: str | None) -> str | None:
    """``connectorName`` (else the id, with a warning), unique across the whole document."""
    where = _at(path, "connectorName")
    name = reader.text(node, "connectorName", path)
    if not name and connector_id:
        reader.warn(where, f"missing: the connector is named by its connectorId {connector_id!r}")
        name = connector_id
    if not name:
        reader.problem(where, "required: refresh and restart requests and the log name connectors by it")
    elif name in reader.connector_names:
        reader.problem(where, f"{name!r} is already used by {reader.connector_names[name]}")
    else:
        reader.connector_names[name] = where
    return name


def _connection(reader: _Reader, value: Any, path: str) -> tuple[str | None, str | None, dict[str, Any] | None]:
    """(provider class name, endpoint, configuration properties) of a connector's connection."""
    node = reader.obj(value, path)
    if node is None:
        if value is None:
            reader.problem(path, "required: its connectorType.connectorProviderClassName names the connector")
        return None, None, None
    reader.fields(node, path, _CONNECTION_USED, _CONNECTION_SILENT, _CONNECTION_NOTED)
    connector_type = reader.obj(node.get("connectorType"), _at(path, "connectorType")) or {}
    provider = reader.text(connector_type, "connectorProviderClassName", _at(path, "connectorType"))
    if not provider:
        reader.problem(_at(path, "connectorType.connectorProviderClassName"), "required: names the connector")
    endpoint = _endpoint(reader, node.get("endpoint"), _at(path, "endpoint"))
    embedded = reader.array(node.get("embeddedConnections"), _at(path, "embeddedConnections"))
    if embedded:
        endpoint = _embedded_endpoint(reader, embedded, _at(path, "embeddedConnections"), endpoint)
    return provider, endpoint, reader.mapping(node, "configurationProperties", path)


def _endpoint(reader: _Reader, value: Any, path: str) -> str | None:
    node = reader.obj(value, path)
    if node is None:
        return None
    reader.fields(node, path, _ENDPOINT_USED, _ENDPOINT_SILENT)
    address = reader.text(node, "address", path)
    return address if address is not None else reader.text(node, "networkAddress", path)


def _embedded_endpoint(reader: _Reader, embedded: Sequence[Any], path: str, endpoint: str | None) -> str | None:
    """The connector's endpoint, falling back to the first embedded connection's."""
    if endpoint is None:
        first = reader.obj(embedded[0], _at(path, 0)) or {}
        inner = reader.obj(first.get("embeddedConnection"), _at(path, 0) + ".embeddedConnection") or {}
        endpoint = _endpoint(reader, inner.get("endpoint"), _at(path, 0) + ".embeddedConnection.endpoint")
    used = "" if endpoint is None else "; the first one's endpoint address is the connector's endpoint"
    reader.warn(path, f"embedded connections are not passed to the connector{used}")
    return endpoint


def _metadata_server(reader: _Reader, servers: list[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """The one metadata server every service names (none named: the embedded one)."""
    chosen: dict[str, tuple[str, str]] = {}
    for egeria_key, ours in (("omagserverPlatformRootURL", "url"), ("omagserverName", "server_name")):
        for path, node in servers:
            value = reader.text(node, egeria_key, path)
            if value is None:
                continue
            if ours not in chosen:
                chosen[ours] = (_at(path, egeria_key), value)
            elif chosen[ours][1] != value:
                first_path, first = chosen[ours]
                reader.problem(_at(path, egeria_key), f"{value!r} differs from {first_path} ({first!r}); "
                               "the daemon talks to one metadata server")
    return {ours: value for ours, (_, value) in chosen.items()}


def _event_bus(reader: _Reader, value: Any) -> dict[str, Any]:
    path = "eventBusConfig"
    node = reader.obj(value, path)
    if node is None:
        return {"type": "embedded"}
    reader.fields(node, path, _BUS_USED)
    provider = reader.text(node, "connectorProvider", path)
    root = reader.text(node, "topicURLRoot", path)
    if provider == _IN_MEMORY_BUS:
        return _compact(type="embedded", topic_root=root)
    if provider not in (None, _KAFKA_BUS):
        reader.warn(_at(path, "connectorProvider"), f"{provider!r} is not Egeria's Kafka topic provider; the daemon speaks Kafka")
    key = "configurationProperties" if "configurationProperties" in node else "additionalProperties"
    properties = reader.mapping(node, key, path) or {}
    servers: list[tuple[str, str]] = []
    sides = {side: _kafka_side(reader, properties, side, _at(path, key), servers) for side in ("producer", "consumer")}
    for other in [name for name in properties if name not in sides]:
        reader.warn(_at(_at(path, key), other), "ignored: only the producer and consumer settings are used")
    return _compact(type="kafka", bootstrap_servers=_one_bootstrap(reader, servers, _at(path, key)),
                    topic_root=root, consumer=sides["consumer"], producer=sides["producer"])


def _kafka_side(reader: _Reader, properties: Mapping[str, Any], side: str, path: str,
                servers: list[tuple[str, str]]) -> dict[str, Any] | None:
    """One side's Kafka settings without ``bootstrap.servers`` (collected into ``servers``)."""
    settings = reader.obj(properties.get(side), _at(path, side))
    if not settings:
        return None
    kept = {}
    for name, setting in settings.items():
        where = f"{path}.{side}.{name}"
        if name == "bootstrap.servers":
            servers.append((where, str(setting)))
        elif name in _JAVA_KAFKA_SETTINGS:
            reader.warn(where, "ignored: it names a Java class, which the daemon's Kafka client cannot use")
        else:
            kept[name] = setting
    return kept or None


def _one_bootstrap(reader: _Reader, servers: list[tuple[str, str]], path: str) -> str | None:
    if not servers:
        reader.problem(f"{path}.producer.bootstrap.servers", "required: the Kafka brokers of the event bus")
        return None
    first_path, first = servers[0]
    for where, value in servers[1:]:
        if value != first:
            reader.problem(where, f"{value!r} differs from {first_path} ({first!r}); the daemon uses one Kafka cluster")
    return first


def _escape_dollars(value: Any) -> Any:
    """Every ``$`` in a string value written ``$$``, so that ``parse_config`` keeps it literally."""
    if isinstance(value, dict):
        return {key: _escape_dollars(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escape_dollars(item) for item in value]
    return value.replace("$", "$$") if isinstance(value, str) else value


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"(file): cannot read {path}: {exc.strerror}"], str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError([f"line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}"], str(path)) from None


def load_egeria_config(
    path: str | Path,
    *,
    environ: Mapping[str, str] | None = None,
    placeholders: Mapping[str, str] | None = None,
) -> tuple[DaemonConfig, list[str]]:
    """Read an Egeria OMAGServerConfig JSON file into a DaemonConfig, with the conversion warnings."""
    source = str(path)
    env = os.environ if environ is None else environ
    document, warnings = egeria_to_document(_read_json(Path(path)), environ=env, placeholders=placeholders, source=source)
    return parse_config(document, source=source, environ=env), warnings


def to_yaml(document: Mapping[str, Any], *, source: str | None = None, warnings: Sequence[str] = ()) -> str:
    """The daemon's YAML for a converted document, headed by a comment naming where it came from."""
    header = [
        f"# Converted from the Egeria OMAGServerConfig document {source or '(unnamed)'}",
        "# by integration-daemon convert. refresh is in seconds (Egeria's refreshTimeInterval is minutes);",
        "# connector keeps Egeria's provider class name, resolved to a Python connector when it loads.",
    ]
    if warnings:
        header += ["#", "# Conversion notes:", *(f"#   - {warning}" for warning in warnings)]
    body = yaml.safe_dump(dict(document), sort_keys=False, default_flow_style=False, allow_unicode=True)
    return "\n".join(header) + "\n" + body
