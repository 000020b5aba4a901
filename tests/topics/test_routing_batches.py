"""How a poll's records are queued for connectors: a poll of alike records (one partition, all
decodable, all wanted by the same connectors) is handed out in one go, any other record by
record; both must give every connector its events in order and commit the same offsets.

The source is scripted (a fake for Kafka) so that each poll holds exactly the mix under test;
the delivery tests run the same consumer on the real broker."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime, timezone

import pykka

from daemon.actors.event_bus import decode_out_topic_event
from daemon.actors.timer import Timer
from daemon.actors.topic_consumer import TopicConsumer
from daemon.clock import SystemClock
from daemon.config import EventBusConfig
from daemon.messages import ConsumerStatsQuery, DeliverEvents, EventsHandled, Subscribe
from daemon.model import ElementHeader, ElementType, EventType, OpenMetadataOutTopicEvent, TypeTable
from daemon.topics.dead_letter import FileDeadLetters
from daemon.topics.sources import Record
from tests.conftest import wait_until

TYPES = TypeTable.default()


def value(type_name: str, name: str) -> bytes:
    header = ElementHeader(f"g-{name}", ElementType(type_name, TYPES.super_types(type_name)))
    return OpenMetadataOutTopicEvent(EventType.NEW_ELEMENT_CREATED, datetime.now(timezone.utc), element_header=header,
                                     element_properties={"qualifiedName": name}).to_json()


class ScriptedSource:
    """Returns the scripted polls one by one, then nothing; remembers what was committed."""

    topic = "scripted"

    def __init__(self, polls: list[list[tuple[int, bytes]]]) -> None:
        self._polls = list(polls)
        self._next = defaultdict(int)  # partition -> next offset
        self.committed: dict[int, int] = {}
        self.lock = threading.Lock()

    def poll(self, max_records: int, timeout: float) -> list[Record]:
        if not self._polls:
            threading.Event().wait(min(timeout, 0.01))
            return []
        records = []
        for partition, data in self._polls.pop(0):
            records.append(Record(self.topic, partition, self._next[partition], data))
            self._next[partition] += 1
        return records

    def commit(self, offsets: dict[int, int], *, wait: bool = False) -> None:
        with self.lock:
            self.committed.update(offsets)

    def pause(self) -> None:
        pass

    def resume(self, next_offsets: dict[int, int]) -> None:
        pass

    def close(self, offsets: dict[int, int]) -> None:
        self.commit(offsets)

    def lags(self, committed: dict[int, int]) -> dict[int, int]:
        return {}


class Recording(pykka.ThreadingActor):
    """A connector host that notes each event's qualified name and acknowledges each batch."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def on_receive(self, message):
        if isinstance(message, DeliverEvents):
            self.names.extend(d.payload.element_properties["qualifiedName"] for d in message.deliveries)
            keys = tuple(d.key for d in message.deliveries)
            message.source.tell(EventsHandled(message.name, message.generation, keys))
        return None


def test_alike_and_mixed_polls_reach_each_connector_in_order_and_commit_to_the_end(tmp_path):
    polls = [
        [(0, value("CSVFile", f"alike-{i}")) for i in range(3)],  # alike: handed out in one go
        [(0, value("CSVFile", "mixed-0")), (0, value("KafkaTopic", "mixed-1")), (0, value("CSVFile", "mixed-2"))],
        [(0, value("CSVFile", "two-0")), (1, value("CSVFile", "two-1")), (1, value("CSVFile", "two-2"))],
        [(0, value("CSVFile", "bad-0")), (0, b"not an event"), (0, value("CSVFile", "bad-2"))],
        [(1, value("KafkaTopic", f"topics-{i}")) for i in range(2)],  # alike, wanted by "all" alone
        [(0, value("CSVFile", f"last-{i}")) for i in range(2)],
    ]
    source = ScriptedSource(polls)
    clock = SystemClock()
    timer = Timer.start(clock)
    hosts = {name: Recording.start() for name in ("files", "topics", "all")}
    consumer = TopicConsumer.start(
        name="batches", hook="on_event", settings=EventBusConfig(), timer=timer, clock=clock,
        source_factory=lambda assigned, revoked: source, decode=decode_out_topic_event,
        dead_letters=FileDeadLetters(tmp_path / "dlq.jsonl"), expected=frozenset(hosts),
    )
    try:
        consumer.tell(Subscribe("files", 1, hosts["files"], ((("DataFile",), ()),)))
        consumer.tell(Subscribe("topics", 1, hosts["topics"], ((("KafkaTopic",), ()),)))
        consumer.tell(Subscribe("all", 1, hosts["all"], (((), ()),)))
        wait_until(lambda: consumer.ask(ConsumerStatsQuery(), timeout=5).unfinished == 0
                   and consumer.ask(ConsumerStatsQuery(), timeout=5).handled == 30, 10, "every delivery handled")
        names = {name: host.proxy().names.get(timeout=5) for name, host in hosts.items()}
        csv = ["alike-0", "alike-1", "alike-2", "mixed-0", "mixed-2", "two-0", "two-1", "two-2", "bad-0", "bad-2",
               "last-0", "last-1"]
        assert names["files"] == csv
        assert names["topics"] == ["mixed-1", "topics-0", "topics-1"]
        assert names["all"] == ["alike-0", "alike-1", "alike-2", "mixed-0", "mixed-1", "mixed-2", "two-0", "two-1",
                                "two-2", "bad-0", "bad-2", "topics-0", "topics-1", "last-0", "last-1"]
        stats = consumer.ask(ConsumerStatsQuery(), timeout=5)
        assert stats.undecodable == 1
        assert stats.committed == {0: 12, 1: 4}  # the next offset to read, past the undecodable one too
    finally:
        consumer.stop(timeout=10)
        for host in hosts.values():
            host.stop()
        timer.stop()
    with source.lock:
        assert source.committed == {0: 12, 1: 4}
