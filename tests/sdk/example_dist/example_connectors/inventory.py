"""A passive connector: catalogues the data sets listed in a team's inventory file.

The technology is a JSON file that a team keeps up to date::

    {"datasets": [{"name": "orders", "description": "One row per order", "owner": "sales"}]}

Each refresh reads it and brings open metadata in step: every listed data set becomes a
``DataSet`` element, changed ones are updated, unchanged ones cost no write, and the
ones that left the file are archived.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from attrs import frozen

from daemon import Connector, ConnectorError


@frozen
class InventoryConfig:
    """The connector's ``configuration_properties``."""

    prefix: str = "inventory"  # qualifiedName = "{prefix}::{name}"
    archive_missing: bool = True  # archive data sets that left the file


class InventoryConnector(Connector):
    """Keeps one ``DataSet`` per inventory entry."""

    config_class = InventoryConfig

    def refresh(self) -> None:
        config: InventoryConfig = self.context.config
        listed = {self._qualified_name(entry["name"]): entry for entry in self._read_inventory()}
        for qualified_name, entry in listed.items():
            self.context.metadata.upsert("DataSet", self._properties(qualified_name, entry))
        if config.archive_missing:
            mine = [("qualifiedName", "LIKE", re.escape(config.prefix) + "::.*")]
            for element in self.context.metadata.owned("DataSet", mine):
                if element.qualified_name not in listed:
                    self.context.metadata.archive(element.guid, type_name="DataSet")

    def _read_inventory(self) -> list[dict[str, Any]]:
        if not self.context.endpoint:
            raise ConnectorError("set endpoint to the inventory file", self.context.name)
        try:
            document = json.loads(Path(self.context.endpoint).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConnectorError(f"cannot read inventory {self.context.endpoint}: {exc}", self.context.name) from exc
        return [entry for entry in document.get("datasets", []) if entry.get("name")]

    def _qualified_name(self, name: str) -> str:
        config: InventoryConfig = self.context.config
        return f"{config.prefix}::{name}"

    @staticmethod
    def _properties(qualified_name: str, entry: dict[str, Any]) -> dict[str, Any]:
        return {
            "qualifiedName": qualified_name,
            "displayName": entry["name"],
            "description": entry.get("description", ""),
            "additionalProperties": {"owner": entry.get("owner", "")},
        }
