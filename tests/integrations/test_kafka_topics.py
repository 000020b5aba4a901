"""The Kafka topic monitor against the real test broker, through a real daemon."""

from __future__ import annotations

from confluent_kafka.admin import AdminClient, NewTopic

from daemon.states import ConnectorStatus
from tests.conftest import free_port
from tests.integrations.conftest import KAFKA, connector, unique

SERVICE = "topic-integrator"


def create_topics(bootstrap: str, *topics: NewTopic) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the futures are done
    for future in admin.create_topics(list(topics), operation_timeout=10).values():
        future.result(timeout=15)


def delete_topics(bootstrap: str, *names: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.delete_topics(list(names), operation_timeout=10).values():
        future.result(timeout=15)


def test_topics_created_and_deleted_on_the_broker_are_catalogued_and_archived(run_daemon, kafka_broker):
    prefix, cluster, name = unique("itopic"), unique("cluster"), unique("topics")
    topics = [f"{prefix}-{i}" for i in range(6)]
    create_topics(
        kafka_broker.bootstrap,
        NewTopic(topics[0], num_partitions=3, replication_factor=1, config={"retention.ms": "3600000", "cleanup.policy": "compact"}),
        *(NewTopic(topic, num_partitions=1, replication_factor=1) for topic in topics[1:]),
        NewTopic(unique("other"), num_partitions=1, replication_factor=1),  # outside the include list
    )
    daemon = run_daemon(
        SERVICE,
        connector(name, KAFKA, f"kafka://{kafka_broker.bootstrap}", name, include_topics=f"{prefix}-*", cluster_name=cluster),
    )
    daemon.refreshed(name, 1)

    broker_name = f"kafka::{cluster}"
    (broker,) = daemon.elements("KafkaCluster", broker_name).values()
    assert broker.properties["additionalProperties"]["bootstrapServers"] == kafka_broker.bootstrap
    catalogued = daemon.elements("KafkaTopic", broker_name)
    assert set(catalogued) == {f"{broker_name}::{topic}" for topic in topics}
    first = catalogued[f"{broker_name}::{topics[0]}"]
    assert (first.properties["topicName"], first.properties["topicType"]) == (topics[0], "Kafka")
    assert first.properties["additionalProperties"] == {
        "partitions": "3", "replicationFactor": "1", "retention.ms": "3600000", "cleanup.policy": "compact",
    }
    linked = {r.element.guid for r in daemon.reader.get_related(broker.guid, "DataSetContent")}
    assert linked == {topic.guid for topic in catalogued.values()}

    added = f"{prefix}-new"
    create_topics(kafka_broker.bootstrap, NewTopic(added, num_partitions=2, replication_factor=1))
    delete_topics(kafka_broker.bootstrap, topics[1])
    activity = daemon.refresh(name).last_activity
    assert (activity.created, activity.updated, activity.archived) == (1, 0, 1)
    assert f"{broker_name}::{added}" in daemon.elements("KafkaTopic", broker_name)
    assert set(daemon.elements("KafkaTopic", broker_name, archived=True)) == {f"{broker_name}::{topics[1]}"}

    unchanged = daemon.refresh(name).last_activity
    assert (unchanged.created, unchanged.updated, unchanged.archived, unchanged.skipped) == (0, 0, 0, 1 + 6)
    delete_topics(kafka_broker.bootstrap, added, *topics[2:], topics[0])


def test_an_unreachable_cluster_fails_the_refresh_within_its_timeout_and_archives_nothing(run_daemon, kafka_broker):
    prefix, cluster, name = unique("itopic"), unique("cluster"), unique("topics")
    create_topics(kafka_broker.bootstrap, NewTopic(f"{prefix}-a", num_partitions=1, replication_factor=1))
    settings = {"include_topics": [f"{prefix}-*"], "cluster_name": cluster, "request_timeout": "1s"}
    daemon = run_daemon(SERVICE, connector(name, KAFKA, kafka_broker.bootstrap, name, **settings))
    daemon.refreshed(name, 1)

    assert daemon.daemon.control is not None
    daemon.daemon.control.update_endpoint(name, f"127.0.0.1:{free_port()}")  # nothing listens there
    failed = daemon.status(name, ConnectorStatus.RESTARTING, timeout=15)
    assert "cannot list the topics" in failed.last_error
    assert set(daemon.elements("KafkaTopic", f"kafka::{cluster}")) == {f"kafka::{cluster}::{prefix}-a"}
    delete_topics(kafka_broker.bootstrap, f"{prefix}-a")
