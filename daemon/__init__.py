"""An integration daemon: keeps metadata in step between third-party technologies and an
open metadata server, in both directions.

This module is the public API for connector authors, all on one screen. Everything
else in the package is the daemon's own business and may change.

The import name ``daemon`` is also used by the unrelated ``python-daemon`` package;
do not install both into one environment.
"""

from daemon.config.types import PermittedSynchronization
from daemon.connectors.base import Connector
from daemon.connectors.context import ConnectorContext
from daemon.connectors.events import TechnologyMessage
from daemon.connectors.store import OpenMetadataStore, UpsertResult
from daemon.errors import (
    ConnectorConfigError,
    ConnectorError,
    ConnectorLoadError,
    DaemonError,
    InvalidParameterError,
    MetadataError,
    MetadataUnreachable,
    PropertyServerError,
    SynchronizationRefused,
    UserNotAuthorizedError,
)
from daemon.model.element import Element
from daemon.model.events import EventType, OpenMetadataOutTopicEvent
from daemon.states import ActivityReport, ConnectorStatus

__all__ = [
    "ActivityReport",
    "Connector",
    "ConnectorConfigError",
    "ConnectorContext",
    "ConnectorError",
    "ConnectorLoadError",
    "ConnectorStatus",
    "DaemonError",
    "Element",
    "EventType",
    "InvalidParameterError",
    "MetadataError",
    "MetadataUnreachable",
    "OpenMetadataOutTopicEvent",
    "OpenMetadataStore",
    "PermittedSynchronization",
    "PropertyServerError",
    "SynchronizationRefused",
    "TechnologyMessage",
    "UpsertResult",
    "UserNotAuthorizedError",
]
