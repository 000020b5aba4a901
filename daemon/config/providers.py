"""Egeria connector provider class names, and the Python connectors that stand in for them.

An Egeria ``IntegrationConnectorConfig`` names its connector by the Java class of its
provider (``connection.connectorType.connectorProviderClassName``). This daemon names
connectors by entry-point name (group ``integration_daemon.connectors``) or
``package.module:Class``. ``BUILTIN_PROVIDERS`` maps the bundled Egeria providers that
have a Python counterpart here; a user table (``extra``) can add to it or override it.

Each class name below was read in the Egeria sources (``odpi/egeria`` unless noted):

* ``...integration.basicfiles.DataFolderMonitorIntegrationProvider`` and
  ``...basicfiles.DataFilesMonitorIntegrationProvider``: files-integration-connectors, and
  the connector-type archive writer that imports both. Egeria's folder monitor keeps one
  FileFolder asset, its files monitor one DataFile per file; ``folder`` does both.
* ``...integration.jdbc.JDBCIntegrationConnectorProvider``: jdbc-integration-connector
  (also ``odpi/egeria-database-connectors``). Some docs spell it ``JdbcIntegration...``;
  no class by that name exists, so it is not mapped.
* ``...postgres.catalog.PostgresServerIntegrationProvider``: postgres-server-connectors.
* ``...integration.kafka.KafkaMonitorIntegrationProvider``: kafka-integration-connector;
  ``...apachekafka.integration.KafkaTopicIntegrationProvider``: its Egeria 5/6 successor.
* ``...integration.openlineage.OpenLineageEventReceiverIntegrationProvider`` and the
  earlier ``...integration.openlineage.KafkaOpenLineageReceiverIntegrationProvider``
  (same connector type GUID): openlineage-integration-connectors.

``...`` stands for ``org.odpi.openmetadata.adapters.connectors``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["BUILTIN_PROVIDERS", "looks_like_java_class", "resolve_provider"]

_CONNECTORS = "org.odpi.openmetadata.adapters.connectors."

BUILTIN_PROVIDERS: Mapping[str, str] = MappingProxyType(
    {
        _CONNECTORS + "integration.basicfiles.DataFolderMonitorIntegrationProvider": "folder",
        _CONNECTORS + "integration.basicfiles.DataFilesMonitorIntegrationProvider": "folder",
        _CONNECTORS + "integration.jdbc.JDBCIntegrationConnectorProvider": "postgres-catalog",
        _CONNECTORS + "postgres.catalog.PostgresServerIntegrationProvider": "postgres-catalog",
        _CONNECTORS + "integration.kafka.KafkaMonitorIntegrationProvider": "kafka-topics",
        _CONNECTORS + "apachekafka.integration.KafkaTopicIntegrationProvider": "kafka-topics",
        _CONNECTORS + "integration.openlineage.OpenLineageEventReceiverIntegrationProvider": "openlineage-receiver",
        _CONNECTORS + "integration.openlineage.KafkaOpenLineageReceiverIntegrationProvider": "openlineage-receiver",
    }
)

# A dotted Java name whose last part is a class name: ``org.example.SomethingProvider``.
_JAVA_CLASS = re.compile(r"^(?:[a-z_$][A-Za-z0-9_$]*\.)+[A-Z][A-Za-z0-9_$]*$")


def looks_like_java_class(reference: str) -> bool:
    """True for a fully qualified Java class name, false for an entry-point name or ``module:Class``."""
    return bool(_JAVA_CLASS.match(reference.strip()))


def resolve_provider(java_class: str, extra: Mapping[str, str] | None = None) -> str | None:
    """The connector reference for an Egeria provider class, or None if neither table knows it.

    ``extra`` is the user's table; its entries win over ``BUILTIN_PROVIDERS``.
    """
    name = java_class.strip()
    if extra and name in extra:
        return extra[name]
    return BUILTIN_PROVIDERS.get(name)
