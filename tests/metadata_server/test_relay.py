"""The event relay: the metadata server's event log reaches every Out Topic, in order, at least once.

Against the real broker the suite starts (tansu). Topics are read back with ``assign()``
from offset 0, never through a consumer group or watermarks (see tests/broker.py). The
kill -9 test also runs on librdkafka's mock cluster, to tell a broker fault from ours.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

from daemon.config import EventBusConfig
from daemon.metadata_server import MetadataServer, SQLiteStore
from daemon.metadata_server.relay import EventRelay, TopicCursor
from daemon.model import ElementHeader, ElementType, EventType, OpenMetadataOutTopicEvent
from daemon.topics.names import dead_letter_topic, in_topic, out_topic
from tests.broker import Broker
from tests.conftest import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
SERVER = "mds1"
MARKERS = ("data-manager", "asset-manager", "open-metadata-store")


def unique_root() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


def out_topics(root: str) -> list[str]:
    return [out_topic(root, SERVER, marker) for marker in MARKERS]


def append_events(store: SQLiteStore, count: int, batch: int = 1000) -> None:
    """Commit ``count`` NEW_ELEMENT_CREATED events to the store's log, ``batch`` per transaction."""
    header_type = ElementType("DataFile", ("DataStore", "DataAsset", "Asset", "Referenceable"))
    while count > 0:
        now = datetime.now(timezone.utc)
        with store.write() as tx:
            for _ in range(min(batch, count)):
                guid = str(uuid.uuid4())
                tx.append_event(OpenMetadataOutTopicEvent(
                    EventType.NEW_ELEMENT_CREATED, now, element_header=ElementHeader(guid, header_type),
                    element_properties={"qualifiedName": f"file:{guid}"}, event_id=str(uuid.uuid4()),
                ))
        count -= batch


