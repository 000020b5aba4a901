"""The In Topic publisher: a call that returns has put its event in the topic; a closed one refuses."""

from __future__ import annotations

import json
import uuid

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from daemon.topics.publisher import InTopicPublisher, PublishFailed


def read_back(bootstrap: str, topic: str, count: int) -> list[dict]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"read-{uuid.uuid4().hex}",
                         "enable.auto.commit": False})
    try:
        consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        events: list[dict] = []
        for _ in range(40):  # bounded: 40 polls of at most 0.5 s
            for message in consumer.consume(10, 0.5):
                if message.error() is None:
                    events.append(json.loads(message.value()))
            if len(events) >= count:
                break
        return events
    finally:
        consumer.close()


def test_a_confirmed_event_is_in_the_topic_and_a_closed_publisher_refuses(kafka_broker):
    topic = f"in-{uuid.uuid4().hex[:8]}"
    kafka_broker.create_topic(topic)
    publisher = InTopicPublisher(kafka_broker.bootstrap)
    publisher.publish(topic, {"eventId": "e-1", "qualifiedName": "first"})
    assert publisher.close() == 0
    assert publisher.close() == 0  # idempotent
    with pytest.raises(PublishFailed, match=f"closed; {topic} gets nothing more"):
        publisher.publish(topic, {"eventId": "e-2", "qualifiedName": "second"})
    assert read_back(kafka_broker.bootstrap, topic, 1) == [{"eventId": "e-1", "qualifiedName": "first"}]
