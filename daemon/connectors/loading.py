"""Find connector classes: by entry-point name or by ``package.module:Class``.

Loading never crashes the daemon: problems become ``ConnectorLoadError`` /
``ConnectorConfigError`` that the supervisor turns into a CONFIG_FAILED connector.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from daemon.connectors.base import Connector
from daemon.config import structure_properties
from daemon.errors import ConfigError, ConnectorConfigError, ConnectorLoadError

__all__ = ["ENTRY_POINT_GROUP", "load_connector_class", "structure_connector_config"]

ENTRY_POINT_GROUP = "integration_daemon.connectors"


def load_connector_class(reference: str, connector: str = "") -> type[Connector]:
    """The class named by an entry-point name (group ``integration_daemon.connectors``) or ``module:Class``."""
    if ":" in reference:
        module_name, _, class_name = reference.partition(":")
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # an import runs user code: any error is a load error
            raise ConnectorLoadError(f"cannot import module {module_name!r}: {exc}", connector) from exc
        cls = getattr(module, class_name, None)
        if cls is None:
            raise ConnectorLoadError(f"module {module_name!r} has no class {class_name!r}", connector)
    else:
        matches = entry_points(group=ENTRY_POINT_GROUP, name=reference)
        if not matches:
            known = ", ".join(sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))) or "none"
            raise ConnectorLoadError(
                f"no connector named {reference!r} (installed: {known}); use an entry-point name or 'package.module:Class'",
                connector,
            )
        try:
            cls = next(iter(matches)).load()
        except Exception as exc:
            raise ConnectorLoadError(f"entry point {reference!r} failed to load: {exc}", connector) from exc
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise ConnectorLoadError(f"{reference!r} is not a subclass of daemon.Connector", connector)
    return cls


def structure_connector_config(cls: type[Connector], properties: dict[str, Any], connector: str = "") -> Any:
    """Structure ``configuration_properties`` into the connector's ``config_class`` (if it has one)."""
    if cls.config_class is None:
        return dict(properties)
    try:
        return structure_properties(properties, cls.config_class)
    except ConfigError as exc:
        raise ConnectorConfigError("; ".join(exc.problems), connector) from None
