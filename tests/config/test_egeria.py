"""Egeria OMAGServerConfig documents are accepted as they are, and every problem names its Egeria path."""

import copy
import json
from pathlib import Path

import pytest
import yaml

from daemon.config import PermittedSynchronization, parse_config
from daemon.config.egeria import egeria_to_document, load_egeria_config, looks_like_egeria, to_yaml
from daemon.config.providers import BUILTIN_PROVIDERS, looks_like_java_class, resolve_provider
from daemon.errors import ConfigError

EXAMPLES = Path(__file__).resolve().parents[2] / "conf" / "egeria"
PLACEHOLDERS = {
    "metadataServerURL": "https://localhost:9443",
    "metadataServerName": "metadata-server",
    "kafkaEndpoint": "localhost:9092",
    "postgresJDBCURL": "jdbc:postgresql://127.0.0.1:5432/test",
    "postgresServerURL": "postgresql://127.0.0.1:5432/postgres",
}
FOLDER_PROVIDER = "org.odpi.openmetadata.adapters.connectors.integration.basicfiles.DataFolderMonitorIntegrationProvider"
CONNECTORS = "integrationServicesConfig[0].integrationConnectorConfigs"


def egeria(**connector):
    """A small Egeria document: one files-integrator service with one folder monitor."""
    return {
        "class": "OMAGServerConfig",
        "localServerName": "daemon1",
        "integrationServicesConfig": [
            {
                "class": "IntegrationServiceConfig",
                "integrationServiceURLMarker": "files-integrator",
                "omagserverName": "mds1",
                "omagserverPlatformRootURL": "https://localhost:9443",
                "integrationConnectorConfigs": [
                    {
                        "class": "IntegrationConnectorConfig",
                        "connectorId": "a37064d3-47de-4a13-85c9-fe772bd4ea55",
                        "connectorName": "FolderMonitor",
                        "connection": {
                            "class": "Connection",
                            "connectorType": {"class": "ConnectorType", "connectorProviderClassName": FOLDER_PROVIDER},
                            "endpoint": {"class": "Endpoint", "address": "data/landing"},
                        },
                        **connector,
                    }
                ],
            }
        ],
    }


def convert(document, environ=None, placeholders=None):
    return egeria_to_document(document, environ=environ or {}, placeholders=placeholders)


def structure(document, environ=None, placeholders=None):
    converted, warnings = convert(document, environ, placeholders)
    return parse_config(converted, environ={}), warnings


def problems_of(document, environ=None, placeholders=None):
    with pytest.raises(ConfigError) as caught:
        convert(document, environ, placeholders)
    return caught.value.problems


def the_connector(config):
    return config.services[0].connectors[0]


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ("files-integrator", [
            ("LandingAreaFilesMonitor", "7a8958ad-e19c-4869-9d7b-05e5ff74f3ce", 600, "data/landing-area/clinical-trials", None),
            ("WeeklyMeasurementsFolderMonitor", "b67d8388-d886-4a6e-bfa2-4363a042ad53", 0,
             "data/data-lake/research/clinical-trials/weekly-measurements", PermittedSynchronization.FROM_THIRD_PARTY),
        ]),
        ("database-integrator", [
            ("TestDatabaseCataloguer", "274ae497-3043-4292-9efc-de36ea34de21", 3600, "jdbc:postgresql://127.0.0.1:5432/test", None),
            ("PostgresServerCataloguer", "56b55f27-cc71-4c19-a4c1-544aa6b0d1e6", 86400, "postgresql://127.0.0.1:5432/postgres", None),
        ]),
        ("topic-integrator", [
            ("KafkaTopicsMonitor", "f495874e-b275-46a9-9698-8dd06cf67c36", 300, "localhost:9092", None),
            ("OpenLineageEventReceiver", "a1d4f6b2-0c7e-4f1a-9a55-3f2e8c6d9b01", 0, "openlineage.topic",
             PermittedSynchronization.FROM_THIRD_PARTY),
        ]),
    ],
)
def test_each_example_document_becomes_a_daemon_config(example, expected):
    config, _ = load_egeria_config(EXAMPLES / f"{example}.config.json", environ={}, placeholders=PLACEHOLDERS)
    found = [(c.name, c.connector_id, c.refresh, c.endpoint, c.permitted_synchronization) for _, c in config.connectors()]
    assert found == expected
    assert config.metadata_server.url == "https://localhost:9443"
    assert config.metadata_server.server_name == "metadata-server"
    assert all(s.default_permitted_synchronization is PermittedSynchronization.FROM_THIRD_PARTY for s in config.services)
    assert all(resolve_provider(c.connector) for _, c in config.connectors())


