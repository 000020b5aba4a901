"""Egeria's integration daemon routes, one by one, against a running daemon, under both path prefixes."""

from __future__ import annotations

import pytest

from daemon.states import ConnectorStatus
from tests.actors.connectors import LOG
from tests.admin.conftest import PREFIXES, SERVER, recording

EGERIA_FFDC = "org.odpi.openmetadata.frameworks.openmetadata.ffdc."
both_prefixes = pytest.mark.parametrize("prefix", PREFIXES, ids=["daemon-base", "users-prefix"])


def assert_void(response) -> None:
    assert response.status_code == 200, response.text
    assert response.json() == {"class": "VoidResponse", "relatedHTTPCode": 200}


def assert_unknown_connector(response, name: str) -> None:
    body = response.json()
    assert response.status_code == 404
    assert body["relatedHTTPCode"] == 400  # Egeria's UNKNOWN_CONNECTOR_NAME
    assert body["exceptionClassName"] == EGERIA_FFDC + "InvalidParameterException"
    assert body["exceptionErrorMessageId"] == "INTEGRATION-DAEMON-SERVICES-400-031"
    assert body["exceptionErrorMessage"] == f"Integration connector named {name} is not running in the integration daemon {SERVER}"
    assert body["exceptionErrorMessageParameters"] == [name, SERVER]
    assert body["exceptionProperties"]["parameterName"] == "connectorName"


@both_prefixes
def test_status_is_an_integration_daemon_status_response(start_admin, prefix):
    admin = start_admin(recording("alpha"))
    LOG.wait_for("alpha", "refresh", 1)
    body = admin.call("GET", "/status", prefix=prefix).json()
    assert body["class"] == "IntegrationDaemonStatusResponse" and body["relatedHTTPCode"] == 200
    (summary,) = body["integrationDaemonStatus"]["integrationServiceSummaries"]
    assert [r["connectorName"] for r in summary["integrationConnectorReports"]] == ["alpha"]


@both_prefixes
def test_refreshing_one_connector_returns_at_once_and_the_status_counts_the_refresh(start_admin, prefix):
    admin = start_admin(recording("alpha", refresh="0"), recording("beta", refresh="0"))
    admin.wait_refreshed("alpha")
    admin.wait_refreshed("beta")
    assert_void(admin.call("POST", "/integration-connectors/refresh", {"class": "NameRequestBody", "name": "alpha"},
                           prefix=prefix))
    admin.wait_refreshed("alpha", 2)
    assert LOG.count("beta", "refresh") == 1


@both_prefixes
def test_refreshing_without_a_body_refreshes_every_connector(start_admin, prefix):
    admin = start_admin(recording("alpha", refresh="0"), recording("beta", refresh="0"))
    admin.wait_refreshed("alpha")
    admin.wait_refreshed("beta")
    assert_void(admin.call("POST", "/integration-connectors/refresh", prefix=prefix))
    LOG.wait_for("alpha", "refresh", 2)
    LOG.wait_for("beta", "refresh", 2)


@both_prefixes
@pytest.mark.parametrize("operation", ["refresh", "restart"])
def test_an_unknown_connector_is_egerias_unknown_connector_name_error(start_admin, prefix, operation):
    admin = start_admin(recording("alpha"))
    response = admin.call("POST", f"/integration-connectors/{operation}", {"class": "NameRequestBody", "name": "nope"},
                          prefix=prefix)
    assert_unknown_connector(response, "nope")
    assert response.json()["class"] == "VoidResponse"
    assert response.json()["actionDescription"] == f"{operation}Connectors"


@both_prefixes
def test_restarting_one_connector_starts_a_fresh_instance_and_leaves_the_others(start_admin, prefix):
    admin = start_admin(recording("alpha"), recording("beta"))
    LOG.wait_for("beta", "refresh", 1)
    first = admin.report("alpha").instance_id
    assert_void(admin.call("POST", "/integration-connectors/restart", {"class": "NameRequestBody", "name": "alpha"},
                           prefix=prefix))
    LOG.wait_for("alpha", "start", 2)
    assert LOG.count("beta", "start") == 1
    restarted = admin.wait_status("alpha", ConnectorStatus.WAITING)
    assert restarted.instance_id != first


@both_prefixes
def test_restarting_without_a_body_restarts_every_connector(start_admin, prefix):
    admin = start_admin(recording("alpha"), recording("beta"))
    LOG.wait_for("beta", "start", 1)
    assert_void(admin.call("POST", "/integration-connectors/restart", prefix=prefix))
    LOG.wait_for("alpha", "start", 2)
    LOG.wait_for("beta", "start", 2)


