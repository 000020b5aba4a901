"""The inventory connector, run by daemon.testing against a real bundled metadata server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from daemon.errors import ConnectorConfigError
from daemon.testing import ConnectorHarness
from example_connectors.inventory import InventoryConnector


def write_inventory(path: Path, *datasets: dict[str, str]) -> None:
    path.write_text(json.dumps({"datasets": list(datasets)}), encoding="utf-8")


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.json"
    write_inventory(path, {"name": "orders", "description": "One row per order", "owner": "sales"})
    return path


def test_listed_data_sets_are_catalogued_and_owned_by_the_metadata_source(inventory: Path) -> None:
    with ConnectorHarness(InventoryConnector, endpoint=str(inventory), metadata_source="sales-inventory") as h:
        h.start()
        activity = h.refresh()
        assert activity.created == 1
        h.assert_catalogued(
            "inventory::orders",
            "DataSet",
            {"displayName": "orders", "description": "One row per order", "additionalProperties": {"owner": "sales"}},
            metadata_source="sales-inventory",
        )


def test_an_unchanged_inventory_costs_no_write(inventory: Path) -> None:
    with ConnectorHarness(InventoryConnector, endpoint=str(inventory), metadata_source="sales-inventory") as h:
        h.start()
        h.refresh()
        mark = h.mark()
        assert h.refresh().skipped == 1
        h.assert_not_written_since(mark)


def test_changed_entries_are_updated_and_removed_ones_archived(inventory: Path) -> None:
    with ConnectorHarness(InventoryConnector, endpoint=str(inventory), metadata_source="sales-inventory") as h:
        h.start()
        h.refresh()
        write_inventory(inventory, {"name": "invoices", "description": "Issued invoices", "owner": "finance"})
        activity = h.refresh()
        assert (activity.created, activity.archived) == (1, 1)
        h.assert_catalogued("inventory::invoices", "DataSet", {"description": "Issued invoices"})
        h.assert_archived("inventory::orders")


def test_a_misspelt_property_is_a_config_error_naming_it(inventory: Path) -> None:
    with ConnectorHarness(InventoryConnector, endpoint=str(inventory), configuration_properties={"prefx": "x"}) as h:
        with pytest.raises(ConnectorConfigError, match="prefx"):
            h.start()