def test_the_examples_carry_their_service_markers_users_and_event_bus():
    files, _ = load_egeria_config(EXAMPLES / "files-integrator.config.json", environ={}, placeholders=PLACEHOLDERS)
    topics, _ = load_egeria_config(EXAMPLES / "topic-integrator.config.json", environ={}, placeholders=PLACEHOLDERS)
    assert files.server_name == "exchangeFiles01" and files.local_server_user_id == "exchangeFiles01npa"
    assert the_connector(files).user_id == "monitorFiles01npa"
    assert the_connector(files).metadata_source == "LandingAreaFiles"
    assert files.event_bus.type == "embedded"
    assert [s.url_marker for s in topics.services] == ["topic-integrator", "lineage-integrator"]
    assert topics.event_bus.type == "kafka" and topics.event_bus.bootstrap_servers == "localhost:9092"
    assert topics.event_bus.topic_root == "egeria.omag"


def test_the_examples_configuration_properties_are_passed_on():
    config, warnings = load_egeria_config(EXAMPLES / "database-integrator.config.json", environ={}, placeholders=PLACEHOLDERS)
    assert the_connector(config).configuration_properties == {"includeSchemaNames": ["public"], "excludeTableNames": []}
    assert any("embeddedConnections" in w for w in warnings)


def test_numbers_and_booleans_may_arrive_as_strings():
    document = egeria(refreshTimeInterval="60", usesBlockingCalls="false", generateIntegrationReports="TRUE")
    document["maxPageSize"] = "1200"
    config, warnings = structure(document)
    assert the_connector(config).refresh == 3600
    assert warnings == []


@pytest.mark.parametrize(("minutes", "seconds"), [(0, 0), ("0", 0), (1, 60), (10, 600), (1440, 86400), (10.0, 600)])
def test_refresh_minutes_become_seconds(minutes, seconds):
    config, _ = structure(egeria(refreshTimeInterval=minutes))
    assert the_connector(config).refresh == seconds


def test_a_missing_refresh_interval_means_at_start_and_on_request_only_as_in_egeria():
    config, _ = structure(egeria())
    assert the_connector(config).refresh == 0


def test_unknown_fields_are_warnings_that_name_their_path_never_errors():
    document = egeria(colour="blue")
    document["favouriteFood"] = "pizza"
    document["integrationServicesConfig"][0]["integrationConnectorConfigs"][0]["connection"]["endpoint"]["adress"] = "x"
    config, warnings = structure(document)
    assert the_connector(config).name == "FolderMonitor"
    assert any(w.startswith("favouriteFood: unknown field") for w in warnings)
    assert any(w.startswith(f"{CONNECTORS}[0].colour: unknown field") for w in warnings)
    assert any(w.startswith(f"{CONNECTORS}[0].connection.endpoint.adress: unknown field") for w in warnings)
    assert len(warnings) == 3


def test_egeria_descriptive_fields_are_accepted_without_a_warning():
    document = json.loads((EXAMPLES / "files-integrator.config.json").read_text())
    _, warnings = convert(document, placeholders=PLACEHOLDERS)
    assert warnings == []


def test_fields_the_daemon_cannot_honour_are_warned_about():
    document = egeria(usesBlockingCalls=True)
    document["localServerPassword"] = "secret"
    document["integrationServicesConfig"][0]["integrationConnectorConfigs"][0]["connection"]["clearPassword"] = "pw"
    converted, warnings = convert(document)
    assert any(w.startswith("localServerPassword: ignored") for w in warnings)
    assert any(w.startswith(f"{CONNECTORS}[0].connection.clearPassword: ignored") for w in warnings)
    assert converted["services"][0]["connectors"][0]["uses_blocking_calls"] is True  # carried, not warned about
    assert not any("secret" in w or "pw" in w.split(":", 1)[1] for w in warnings)