@both_prefixes
def test_configuration_properties_are_a_properties_response_with_secrets_redacted(start_admin, prefix):
    admin = start_admin({"name": "secretive", "connector": "tests.no_such_module:Nope",
                         "configuration_properties": {"url": "jdbc:x", "password": "hunter2",
                                                      "nested": {"apiKey": "k-123", "depth": 2}}})
    response = admin.call("GET", "/integration-connectors/secretive/configuration-properties", prefix=prefix)
    assert response.status_code == 200
    assert response.json() == {
        "class": "PropertiesResponse", "relatedHTTPCode": 200,
        "properties": {"url": "jdbc:x", "password": "********", "nested": {"apiKey": "********", "depth": 2}},
    }
    assert "hunter2" not in response.text and "k-123" not in response.text
    missing = admin.call("GET", "/integration-connectors/nope/configuration-properties", prefix=prefix)
    assert_unknown_connector(missing, "nope")
    assert missing.json()["class"] == "PropertiesResponse"


@both_prefixes
def test_merging_configuration_properties_restarts_the_connector_with_them(start_admin, prefix):
    admin = start_admin(recording("alpha", fail_start=False))
    LOG.wait_for("alpha", "refresh", 1)
    body = {"class": "ConnectorConfigPropertiesRequestBody", "connectorName": "alpha", "mergeUpdate": True,
            "configurationProperties": {"fail_every": 7}}
    assert_void(admin.call("POST", "/integration-connectors/configuration-properties", body, prefix=prefix))
    LOG.wait_for("alpha", "start", 2)
    properties = admin.call("GET", "/integration-connectors/alpha/configuration-properties", prefix=prefix).json()
    assert properties["properties"] == {"fail_start": False, "fail_every": 7}


def test_configuration_properties_replace_by_default_as_in_egeria(start_admin):
    admin = start_admin(recording("alpha", fail_start=False, fail_every=0))
    LOG.wait_for("alpha", "refresh", 1)
    body = {"connectorName": "alpha", "configurationProperties": {"fail_every": 9}}
    assert_void(admin.call("POST", "/integration-connectors/configuration-properties", body))
    LOG.wait_for("alpha", "start", 2)
    assert admin.daemon.control.configuration("alpha").configuration_properties == {"fail_every": 9}


def test_configuration_properties_without_a_connector_name_change_every_connector(start_admin):
    admin = start_admin(recording("alpha"), recording("beta"))
    LOG.wait_for("beta", "start", 1)
    body = {"mergeUpdate": "true", "configurationProperties": {"fail_every": 5}}  # Egeria clients may send strings
    assert_void(admin.call("POST", "/integration-connectors/configuration-properties", body))
    LOG.wait_for("alpha", "start", 2)
    LOG.wait_for("beta", "start", 2)
    assert admin.daemon.control.configuration("beta").configuration_properties == {"fail_every": 5}


def test_invalid_configuration_properties_are_refused_with_every_problem_and_nothing_changes(start_admin):
    admin = start_admin(recording("alpha"))
    LOG.wait_for("alpha", "refresh", 1)
    body = {"connectorName": "alpha", "mergeUpdate": True, "configurationProperties": {"fail_evry": 2, "fail_every": "x"}}
    response = admin.call("POST", "/integration-connectors/configuration-properties", body)
    error = response.json()
    assert response.status_code == 400 and error["relatedHTTPCode"] == 400
    assert error["exceptionProperties"]["parameterName"] == "requestBody.configurationProperties"
    problems = error["exceptionProperties"]["problems"]
    assert any("fail_evry" in p for p in problems) and any("fail_every" in p for p in problems)
    assert admin.daemon.control.configuration("alpha").configuration_properties == {}
    assert LOG.count("alpha", "start") == 1


@both_prefixes
def test_a_new_endpoint_address_is_applied_and_the_connector_restarts(start_admin, prefix):
    admin = start_admin(recording("alpha"))
    LOG.wait_for("alpha", "refresh", 1)
    body = {"class": "StringRequestBody", "string": "/data/elsewhere"}
    assert_void(admin.call("POST", "/integration-connectors/alpha/endpoint-network-address", body, prefix=prefix))
    LOG.wait_for("alpha", "start", 2)
    assert admin.daemon.control.configuration("alpha").endpoint == "/data/elsewhere"
    assert_unknown_connector(
        admin.call("POST", "/integration-connectors/nope/endpoint-network-address", body, prefix=prefix), "nope"
    )


