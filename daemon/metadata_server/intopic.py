"""The In Topic: metadata changes pushed to the metadata server as events, each applied once.

An In Topic event is one JSON object (this project's shape, in Egeria's words)::

    {"class": "OpenMetadataInTopicEvent",          optional
     "eventId": "4b1c…",                            unique per event: a redelivery is recognised by it
     "eventType": "NEW_ELEMENT_CREATED",            one of IN_TOPIC_EVENT_TYPES, below
     "userId": "landing-npa",                       the user the change is made as (required)
     "externalSourceGUID": "…", "externalSourceName": "landing-files",   the metadata source, if any
     "typeName": "DataFile",                        element, relationship type (creating needs it)
     "elementGUID": "…",                            the element, by guid ...
     "qualifiedName": "file:///data/a.csv",         ... or by unique name (else elementProperties')
     "elementProperties": {"class": "ElementProperties", "propertyValueMap": {…}},
     "mergeUpdate": true,                           updates merge (default) or replace properties
     "classificationName": "Confidentiality", "classificationProperties": {…},
     "relationshipGUID": "…",                       relationship updates and deletes
     "endOneGUID" | "endOneQualifiedName", "endTwoGUID" | "endTwoQualifiedName"}   NEW_RELATIONSHIP

Effects, each one store transaction through the same operations (and provenance rules)
as the REST API: ``NEW_ELEMENT_CREATED`` and ``ELEMENT_UPDATED`` create the element, or
update it when one with that guid / qualifiedName exists (an owned element only for its
own source); ``ELEMENT_DELETED``, ``ELEMENT_ARCHIVED``, ``ELEMENT_DECLASSIFIED`` and
``DELETED_RELATIONSHIP`` of something already gone do nothing; ``ELEMENT_CLASSIFIED`` and
``ELEMENT_RECLASSIFIED`` classify or merge into the classification; ``NEW_RELATIONSHIP``
links two elements (an identical link is reused); ``UPDATED_RELATIONSHIP_PROPERTIES``.

Exactly once: the event id (or, without one, ``kafka:{topic}/{partition}/{offset}``) is
recorded in the transaction that applies the change, and a second delivery is skipped.
An event that cannot be decoded or is refused (bad fields, unknown type, provenance) is
logged and sent to the dead-letter topic with headers ``connector``, ``error``,
``attempts``, ``original.topic``, ``original.partition``, ``original.offset``; the stream
goes on. A store failure is retried (the partition is rewound, nothing skipped); after
``max_attempts`` the message is dead-lettered too. Offsets are stored only after the
event is applied or dead-lettered (``enable.auto.offset.store=false``).

``InTopicConsumer`` owns one consumer, one dead-letter producer and the thread that polls
them; every Kafka call has a timeout.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from attrs import field, frozen
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

from daemon.errors import InvalidParameterError, MetadataRequestError
from daemon.metadata_server._bodies import (
    ArchiveRequest, Caller, NewElementRequest, NewRelationshipRequest, UpdateRequest, parse_caller,
)
from daemon.metadata_server._fields import Fields
from daemon.metadata_server._rules import ServerIdentity, not_found, utc_now
from daemon.metadata_server._writes import Writes
from daemon.metadata_server.store import Store, StoreWriter
from daemon.model import Element, EventType, TypeTable
from daemon.topics.sources import CONSUMER_DEFAULTS

__all__ = ["IN_TOPIC_EVENT_TYPES", "InTopicApplier", "InTopicConsumer", "InTopicEvent", "parse_in_topic_event"]

log = logging.getLogger(__name__)

E = EventType
IN_TOPIC_EVENT_TYPES = frozenset({
    E.NEW_ELEMENT_CREATED, E.ELEMENT_UPDATED, E.ELEMENT_DELETED, E.ELEMENT_ARCHIVED, E.ELEMENT_CLASSIFIED,
    E.ELEMENT_RECLASSIFIED, E.ELEMENT_DECLASSIFIED, E.NEW_RELATIONSHIP, E.UPDATED_RELATIONSHIP_PROPERTIES,
    E.DELETED_RELATIONSHIP,
})
_ELEMENT_TARGETED = IN_TOPIC_EVENT_TYPES - {E.NEW_RELATIONSHIP, E.UPDATED_RELATIONSHIP_PROPERTIES,
                                            E.DELETED_RELATIONSHIP}
_CLASSIFICATION = {E.ELEMENT_CLASSIFIED, E.ELEMENT_RECLASSIFIED, E.ELEMENT_DECLASSIFIED}


@frozen
class InTopicEvent:
    """One decoded In Topic event (see the module docstring for the JSON)."""

    event_type: EventType
    caller: Caller
    event_id: str | None = None
    type_name: str | None = None
    element_guid: str | None = None
    qualified_name: str | None = None
    properties: Mapping[str, Any] = field(factory=dict)
    merge: bool = True
    classification_name: str | None = None
    relationship_guid: str | None = None
    end_one: tuple[str | None, str | None] = (None, None)  # (guid, qualifiedName)
    end_two: tuple[str | None, str | None] = (None, None)


def parse_in_topic_event(value: bytes | str | None) -> InTopicEvent:
    """Decode a message value; ``InvalidParameterError`` listing every problem with its field."""
    try:
        document = json.loads(value) if value is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidParameterError(f"In Topic event: not JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise InvalidParameterError(f"In Topic event: expected a JSON object, got {type(document).__name__}")
    fields = Fields(document)
    name = fields.text("eventType", required=True)
    event_type = EventType.__members__.get(name or "")
    if name and event_type not in IN_TOPIC_EVENT_TYPES:
        fields.problem("eventType", f"{name!r} is not an In Topic event type")
    caller = parse_caller(fields, fields.text("userId", required=True) or "")
    properties_key = "classificationProperties" if event_type in _CLASSIFICATION else "elementProperties"
    properties = fields.properties(properties_key)
    event = InTopicEvent(
        event_type=event_type or E.ELEMENT_UPDATED, caller=caller, event_id=fields.text("eventId"),
        type_name=fields.text("typeName"), element_guid=fields.text("elementGUID"),
        qualified_name=fields.text("qualifiedName") or _text_value(properties.get("qualifiedName")),
        properties=properties, merge=fields.flag("mergeUpdate", True),
        classification_name=fields.text("classificationName"), relationship_guid=fields.text("relationshipGUID"),
        end_one=(fields.text("endOneGUID"), fields.text("endOneQualifiedName")),
        end_two=(fields.text("endTwoGUID"), fields.text("endTwoQualifiedName")),
    )
    _check_targets(fields, event)
    fields.check()
    return event


def _text_value(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _check_targets(fields: Fields, event: InTopicEvent) -> None:
    kind = event.event_type
    if kind in _ELEMENT_TARGETED and not (event.element_guid or event.qualified_name):
        fields.problem("elementGUID", "this event needs elementGUID or qualifiedName")
    if kind in _CLASSIFICATION and not event.classification_name:
        fields.problem("classificationName", "is required")
    if kind is E.NEW_RELATIONSHIP:
        if not event.type_name:
            fields.problem("typeName", "is required")
        for name, (guid, qualified_name) in (("endOne", event.end_one), ("endTwo", event.end_two)):
            if not (guid or qualified_name):
                fields.problem(f"{name}GUID", f"this event needs {name}GUID or {name}QualifiedName")
    if kind in (E.UPDATED_RELATIONSHIP_PROPERTIES, E.DELETED_RELATIONSHIP) and not event.relationship_guid:
        fields.problem("relationshipGUID", "is required")


class _AlreadyApplied(Exception):
    """Raised inside the write transaction of an event applied before: rolls it back."""


class _OnceStore:
    """The store, with the next write transaction also recording an event id (once)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._pending: tuple[str, str] | None = None

    def arm(self, event_id: str | None, source: str = "") -> None:
        """Have the next write record ``event_id`` (``None``: record nothing)."""
        self._pending = (event_id, source) if event_id is not None else None

    def __getattr__(self, name: str) -> Any:  # read(), events_after(), ...: the store's own
        return getattr(self._store, name)

    @contextmanager
    def write(self) -> Iterator[StoreWriter]:
        with self._store.write() as tx:
            pending, self._pending = self._pending, None
            if pending is not None and not tx.mark_event_applied(*pending):
                raise _AlreadyApplied(pending[0])
            yield tx


