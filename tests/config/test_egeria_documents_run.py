"""The example Egeria server config documents run as they are against the bundled metadata server,
and status reports the connector ids from the files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attrs import evolve

from daemon.app import Daemon
from daemon.config import load_egeria_config
from daemon.states import ConnectorStatus
from tests.conftest import wait_until

EGERIA = Path(__file__).resolve().parents[2] / "conf" / "egeria"


def connector_ids(document: Path) -> dict[str, str]:
    data = json.loads(document.read_text())
    return {c["connectorName"]: c["connectorId"]
            for s in data["integrationServicesConfig"] for c in s["integrationConnectorConfigs"]}


@pytest.fixture
def placeholders(metadata_server, kafka_broker):
    return {
        "metadataServerURL": metadata_server.url,
        "metadataServerName": "test-mds",
        "kafkaEndpoint": kafka_broker.bootstrap,
        "postgresJDBCURL": "jdbc:postgresql://127.0.0.1:5432/test?user=postgres",
        "postgresServerURL": "postgresql://postgres@127.0.0.1:5432/test",
    }


@pytest.mark.parametrize("name", ["files-integrator", "database-integrator", "topic-integrator"])
def test_an_egeria_document_runs_and_reports_its_connector_ids(name, placeholders, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the files example names folders relative to where the daemon runs
    for folder in ("data/landing-area/clinical-trials", "data/data-lake/research/clinical-trials/weekly-measurements"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    document = EGERIA / f"{name}.config.json"
    config, _ = load_egeria_config(document, placeholders=placeholders)
    config = evolve(config, admin=evolve(config.admin, port=0), state_directory=str(tmp_path / "state"))
    daemon = Daemon(config).start()
    try:
        expected = connector_ids(document)
        reports = wait_until(lambda: (r := daemon.control.reports()) and len(r) == len(expected) and r, 20,
                             "every connector to be reported")
        assert {r.name: r.connector_id for r in reports} == expected
        started = wait_until(
            lambda: [r for r in daemon.control.reports() if r.status in (ConnectorStatus.WAITING, ConnectorStatus.RUNNING)],
            60, "a connector from the document to run",
        )
        assert started, [(r.name, r.status, r.last_error) for r in daemon.control.reports()]
        if name == "files-integrator":  # everything it needs is here: every connector runs
            wait_until(lambda: all(r.status is ConnectorStatus.WAITING for r in daemon.control.reports()), 30,
                       "both folder monitors to be WAITING")
    finally:
        daemon.stop()