def test_wrong_types_are_problems_named_by_their_egeria_path_and_all_are_reported():
    document = egeria(refreshTimeInterval="abc", usesBlockingCalls="maybe", permittedSynchronization="SIDEWAYS")
    document["maxPageSize"] = -1
    document["integrationServicesConfig"][0]["integrationServiceOptions"] = "fast"
    document["integrationServicesConfig"][0]["integrationConnectorConfigs"].append({"connectorName": "Other", "connection": "x"})
    problems = problems_of(document)
    assert f"{CONNECTORS}[0].refreshTimeInterval: 'abc' is not a number of minutes" in problems
    assert f"{CONNECTORS}[0].usesBlockingCalls: 'maybe' is not a boolean (true or false)" in problems
    assert any(p.startswith(f"{CONNECTORS}[0].permittedSynchronization: 'SIDEWAYS' is not a permitted") for p in problems)
    assert "maxPageSize: -1 is not a whole number" in problems
    assert "integrationServicesConfig[0].integrationServiceOptions: expected a JSON object, got a string" in problems
    assert f"{CONNECTORS}[1].connection: expected a JSON object, got a string" in problems
    assert len(problems) == 6


def test_required_fields_are_named_when_missing():
    document = egeria()
    del document["localServerName"]
    connector = document["integrationServicesConfig"][0]["integrationConnectorConfigs"][0]
    del connector["connectorName"], connector["connectorId"], connector["connection"]["connectorType"]
    problems = problems_of(document)
    assert any(p.startswith("localServerName: required") for p in problems)
    assert any(p.startswith(f"{CONNECTORS}[0].connectorName: required") for p in problems)
    assert any(p.startswith(f"{CONNECTORS}[0].connection.connectorType.connectorProviderClassName: required") for p in problems)


def test_a_connector_without_a_name_is_named_by_its_id_with_a_warning():
    document = egeria()
    del document["integrationServicesConfig"][0]["integrationConnectorConfigs"][0]["connectorName"]
    config, warnings = structure(document)
    assert the_connector(config).name == "a37064d3-47de-4a13-85c9-fe772bd4ea55"
    assert any(w.startswith(f"{CONNECTORS}[0].connectorName: missing") for w in warnings)


def test_placeholders_come_from_the_mapping_first_then_the_environment():
    document = egeria(connectorUserId="~{connectorUser}~", refreshTimeInterval="~{minutes}~")
    document["integrationServicesConfig"][0]["omagserverPlatformRootURL"] = "~{mdsURL}~"
    environ = {"mdsURL": "https://mds.example.com:9443", "connectorUser": "from-environ", "minutes": "99"}
    config, _ = structure(document, environ=environ, placeholders={"connectorUser": "from-mapping", "minutes": "5"})
    assert config.metadata_server.url == "https://mds.example.com:9443"
    assert the_connector(config).user_id == "from-mapping"
    assert the_connector(config).refresh == 300


def test_placeholders_are_replaced_inside_configuration_properties_and_longer_strings():
    document = egeria()
    connection = document["integrationServicesConfig"][0]["integrationConnectorConfigs"][0]["connection"]
    connection["endpoint"]["address"] = "~{root}~/landing/~{area}~"
    connection["configurationProperties"] = {"nested": {"list": ["~{area}~", 3]}}
    config, _ = structure(document, placeholders={"root": "/data", "area": "north"})
    assert the_connector(config).endpoint == "/data/landing/north"
    assert the_connector(config).configuration_properties == {"nested": {"list": ["north", 3]}}


def test_an_unknown_placeholder_is_a_problem_with_its_path():
    document = egeria()
    document["integrationServicesConfig"][0]["omagserverPlatformRootURL"] = "~{metadataServerURL}~"
    problems = problems_of(document, placeholders={"other": "x"})
    assert problems == [
        "integrationServicesConfig[0].omagserverPlatformRootURL: placeholder ~{metadataServerURL}~ has no value "
        "(give it as a placeholder or set environment variable metadataServerURL)"
    ]


def test_a_placeholder_in_a_field_the_daemon_ignores_needs_no_value():
    document = egeria()
    document["localServerURL"] = "~{egeriaEndpoint}~"
    config, warnings = structure(document)
    assert config.server_name == "daemon1" and warnings == []


