"""Find connector classes: by entry-point name or by ``package.module:Class``, and list what is installed.

Loading never crashes the daemon. ``load_connector_class`` raises ``ConnectorLoadError`` /
``ConnectorConfigError``, which the supervisor turns into a CONFIG_FAILED connector;
``discover_connectors`` loads every entry point of the group and returns one
``LoadRecord`` per entry point (``LOADED`` or ``FAILED`` with the reason), never an
exception, so that status and logs can show what a broken plug-in did wrong.

Plug-in distributions declare their connectors in the entry-point group
``integration_daemon.connectors``::

    [project.entry-points."integration_daemon.connectors"]
    inventory = "example_connectors.inventory:InventoryConnector"
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import attrs
from attrs import frozen

from daemon.config import structure_properties
from daemon.connectors.base import Connector
from daemon.errors import ConfigError, ConnectorConfigError, ConnectorLoadError

__all__ = [
    "ENTRY_POINT_GROUP",
    "LoadRecord",
    "LoadStatus",
    "discover_connectors",
    "load_connector_class",
    "structure_connector_config",
]

ENTRY_POINT_GROUP = "integration_daemon.connectors"


class LoadStatus(enum.Enum):
    """Whether an installed connector entry point can be used. Serialized by name."""

    LOADED = "LOADED"
    FAILED = "FAILED"


@frozen
class LoadRecord:
    """What happened when the daemon loaded one entry point of ``integration_daemon.connectors``.

    ``name`` is what configs write in ``connector:``; ``value`` is the entry point's
    ``module:Class``; ``distribution`` is the installed distribution that declares it
    (``name version``, empty when unknown); ``reason`` says why a ``FAILED`` record failed.
    """

    name: str
    distribution: str
    value: str
    status: LoadStatus
    reason: str = ""

    def describe(self) -> str:
        """One line for logs and status: ``inventory (example-connectors 0.1.0): LOADED``."""
        origin = f" ({self.distribution})" if self.distribution else ""
        reason = f": {self.reason}" if self.reason else ""
        return f"{self.name}{origin} -> {self.value}: {self.status.name}{reason}"


def load_connector_class(reference: str, connector: str = "") -> type[Connector]:
    """The class named by an entry-point name (group ``integration_daemon.connectors``) or ``module:Class``."""
    if ":" in reference:
        cls = _import_reference(reference, connector)
    else:
        matches = entry_points(group=ENTRY_POINT_GROUP, name=reference)
        if not matches:
            known = ", ".join(sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})) or "none"
            raise ConnectorLoadError(
                f"no connector named {reference!r} (installed: {known}); use an entry-point name or 'package.module:Class'",
                connector,
            )
        cls = _load_entry_point(next(iter(matches)), connector)
    return _check_connector_class(cls, reference, connector)


def discover_connectors() -> list[LoadRecord]:
    """Load every installed entry point of ``integration_daemon.connectors``; one record each, sorted by name.

    A name declared by two distributions is loaded from the first one on ``sys.path``
    (the one ``load_connector_class`` uses); the others are ``FAILED`` as duplicates.
    """
    records: list[LoadRecord] = []
    seen: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        distribution = _distribution(ep)
        if ep.name in seen:
            reason = f"duplicate name: {ep.name!r} is already provided by {seen[ep.name] or 'another distribution'}"
            records.append(LoadRecord(ep.name, distribution, ep.value, LoadStatus.FAILED, reason))
            continue
        seen[ep.name] = distribution
        records.append(_record(ep, distribution))
    return sorted(records, key=lambda record: record.name)


def structure_connector_config(cls: type[Connector], properties: dict[str, Any], connector: str = "") -> Any:
    """Structure ``configuration_properties`` into the connector's ``config_class`` (if it has one)."""
    if cls.config_class is None:
        return dict(properties)
    try:
        return structure_properties(properties, cls.config_class)
    except ConfigError as exc:
        raise ConnectorConfigError("; ".join(exc.problems), connector) from None


# ------------------------------------------------------------------ helpers


def _record(ep: EntryPoint, distribution: str) -> LoadRecord:
    try:
        _check_connector_class(_load_entry_point(ep, ""), ep.name, "")
    except ConnectorLoadError as exc:
        return LoadRecord(ep.name, distribution, ep.value, LoadStatus.FAILED, str(exc))
    return LoadRecord(ep.name, distribution, ep.value, LoadStatus.LOADED)


def _distribution(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return ""
    return f"{dist.name} {dist.version}"


def _import_reference(reference: str, connector: str) -> Any:
    module_name, _, class_name = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # an import runs user code: any error is a load error
        raise ConnectorLoadError(f"cannot import module {module_name!r}: {exc}", connector) from exc
    cls = getattr(module, class_name, None)
    if cls is None:
        raise ConnectorLoadError(f"module {module_name!r} has no class {class_name!r}", connector)
    return cls


def _load_entry_point(ep: EntryPoint, connector: str) -> Any:
    try:
        return ep.load()
    except Exception as exc:  # importing a plug-in runs its code: any error is a load error
        raise ConnectorLoadError(
            f"entry point {ep.name!r} ({ep.value}) failed to load: {type(exc).__name__}: {exc}", connector
        ) from exc


def _check_connector_class(cls: Any, reference: str, connector: str) -> type[Connector]:
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise ConnectorLoadError(f"{reference!r} is not a subclass of daemon.Connector", connector)
    config_class = cls.config_class
    if config_class is not None and not (attrs.has(config_class) or dataclasses.is_dataclass(config_class)):
        raise ConnectorLoadError(
            f"{reference!r} declares config_class {config_class!r}, which is neither an attrs class nor a "
            "dataclass (use @attrs.frozen, or leave config_class None for a plain dict)",
            connector,
        )
    return cls
