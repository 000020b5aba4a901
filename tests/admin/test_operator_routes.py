"""Our routes beside Egeria's: pause/resume, restart failed, validate, probes; and bad requests, named by field."""

from __future__ import annotations

import pytest

from daemon.states import ConnectorStatus
from tests.actors.connectors import LOG
from tests.admin.conftest import PREFIXES, RECORDING, recording
from tests.admin.test_egeria_routes import assert_unknown_connector, assert_void, both_prefixes


@both_prefixes
def test_a_paused_connector_is_not_refreshed_until_it_is_resumed(start_admin, prefix):
    admin = start_admin(recording("alpha", refresh="5s"))
    admin.wait_planned("alpha")
    assert_void(admin.call("POST", "/integration-connectors/alpha/pause", prefix=prefix))
    paused = admin.wait_status("alpha", ConnectorStatus.PAUSED)
    assert paused.paused
    admin.clock.advance(30.0)
    assert admin.call("GET", "/status", prefix=prefix).json()["integrationDaemonStatus"][
        "integrationServiceSummaries"][0]["integrationConnectorReports"][0]["paused"] is True
    assert LOG.count("alpha", "refresh") == 1
    assert_void(admin.call("POST", "/integration-connectors/alpha/resume", prefix=prefix))
    admin.wait_status("alpha", ConnectorStatus.WAITING)
    admin.wait_planned("alpha")
    admin.clock.advance(5.0)
    LOG.wait_for("alpha", "refresh", 2)


@both_prefixes
@pytest.mark.parametrize("operation", ["pause", "resume"])
def test_pausing_or_resuming_an_unknown_connector_is_refused(start_admin, prefix, operation):
    admin = start_admin(recording("alpha"))
    assert_unknown_connector(admin.call("POST", f"/integration-connectors/nope/{operation}", prefix=prefix), "nope")


@both_prefixes
def test_restart_failed_restarts_only_the_failed_connectors(start_admin, prefix):
    admin = start_admin(recording("doomed", fail_start=True), recording("fine"),
                        policy={"initial_backoff": "1s", "jitter": 0, "max_restarts": 0})
    admin.wait_status("doomed", ConnectorStatus.FAILED)
    LOG.wait_for("fine", "refresh", 1)
    assert_void(admin.call("POST", "/integration-connectors/restart-failed", prefix=prefix))
    LOG.wait_for("doomed", "start", 2)
    admin.wait_status("doomed", ConnectorStatus.FAILED)
    assert LOG.count("fine", "start") == 1


def test_a_valid_connector_config_is_reported_valid_and_nothing_is_started(start_admin):
    admin = start_admin(recording("alpha"))
    body = {"class": "ConnectorValidationRequestBody",
            "connector": {"name": "candidate", "connector": RECORDING, "refresh": "1m",
                          "configuration_properties": {"fail_every": 2}}}
    answer = admin.call("POST", "/integration-connectors/validate", body).json()
    assert answer == {"class": "ConnectorValidationResponse", "relatedHTTPCode": 200, "valid": True,
                      "integrationServiceURLMarker": "files-integrator", "connectorName": "candidate",
                      "connector": RECORDING}
    assert LOG.calls("candidate") == []
    assert [r.name for r in admin.daemon.control.reports()] == ["alpha"]


def test_an_invalid_connector_config_is_reported_with_every_problem_and_its_path(start_admin):
    admin = start_admin(recording("alpha"))
    body = {"connector": {"name": "candidate", "connector": RECORDING, "refresh": "soon", "colour": "red",
                          "configuration_properties": {"fail_evry": 2}}}
    answer = admin.call("POST", "/integration-connectors/validate", body).json()
    assert answer["valid"] is False
    assert any(p.startswith("connector.refresh: 'soon' is not a duration") for p in answer["problems"])
    assert any(p.startswith("connector") and "colour" in p for p in answer["problems"])
    properties = admin.call("POST", "/integration-connectors/validate",
                            {"connector": {"name": "c", "connector": RECORDING,
                                           "configuration_properties": {"fail_evry": 2, "fail_every": "often"}}}).json()
    assert properties["valid"] is False and len(properties["problems"]) == 2
    assert all(p.startswith("connector.configuration_properties") for p in properties["problems"])


@pytest.mark.parametrize(
    ("connector", "problem"),
    [
        ("no.such.module:Nope", "cannot import module 'no.such.module'"),
        ("org.example.integration.UnknownProvider", "no Python connector for Egeria provider"),
    ],
)
def test_a_connector_class_that_cannot_be_loaded_is_a_validation_problem(start_admin, connector, problem):
    admin = start_admin(recording("alpha"))
    answer = admin.call("POST", "/integration-connectors/validate", {"connector": {"name": "c", "connector": connector}}).json()
    assert answer["valid"] is False and problem in answer["problems"][0]
    assert answer["problems"][0].startswith("connector.connector: ")