class InTopicApplier:
    """Applies decoded In Topic events to the store, each at most once. Plain, single-threaded."""

    def __init__(
        self, store: Store, server_name: str, types: TypeTable | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._store = store
        self._once = _OnceStore(store)
        identity = ServerIdentity.for_server(server_name)
        self._writes = Writes(self._once, types or TypeTable.default(), identity, clock)  # type: ignore[arg-type]

    def apply(self, event: InTopicEvent, event_id: str, source: str) -> str:
        """Apply ``event``; returns ``"applied"``, ``"duplicate"`` or ``"nothing to do"``.

        Raises ``MetadataRequestError`` when the change is refused (as the REST API would).
        """
        if self._store.event_applied(event_id):
            return "duplicate"
        self._once.arm(event_id, source)
        try:
            return "applied" if self._apply(event) else "nothing to do"
        except _AlreadyApplied:
            return "duplicate"
        finally:
            self._once.arm(None)

    def _apply(self, e: InTopicEvent) -> bool:
        writes, caller, kind = self._writes, e.caller, e.event_type
        if kind in (E.NEW_ELEMENT_CREATED, E.ELEMENT_UPDATED):
            return self._upsert(e)
        if kind in (E.UPDATED_RELATIONSHIP_PROPERTIES, E.DELETED_RELATIONSHIP):
            return self._relationship_change(e)
        if kind is E.NEW_RELATIONSHIP:
            end1, end2 = self._required(e.end_one, "endOneGUID"), self._required(e.end_two, "endTwoGUID")
            request = NewRelationshipRequest(e.type_name or "", end1.guid, end2.guid, dict(e.properties))
            writes.create_relationship(caller, request)
            return True
        target = self._element(e.element_guid, e.qualified_name)
        name = e.classification_name or ""
        if kind in (E.ELEMENT_CLASSIFIED, E.ELEMENT_RECLASSIFIED):
            element = self._required((e.element_guid, e.qualified_name), "elementGUID", target)
            if element.classification(name) is None:
                writes.classify(caller, element.guid, name, dict(e.properties))
            else:
                writes.reclassify(caller, element.guid, name, UpdateRequest(dict(e.properties), e.merge))
            return True
        if target is None or (kind is E.ELEMENT_DECLASSIFIED and target.classification(name) is None):
            return False
        if kind is E.ELEMENT_DELETED:
            writes.delete_element(caller, target.guid)
        elif kind is E.ELEMENT_ARCHIVED:
            writes.archive_element(caller, target.guid, ArchiveRequest())
        else:
            writes.declassify(caller, target.guid, name)
        return True

    def _upsert(self, e: InTopicEvent) -> bool:
        properties = dict(e.properties)
        if e.qualified_name:
            properties["qualifiedName"] = e.qualified_name
        target = self._element(e.element_guid, e.qualified_name)
        if target is None and e.element_guid:
            raise not_found("element", e.element_guid, "elementGUID")
        if target is None:
            if not e.type_name:
                raise InvalidParameterError("typeName: is required to create an element that does not exist",
                                            properties={"parameterName": "typeName"})
            self._writes.create_element(e.caller, NewElementRequest(e.type_name, properties))
            return True
        if e.type_name and not target.type.is_a(e.type_name):
            raise InvalidParameterError(
                f"typeName: the element {target.guid} is a {target.type.type_name}, not a {e.type_name}",
                properties={"parameterName": "typeName"},
            )
        return self._writes.update_element(e.caller, target.guid, UpdateRequest(properties, e.merge))

    def _relationship_change(self, e: InTopicEvent) -> bool:
        guid = e.relationship_guid or ""
        with self._store.read() as session:
            exists = session.relationship(guid) is not None
        if e.event_type is E.DELETED_RELATIONSHIP:
            if exists:
                self._writes.delete_relationship(e.caller, guid)
            return exists
        return self._writes.update_relationship(e.caller, guid, UpdateRequest(dict(e.properties), e.merge))

    def _element(self, guid: str | None, qualified_name: str | None) -> Element | None:
        with self._store.read() as session:
            if guid:
                element = session.element(guid)
                return element if element is not None and not element.is_archived else None
            found = session.elements_named(qualified_name or "", "qualifiedName", include_archived=False)
        return found[0] if found else None

    def _required(
        self, end: tuple[str | None, str | None], parameter: str, found: Element | None = None
    ) -> Element:
        element = found or self._element(*end)
        if element is None:
            raise not_found("element", end[0] or end[1] or "", parameter)
        return element


@frozen
class InTopicStatistics:
    """Running totals of one In Topic consumer."""

    applied: int
    duplicates: int
    dead_lettered: int
    retries: int
    running: bool


class InTopicConsumer:
    """Consumes the In Topics and applies their events; dead-letters what it cannot apply.

    ``consumer_config`` and ``producer_config`` go to confluent-kafka (``bootstrap.servers``
    and any client property); ``enable.auto.offset.store=false`` and ``auto.offset.reset=earliest``
    are always set. The group id defaults to ``{server_name}.inTopic``.
    """

    def __init__(
        self,
        store: Store,
        topics: Sequence[str],
        consumer_config: Mapping[str, Any],
        *,
        server_name: str,
        dead_letter_topic: str,
        producer_config: Mapping[str, Any] | None = None,
        types: TypeTable | None = None,
        max_attempts: int = 5,
        poll_timeout: float = 0.2,
        batch_size: int = 100,
    ) -> None:
        self._applier = InTopicApplier(store, server_name, types)
        self._topics = list(dict.fromkeys(topics))
        self._name = server_name
        self._dead_letter_topic = dead_letter_topic
        self._consumer_config: dict[str, Any] = {
            "group.id": f"{server_name}.inTopic", "client.id": f"{server_name}-in-topic",
            "allow.auto.create.topics": True, "fetch.queue.backoff.ms": CONSUMER_DEFAULTS["fetch.queue.backoff.ms"],
            **consumer_config,
            "enable.auto.offset.store": False, "auto.offset.reset": "earliest",
        }
        bootstrap = {k: v for k, v in consumer_config.items() if k in ("bootstrap.servers", "test.mock.num.brokers")}
        self._producer_config: dict[str, Any] = {
            **bootstrap, "client.id": f"{server_name}-dead-letters", **(producer_config or {}),
            "enable.idempotence": True, "acks": "all",
        }
        self._max_attempts = max_attempts
        self._poll_timeout = poll_timeout
        self._batch_size = batch_size
        self._attempts: dict[tuple[str, int, int], int] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._consumer: Consumer | None = None
        self._producer: Producer | None = None
        self._applied = self._duplicates = self._dead_lettered = self._retries = 0

    def start(self) -> InTopicConsumer:
        """Subscribe and start applying on a thread this object owns; idempotent.

        Raises ``ValueError`` when confluent-kafka refuses the settings.
        """
        if self._thread is not None:
            return self
        try:
            self._consumer = self._new_consumer()
            self._producer = Producer(self._producer_config)
        except (KafkaException, ValueError, TypeError) as exc:
            raise ValueError(f"{self._name}: the In Topic client settings are not valid: {exc}") from exc
        self._thread = threading.Thread(target=self._run, name=f"in-topic-{self._name}", daemon=True)
        self._thread.start()
        log.info("%s: applying events from %s", self._name, ", ".join(self._topics))
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the event in hand, commit stored offsets, close the clients; idempotent."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("%s: the In Topic consumer did not stop within %.1fs", self._name, timeout)

    def statistics(self) -> InTopicStatistics:
        """Running totals (a frozen snapshot)."""
        running = self._thread is not None and self._thread.is_alive()
        return InTopicStatistics(self._applied, self._duplicates, self._dead_lettered, self._retries, running)

    # ------------------------------------------------------------ the consumer thread

    def _new_consumer(self) -> Consumer:
        consumer = Consumer({**self._consumer_config, "error_cb": self._on_error})
        consumer.subscribe(self._topics)
        return consumer

    def _run(self) -> None:
        assert self._consumer is not None and self._producer is not None
        while not self._stopping.is_set():
            try:
                self._consume(self._consumer)
            except Exception:  # a fatal Kafka error (the consumer is unusable) or a bug: start afresh
                log.exception("%s: the In Topic consumer failed; replacing it", self._name)
                self._stopping.wait(1.0)
            finally:
                self._consumer.close()  # commits the stored offsets and leaves the group
            if not self._stopping.is_set():
                self._consumer = self._new_consumer()
        left = self._producer.flush(5.0)
        if left:
            log.error("%s: %d dead letter(s) unconfirmed at stop", self._name, left)
        self._producer = None  # the last reference: librdkafka closes its connections

    def _consume(self, consumer: Consumer) -> None:
        while not self._stopping.is_set():
            messages = consumer.consume(self._batch_size, self._poll_timeout)
            for index, message in enumerate(messages):
                error = message.error()
                if error is not None:
                    self._on_message_error(error)
                elif self._handle(message):
                    consumer.store_offsets(message=message)
                else:  # retry later: seek back so that nothing after it is skipped either
                    self._rewind(consumer, messages[index:])
                    self._stopping.wait(min(0.1 * 2 ** max(self._attempts.values(), default=0), 5.0))
                    break

    def _handle(self, message: Message) -> bool:
        """Apply (or dead-letter) one message; ``False`` to retry it later."""
        topic, partition, offset = message.topic() or "", message.partition() or 0, message.offset() or 0
        where = (topic, partition, offset)
        try:
            event = parse_in_topic_event(message.value())
            event_id = event.event_id or f"kafka:{topic}/{partition}/{offset}"
            outcome = self._applier.apply(event, event_id, topic)
        except MetadataRequestError as exc:
            log.warning("%s: In Topic event %s/%d@%d refused: %s", self._name, topic, partition, offset, exc)
            return self._dead_letter(message, str(exc), 1)
        except Exception as exc:  # the store failed: retry, then give up on the message
            attempts = self._attempts[where] = self._attempts.get(where, 0) + 1
            self._retries += 1
            log.error("%s: applying %s/%d@%d failed (attempt %d): %r", self._name, topic, partition, offset,
                      attempts, exc)
            if attempts < self._max_attempts:
                return False
            return self._dead_letter(message, f"{type(exc).__name__}: {exc}", attempts)
        self._attempts.pop(where, None)
        if outcome == "duplicate":
            self._duplicates += 1
            log.info("%s: In Topic event %s (%s/%d@%d) was applied before; skipped", self._name, event_id,
                     topic, partition, offset)
        else:
            self._applied += 1
        return True

    def _dead_letter(self, message: Message, error: str, attempts: int) -> bool:
        """Send to the dead-letter topic and wait for the broker's confirmation; whether it came."""
        assert self._producer is not None
        headers: list[tuple[str, str | bytes | None]] = [
            ("connector", f"metadata-server:{self._name}".encode()),
            ("error", error.encode("utf-8", "replace")[:4000]),
            ("attempts", str(attempts).encode()),
            ("original.topic", (message.topic() or "").encode()),
            ("original.partition", str(message.partition()).encode()),
            ("original.offset", str(message.offset()).encode()),
        ]
        outcome: list[KafkaError | KafkaException | BufferError | None] = []
        try:
            self._producer.produce(self._dead_letter_topic, value=message.value(), key=message.key(),
                                   headers=headers, on_delivery=lambda err, _msg: outcome.append(err))
        except (BufferError, KafkaException) as exc:
            outcome.append(exc)
        self._producer.flush(5.0)
        if outcome != [None]:
            self._retries += 1
            log.error("%s: could not dead-letter %s/%s@%s to %s: %s; retrying", self._name, message.topic(),
                      message.partition(), message.offset(), self._dead_letter_topic, outcome or "no confirmation")
            return False
        self._dead_lettered += 1
        self._attempts.pop((message.topic() or "", message.partition() or 0, message.offset() or 0), None)
        return True

    def _rewind(self, consumer: Consumer, unhandled: Sequence[Message]) -> None:
        """Seek every partition in ``unhandled`` back to its first message, so none is skipped."""
        first: dict[tuple[str, int], int] = {}
        for message in unhandled:
            if message.error() is None:
                first.setdefault((message.topic() or "", message.partition() or 0), message.offset() or 0)
        for (topic, partition), offset in first.items():
            consumer.seek(TopicPartition(topic, partition, offset))

    def _on_message_error(self, error: KafkaError) -> None:
        if error.code() == KafkaError._PARTITION_EOF:
            return
        if error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:  # not created yet: subscribed when it is
            level = logging.INFO
        else:
            level = logging.ERROR if error.fatal() else logging.WARNING
        log.log(level, "%s: In Topic consumer: %s", self._name, error)
        if error.fatal():
            raise KafkaException(error)

    def _on_error(self, error: KafkaError) -> None:
        log.log(logging.ERROR if error.fatal() else logging.WARNING, "%s: In Topic client: %s", self._name, error)
