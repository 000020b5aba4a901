"""Event bus fixtures: the same delivery tests run on the embedded bus and on Kafka."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from confluent_kafka import Producer

from daemon.metadata import MetadataClient
from daemon.metadata_server import MetadataServer
from daemon.model import TypeTable
from daemon.model.element import ElementHeader, ElementType
from daemon.model.events import EventType, OpenMetadataOutTopicEvent
from daemon.topics.names import out_topic
from tests.broker import FAST_CONSUMER

TYPES = TypeTable.default()


class EmbeddedBus:
    """Events come from a metadata server's own event log; elements are created through its API."""

    kind = "embedded"

    def __init__(self, tmp_path):
        self.server = MetadataServer(tmp_path / "bus.db", server_name="bus-mds", tokens={})
        self.server.start()
        self.state = tmp_path / "state"
        self._client = MetadataClient(self.server.url, "bus-mds", "emitter")

    def settings(self) -> dict:
        return {
            "metadata_server": {"url": self.server.url, "server_name": "bus-mds"},
            "event_bus": {"type": "embedded", "poll_interval": "20ms"},
            "state_directory": str(self.state),
        }

    def emit(self, type_name: str, qualified_name: str) -> None:
        self._client.create_element(type_name, {"qualifiedName": qualified_name})

    def emit_raw(self, value: bytes | None) -> None:
        raise NotImplementedError("the embedded event log only holds events the server wrote")

    def close(self) -> None:
        self._client.close()
        self.server.stop()


class KafkaBus:
    """Events are produced straight to the Out Topic, as a metadata server's relay would."""

    kind = "kafka"

    def __init__(self, tmp_path, broker, metadata_server):
        self.root = f"t{uuid.uuid4().hex[:10]}"
        self.broker = broker
        self.metadata_server = metadata_server
        self.topic = out_topic(self.root, "test-mds", "asset-manager")
        broker.create_topic(self.topic, partitions=2)
        self.state = tmp_path / "state"
        self._producer = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True})

    def settings(self) -> dict:
        return {
            "metadata_server": {"url": self.metadata_server.url, "server_name": "test-mds"},
            "event_bus": {
                "type": "kafka",
                "bootstrap_servers": self.broker.bootstrap,
                "topic_root": self.root,
                "consumer": FAST_CONSUMER,
                "poll_interval": "50ms",
            },
            "state_directory": str(self.state),
        }

    def emit(self, type_name: str, qualified_name: str) -> None:
        event = OpenMetadataOutTopicEvent(
            event_type=EventType.NEW_ELEMENT_CREATED,
            event_time=datetime.now(timezone.utc),
            element_header=ElementHeader(guid=str(uuid.uuid4()), type=ElementType(type_name, TYPES.super_types(type_name))),
            element_properties={"qualifiedName": qualified_name},
            event_id=str(uuid.uuid4()),
        )
        self._producer.produce(self.topic, key=b"one-key", value=event.to_json())

    def emit_raw(self, value: bytes | None) -> None:
        self._producer.produce(self.topic, key=b"one-key", value=value)

    def flush(self) -> None:
        assert self._producer.flush(10) == 0

    def close(self) -> None:
        self._producer.flush(10)


@pytest.fixture(params=["embedded", "kafka"])
def bus(request, tmp_path):
    if request.param == "embedded":
        bus = EmbeddedBus(tmp_path)
    else:
        bus = KafkaBus(tmp_path, request.getfixturevalue("kafka_broker"), request.getfixturevalue("metadata_server"))
    yield bus
    bus.close()