def test_an_egeria_integration_connector_config_can_be_validated(start_admin):
    admin = start_admin(recording("alpha"))
    egeria = {"connectorName": "landing", "refreshTimeInterval": "60", "connection": {
        "connectorType": {"connectorProviderClassName":
                          "org.odpi.openmetadata.adapters.connectors.integration.basicfiles.DataFolderMonitorIntegrationProvider"},
        "endpoint": {"address": "/data/landing"}}}
    answer = admin.call("POST", "/integration-connectors/validate", {"integrationConnectorConfig": egeria}).json()
    assert (answer["valid"], answer["connectorName"], answer["connector"]) == (True, "landing", "folder")
    broken = admin.call("POST", "/integration-connectors/validate",
                        {"integrationConnectorConfig": {"connectorName": "x", "refreshTimeInterval": "often"}}).json()
    assert broken["valid"] is False
    assert any(p.startswith("integrationConnectorConfig.refreshTimeInterval") for p in broken["problems"])


def test_health_answers_and_ready_says_every_actor_answered(start_admin):
    admin = start_admin(recording("alpha"), recording("beta"))
    assert admin.call("GET", "/health", prefix="").json() == {"status": "UP"}
    assert admin.call("GET", "/ready", prefix="").json() == {"status": "READY", "connectors": 2}


def test_ready_is_503_once_the_actors_are_gone(start_admin):
    admin = start_admin(recording("alpha"))
    admin.daemon._supervisor.stop()  # the actors stop answering; the HTTP server still does
    response = admin.call("GET", "/ready", prefix="")
    assert response.status_code == 503 and response.json()["status"] == "NOT_READY"
    assert admin.call("GET", "/health", prefix="").status_code == 200


def test_an_unknown_route_and_a_wrong_method_are_ffdc_errors(start_admin):
    admin = start_admin(recording("alpha"))
    missing = admin.call("GET", "/integration-connectors/alpha/nothing-here")
    assert missing.status_code == 404 and missing.json()["relatedHTTPCode"] == 404
    wrong = admin.call("DELETE", "/status")
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"]
    assert wrong.json()["exceptionProperties"] == {"parameterName": "method"}


def test_a_connector_named_like_a_route_keeps_its_own_routes(start_admin):
    admin = start_admin(recording("refresh"))
    response = admin.call("GET", "/integration-connectors/refresh/configuration-properties")
    assert response.status_code == 200 and response.json()["class"] == "PropertiesResponse"
    assert_void(admin.call("POST", "/integration-connectors/refresh/pause"))


@pytest.mark.parametrize(
    ("path", "raw", "parameter"),
    [
        ("/integration-connectors/refresh", b"{not json", "requestBody"),
        ("/integration-connectors/refresh", b'{"class": "NameRequestBody", "name": 7}', "requestBody.name"),
        ("/integration-connectors/restart", b'{"class": "StringRequestBody", "string": "alpha"}', "requestBody.class"),
        ("/integration-connectors/restart", b"[1, 2]", "requestBody"),
        ("/integration-connectors/configuration-properties", b"", "requestBody"),
        ("/integration-connectors/configuration-properties", b'{"connectorName": "alpha", "configurationProperties": [1]}',
         "requestBody.configurationProperties"),
        ("/integration-connectors/configuration-properties", b'{"connectorName": "alpha", "mergeUpdate": "maybe"}',
         "requestBody.mergeUpdate"),
        ("/integration-connectors/alpha/endpoint-network-address", b'{"class": "StringRequestBody"}', "requestBody.string"),
        ("/integration-connectors/alpha/endpoint-network-address", b'{"string": ""}', "requestBody.string"),
        ("/integration-connectors/alpha/connection", b'{"endpoint": {"address": 3}}', "requestBody.endpoint.address"),
        ("/integration-connectors/alpha/connection", b'{"endpoint": "x"}', "requestBody.endpoint"),
        ("/integration-connectors/validate", b'{"connector": {}, "integrationConnectorConfig": {}}', "requestBody.connector"),
        ("/integration-connectors/validate", b'{"connector": "x"}', "requestBody.connector"),
    ],
)
def test_a_bad_body_is_an_invalid_parameter_error_naming_the_field_and_nothing_changes(start_admin, path, raw, parameter):
    admin = start_admin(recording("alpha"))
    LOG.wait_for("alpha", "refresh", 1)
    response = admin.call("POST", path, raw=raw, prefix=PREFIXES[1])
    body = response.json()
    assert response.status_code == 400 and body["relatedHTTPCode"] == 400, body
    assert body["exceptionClassName"].endswith("InvalidParameterException")
    assert body["exceptionProperties"]["parameterName"] == parameter
    assert body["exceptionErrorMessage"].startswith(parameter)
    assert LOG.count("alpha", "start") == 1 and admin.daemon.control.configuration("alpha").endpoint is None
