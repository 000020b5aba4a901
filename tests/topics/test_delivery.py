"""Out Topic delivery, on the embedded bus and on Kafka alike: fan-out by filter, order per
connector, pause under backpressure, dead letters, replay and echo suppression."""

from __future__ import annotations

import threading

import pytest

from daemon.app import Daemon
from daemon.config import parse_config
from tests.conftest import wait_until
from tests.topics.connectors import BROKEN, FAILED_AT, GATES, RECEIVED

LISTENING = "tests.topics.connectors:Listening"


def listener(name: str, **properties) -> dict:
    return {
        "name": name,
        "connector": LISTENING,
        "refresh": 0,
        "permitted_synchronization": "BOTH_DIRECTIONS",
        "configuration_properties": properties,
    }


@pytest.fixture
def start_daemon():
    daemons: list[Daemon] = []

    def start(bus, *connectors, event_bus: dict | None = None) -> Daemon:
        RECEIVED.clear()
        settings = bus.settings()
        settings["event_bus"].update({"retry_backoff": "20ms", **(event_bus or {})})
        document = {
            "server_name": "bus-daemon",
            "admin": {"port": 0},
            **settings,
            "services": [{"url_marker": "catalog-integrator", "connectors": list(connectors)}],
        }
        daemon = Daemon(parse_config(document, environ={})).start()
        daemons.append(daemon)
        return daemon

    yield start
    for daemon in daemons:
        daemon.stop()
    GATES.clear()
    BROKEN.clear()


def emit_all(bus, items):
    for type_name, name in items:
        bus.emit(type_name, name)
    if hasattr(bus, "flush"):
        bus.flush()


def received(name: str) -> list[str]:
    return RECEIVED.calls(name)


def wait_received(name: str, count: int, timeout: float = 30.0) -> list[str]:
    return wait_until(lambda: len(received(name)) >= count and received(name), timeout,
                      f"{name} to receive {count} events (has {len(received(name))})")


def test_each_event_reaches_every_interested_connector_in_order_and_no_other(bus, start_daemon):
    start_daemon(
        bus,
        listener("files", type_names=["DataFile"]),
        listener("folders", type_names=["FileFolder"]),
        listener("everything"),
    )
    items = [("CSVFile" if i % 3 else "FileFolder", f"seq-{i:04d}") for i in range(60)]
    emit_all(bus, items)
    everything = wait_received("everything", 60)
    assert everything == [name for _, name in items]
    files = wait_received("files", 40)
    folders = wait_received("folders", 20)
    assert files == [name for t, name in items if t == "CSVFile"]  # subtypes of DataFile match
    assert folders == [name for t, name in items if t == "FileFolder"]


def test_a_slow_connector_pauses_the_stream_instead_of_buffering_without_bound(bus, start_daemon):
    GATES["slow"] = threading.Event()
    daemon = start_daemon(bus, listener("slow"), event_bus={"max_buffered": 40, "batch_size": 10,
                                                            "max_in_flight_per_connector": 5})
    emit_all(bus, [("DataFile", f"seq-{i:04d}") for i in range(200)])
    stats = wait_until(lambda: (s := daemon.event_bus.stats()[0]).paused and s, 30, "the consumer to pause")
    assert stats.unfinished <= 40 + 10  # the bound, plus at most one poll batch
    GATES["slow"].set()
    assert wait_received("slow", 200) == [f"seq-{i:04d}" for i in range(200)]
    wait_until(lambda: not daemon.event_bus.stats()[0].paused, 10, "the consumer to resume")  # fails if it stays paused


