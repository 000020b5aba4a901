"""Publishing to an access service's In Topic: an idempotent producer, confirmed per call."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from confluent_kafka import KafkaError, Producer

from daemon.errors import DaemonError

__all__ = ["InTopicPublisher", "PublishFailed"]


class PublishFailed(DaemonError):
    """The event bus did not confirm an In Topic event in time, or refused it."""


class InTopicPublisher:
    """Thread-safe: connector threads call ``publish``; each call waits for its own delivery report."""

    def __init__(self, bootstrap_servers: str, settings: dict[str, Any] | None = None) -> None:
        self._producer: Producer | None = Producer({
            "bootstrap.servers": bootstrap_servers,
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 5,
            **(settings or {}),
        })

    def publish(self, topic: str, event: dict[str, Any], timeout: float = 10.0, key: str | None = None) -> None:
        """Send ``event`` (JSON) to ``topic``; return once the broker confirmed it, else raise PublishFailed."""
        confirmed = threading.Event()
        outcome: list[KafkaError | None] = []

        def report(error: KafkaError | None, message: Any) -> None:
            outcome.append(error)
            confirmed.set()

        producer = self._producer
        if producer is None:
            raise PublishFailed(f"the In Topic publisher is closed; {topic} gets nothing more")
        value = json.dumps(event).encode()
        try:
            producer.produce(topic, value=value, key=key or event.get("eventId"), on_delivery=report)
        except BufferError as exc:
            raise PublishFailed(f"the producer's queue is full; {topic} is not keeping up") from exc
        deadline = time.monotonic() + timeout
        while not confirmed.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishFailed(f"no delivery report from {topic} within {timeout:g}s")
            producer.poll(min(remaining, 0.1))
        if outcome[0] is not None:
            raise PublishFailed(f"{topic} refused the event: {outcome[0]}")

    def close(self, timeout: float = 10.0) -> int:
        """Flush what is queued, then let the producer go (its last reference: librdkafka stops its
        threads and connections now); returns how many messages were still unconfirmed. Idempotent."""
        producer, self._producer = self._producer, None
        return 0 if producer is None else int(producer.flush(timeout))