def test_services_that_name_different_metadata_servers_are_a_problem_naming_both_paths():
    document = egeria()
    second = copy.deepcopy(document["integrationServicesConfig"][0])
    second["integrationServiceURLMarker"] = "database-integrator"
    second["omagserverPlatformRootURL"] = "https://other:9443"
    second["integrationConnectorConfigs"][0]["connectorName"] = "Second"
    document["integrationServicesConfig"].append(second)
    problems = problems_of(document)
    assert problems == [
        "integrationServicesConfig[1].omagserverPlatformRootURL: 'https://other:9443' differs from "
        "integrationServicesConfig[0].omagserverPlatformRootURL ('https://localhost:9443'); the daemon talks to one metadata server"
    ]


def test_without_a_metadata_server_the_embedded_one_is_used():
    document = egeria()
    del document["integrationServicesConfig"][0]["omagserverPlatformRootURL"]
    config, _ = structure(document)
    assert config.metadata_server.embedded and config.metadata_server.server_name == "mds1"


def test_the_event_bus_comes_from_egerias_kafka_settings():
    document = egeria()
    document["eventBusConfig"] = {
        "class": "EventBusConfig",
        "topicURLRoot": "acme.omag",
        "configurationProperties": {
            "producer": {"bootstrap.servers": "kafka:9092", "acks": "all"},
            "consumer": {"bootstrap.servers": "kafka:9092", "key.deserializer": "org.apache.kafka.StringDeserializer"},
        },
    }
    config, warnings = structure(document)
    bus = config.event_bus
    assert (bus.type, bus.bootstrap_servers, bus.topic_root) == ("kafka", "kafka:9092", "acme.omag")
    assert bus.producer == {"acks": "all"} and bus.consumer == {}
    assert warnings == ["eventBusConfig.configurationProperties.consumer.key.deserializer: ignored: it names a Java class, "
                        "which the daemon's Kafka client cannot use"]


def test_no_event_bus_config_means_the_embedded_event_bus():
    config, _ = structure(egeria())
    assert config.event_bus.type == "embedded"


def test_producer_and_consumer_on_different_kafka_clusters_are_a_problem():
    document = egeria()
    document["eventBusConfig"] = {"configurationProperties": {"producer": {"bootstrap.servers": "a:9092"},
                                                              "consumer": {"bootstrap.servers": "b:9092"}}}
    problems = problems_of(document)
    assert problems == ["eventBusConfig.configurationProperties.consumer.bootstrap.servers: 'b:9092' differs from "
                        "eventBusConfig.configurationProperties.producer.bootstrap.servers ('a:9092'); "
                        "the daemon uses one Kafka cluster"]


def test_dynamic_integration_groups_are_refused_with_a_clear_problem():
    document = egeria()
    document["dynamicIntegrationGroupsConfig"] = [{"class": "IntegrationGroupConfig", "integrationGroupQualifiedName": "Onboarding"}]
    problems = problems_of(document)
    assert len(problems) == 1 and problems[0].startswith("dynamicIntegrationGroupsConfig: dynamic integration groups are not supported")
    document["dynamicIntegrationGroupsConfig"] = []
    assert convert(document)[1] == []


def test_duplicate_connector_names_are_problems_with_egeria_paths():
    document = egeria()
    connectors = document["integrationServicesConfig"][0]["integrationConnectorConfigs"]
    connectors.append(copy.deepcopy(connectors[0]))
    assert problems_of(document) == [f"{CONNECTORS}[1].connectorName: 'FolderMonitor' is already used by {CONNECTORS}[0].connectorName"]


def test_an_unknown_integration_service_is_a_problem():
    document = egeria()
    document["integrationServicesConfig"][0]["integrationServiceURLMarker"] = "api-integrator"
    problems = problems_of(document)
    assert len(problems) == 1
    assert problems[0].startswith("integrationServicesConfig[0].integrationServiceURLMarker: unknown integration service 'api-integrator'")


def test_a_disabled_service_is_left_out_with_a_warning():
    document = egeria()
    document["integrationServicesConfig"][0]["integrationServiceOperationalStatus"] = "DISABLED"
    config, warnings = structure(document)
    assert config.services == ()
    assert warnings[0].startswith("integrationServicesConfig[0].integrationServiceOperationalStatus: DISABLED")