@both_prefixes
def test_a_connection_applies_its_endpoint_and_properties(start_admin, prefix):
    admin = start_admin(recording("alpha", fail_start=False))
    LOG.wait_for("alpha", "refresh", 1)
    connection = {"class": "Connection", "connectorType": {"connectorProviderClassName": "tests.actors.connectors:Recording"},
                  "endpoint": {"class": "Endpoint", "address": "/data/new"}, "configurationProperties": {"fail_every": 3}}
    assert_void(admin.call("POST", "/integration-connectors/alpha/connection", connection, prefix=prefix))
    config = admin.daemon.control.configuration("alpha")
    assert (config.endpoint, config.configuration_properties) == ("/data/new", {"fail_every": 3})
    LOG.wait_for("alpha", "start", 2)


def test_a_connection_naming_another_connector_class_is_refused_and_nothing_changes(start_admin):
    admin = start_admin(recording("alpha"))
    LOG.wait_for("alpha", "refresh", 1)
    connection = {"connectorType": {"connectorProviderClassName": "org.example.OtherProvider"},
                  "endpoint": {"address": "/data/new"}}
    response = admin.call("POST", "/integration-connectors/alpha/connection", connection)
    assert response.status_code == 400
    assert response.json()["exceptionProperties"]["parameterName"] == "requestBody.connectorType.connectorProviderClassName"
    assert admin.daemon.control.configuration("alpha").endpoint is None
    assert LOG.count("alpha", "start") == 1


@both_prefixes
def test_the_service_summary_lists_each_service_with_its_connectors(start_admin, prefix):
    services = [{"url_marker": "files-integrator", "connectors": [recording("files")]},
                {"url_marker": "topic-integrator", "connectors": [recording("topics")]}]
    admin = start_admin(services=services)
    body = admin.call("GET", "/integration-services/summary", prefix=prefix).json()
    assert body["class"] == "IntegrationServiceSummaryResponse" and body["relatedHTTPCode"] == 200
    summaries = {s["integrationServiceURLMarker"]: s for s in body["integrationServiceSummaries"]}
    assert summaries["topic-integrator"]["integrationServiceFullName"] == "Topic Integrator OMIS"
    assert [r["connectorName"] for r in summaries["files-integrator"]["integrationConnectorReports"]] == ["files"]


@both_prefixes
def test_refreshing_and_restarting_a_service_acts_on_its_connectors_only(start_admin, prefix):
    services = [{"url_marker": "files-integrator", "connectors": [recording("files", refresh="0")]},
                {"url_marker": "topic-integrator", "connectors": [recording("topics", refresh="0")]}]
    admin = start_admin(services=services)
    admin.wait_refreshed("topics")
    admin.wait_refreshed("files")
    assert_void(admin.call("POST", "/integration-services/files-integrator/refresh", prefix=prefix))
    LOG.wait_for("files", "refresh", 2)
    assert_void(admin.call("POST", "/integration-services/files-integrator/restart", prefix=prefix))
    LOG.wait_for("files", "start", 2)
    assert (LOG.count("topics", "refresh"), LOG.count("topics", "start")) == (1, 1)


def test_a_service_request_naming_a_connector_of_another_service_is_refused(start_admin):
    services = [{"url_marker": "files-integrator", "connectors": [recording("files")]},
                {"url_marker": "topic-integrator", "connectors": [recording("topics")]}]
    admin = start_admin(services=services)
    response = admin.call("POST", "/integration-services/files-integrator/restart", {"name": "topics"})
    assert_unknown_connector(response, "topics")
    unknown = admin.call("POST", "/integration-services/lineage-integrator/refresh")
    assert unknown.status_code == 404 and unknown.json()["exceptionProperties"]["parameterName"] == "serviceURLMarker"


def test_another_server_name_in_the_path_is_refused_naming_the_server(start_admin):
    admin = start_admin(recording("alpha"))
    response = admin.call("GET", "/status", prefix="/servers/other/open-metadata/integration-daemon")
    body = response.json()
    assert response.status_code == 404 and body["relatedHTTPCode"] == 404
    assert body["class"] == "IntegrationDaemonStatusResponse"
    assert body["exceptionProperties"] == {"parameterName": "serverName"}
    assert SERVER in body["exceptionErrorMessage"]
