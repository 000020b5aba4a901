"""Permitted synchronization and provenance, as bundled connectors meet them in a real daemon."""

from __future__ import annotations

import pytest

from daemon.states import ConnectorStatus
from tests.integrations.conftest import connector, unique

FOLDER = "daemon.integrations.files:FolderConnector"


def landing(tmp_path):
    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / "orders.csv").write_text("id\n1\n")
    return folder


def test_a_to_third_party_connector_cannot_write_open_metadata_and_the_refusal_is_counted(run_daemon, tmp_path):
    folder, name = landing(tmp_path), unique("folder")
    config = connector(name, FOLDER, str(folder), name)
    config["permitted_synchronization"] = "TO_THIRD_PARTY"
    daemon = run_daemon("files-integrator", config)

    report = daemon.refreshed(name, 1)
    assert report.status is ConnectorStatus.WAITING and report.last_error is None  # refused, not restarted
    assert report.last_activity.refused == 1 and report.last_activity.created == 0
    assert report.last_activity.by_type == {"FileFolder": {"refused": 1}}
    assert daemon.elements("DataFile", str(folder)) == {} and daemon.elements("FileFolder", str(folder)) == {}


@pytest.mark.parametrize("intruder_source", ["someone-else", None], ids=["another source", "a local user"])
def test_another_connector_cannot_change_what_a_connector_owns(run_daemon, tmp_path, intruder_source):
    folder, owner = landing(tmp_path), unique("folder")
    daemon = run_daemon("files-integrator", connector(owner, FOLDER, str(folder), owner))
    daemon.refreshed(owner, 1)
    (file,) = daemon.elements("DataFile", str(folder)).values()

    intruder = unique("intruder")
    source = None if intruder_source is None else unique(intruder_source)
    other = run_daemon("files-integrator", connector(intruder, "tests.integrations.faults:Intruder", "-", source, guid=file.guid))
    refused = other.status(intruder, ConnectorStatus.RESTARTING)
    assert refused.last_error.startswith("UserNotAuthorizedError: ")
    assert f"externalSourceName of {owner}" in refused.last_error
    after = daemon.reader.get_element(file.guid)
    assert "description" not in after.properties and after.versions.version == file.versions.version