class TopicReader:
    """What the broker holds in one topic, read with ``assign()`` from offset 0 of every partition."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{uuid.uuid4()}",
                                  "enable.auto.commit": False, "fetch.wait.max.ms": 10})
        metadata = wait_until(lambda: self._partitions(), 15, f"topic {topic} to exist")
        self.consumer.assign([TopicPartition(topic, p, 0) for p in metadata])
        self.by_partition: dict[int, list[int]] = {p: [] for p in metadata}
        self.keys_ok = True

    def _partitions(self) -> list[int]:
        found = self.consumer.list_topics(self.topic, timeout=5).topics.get(self.topic)
        return sorted(found.partitions) if found is not None and found.error is None and found.partitions else []

    def poll(self, timeout: float = 0.05) -> int:
        """Read what has arrived; returns the total number of records read so far."""
        for message in self.consumer.consume(1000, timeout):
            if message.error() is None:
                event = OpenMetadataOutTopicEvent.from_json(message.value())
                self.keys_ok &= message.key() == event.element_header.guid.encode()
                self.by_partition[message.partition()].append(event.sequence)
        return self.total

    @property
    def total(self) -> int:
        return sum(len(s) for s in self.by_partition.values())

    def counts(self) -> Counter[int]:
        return Counter(s for sequences in self.by_partition.values() for s in sequences)

    def first_occurrences_in_order(self) -> bool:
        """Per partition, each sequence's first appearance comes after every smaller one's."""
        for sequences in self.by_partition.values():
            seen: set[int] = set()
            new = [s for s in sequences if not (s in seen or seen.add(s))]
            if new != sorted(new):
                return False
        return True

    def close(self) -> None:
        self.consumer.close()


def read_topic(bootstrap: str, topic: str, expected: set[int], timeout: float = 20.0) -> TopicReader:
    """A fresh read of ``topic`` until every ``expected`` sequence is seen (or ``timeout``)."""
    reader = TopicReader(bootstrap, topic)
    deadline = time.monotonic() + timeout
    while not expected <= reader.counts().keys() and time.monotonic() < deadline:
        reader.poll(0.1)
    reader.poll(0.2)  # and whatever else (duplicates) is already there
    reader.close()
    return reader


@pytest.fixture
def store(tmp_path) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "metadata.db")
    yield opened
    opened.close()


# ---------------------------------------------------------------- names and bookkeeping (no Kafka)


def test_topic_names_follow_egeria_with_the_dashes_of_the_url_marker_removed():
    assert out_topic(None, "mds1", "data-manager") == "egeria.omag.server.mds1.omas.datamanager.outTopic"
    assert in_topic("acme", "mds1", "asset-manager") == "acme.server.mds1.omas.assetmanager.inTopic"
    assert dead_letter_topic("", "daemon1") == "egeria.omag.server.daemon1.deadLetter"


def test_a_topic_name_kafka_would_refuse_is_an_error_that_names_the_characters():
    with pytest.raises(ValueError, match=r"' /'"):
        out_topic(None, "my server/1", "data-manager")


def test_a_cursor_confirms_only_the_contiguous_prefix_whatever_order_reports_arrive_in():
    cursor = TopicCursor("t", saved=10)
    for sequence in (11, 12, 14, 15):  # sequences need not be contiguous in the log
        cursor.sent_one(sequence)
    cursor.delivered(14)
    cursor.delivered(12)
    assert (cursor.confirmed, cursor.window) == (10, 4)
    cursor.delivered(11)  # 11, 12 and 14 are now a contiguous prefix of what was sent
    assert (cursor.confirmed, cursor.awaiting, cursor.window) == (14, 1, 4)
    cursor.saved_up_to(14)
    assert cursor.window == 1  # only 15 could be repeated now
    cursor.delivered(15)
    assert (cursor.confirmed, cursor.saved, cursor.window) == (15, 14, 1)


def test_a_failed_delivery_rewinds_the_topic_to_its_confirmed_position_once_every_report_is_in():
    cursor = TopicCursor("t", saved=0)
    for sequence in (1, 2, 3):
        cursor.sent_one(sequence)
    cursor.delivered(1)
    cursor.failed(2)
    assert not cursor.accepting and cursor.sent == 3  # 3 still in flight: wait for its report
    cursor.delivered(3)
    assert cursor.accepting and (cursor.sent, cursor.confirmed) == (1, 1)  # 2 and 3 go again


# ---------------------------------------------------------------- the relay on the real broker


def test_the_relay_publishes_every_logged_event_in_order_to_each_out_topic(kafka_broker, store):
    topics = out_topics(unique_root())
    for topic in topics:
        kafka_broker.create_topic(topic, partitions=1)
    append_events(store, 1)
    relay = EventRelay(store, topics, {"bootstrap.servers": kafka_broker.bootstrap}).start()
    wait_until(lambda: min(relay.statistics().confirmed.values()) == 1, 15, "the relay to connect")
    started = time.monotonic()
    append_events(store, 5000)
    wait_until(lambda: min(relay.statistics().saved.values()) == 5001, 30, "the relay to confirm 5001 events")
    elapsed = time.monotonic() - started
    assert relay.stop(5.0)
    print(f"\nrelayed 5000 events to 3 topics in {elapsed:.3f}s: {5000 / elapsed:,.0f} events/s")
    for topic in topics:
        reader = read_topic(kafka_broker.bootstrap, topic, set(range(1, 5002)))
        assert reader.by_partition[0] == list(range(1, 5002)), topic  # all, once each, in log order
        assert reader.keys_ok, "the key of each message is its element's guid"


def test_the_relay_wakes_as_soon_as_the_store_commits_an_event(kafka_broker, store):
    topics = out_topics(unique_root())
    append_events(store, 1)
    relay = EventRelay(store, topics, {"bootstrap.servers": kafka_broker.bootstrap}, idle_poll=30.0).start()
    try:
        wait_until(lambda: min(relay.statistics().saved.values()) == 1, 15, "the first event")
        committed = time.monotonic()
        append_events(store, 1)
        wait_until(lambda: min(relay.statistics().confirmed.values()) == 2, 5, "the second event")
        assert time.monotonic() - committed < 2.0  # far less than the 30 s fallback poll
    finally:
        stopping = time.monotonic()
        assert relay.stop(5.0)
    assert time.monotonic() - stopping < 1.0, "an idle relay stops without waiting out its poll"


def test_a_restarted_relay_republishes_nothing_it_had_confirmed(kafka_broker, store):
    topics = out_topics(unique_root())
    append_events(store, 500)
    first = EventRelay(store, topics, {"bootstrap.servers": kafka_broker.bootstrap}).start()
    wait_until(lambda: min(first.statistics().confirmed.values()) == 500, 20, "the first 500")
    assert first.stop(5.0)
    assert store.relay_progress() == {topic: 500 for topic in topics}
    append_events(store, 300)
    second = EventRelay(store, topics, {"bootstrap.servers": kafka_broker.bootstrap}).start()
    wait_until(lambda: min(second.statistics().saved.values()) == 800, 20, "the next 300")
    assert second.stop(5.0)
    assert second.statistics().published == 3 * 300
    for topic in topics:
        counts = read_topic(kafka_broker.bootstrap, topic, set(range(1, 801))).counts()
        assert counts == Counter(range(1, 801)), f"{topic}: every event exactly once"


def test_events_committed_while_the_broker_is_down_are_delivered_once_it_comes_up(tmp_path, store):
    port = free_port()
    topics = out_topics(unique_root())
    append_events(store, 200)
    relay = EventRelay(store, topics, {"bootstrap.servers": f"127.0.0.1:{port}", "message.timeout.ms": 1000,
                                       "reconnect.backoff.max.ms": 200}).start()
    broker = None
    try:
        wait_until(lambda: relay.statistics().delivery_errors > 0, 15, "deliveries to fail")
        assert store.relay_progress() == {}  # nothing confirmed, nothing recorded
        append_events(store, 100)
        broker = Broker(port, tmp_path / "late-broker.log")
        broker.wait_ready()
        wait_until(lambda: min(relay.statistics().saved.values()) == 300, 30, "delivery once the broker is up")
        assert relay.stop(5.0)
        for topic in topics:
            counts = read_topic(broker.bootstrap, topic, set(range(1, 301))).counts()
            assert set(counts) == set(range(1, 301)), f"{topic}: nothing lost"
    finally:
        relay.stop(5.0)
        if broker is not None:
            broker.stop()


def test_a_fatal_producer_error_replaces_the_producer_and_loses_nothing(kafka_broker, store):
    topics = out_topics(unique_root())
    append_events(store, 20_000)
    relay = EventRelay(store, topics, {"bootstrap.servers": kafka_broker.bootstrap}).start()
    try:
        wait_until(lambda: min(relay.statistics().confirmed.values()) >= 1000, 20, "relaying to be under way")
        relay._on_error(KafkaError(KafkaError._FATAL, "injected", fatal=True))  # as librdkafka reports one
        wait_until(lambda: min(relay.statistics().saved.values()) == 20_000, 30, "the rest, after the new producer")
        assert relay.statistics().producers_created == 2
    finally:
        assert relay.stop(5.0)
    for topic in topics:
        reader = read_topic(kafka_broker.bootstrap, topic, set(range(1, 20_001)))
        assert set(reader.counts()) == set(range(1, 20_001)), topic
        assert reader.first_occurrences_in_order(), topic


def test_the_metadata_server_relays_its_writes_and_flushes_them_when_it_stops(kafka_broker, tmp_path):
    root = unique_root()
    bus = EventBusConfig(type="kafka", bootstrap_servers=kafka_broker.bootstrap, topic_root=root)
    server = MetadataServer(tmp_path / "m.db", server_name=SERVER, event_bus=bus).start()
    try:
        append_events(server.store, 50)
    finally:
        server.stop()  # returns after the relay flushed and saved its progress
    reopened = SQLiteStore(tmp_path / "m.db")
    try:
        assert reopened.relay_progress() == {topic: 50 for topic in out_topics(root)}
    finally:
        reopened.close()


# ---------------------------------------------------------------- kill -9 of the standalone server

CHILD = textwrap.dedent(
    """
    import logging, sys
    from daemon.config import EventBusConfig, StandaloneMetadataServerConfig
    from daemon.metadata_server.process import run_metadata_server

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    database, bootstrap, root, in_flight = sys.argv[1:5]
    bus = EventBusConfig(type="kafka", bootstrap_servers=bootstrap, topic_root=root,
                         consumer={"session.timeout.ms": 6000, "heartbeat.interval.ms": 1000})
    config = StandaloneMetadataServerConfig(server_name="mds1", port=0, database=database)
    sys.exit(run_metadata_server(config, event_bus=bus, relay_max_in_flight=int(in_flight)))
    """
)
BACKLOG, IN_FLIGHT, KILLS, PROGRESS_PER_RUN = 15_000, 1_000, 3, 1_000


@pytest.fixture(params=["tansu", "mock-cluster"])
def bootstrap(request, kafka_broker) -> Iterator[str]:
    if request.param == "tansu":
        yield kafka_broker.bootstrap
        return
    host = Producer({"test.mock.num.brokers": 1})  # the cluster lives as long as this client
    yield ",".join(f"{b.host}:{b.port}" for b in host.list_topics(timeout=5).brokers.values())
    host.flush(1.0)


def test_kill_9_while_relaying_loses_no_committed_event_and_repeats_at_most_the_in_flight_window(
    bootstrap, tmp_path
):
    root, database = unique_root(), tmp_path / "m.db"
    topics = out_topics(root)
    store = SQLiteStore(database)
    append_events(store, BACKLOG)
    stop_writing = threading.Event()

    def keep_writing() -> None:  # commits go on while the server is dead, too
        while not stop_writing.wait(0.02):
            append_events(store, 20)

    writer = threading.Thread(target=keep_writing, daemon=True)
    writer.start()

    def spawn(run: int) -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"server-{run}.log", "wb")
        return subprocess.Popen([sys.executable, "-c", CHILD, str(database), bootstrap, root, str(IN_FLIGHT)],
                                cwd=ROOT, stdout=log, stderr=log)

    children: list[subprocess.Popen[bytes]] = []
    try:
        children.append(spawn(0))
        gate = TopicReader(bootstrap, topics[0])
        for run in range(1, KILLS + 1):  # kill only after this run visibly made progress
            before = gate.total
            wait_until(lambda: gate.poll() >= before + PROGRESS_PER_RUN, 30, f"progress in run {run}")
            children[-1].kill()
            children[-1].wait(10)
            children.append(spawn(run))
        gate.close()
        stop_writing.set()
        writer.join(10)
        last = store.last_sequence()
        wait_until(lambda: min(store.relay_progress().get(t, 0) for t in topics) >= last, 40, "the final run")
        children[-1].send_signal(signal.SIGTERM)
        assert children[-1].wait(15) == 0
        figures, total_duplicates = [], 0
        for topic in topics:  # a fresh read from offset 0 of what the broker holds
            reader = read_topic(bootstrap, topic, set(range(1, last + 1)))
            counts = reader.counts()
            missing = set(range(1, last + 1)) - counts.keys()
            duplicates = sum(counts.values()) - len(counts)
            total_duplicates += duplicates
            figures.append(f"{topic.rsplit('.', 2)[-2]}: missing {len(missing)}, duplicates {duplicates}")
            assert not missing, (
                f"{topic}: {len(missing)} events absent on a fresh read, e.g. {sorted(missing)[:5]}; the relay saw "
                "them confirmed (progress >= every sequence), so suspect the broker first: compare the mock cluster run"
            )
            assert reader.first_occurrences_in_order(), f"{topic}: an event overtook an older one"
        print(f"\n{bootstrap}: {last} events, {KILLS} kills -9; " + "; ".join(figures))
        # the window (sent, not durably confirmed) is shared by the topics: each kill repeats at most IN_FLIGHT
        assert total_duplicates <= IN_FLIGHT * KILLS, f"{total_duplicates} duplicates over all topics"
    finally:
        stop_writing.set()
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait(10)
        store.close()
