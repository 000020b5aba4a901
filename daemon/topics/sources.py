"""Where a topic consumer's records come from: a Kafka consumer, or the embedded event log.

Both present the same small surface to the topic consumer actor, which is their only
user (and the only thread that touches them): ``poll``, ``commit``, ``pause``,
``resume`` and ``close``, plus assignment callbacks. Offsets committed are always the
*next* offset to read, as in Kafka.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from confluent_kafka import OFFSET_INVALID, Consumer, KafkaError, KafkaException, TopicPartition
from loguru import logger

from daemon.errors import DaemonError, MetadataError
from daemon.metadata import EventLogReader

__all__ = ["CONSUMER_DEFAULTS", "EmbeddedSource", "EventSourceError", "KafkaSource", "Record", "Source"]


class EventSourceError(DaemonError):
    """The event source failed in a way the consumer cannot carry on from by itself."""


class Record(NamedTuple):
    """One consumed record (a plain tuple: one is made per record on the hot path)."""

    topic: str
    partition: int
    offset: int
    value: Any  # bytes from Kafka, an already-parsed dict from the embedded log
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()


class Source(Protocol):
    def poll(self, max_records: int, timeout: float) -> list[Record]: ...

    def commit(self, offsets: dict[int, int], *, wait: bool = False) -> None: ...

    def pause(self) -> None: ...

    def resume(self, next_offsets: dict[int, int]) -> None: ...

    def close(self, offsets: dict[int, int]) -> None: ...

    def lags(self, committed: dict[int, int]) -> dict[int, int]: ...


#: ``tuple.__new__(Record, fields)`` makes a Record without the named tuple's Python-level
#: ``__new__``: half the cost, on a path taken once per consumed record.
_new_tuple = tuple.__new__

AssignCallback = Callable[[list[int]], None]
RevokeCallback = Callable[[list[int]], None]


#: What a Kafka source's consumer is given unless its settings say otherwise.
CONSUMER_DEFAULTS: dict[str, Any] = {
    "enable.auto.commit": False,
    "enable.auto.offset.store": False,
    "auto.offset.reset": "earliest",
    # Once its read-ahead queue is full the client waits this long before fetching again
    # (librdkafka's default is 1 s): a consumer that empties a full queue in less time
    # would then sit idle for the rest of it, again and again.
    "fetch.queue.backoff.ms": 20,
}


class KafkaSource:
    """A confluent-kafka consumer on one topic, at-least-once: offsets are committed only as told."""

    def __init__(
        self,
        topic: str,
        settings: dict[str, Any],
        *,
        on_assign: AssignCallback,
        on_revoke: RevokeCallback,
        keys_and_headers: bool = True,
    ) -> None:
        """``keys_and_headers=False``: records carry no key and no headers (nothing reads them)."""
        self.topic = topic
        self._keys_and_headers = keys_and_headers
        config = {**CONSUMER_DEFAULTS, **settings}
        self._consumer = Consumer(config)
        self._on_assign = on_assign
        self._on_revoke = on_revoke
        self._paused = False
        self._consumer.subscribe([topic], on_assign=self._assigned, on_revoke=self._revoked, on_lost=self._revoked)

    def _assigned(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._on_assign([p.partition for p in partitions])
        if self._paused:
            consumer.pause(partitions)

    def _revoked(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._on_revoke([p.partition for p in partitions])

    def poll(self, max_records: int, timeout: float) -> list[Record]:
        """Wait at most ``timeout`` for the first record, then take what else is already fetched
        (up to ``max_records``) without waiting: batches under load, no added latency when quiet."""
        first = self._consumer.poll(timeout)
        if first is None:
            return []
        messages = [first, *self._consumer.consume(max_records - 1, 0)] if max_records > 1 else [first]
        topic = self.topic
        if self._keys_and_headers:
            records = [
                _new_tuple(Record, (topic, m.partition(), m.offset(), m.value(), m.key(),
                                    _headers(headers) if (headers := m.headers()) else ()))
                for m in messages if m.error() is None
            ]
        else:  # one comprehension, three calls per record: the Out Topic's hot path
            records = [_new_tuple(Record, (topic, m.partition(), m.offset(), m.value(), None, ()))
                       for m in messages if m.error() is None]
        if len(records) < len(messages):
            self._report_errors(messages)
        return records

    def _report_errors(self, messages: list[Any]) -> None:
        """Log the consumer errors among ``messages`` (their records were left out); raise on a fatal one."""
        for message in messages:
            error = message.error()
            if error is None or error.code() == KafkaError._PARTITION_EOF:
                continue
            if error.fatal():
                raise EventSourceError(f"fatal Kafka consumer error on {self.topic}: {error}")
            logger.warning("Kafka consumer error on {}: {}", self.topic, error)

    def commit(self, offsets: dict[int, int], *, wait: bool = False) -> None:
        if not offsets:
            return
        try:
            if wait:
                self._consumer.commit(offsets=self._partitions(offsets), asynchronous=False)
            else:
                self._consumer.commit(offsets=self._partitions(offsets), asynchronous=True)
        except KafkaException as exc:
            if exc.args and getattr(exc.args[0], "code", lambda: None)() == KafkaError._NO_OFFSET:
                return
            logger.warning("commit on {} failed (the records will be delivered again): {}", self.topic, exc)

    def pause(self) -> None:
        self._paused = True
        self._consumer.pause(self._consumer.assignment())

    def resume(self, next_offsets: dict[int, int]) -> None:
        """Resume and seek each partition to the first offset not yet handed out (a resume alone can skip one)."""
        self._paused = False
        assignment = self._consumer.assignment()
        self._consumer.resume(assignment)
        for partition in assignment:
            offset = next_offsets.get(partition.partition)
            if offset is not None and offset != OFFSET_INVALID:
                try:
                    self._consumer.seek(TopicPartition(self.topic, partition.partition, offset))
                except KafkaException as exc:
                    logger.debug("seek after resume on {}[{}] failed: {}", self.topic, partition.partition, exc)

    def close(self, offsets: dict[int, int]) -> None:
        try:
            self.commit(offsets, wait=True)
        finally:  # a failed last commit still closes the client (else its threads outlive the actor)
            self._consumer.close()

    def lags(self, committed: dict[int, int]) -> dict[int, int]:
        """Records between each partition's commit point and the end of its log, from the last fetch."""
        lags = {}
        for partition, offset in committed.items():
            try:
                _, high = self._consumer.get_watermark_offsets(TopicPartition(self.topic, partition), cached=True)
            except KafkaException:
                continue
            if high is not None and high >= 0:
                lags[partition] = max(0, high - offset)
        return lags

    def _partitions(self, offsets: dict[int, int]) -> list[TopicPartition]:
        return [TopicPartition(self.topic, partition, offset) for partition, offset in offsets.items()]


