"""Runtime overrides (configuration properties, endpoint) kept in a state file, opt-in.

Egeria forgets such changes on restart; with ``persist_overrides: true`` the daemon
writes each one to ``<state directory>/overrides.json`` (atomically) and applies them
over the config file at the next start.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from attrs import evolve
from loguru import logger

from daemon.config import DaemonConfig

__all__ = ["OverrideStore"]


class OverrideStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError as exc:
            logger.warning("ignoring damaged overrides file {}: {}", self.path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def record(self, connector: str, **fields: Any) -> None:
        """Remember ``fields`` (``configuration_properties``, ``endpoint``) for ``connector``."""
        data = self.load()
        data.setdefault(connector, {}).update(fields)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".overrides-")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)

    def apply(self, config: DaemonConfig) -> DaemonConfig:
        """``config`` with the recorded overrides of connectors it still has."""
        data = self.load()
        if not data:
            return config
        services = []
        for service in config.services:
            connectors = []
            for connector in service.connectors:
                fields = data.get(connector.name, {})
                allowed = {k: v for k, v in fields.items() if k in ("configuration_properties", "endpoint")}
                if allowed:
                    logger.info("connector {}: applying runtime overrides of {} from {}", connector.name,
                                ", ".join(sorted(allowed)), self.path)
                connectors.append(evolve(connector, **allowed))
            services.append(evolve(service, connectors=tuple(connectors)))
        return evolve(config, services=tuple(services))
