"""Read a config document once, at the edge, into frozen classes.

``load_config(path)`` parses YAML (``safe_load``), replaces ``${VAR}`` and
``${VAR:-default}`` in string values, structures the result with cattrs and then
checks what types cannot say (unique names, known services). Every problem is
collected and raised together as one ``ConfigError`` whose lines start with the
path of the problem, e.g. ``services[0].connectors[1].refresh: 'abc' is not a duration``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import cattrs
import yaml
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

from daemon.config.catalogue import SERVICE_KINDS
from daemon.config.model import DaemonConfig, EventBusConfig, StandaloneMetadataServerConfig
from daemon.config.types import Duration, PermittedSynchronization, Secret, parse_duration
from daemon.errors import ConfigError

__all__ = ["converter", "load_config", "load_metadata_server_config", "parse_config", "structure_properties", "unstructure_config"]

T = TypeVar("T")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\$")


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    conv.register_structure_hook(Duration, lambda value, _: parse_duration(value))
    conv.register_structure_hook(Secret, lambda value, _: Secret(_require_str(value)))
    conv.register_unstructure_hook(Secret, lambda _: "********")
    conv.register_unstructure_hook(Duration, str)
    conv.register_structure_hook(PermittedSynchronization, _structure_sync)
    conv.register_structure_hook(str, lambda value, _: _scalar_str(value))
    conv.register_structure_hook(bool, lambda value, _: _structure_bool(value))
    conv.register_structure_hook(int, lambda value, _: _structure_number(value, int))
    conv.register_structure_hook(float, lambda value, _: _structure_number(value, float))
    base_bus_hook = conv.get_structure_hook(EventBusConfig)
    conv.register_structure_hook(
        EventBusConfig,
        lambda value, cls: base_bus_hook({"type": value} if isinstance(value, str) else value, cls),
    )
    return conv


def _require_str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return value


def _scalar_str(value: object) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string, got {type(value).__name__}")


def _structure_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"{value!r} is not a boolean (true or false)")


def _structure_number(value: object, kind: type) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not {'an integer' if kind is int else 'a number'}") from None


def _structure_sync(value: object, _: type) -> PermittedSynchronization:
    try:
        return PermittedSynchronization(str(value).upper())
    except ValueError:
        names = ", ".join(s.name for s in PermittedSynchronization)
        raise ValueError(f"{value!r} is not a permitted synchronization ({names})") from None


converter = _make_converter()


def _format_exception(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, ForbiddenExtraKeysError):
        return f"unknown key(s): {', '.join(sorted(exc.extra_fields))}"
    if isinstance(exc, ValueError) and not isinstance(exc, cattrs.BaseValidationError):
        return str(exc)
    if isinstance(exc, (TypeError, AttributeError)):
        expected = getattr(type_, "__name__", str(type_))
        return f"expected {expected}"
    return f"{type(exc).__name__}: {exc}"


def _problems_from(exc: Exception) -> list[str]:
    problems = []
    for line in cattrs.transform_error(exc, path="$", format_exception=_format_exception):
        message, _, path = line.rpartition(" @ ")
        path = path.removeprefix("$").removeprefix(".")
        problems.append(f"{path or '(top)'}: {message}")
    return problems


def interpolate(document: Any, environ: Mapping[str, str], path: str = "") -> tuple[Any, list[str]]:
    """Replace ``${VAR}``/``${VAR:-default}`` in every string; ``$$`` is a literal ``$``."""
    problems: list[str] = []

    def walk(node: Any, where: str) -> Any:
        if isinstance(node, dict):
            return {key: walk(value, f"{where}.{key}" if where else str(key)) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value, f"{where}[{i}]") for i, value in enumerate(node)]
        if isinstance(node, str):
            return _VARIABLE.sub(lambda m: substitute(m, where), node)
        return node

    def substitute(match: re.Match[str], where: str) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        problems.append(f"{where or '(top)'}: environment variable {name} is not set (or write ${{{name}:-default}})")
        return ""

    return walk(document, path), problems


def _semantic_problems(config: DaemonConfig) -> list[str]:
    problems = []
    seen: dict[str, str] = {}
    for s, service in enumerate(config.services):
        if service.url_marker not in SERVICE_KINDS:
            known = ", ".join(SERVICE_KINDS)
            problems.append(f"services[{s}].url_marker: unknown integration service {service.url_marker!r} (known: {known})")
        for c, connector in enumerate(service.connectors):
            where = f"services[{s}].connectors[{c}]"
            if not connector.name.strip():
                problems.append(f"{where}.name: must not be empty")
            elif connector.name in seen:
                problems.append(f"{where}.name: {connector.name!r} is already used by {seen[connector.name]}")
            else:
                seen[connector.name] = where
    bus = config.event_bus
    if bus.type == "kafka" and not bus.bootstrap_servers:
        problems.append("event_bus.bootstrap_servers: required when event_bus.type is kafka")
    return problems


def parse_config(document: Any, *, source: str = "config", environ: Mapping[str, str] | None = None) -> DaemonConfig:
    """Structure an already-parsed daemon document; raise ConfigError listing every problem."""
    config = _structure(document, DaemonConfig, source, environ)
    problems = _semantic_problems(config)
    if problems:
        raise ConfigError(problems, source)
    return config


def _structure(document: Any, cls: type[T], source: str, environ: Mapping[str, str] | None) -> T:
    if not isinstance(document, dict):
        raise ConfigError(["(top): the document must be a mapping of keys to values"], source)
    document, problems = interpolate(document, os.environ if environ is None else environ)
    try:
        config = converter.structure(document, cls)
    except (ClassValidationError, IterableValidationError) as exc:
        raise ConfigError(problems + _problems_from(exc), source) from None
    if problems:
        raise ConfigError(problems, source)
    return config


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"(file): cannot read {path}: {exc.strerror}"], str(path)) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise ConfigError([f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"], str(path)) from None


def load_config(path: str | Path, *, environ: Mapping[str, str] | None = None) -> DaemonConfig:
    """Read and check the daemon's YAML config at ``path``."""
    return parse_config(_read_yaml(Path(path)), source=str(path), environ=environ)


def load_metadata_server_config(
    path: str | Path, *, environ: Mapping[str, str] | None = None
) -> StandaloneMetadataServerConfig:
    """Read and check a standalone metadata server's YAML config at ``path``."""
    return _structure(_read_yaml(Path(path)), StandaloneMetadataServerConfig, str(path), environ)


def unstructure_config(config: DaemonConfig) -> dict[str, Any]:
    """The config as plain data, secrets shown as ``********``."""
    return converter.unstructure(config)


_properties_converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
# Connector properties arrive from YAML, Egeria JSON and the admin API: "false" must mean False.
_properties_converter.register_structure_hook(bool, lambda value, _: _structure_bool(value))
_properties_converter.register_structure_hook(int, lambda value, _: _structure_number(value, int))
_properties_converter.register_structure_hook(float, lambda value, _: _structure_number(value, float))
_properties_converter.register_structure_hook(Duration, lambda value, _: parse_duration(value))


def structure_properties(properties: Mapping[str, Any], cls: type, path: str = "configuration_properties") -> Any:
    """Structure a connector's configuration properties into its ``config_class``.

    Raises ConfigError listing every problem with its path under ``path``.
    """
    try:
        return _properties_converter.structure(dict(properties), cls)
    except (ClassValidationError, IterableValidationError) as exc:
        problems = []
        for line in cattrs.transform_error(exc, path=path, format_exception=_format_exception):
            message, _, where = line.rpartition(" @ ")
            problems.append(f"{where}: {message}")
        raise ConfigError(problems, path) from None
