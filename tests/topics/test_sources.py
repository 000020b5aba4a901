"""Event sources: the embedded one's durable offsets, and offsets that outlived their event log; the
Kafka one's read-ahead."""

from __future__ import annotations

import json
import uuid

from confluent_kafka import Producer

from daemon.metadata import EventLogReader, MetadataClient
from daemon.metadata_server import MetadataServer
from daemon.topics.sources import EmbeddedSource, KafkaSource
from tests.broker import FAST_CONSUMER


def server_with_events(tmp_path, count: int) -> MetadataServer:
    server = MetadataServer(tmp_path / "log.db", server_name="log-mds", tokens={})
    server.start()
    with MetadataClient(server.url, "log-mds", "writer") as client:
        for i in range(count):
            client.create_element("DataFile", {"qualifiedName": f"e-{i}"})
    return server


def test_committed_offsets_survive_a_new_source(tmp_path):
    server = server_with_events(tmp_path, 5)
    try:
        offsets = tmp_path / "offsets.json"
        first = EmbeddedSource(EventLogReader(server.url, "log-mds"), offsets, on_assign=lambda p: None)
        records = first.poll(3, 0)
        first.commit({0: records[-1].offset + 1})
        second = EmbeddedSource(EventLogReader(server.url, "log-mds"), offsets, on_assign=lambda p: None)
        assert [r.offset for r in second.poll(10, 0)] == [4, 5]
        assert json.loads(offsets.read_text()) == {"next": 4}
    finally:
        server.stop()


def test_offsets_past_the_end_of_a_replaced_log_start_over_instead_of_skipping(tmp_path):
    server = server_with_events(tmp_path, 3)
    try:
        offsets = tmp_path / "offsets.json"
        offsets.write_text(json.dumps({"next": 51}))  # left by a daemon that read another, longer log
        source = EmbeddedSource(EventLogReader(server.url, "log-mds"), offsets, on_assign=lambda p: None)
        assert [r.offset for r in source.poll(10, 0)] == [1, 2, 3]
    finally:
        server.stop()


def test_a_new_reader_asking_for_latest_skips_what_the_log_holds_and_keeps_that_choice(tmp_path):
    server = server_with_events(tmp_path, 4)
    try:
        offsets = tmp_path / "offsets.json"
        latest = EmbeddedSource(EventLogReader(server.url, "log-mds"), offsets, on_assign=lambda p: None,
                                start_position="latest")
        assert latest.poll(10, 0) == []
        with MetadataClient(server.url, "log-mds", "writer") as client:
            client.create_element("DataFile", {"qualifiedName": "after-start"})
        assert [r.offset for r in latest.poll(10, 0)] == [5]
        again = EmbeddedSource(EventLogReader(server.url, "log-mds"), offsets, on_assign=lambda p: None,
                               start_position="latest")
        assert [r.offset for r in again.poll(10, 0)] == [5]  # a restart resumes; it does not jump again
    finally:
        server.stop()


def test_a_kafka_source_that_empties_its_read_ahead_queue_is_not_left_waiting_for_a_second(kafka_broker):
    topic = f"read-ahead-{uuid.uuid4().hex[:8]}"
    kafka_broker.create_topic(topic)
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap, "linger.ms": 5})
    for i in range(5000):
        producer.produce(topic, value=b"%08d" % i + b"." * 992)
    assert producer.flush(10) == 0
    # A read-ahead queue of 1 MB holds a fifth of the topic; once it is full the client postpones
    # its next fetch (by 1 s, librdkafka's default).
    settings = {"bootstrap.servers": kafka_broker.bootstrap, "group.id": topic, **FAST_CONSUMER,
                "queued.min.messages": 100, "queued.max.messages.kbytes": 1024}
    source = KafkaSource(topic, settings, on_assign=lambda p: None, on_revoke=lambda p: None)
    try:
        offsets, empty = [], 0
        for _ in range(600):  # bounded: 5,000 records in batches of up to 500, and the group join
            records = source.poll(500, 0.1)
            offsets.extend(r.offset for r in records)
            if offsets and not records:
                empty += 1  # 0.1 s without a record once reading has begun
            if len(offsets) >= 5000:
                break
        assert offsets == list(range(5000))
        # Postponed by 1 s, it would find nothing for about ten polls at each refill.
        assert empty <= 3, f"{empty} polls of 0.1 s found nothing fetched"
    finally:
        source.close({})


def test_a_kafka_source_reads_keys_and_headers_unless_told_nobody_needs_them(kafka_broker):
    topic = f"keys-{uuid.uuid4().hex[:8]}"
    kafka_broker.create_topic(topic)
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap})
    producer.produce(topic, key=b"k", value=b"v", headers=[("origin", b"test"), ("empty", None)])
    assert producer.flush(10) == 0
    seen = {}
    for keys_and_headers in (True, False):
        settings = {"bootstrap.servers": kafka_broker.bootstrap, "group.id": f"{topic}-{keys_and_headers}",
                    **FAST_CONSUMER}
        source = KafkaSource(topic, settings, on_assign=lambda p: None, on_revoke=lambda p: None,
                             keys_and_headers=keys_and_headers)
        try:
            records = []
            for _ in range(100):  # bounded: the group join, then one record
                records = source.poll(10, 0.2)
                if records:
                    break
            (record,) = records
            seen[keys_and_headers] = (record.offset, record.value, record.key, record.headers)
        finally:
            source.close({})
    assert seen[True] == (0, b"v", b"k", (("origin", b"test"),))
    assert seen[False] == (0, b"v", None, ())
