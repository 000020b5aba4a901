"""Dead letters on Kafka: reading them back finds every one, whatever the first fetch costs."""

from __future__ import annotations

import uuid

import pytest

from daemon.topics.dead_letter import DeadLetter, KafkaDeadLetters


def letter(connector: str, offset: int) -> DeadLetter:
    return DeadLetter(connector, f"cannot handle {offset}", 3, "out", 0, offset, f"v-{offset}".encode())


def test_replay_reads_every_partition_to_its_end(kafka_broker):
    topic = f"dlq-{uuid.uuid4().hex[:8]}"
    kafka_broker.create_topic(topic, partitions=3)  # records land in some partitions; others stay empty
    # Every fetch waits out fetch.wait.max.ms (min bytes never reached): longer than any one poll.
    sink = KafkaDeadLetters(topic, kafka_broker.bootstrap, consumer={"fetch.wait.max.ms": 800, "fetch.min.bytes": 1_000_000})
    try:
        for offset in range(4):
            sink.send(letter("picky", offset))
        sink.send(letter("other", 99))
        # Every read must find all of them, not stop at the first quiet poll.
        for _ in range(2):
            found = sink.replay("picky")
            assert sorted(found, key=lambda d: d.offset) == [letter("picky", o) for o in range(4)]
        assert [d.offset for d in sink.replay("other")] == [99]
    finally:
        sink.close()


def test_replay_of_a_topic_that_does_not_exist_yet_is_empty(kafka_broker):
    sink = KafkaDeadLetters(f"dlq-missing-{uuid.uuid4().hex[:8]}", kafka_broker.bootstrap)
    try:
        assert sink.replay("picky", timeout=5.0) == []
    finally:
        sink.close()


def test_a_closed_sink_refuses_letters_and_still_reads_them_back(kafka_broker):
    topic = f"dlq-{uuid.uuid4().hex[:8]}"
    sink = KafkaDeadLetters(topic, kafka_broker.bootstrap)
    sink.send(letter("picky", 1))
    sink.close()
    sink.close()  # idempotent: a second close finds nothing to flush
    with pytest.raises(RuntimeError, match=f"dead-letter producer for {topic} is closed"):
        sink.send(letter("picky", 2))
    assert [d.offset for d in sink.replay("picky")] == [1]