def test_an_event_a_handler_keeps_failing_on_is_dead_lettered_and_the_stream_goes_on(bus, start_daemon):
    daemon = start_daemon(bus, listener("picky", fail_on="poison"), listener("other"))
    emit_all(bus, [("DataFile", "seq-1"), ("DataFile", "poison-2"), ("DataFile", "seq-3")])
    assert wait_received("picky", 2) == ["seq-1", "seq-3"]
    assert wait_received("other", 3) == ["seq-1", "poison-2", "seq-3"]
    stats = wait_until(lambda: (s := daemon.event_bus.stats()[0]).dead_lettered == 1 and s, 10, "a dead letter")
    service = daemon.config.services[0]
    letters = daemon.event_bus.dead_letters(service, "picky")
    assert len(letters) == 1 and letters[0].connector == "picky" and letters[0].attempts == 3
    assert "cannot handle poison-2" in letters[0].error
    assert stats.unfinished == 0
    # Replay delivers it again to the same connector, which can handle it now.
    BROKEN["picky"] = threading.Event()  # not set: no longer failing
    assert daemon.control.replay_dead_letters("picky") == 1  # what the admin route and `dlq replay` call
    assert wait_received("picky", 3)[-1] == "poison-2"


def test_an_undecodable_message_is_dead_lettered_at_once(bus, start_daemon):
    if bus.kind == "embedded":
        pytest.skip("the embedded event log holds only events the metadata server wrote itself")
    daemon = start_daemon(bus, listener("reader"))
    bus.emit_raw(b"this is not json")
    bus.emit_raw(None)  # a tombstone: a record without a value
    emit_all(bus, [("DataFile", "after-garbage")])
    assert wait_received("reader", 1) == ["after-garbage"]
    stats = wait_until(lambda: (s := daemon.event_bus.stats()[0]).undecodable == 2 and s, 10, "undecodable count")
    letters = daemon.event_bus.dead_letters(daemon.config.services[0], "")
    assert [letter.value for letter in letters] == [b"this is not json", None]
    assert all(letter.error.startswith("undecodable") for letter in letters) and stats.unfinished == 0
    assert "no value" in letters[1].error


def test_a_connector_does_not_get_events_caused_by_its_own_writes(bus, start_daemon):
    if bus.kind == "kafka":
        pytest.skip("on Kafka the test emits events itself; the metadata server's relay is tested separately")
    start_daemon(
        bus,
        {**listener("writer", write_source=True, type_names=["DataFile"]), "metadata_source": "writer-source"},
        listener("watcher", type_names=["DataFile"]),
    )
    assert wait_received("watcher", 1) == ["own::writer"]  # written by the writer's refresh at start
    emit_all(bus, [("DataFile", "from-elsewhere")])
    assert wait_received("watcher", 2) == ["own::writer", "from-elsewhere"]
    assert wait_received("writer", 1) == ["from-elsewhere"]


def test_a_paused_connector_gets_nothing_until_resumed_and_loses_nothing(bus, start_daemon):
    daemon = start_daemon(bus, listener("pausable"))
    emit_all(bus, [("DataFile", "before-pause")])
    assert wait_received("pausable", 1) == ["before-pause"]
    daemon.control.pause("pausable")
    wait_until(lambda: daemon.control.report("pausable").status.name == "PAUSED", 10, "PAUSED")
    emit_all(bus, [("DataFile", f"while-paused-{i}") for i in range(5)])
    wait_until(lambda: daemon.event_bus.stats()[0].unfinished == 5, 20, "the events to wait for the connector")
    assert received("pausable") == ["before-pause"]
    daemon.control.resume("pausable")
    assert wait_received("pausable", 6) == ["before-pause"] + [f"while-paused-{i}" for i in range(5)]


