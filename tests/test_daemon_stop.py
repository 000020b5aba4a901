"""A stopped daemon leaves nothing behind in its process: no thread, no Kafka client.

Every librdkafka handle runs native threads (``rdk:main``, one per broker) and holds
connections until it is destroyed. The daemon's stop closes each one it made (Out Topic and
technology consumers, In Topic and dead-letter producers, the sinks a dead-letter listing
opens) instead of leaving them to the garbage collector. And what the daemon kept out of the
collector's passes while it ran (all it built at start) is handed back at stop.
"""

from __future__ import annotations

import gc
import threading
import uuid
import weakref
from pathlib import Path

import pytest
from confluent_kafka import Producer

from daemon.app import Daemon
from daemon.config import parse_config
from tests.broker import FAST_CONSUMER
from tests.conftest import wait_until
from tests.topics.connectors import RECEIVED

TASKS = Path("/proc/self/task")


def kafka_client_threads() -> int:
    """Threads of this process that belong to a librdkafka handle (librdkafka names them ``rdk:...``)."""
    count = 0
    for task in TASKS.iterdir():
        try:
            count += (task / "comm").read_text().startswith("rdk:")
        except OSError:  # the thread ended while we looked
            pass
    return count


@pytest.mark.skipif(not TASKS.exists(), reason="counts threads through /proc (Linux)")
def test_a_stopped_daemon_has_closed_every_kafka_client_it_made(kafka_broker, metadata_server, tmp_path):
    root = f"r{uuid.uuid4().hex[:10]}"
    technology = f"tech-{uuid.uuid4().hex[:8]}"
    kafka_broker.create_topic(technology)
    document = {
        "server_name": "release-daemon",
        "admin": {"port": 0},
        "metadata_server": {"url": metadata_server.url, "server_name": "test-mds"},
        "event_bus": {"type": "kafka", "bootstrap_servers": kafka_broker.bootstrap, "topic_root": root,
                      "consumer": FAST_CONSUMER, "poll_interval": "50ms"},
        "state_directory": str(tmp_path),
        "services": [{"url_marker": "catalog-integrator", "connectors": [
            {"name": "watching", "connector": "tests.topics.connectors:Listening", "refresh": 0},
            {"name": "active", "connector": "tests.topics.connectors:Active", "refresh": 0,
             "configuration_properties": {"topic": technology, "bootstrap": kafka_broker.bootstrap}},
        ]}],
    }
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap})
    gc.collect()  # clients other tests left in garbage cycles: gone now, not while we count
    before, threads = kafka_client_threads(), set(threading.enumerate())
    for run in range(2):  # a second run in the same process must not add to what the first left
        RECEIVED.clear()
        producer.produce(technology, value=f"run {run}".encode())  # the group resumes after the last run's
        assert producer.flush(10) == 0
        daemon = Daemon(parse_config(document, environ={})).start()
        try:
            wait_until(lambda: f"run {run}" in RECEIVED.calls("active"), 30, "the technology message")
            assert kafka_client_threads() > before  # the count sees the daemon's clients
            assert daemon.event_bus.dead_letters(daemon.config.services[0], "watching") == []
        finally:
            daemon.stop()
        wait_until(lambda: kafka_client_threads() <= before, 10,
                   f"the daemon's Kafka clients to close ({kafka_client_threads()} threads, {before} before)")
        wait_until(lambda: not set(threading.enumerate()) - threads, 10,
                   f"the daemon's own threads to end ({sorted(t.name for t in set(threading.enumerate()) - threads)})")


class Cycle:
    """Garbage only the cyclic collector can free."""

    def __init__(self) -> None:
        self.me = self


def test_what_the_daemon_kept_from_the_garbage_collector_is_collectable_after_stop(metadata_server, tmp_path):
    document = {
        "server_name": "gc-daemon",
        "admin": {"port": 0},
        "metadata_server": {"url": metadata_server.url, "server_name": "test-mds"},
        "state_directory": str(tmp_path),
        "services": [{"url_marker": "catalog-integrator", "connectors": [
            {"name": "watching", "connector": "tests.topics.connectors:Listening", "refresh": 0},
        ]}],
    }
    threshold = gc.get_threshold()
    gc.disable()  # the cycle below must still be uncollected when the daemon starts
    try:
        garbage = weakref.ref(Cycle())
        assert garbage() is not None
        daemon = Daemon(parse_config(document, environ={})).start()  # keeps all there is out of the passes
    finally:
        gc.enable()
    try:
        gc.collect()
        assert garbage() is not None  # kept while the daemon runs
    finally:
        daemon.stop()
    gc.collect()
    assert garbage() is None
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == threshold