def test_a_dollar_sign_stays_literal():
    document = egeria()
    document["integrationServicesConfig"][0]["integrationConnectorConfigs"][0]["connection"]["endpoint"]["address"] = "/data/${HOME}/$x"
    config, _ = structure(document)
    assert the_connector(config).endpoint == "/data/${HOME}/$x"


def test_the_java_class_name_is_kept_for_resolution_at_load_time():
    config, _ = structure(egeria())
    assert the_connector(config).connector == FOLDER_PROVIDER


@pytest.mark.parametrize(
    "document",
    [{"localServerName": "x"}, {"integrationServicesConfig": []}, {"class": "OMAGServerConfig"}],
)
def test_egeria_documents_are_recognised(document):
    assert looks_like_egeria(document)


@pytest.mark.parametrize("document", [{"server_name": "x", "services": []}, [], "localServerName", None])
def test_other_documents_are_not_taken_for_egeria(document):
    assert not looks_like_egeria(document)


def test_a_file_that_is_not_json_is_reported_with_its_line(tmp_path):
    path = tmp_path / "bad.config.json"
    path.write_text('{"localServerName": "x",\n  oops}\n')
    with pytest.raises(ConfigError) as caught:
        load_egeria_config(path, environ={})
    assert caught.value.source == str(path)
    assert caught.value.problems[0].startswith("line 2, column 3: not valid JSON")


@pytest.mark.parametrize("example", ["files-integrator", "database-integrator", "topic-integrator"])
def test_the_yaml_written_for_a_document_reads_back_to_the_same_config(example):
    path = EXAMPLES / f"{example}.config.json"
    document, warnings = convert(json.loads(path.read_text()), placeholders=PLACEHOLDERS)
    text = to_yaml(document, source=str(path), warnings=warnings)
    assert text.startswith(f"# Converted from the Egeria OMAGServerConfig document {path}\n")
    assert parse_config(yaml.safe_load(text), environ={}) == parse_config(document, environ={})
    assert to_yaml(document, source=str(path), warnings=warnings) == text


def test_the_yaml_keeps_a_dollar_sign_literal_when_read_back():
    document = egeria(metadataSourceQualifiedName="cost${centre}")
    converted, _ = convert(document)
    config = parse_config(yaml.safe_load(to_yaml(converted, source="x.json")), environ={"centre": "no"})
    assert the_connector(config).metadata_source == "cost${centre}"


def test_builtin_providers_resolve_to_our_connectors():
    assert resolve_provider(FOLDER_PROVIDER) == "folder"
    assert resolve_provider(
        "org.odpi.openmetadata.adapters.connectors.integration.jdbc.JDBCIntegrationConnectorProvider"
    ) == "postgres-catalog"
    assert resolve_provider(
        "org.odpi.openmetadata.adapters.connectors.integration.kafka.KafkaMonitorIntegrationProvider"
    ) == "kafka-topics"
    assert resolve_provider(
        "org.odpi.openmetadata.adapters.connectors.integration.openlineage.OpenLineageEventReceiverIntegrationProvider"
    ) == "openlineage-receiver"
    assert set(BUILTIN_PROVIDERS.values()) == {"folder", "postgres-catalog", "kafka-topics", "openlineage-receiver"}


def test_the_user_table_wins_over_the_builtin_one():
    extra = {FOLDER_PROVIDER: "my_package.folders:BetterFolder", "com.acme.SalesProvider": "sales"}
    assert resolve_provider(FOLDER_PROVIDER, extra) == "my_package.folders:BetterFolder"
    assert resolve_provider("com.acme.SalesProvider", extra) == "sales"


def test_an_unknown_provider_resolves_to_nothing():
    assert resolve_provider("com.acme.UnknownProvider", {}) is None
    assert resolve_provider("com.acme.UnknownProvider") is None


@pytest.mark.parametrize(
    ("reference", "is_java"),
    [(FOLDER_PROVIDER, True), ("com.acme.SalesProvider", True), ("folder", False),
     ("postgres-catalog", False), ("daemon.integrations.files:FolderConnector", False), ("my.module", False)],
)
def test_java_class_names_are_told_apart_from_python_references(reference, is_java):
    assert looks_like_java_class(reference) is is_java