def test_a_failing_event_waits_out_its_backoff_even_while_more_events_arrive(bus, start_daemon):
    FAILED_AT.clear()
    daemon = start_daemon(bus, listener("picky", fail_on="poison"), event_bus={"retry_backoff": "300ms"})
    emit_all(bus, [("DataFile", "poison-1")])
    wait_until(lambda: len(FAILED_AT.get("picky", [])) >= 1, 20, "a first failed attempt")
    for i in range(3):  # each its own delivery, while the retry waits
        emit_all(bus, [("DataFile", f"after-{i}")])
        wait_until(lambda i=i: daemon.event_bus.stats()[0].delivered >= 2 + i, 10, "the next delivery")
    assert wait_received("picky", 3) == ["after-0", "after-1", "after-2"]
    first, second, third = FAILED_AT["picky"]
    assert second - first >= 0.3 * 0.95 and third - second >= 0.6 * 0.95  # 300 ms, then twice that


def test_a_connector_restarted_without_listeners_no_longer_holds_the_stream_back(bus, start_daemon):
    daemon = start_daemon(bus, listener("changing"), listener("other"))
    emit_all(bus, [("DataFile", "first")])
    assert wait_received("changing", 1) == ["first"] and wait_received("other", 1) == ["first"]
    old = daemon.control.report("changing").instance_id
    daemon.control.update_configuration_properties("changing", {"listen": False})  # restarts it
    wait_until(lambda: (r := daemon.control.report("changing")).instance_id != old and r.status.name == "WAITING",
               20, "the new instance, which listens to nothing")
    emit_all(bus, [("DataFile", f"later-{i}") for i in range(3)])
    assert wait_received("other", 4) == ["first", "later-0", "later-1", "later-2"]
    wait_until(lambda: daemon.event_bus.stats()[0].unfinished == 0, 20, "nothing held back for the old instance")
    assert received("changing") == ["first"]


def test_an_active_connector_receives_its_technology_topic_and_offsets_follow_the_hook(kafka_broker, metadata_server,
                                                                                       tmp_path):
    import uuid

    from confluent_kafka import Producer

    from daemon.app import Daemon
    from tests.broker import FAST_CONSUMER

    topic = f"tech-{uuid.uuid4().hex[:8]}"
    kafka_broker.create_topic(topic)
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap})
    for i in range(20):
        producer.produce(topic, value=f"message-{i}".encode())
    assert producer.flush(10) == 0
    RECEIVED.clear()
    document = {
        "server_name": "tech-daemon",
        "admin": {"port": 0},
        "metadata_server": {"url": metadata_server.url, "server_name": "test-mds"},
        "event_bus": {"type": "embedded", "consumer": FAST_CONSUMER},
        "state_directory": str(tmp_path),
        "services": [{"url_marker": "lineage-integrator", "connectors": [{
            "name": "active", "connector": "tests.topics.connectors:Active", "refresh": 0,
            "configuration_properties": {"topic": topic, "bootstrap": kafka_broker.bootstrap},
        }]}],
    }
    daemon = Daemon(parse_config(document, environ={})).start()
    try:
        assert wait_received("active", 20) == [f"message-{i}" for i in range(20)]
    finally:
        daemon.stop()
    # A new instance in the same group resumes after what the hook finished: nothing again.
    for i in range(20, 25):
        producer.produce(topic, value=f"message-{i}".encode())
    assert producer.flush(10) == 0
    daemon = Daemon(parse_config(document, environ={})).start()
    try:
        wait_received("active", 25)
        assert received("active") == [f"message-{i}" for i in range(25)]
    finally:
        daemon.stop()


def test_event_counts_per_connector_reach_status_and_metrics(bus, start_daemon):
    daemon = start_daemon(bus, listener("counted", fail_on="bad"))
    emit_all(bus, [("DataFile", "good-1"), ("DataFile", "bad-2"), ("DataFile", "good-3")])
    wait_received("counted", 2)
    statistics = wait_until(lambda: (s := daemon.event_statistics()).connectors
                            and s.connectors[0].dead_lettered == 1 and s, 15, "the dead letter to be counted")
    counts = statistics.connectors[0]
    assert (counts.service, counts.connector, counts.delivered) == ("catalog-integrator", "counted", 3)
    assert counts.failed == 3  # three attempts at bad-2, the last one dead-lettered
