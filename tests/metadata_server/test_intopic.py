"""The In Topic: events pushed to the metadata server are applied once; bad ones are dead-lettered.

The applier is tested on a plain store; the consumer against the real broker the suite
starts, through a ``MetadataServer`` with a Kafka event bus (topics read back with ``assign()``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka import Consumer, Message, Producer, TopicPartition

from daemon.config import EventBusConfig
from daemon.errors import InvalidParameterError, UserNotAuthorizedError
from daemon.metadata_server import MetadataServer, SQLiteStore
from daemon.metadata_server.intopic import InTopicApplier, parse_in_topic_event
from daemon.model import EventType, OpenMetadataOutTopicEvent, encode_properties
from daemon.topics.names import dead_letter_topic, in_topic, out_topic
from tests.broker import FAST_CONSUMER
from tests.conftest import wait_until

MARKERS = ("data-manager", "asset-manager")


def event(event_type: str = "NEW_ELEMENT_CREATED", **fields: Any) -> dict[str, Any]:
    properties = fields.pop("properties", None)
    body = {"eventId": str(uuid.uuid4()), "eventType": event_type, "userId": "u1", **fields}
    if properties is not None:
        key = "classificationProperties" if "classificationName" in fields else "elementProperties"
        body[key] = encode_properties(properties)
    return body


def decoded(body: dict[str, Any]):
    return parse_in_topic_event(json.dumps(body).encode())


@pytest.fixture
def store(tmp_path) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "metadata.db")
    yield opened
    opened.close()


@pytest.fixture
def applier(store) -> InTopicApplier:
    return InTopicApplier(store, "mds1")


def named(store: SQLiteStore, qualified_name: str):
    with store.read() as session:
        return session.elements_named(qualified_name, "qualifiedName", include_archived=True)


# ---------------------------------------------------------------- decoding and applying (no Kafka)


def test_an_event_with_several_problems_is_refused_naming_every_field_at_fault():
    with pytest.raises(InvalidParameterError) as refused:
        decoded({"eventType": "ELEMENT_UPDATED", "elementProperties": {"propertyValueMap": 3}})
    message = str(refused.value)
    for field in ("userId", "elementProperties.propertyValueMap", "elementGUID"):
        assert field in message, message
    with pytest.raises(InvalidParameterError, match="'ELEMENT_RESTORED' is not an In Topic event type"):
        decoded(event("ELEMENT_RESTORED", qualifiedName="x"))
    with pytest.raises(InvalidParameterError, match="not JSON"):
        parse_in_topic_event(b"\xff{")


def test_a_create_for_a_qualified_name_that_exists_updates_that_element(store, applier):
    applier.apply(decoded(event(typeName="DataFile", qualifiedName="f1", properties={"name": "a"})), "e1", "t")
    applier.apply(decoded(event(typeName="DataFile", qualifiedName="f1", properties={"name": "b"})), "e2", "t")
    [element] = named(store, "f1")
    assert element.properties == {"qualifiedName": "f1", "name": "b"}
    assert element.versions.version == 2


def test_a_redelivered_event_is_skipped_even_after_a_later_event_changed_the_element(store, applier):
    first = decoded(event(typeName="DataFile", qualifiedName="f2", properties={"name": "a"}))
    later = decoded(event("ELEMENT_UPDATED", qualifiedName="f2", properties={"name": "b"}))
    assert applier.apply(first, first.event_id, "t") == "applied"
    assert applier.apply(later, later.event_id, "t") == "applied"
    assert applier.apply(first, first.event_id, "t") == "duplicate"
    [element] = named(store, "f2")
    assert (element.properties["name"], element.versions.version) == ("b", 2)
    assert store.last_sequence() == 2  # no event for the skipped redelivery


def test_an_element_another_metadata_source_owns_is_refused_as_the_rest_api_refuses_it(store, applier):
    owned = event(typeName="DataFile", qualifiedName="f3", externalSourceGUID="src-1", externalSourceName="one")
    applier.apply(decoded(owned), "e1", "t")
    intruder = event("ELEMENT_UPDATED", qualifiedName="f3", properties={"name": "x"}, externalSourceGUID="src-2",
                     externalSourceName="two")
    with pytest.raises(UserNotAuthorizedError):
        applier.apply(decoded(intruder), "e2", "t")
    assert not store.event_applied("e2"), "a refused event is not recorded as applied"


def test_relationships_classifications_and_deletes_address_elements_by_qualified_name(store, applier):
    for name in ("folder", "file"):
        applier.apply(decoded(event(typeName="FileFolder" if name == "folder" else "DataFile",
                                    qualifiedName=name)), f"create-{name}", "t")
    link = event("NEW_RELATIONSHIP", typeName="NestedFile", endOneQualifiedName="folder", endTwoQualifiedName="file")
    assert applier.apply(decoded(link), "link", "t") == "applied"
    classify = event("ELEMENT_CLASSIFIED", qualifiedName="file", classificationName="Confidentiality",
                     properties={"level": 3})
    assert applier.apply(decoded(classify), "classify", "t") == "applied"
    [file] = named(store, "file")
    assert file.classification("Confidentiality").properties == {"level": 3}
    assert applier.apply(decoded(event("ELEMENT_DELETED", qualifiedName="file")), "delete", "t") == "applied"
    assert applier.apply(decoded(event("ELEMENT_DELETED", qualifiedName="file")), "again", "t") == "nothing to do"
    assert named(store, "file") == []


# ---------------------------------------------------------------- the In Topic on the real broker


class BusServer:
    """A metadata server with a Kafka event bus, and the names of its topics."""

    def __init__(self, server: MetadataServer, root: str, bootstrap: str) -> None:
        self.server, self.root, self.bootstrap = server, root, bootstrap
        name = server.server_name
        self.in_topic = in_topic(root, name, MARKERS[0])
        self.out_topic = out_topic(root, name, MARKERS[0])
        self.dead_letters = dead_letter_topic(root, name)
        self.producer: Producer | None = Producer({"bootstrap.servers": bootstrap})

    def send(self, *values: bytes | dict[str, Any]) -> list[int]:
        """Produce to partition 0 of the In Topic, in order; returns the offsets."""
        assert self.producer is not None
        offsets: list[int] = []
        for value in values:
            raw = value if isinstance(value, bytes) else json.dumps(value).encode()
            self.producer.produce(self.in_topic, raw, partition=0,
                                  on_delivery=lambda err, msg: offsets.append(msg.offset()))
        assert self.producer.flush(10) == 0
        return offsets


@pytest.fixture(scope="module")
def bus_server(kafka_broker, tmp_path_factory) -> Iterator[BusServer]:
    root, name = f"t{uuid.uuid4().hex[:10]}", f"mds-{uuid.uuid4().hex[:6]}"
    for marker in MARKERS:
        kafka_broker.create_topic(in_topic(root, name, marker), partitions=1)
    bus = EventBusConfig(type="kafka", bootstrap_servers=kafka_broker.bootstrap, topic_root=root,
                         consumer=dict(FAST_CONSUMER))
    server = MetadataServer(tmp_path_factory.mktemp("in") / "m.db", server_name=name, event_bus=bus,
                            access_services=MARKERS).start()
    bus_server = BusServer(server, root, kafka_broker.bootstrap)
    yield bus_server
    bus_server.producer = None  # closes its connections (the broker waits for open ones when it stops)
    server.stop()
    assert server.in_topic is not None and not server.in_topic.statistics().running


def read_raw(bootstrap: str, topic: str, count: int, timeout: float = 15.0) -> list[Message]:
    """The first ``count`` records of ``topic`` (every partition), read with ``assign()`` from 0."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{uuid.uuid4()}",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 10})
    try:
        partitions = wait_until(lambda: sorted(consumer.list_topics(topic, timeout=5).topics[topic].partitions),
                                10, f"topic {topic}")
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        found: list[Message] = []
        deadline = time.monotonic() + timeout
        while len(found) < count and time.monotonic() < deadline:
            found.extend(m for m in consumer.consume(100, 0.1) if m.error() is None)
        return found
    finally:
        consumer.close()


