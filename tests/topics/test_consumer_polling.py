"""The topic consumer's polling: quick while a connector is acknowledging, idle-paced otherwise, and
not further ahead of acknowledging connectors than it needs to be."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timezone

import pykka
from confluent_kafka import Producer

from daemon.actors.event_bus import decode_out_topic_event
from daemon.actors.timer import Timer
from daemon.actors.topic_consumer import TopicConsumer
from daemon.clock import SystemClock
from daemon.config import EventBusConfig
from daemon.config.types import Duration
from daemon.messages import ConsumerStatsQuery, DeliverEvents, EventsHandled, Subscribe
from daemon.model import ElementHeader, ElementType, EventType, OpenMetadataOutTopicEvent
from daemon.topics.dead_letter import FileDeadLetters
from daemon.topics.sources import KafkaSource
from tests.broker import FAST_CONSUMER
from tests.conftest import wait_until


class CountingSource(KafkaSource):
    """A real Kafka source that counts its polls and pauses."""

    polls = 0
    pauses = 0

    def poll(self, max_records, timeout):
        CountingSource.polls += 1
        return super().poll(max_records, timeout)

    def pause(self):
        CountingSource.pauses += 1
        super().pause()


class Hung(pykka.ThreadingActor):
    """A connector host that takes deliveries and never says it finished them."""

    def on_receive(self, message):
        return None


class Steady(pykka.ThreadingActor):
    """A connector host that takes 5 ms over each batch, then says it finished it; keeps the offsets."""

    def __init__(self):
        super().__init__()
        self.offsets = []

    def on_receive(self, message):
        if isinstance(message, DeliverEvents):
            threading.Event().wait(0.005)  # the connector's work
            keys = tuple(d.key for d in message.deliveries)
            self.offsets.extend(key[1] for key in keys)
            message.source.tell(EventsHandled(message.name, message.generation, keys))
        return None


def _produce(kafka_broker, topic, count):
    kafka_broker.create_topic(topic)
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap, "linger.ms": 5})
    for i in range(count):
        header = ElementHeader(f"g-{i}", ElementType("DataFile"))
        event = OpenMetadataOutTopicEvent(EventType.NEW_ELEMENT_CREATED, datetime.now(timezone.utc), element_header=header)
        producer.produce(topic, value=event.to_json())
    assert producer.flush(10) == 0


def test_a_consumer_ahead_of_an_acknowledging_connector_waits_for_it_instead_of_pausing(kafka_broker, tmp_path):
    topic = f"ahead-{uuid.uuid4().hex[:8]}"
    _produce(kafka_broker, topic, 3000)
    # Reading (50 a poll) is far quicker than the connector (50 per 5 ms): without waiting for its
    # acknowledgements the consumer would reach max_buffered and pause, again and again.
    settings = EventBusConfig(max_in_flight_per_connector=50, batch_size=50, max_buffered=1000)
    source_settings = {"bootstrap.servers": kafka_broker.bootstrap, "group.id": topic, **FAST_CONSUMER}
    clock = SystemClock()
    timer = Timer.start(clock)
    host = Steady.start()
    CountingSource.pauses = 0
    consumer = TopicConsumer.start(
        name="ahead", hook="on_event", settings=settings, timer=timer, clock=clock,
        source_factory=lambda assigned, revoked: CountingSource(topic, source_settings, on_assign=assigned,
                                                                on_revoke=revoked),
        decode=decode_out_topic_event, dead_letters=FileDeadLetters(tmp_path / "dlq.jsonl"),
    )
    try:
        consumer.tell(Subscribe("steady", 1, host, (((), ()),), None, None))
        wait_until(lambda: consumer.ask(ConsumerStatsQuery(), timeout=5).handled == 3000, 60, "all 3000 handled")
        assert host.proxy().offsets.get(timeout=5) == list(range(3000))
        assert CountingSource.pauses == 0
    finally:
        consumer.stop(timeout=10)
        host.stop()
        timer.stop()


def test_a_connector_that_stopped_acknowledging_is_not_waited_for_in_a_tight_loop(kafka_broker, tmp_path):
    topic = f"polling-{uuid.uuid4().hex[:8]}"
    _produce(kafka_broker, topic, 20)
    settings = EventBusConfig(max_in_flight_per_connector=5, poll_interval=Duration(0.05))
    source_settings = {"bootstrap.servers": kafka_broker.bootstrap, "group.id": topic, **FAST_CONSUMER}
    clock = SystemClock()
    timer = Timer.start(clock)
    host = Hung.start()
    consumer = TopicConsumer.start(
        name="polling", hook="on_event", settings=settings, timer=timer, clock=clock,
        source_factory=lambda assigned, revoked: CountingSource(topic, source_settings, on_assign=assigned,
                                                                on_revoke=revoked),
        decode=decode_out_topic_event, dead_letters=FileDeadLetters(tmp_path / "dlq.jsonl"),
    )
    try:
        consumer.tell(Subscribe("hung", 1, host, (((), ()),), None, None))
        # The host holds a full window of 5; the other 15 wait for room that never comes.
        wait_until(lambda: consumer.ask(ConsumerStatsQuery(), timeout=5).unfinished == 20, 30, "all 20 consumed")
        before = CountingSource.polls
        threading.Event().wait(1.0)  # let it run; what is measured is how often it polls meanwhile
        polls = CountingSource.polls - before
        assert consumer.ask(ConsumerStatsQuery(), timeout=5).delivered == 5
        assert polls <= 40, f"{polls} polls in 1 s while waiting on a connector that does not acknowledge"
    finally:
        consumer.stop(timeout=10)
        host.stop()
        timer.stop()

