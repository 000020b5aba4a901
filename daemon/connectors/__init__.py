"""The connector SPI: the base class users subclass, the context they get, and class loading."""

from daemon.connectors.base import Connector
from daemon.connectors.context import ConnectorContext
from daemon.connectors.store import ActivityCounter, OpenMetadataStore, UpsertResult

__all__ = ["ActivityCounter", "Connector", "ConnectorContext", "OpenMetadataStore", "UpsertResult"]
