"""Dead letters: records a connector could not handle, kept with their context for replay.

On Kafka they go to the dead-letter topic with headers (connector, error, attempts,
original topic, partition, offset); with the embedded event bus, to a JSON-lines file in
the state directory. Both can be read back for one connector (``replay``).
"""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path
from typing import Any, Protocol

from attrs import frozen
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from loguru import logger

from daemon.topics.sources import Record

__all__ = ["DeadLetter", "DeadLetterSink", "FileDeadLetters", "KafkaDeadLetters"]


@frozen
class DeadLetter:
    connector: str
    error: str
    attempts: int
    topic: str
    partition: int
    offset: int
    value: Any  # bytes (Kafka) or a parsed document (embedded)


class DeadLetterSink(Protocol):
    def send(self, letter: DeadLetter) -> None: ...

    def replay(self, connector: str) -> list[DeadLetter]: ...

    def close(self) -> None: ...


def letter_for(record: Record, connector: str, error: str, attempts: int) -> DeadLetter:
    return DeadLetter(connector, error, attempts, record.topic, record.partition, record.offset, record.value)


class KafkaDeadLetters:
    """An idempotent producer to the dead-letter topic; ``replay`` reads the topic back."""

    def __init__(self, topic: str, bootstrap_servers: str, producer: dict[str, Any] | None = None,
                 consumer: dict[str, Any] | None = None) -> None:
        self.topic = topic
        self._bootstrap = bootstrap_servers
        self._consumer = dict(consumer or {})  # the event bus's client settings (security, timeouts)
        self._producer: Producer | None = Producer(
            {"bootstrap.servers": bootstrap_servers, "enable.idempotence": True, "acks": "all", **(producer or {})}
        )

    def send(self, letter: DeadLetter) -> None:
        value = letter.value if isinstance(letter.value, bytes | None) else json.dumps(letter.value).encode()
        headers: list[tuple[str, str | bytes | None]] = [
            ("connector", letter.connector.encode()),
            ("error", letter.error.encode()[:4000]),
            ("attempts", str(letter.attempts).encode()),
            ("original.topic", letter.topic.encode()),
            ("original.partition", str(letter.partition).encode()),
            ("original.offset", str(letter.offset).encode()),
        ]
        producer = self._producer
        if producer is None:
            raise RuntimeError(f"the dead-letter producer for {self.topic} is closed")
        producer.produce(self.topic, value=value, headers=headers, on_delivery=_log_failure)
        # Confirmed before the record counts as finished: a dead letter must not be lost either.
        if producer.flush(10.0):
            logger.error("a dead letter for {} was not confirmed by Kafka within 10s", letter.connector)

    def replay(self, connector: str, *, timeout: float = 10.0) -> list[DeadLetter]:
        """Every dead letter for ``connector``, oldest first (reads the topic from the start).

        Reads until every partition reports its end (``enable.partition.eof``), so a slow
        first fetch is waited for rather than taken for an empty topic.
        """
        if self._producer is not None:
            self._producer.flush(timeout)  # what this sink sent is in the topic before it is read
        consumer = Consumer({**self._consumer, "bootstrap.servers": self._bootstrap,
                             "group.id": f"dead-letter-replay-{os.getpid()}",
                             "enable.auto.commit": False, "enable.partition.eof": True})
        letters: list[DeadLetter] = []
        try:
            metadata = consumer.list_topics(self.topic, timeout=timeout).topics.get(self.topic)
            if metadata is not None and metadata.error is not None and \
                    metadata.error.code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                logger.warning("cannot read dead-letter topic {}: {}", self.topic, metadata.error)
                return []
            if metadata is None or metadata.error is not None or not metadata.partitions:
                return []  # nothing was ever dead-lettered
            consumer.assign([TopicPartition(self.topic, p, 0) for p in metadata.partitions])
            unfinished = set(metadata.partitions)
            deadline = time.monotonic() + timeout
            while unfinished and time.monotonic() < deadline:
                for message in consumer.consume(500, min(0.5, max(deadline - time.monotonic(), 0.0))):
                    error = message.error()
                    if error is not None:
                        if error.code() == KafkaError._PARTITION_EOF:
                            unfinished.discard(message.partition())
                        continue
                    letter = _letter_from(message)
                    if letter.connector == connector:
                        letters.append(letter)
            if unfinished:
                logger.warning("dead-letter topic {}: partitions {} not read to the end within {}s",
                               self.topic, sorted(unfinished), timeout)
        except KafkaException as exc:
            logger.warning("cannot read dead-letter topic {}: {}", self.topic, exc)
        finally:
            consumer.close()
        return letters

    def close(self) -> None:
        """Flush, then let the producer go (its last reference: librdkafka stops its threads and
        connections now, not whenever the garbage collector gets to it); idempotent."""
        producer, self._producer = self._producer, None
        if producer is not None and (remaining := producer.flush(10.0)):
            logger.error("{} dead letter(s) not confirmed by Kafka at shutdown", remaining)


def _letter_from(message: Any) -> DeadLetter:
    headers = {key: value.decode() for key, value in (message.headers() or [])}
    return DeadLetter(
        headers.get("connector", ""),
        headers.get("error", ""),
        int(headers.get("attempts", "0")),
        headers.get("original.topic", ""),
        int(headers.get("original.partition", "-1")),
        int(headers.get("original.offset", "-1")),
        message.value(),
    )


def _log_failure(error: Any, message: Any) -> None:
    if error is not None:
        logger.error("a dead letter could not be written to {}: {}", message.topic(), error)


class FileDeadLetters:
    """Dead letters as JSON lines in a file (embedded event bus), fsynced on every write."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def send(self, letter: DeadLetter) -> None:
        value = letter.value
        encoded = {"base64": base64.b64encode(value).decode()} if isinstance(value, bytes) else {"json": value}
        line = json.dumps({**{k: getattr(letter, k) for k in ("connector", "error", "attempts", "topic",
                                                              "partition", "offset")}, "value": encoded})
        with open(self.path, "a", encoding="utf-8") as file:
            file.write(line + "\n")
            file.flush()
            os.fsync(file.fileno())

    def replay(self, connector: str) -> list[DeadLetter]:
        if not self.path.exists():
            return []
        letters = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry["connector"] != connector:
                continue
            value = entry.pop("value")
            entry["value"] = base64.b64decode(value["base64"]) if "base64" in value else value["json"]
            letters.append(DeadLetter(**entry))
        return letters

    def close(self) -> None:
        pass