def test_an_event_delivered_twice_is_applied_once_and_reaches_the_out_topic(bus_server):
    store = bus_server.server.store
    create = event(typeName="DataFile", qualifiedName="twice", properties={"name": "a"})
    update = event("ELEMENT_UPDATED", qualifiedName="twice", properties={"name": "b"})
    bus_server.send(create, update, create)  # the first event comes again after the second
    wait_until(lambda: store.event_applied(update["eventId"]), 20, "the update to be applied")
    wait_until(lambda: bus_server.server.in_topic.statistics().duplicates >= 1, 10, "the redelivery to be seen")
    [element] = named(store, "twice")
    assert (element.properties["name"], element.versions.version) == ("b", 2)
    records = read_raw(bus_server.bootstrap, bus_server.out_topic, 2)
    events = [OpenMetadataOutTopicEvent.from_json(m.value()) for m in records]
    assert sorted(e.event_type.name for e in events) == ["ELEMENT_UPDATED", "NEW_ELEMENT_CREATED"]
    assert all(e.element_header.guid == element.guid for e in events)
    assert {e.event_type for e in events} <= {EventType.NEW_ELEMENT_CREATED, EventType.ELEMENT_UPDATED}


def test_a_malformed_message_is_dead_lettered_with_headers_and_the_stream_goes_on(bus_server):
    refused = event(typeName="NoSuchType", qualifiedName="refused")
    after = event(typeName="DataFile", qualifiedName="after-the-bad-ones")
    offsets = bus_server.send(b"not json at all", refused, after)
    wait_until(lambda: named(bus_server.server.store, "after-the-bad-ones"), 20, "the good event after the bad ones")
    letters = read_raw(bus_server.bootstrap, bus_server.dead_letters, 2)
    assert [m.value() for m in letters] == [b"not json at all", json.dumps(refused).encode()]
    for letter, offset in zip(letters, offsets):
        headers = {key: value.decode() for key, value in letter.headers()}
        assert headers["original.topic"] == bus_server.in_topic
        assert (headers["original.partition"], headers["original.offset"]) == ("0", str(offset))
        assert headers["connector"] == f"metadata-server:{bus_server.server.server_name}"
        assert headers["attempts"] == "1"
    errors = [dict(m.headers())["error"].decode() for m in letters]
    assert "not JSON" in errors[0] and "NoSuchType" in errors[1]