def _headers(raw: Any) -> tuple[tuple[str, bytes], ...]:
    """Kafka message headers as (name, bytes) pairs; headers without a value are left out."""
    pairs = raw.items() if isinstance(raw, dict) else (raw or [])
    return tuple((str(name), value) for name, value in pairs if isinstance(value, bytes))


class EmbeddedSource:
    """The metadata server's event log read over HTTP as partition 0; offsets kept in a local file.

    Offset ``n`` here means "the event with sequence ``n``"; the committed offset is the
    next sequence to read, written atomically (temp file, fsync, rename).
    """

    topic = "event-log"

    def __init__(
        self, reader: EventLogReader, offsets_file: Path, *, on_assign: AssignCallback, start_position: str = "earliest"
    ) -> None:
        self._reader = reader
        self._offsets_file = offsets_file
        self._position = self._load()  # next sequence to read
        if not self._offsets_file.exists() and start_position == "latest":
            self._start_at_the_end()
        self._paused = False
        self._unreachable = False
        self._check_not_stale()
        on_assign([0])

    def poll(self, max_records: int, timeout: float) -> list[Record]:
        if self._paused:
            return []
        try:
            events = self._reader.events_after(self._position - 1, max_records)
        except MetadataError as exc:
            # Said once per outage; the consumer keeps polling at its idle pace until it answers.
            (logger.debug if self._unreachable else logger.warning)("cannot read the metadata server's event log: {}", exc)
            self._unreachable = True
            return []
        if self._unreachable:
            logger.info("the metadata server's event log answers again")
            self._unreachable = False
        if events:
            self._position = events[-1][0] + 1
        return [Record(self.topic, 0, sequence, event) for sequence, event in events]

    def commit(self, offsets: dict[int, int], *, wait: bool = False) -> None:
        offset = offsets.get(0)
        if offset is None or offset == self._committed:
            return
        self._save(offset)

    def pause(self) -> None:
        self._paused = True

    def resume(self, next_offsets: dict[int, int]) -> None:
        self._paused = False
        if next_offsets.get(0) is not None:
            self._position = next_offsets[0]

    def close(self, offsets: dict[int, int]) -> None:
        self.commit(offsets, wait=True)

    def lags(self, committed: dict[int, int]) -> dict[int, int]:
        return {}  # the event log's end is not known without asking the server

    def _start_at_the_end(self) -> None:
        """A new reader that asked for ``latest``: skip what is in the log now, and remember that choice."""
        try:
            self._position = self._reader.last_sequence() + 1
        except MetadataError as exc:
            raise EventSourceError(f"cannot find the end of the metadata server's event log: {exc}") from exc
        self._save(self._position)

    def _check_not_stale(self) -> None:
        """Offsets beyond the end of the log mean the log was replaced (a new database): start over."""
        if self._position <= 1:
            return
        try:
            previous = self._reader.events_after(self._position - 2, 1)
        except MetadataError:
            return  # cannot tell now; the server is not answering
        if not previous or previous[0][0] != self._position - 1:
            logger.warning(
                "{} says the next event is {}, but the metadata server's event log has no event {}: the log was "
                "replaced, so it is read again from the start", self._offsets_file, self._position, self._position - 1,
            )
            self._position = self._committed = 1

    def _load(self) -> int:
        try:
            self._committed = int(json.loads(self._offsets_file.read_text())["next"])
        except FileNotFoundError:
            self._committed = 1
        except (ValueError, KeyError, TypeError) as exc:
            raise EventSourceError(f"offsets file {self._offsets_file} is damaged: {exc}") from exc
        return self._committed

    def _save(self, offset: int) -> None:
        self._offsets_file.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self._offsets_file.parent, prefix=".offsets-")
        with os.fdopen(handle, "w") as file:
            json.dump({"next": offset}, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self._offsets_file)
        self._committed = offset
