"""EventBus: builds and owns the daemon's topic consumers and its In Topic publisher.

A plain object of the composition root (not an actor). For each partner access service
that a configured integration service uses, it starts one Out Topic consumer: on Kafka
(``event_bus.type: kafka``) or on the metadata server's event log (``embedded``). It
gives each connector host an ``EventWiring`` (its Out Topic consumer, a factory for
technology topic consumers, the handler retry rules) and each context a publisher.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pykka
from loguru import logger

from daemon.actors.connector_host import EventWiring
from daemon.actors.asking import ask
from daemon.actors.topic_consumer import ConsumerStats, TopicConsumer
from daemon.clock import Clock
from daemon.config import ConnectorConfig, DaemonConfig, ServiceConfig, service_kind
from daemon.connectors.events import SubscriptionRequest, TechnologyMessage
from daemon.errors import ConnectorError
from daemon.messages import ConsumerStatsQuery, ReplayDeadLetters, Subscribe
from daemon.metadata import EventLogReader
from daemon.model.events import OpenMetadataOutTopicEvent
from daemon.topics.dead_letter import DeadLetter, DeadLetterSink, FileDeadLetters, KafkaDeadLetters
from daemon.topics.names import dead_letter_topic, in_topic, out_topic
from daemon.topics.publisher import InTopicPublisher
from daemon.topics.sources import EmbeddedSource, KafkaSource, Record

__all__ = ["EventBus"]


def decode_out_topic_event(record: Record) -> OpenMetadataOutTopicEvent:
    """Decode once; ValueError for anything that is not an Out Topic event (it is dead-lettered)."""
    return OpenMetadataOutTopicEvent.from_json(record.value)


def decode_technology_message(record: Record) -> TechnologyMessage:
    return TechnologyMessage(record.topic, record.partition, record.offset, record.key, record.value, record.headers)


class EventBus:
    def __init__(
        self,
        config: DaemonConfig,
        *,
        metadata_url: str,
        metadata_token: str | None,
        timer: pykka.ActorRef,
        clock: Clock,
    ) -> None:
        self._config = config
        self._bus = config.event_bus
        self._metadata_url = metadata_url
        self._metadata_token = metadata_token
        self._timer = timer
        self._clock = clock
        self._consumers: dict[str, pykka.ActorRef] = {}  # partner URL marker -> Out Topic consumer
        self._publisher: InTopicPublisher | None = None
        self._state = config.state_path()

    @property
    def kafka(self) -> bool:
        return self._bus.type == "kafka"

    def start(self) -> None:
        if self.kafka:
            self._publisher = InTopicPublisher(str(self._bus.bootstrap_servers), dict(self._bus.producer))
        for marker, services in self._partners().items():
            expected = frozenset(c.name for s in services for c in s.connectors)
            self._consumers[marker] = TopicConsumer.start(
                name=f"out-topic:{marker}",
                source_factory=self._out_topic_source(marker),
                decode=decode_out_topic_event,
                hook="on_event",
                dead_letters=self._dead_letters(marker),
                settings=self._bus,
                timer=self._timer,
                clock=self._clock,
                idle_poll=not self.kafka,
                expected=expected,
            )

    def stop(self, timeout: float = 5.0) -> None:
        for marker, consumer in self._consumers.items():
            try:
                consumer.stop(block=True, timeout=timeout)
            except (pykka.Timeout, pykka.ActorDeadError):
                logger.warning("the Out Topic consumer of {} did not stop in time", marker)
        self._consumers.clear()
        if self._publisher is not None:
            unconfirmed = self._publisher.close()
            if unconfirmed:
                logger.error("{} In Topic event(s) were not confirmed at shutdown", unconfirmed)
            self._publisher = None

    # --- what connectors get -------------------------------------------------------------------

    def wiring_for(self, service: ServiceConfig, connector: ConnectorConfig) -> EventWiring:
        marker = service_kind(service.url_marker).partner_url_marker
        return EventWiring(
            out_topic=self._consumers.get(marker),
            technology=self._technology_consumer,
            attempts=self._bus.handler_attempts,
            retry_backoff=float(self._bus.retry_backoff),
            own_user_id=connector.user_id,
        )

    def publisher_for(self, service: ServiceConfig) -> Callable[[dict[str, Any], float], None] | None:
        publisher = self._publisher
        if publisher is None:
            return None
        topic = in_topic(self._bus.topic_root, self._config.metadata_server.server_name,
                         service_kind(service.url_marker).partner_url_marker)
        return lambda event, timeout: publisher.publish(topic, event, timeout)

    # --- operations ------------------------------------------------------------------------------

    def statistics(self, timeout: float = 5.0) -> list[tuple[str, ConsumerStats]]:
        """(service of each connector, stats) for every Out Topic consumer."""
        return [(marker, ask(consumer, ConsumerStatsQuery(), timeout)) for marker, consumer in self._consumers.items()]

    def consumers(self) -> list[pykka.ActorRef]:
        return list(self._consumers.values())

    def stats(self, timeout: float = 5.0) -> list[ConsumerStats]:
        return [ask(consumer, ConsumerStatsQuery(), timeout) for consumer in self._consumers.values()]

    def dead_letters(self, service: ServiceConfig, connector: str) -> list[DeadLetter]:
        """What was dead-lettered for ``connector`` (``""``: records nobody could decode)."""
        sink = self._dead_letters(service_kind(service.url_marker).partner_url_marker)
        try:
            return sink.replay(connector)
        finally:
            sink.close()

    def replay_dead_letters(self, service: ServiceConfig, connector: str, timeout: float = 30.0) -> int:
        consumer = self._consumers.get(service_kind(service.url_marker).partner_url_marker)
        if consumer is None:
            raise ConnectorError("its service has no Out Topic consumer", connector)
        return int(ask(consumer, ReplayDeadLetters(connector), timeout))

    # --- construction ----------------------------------------------------------------------------

    def _partners(self) -> dict[str, list[ServiceConfig]]:
        partners: dict[str, list[ServiceConfig]] = {}
        for service in self._config.services:
            partners.setdefault(service_kind(service.url_marker).partner_url_marker, []).append(service)
        return partners

    def _out_topic_source(self, marker: str) -> Callable[..., Any]:
        bus, config = self._bus, self._config
        if self.kafka:
            topic = out_topic(bus.topic_root, config.metadata_server.server_name, marker)
            settings = {
                "bootstrap.servers": bus.bootstrap_servers,
                "group.id": f"{config.server_name}.{marker}",
                "auto.offset.reset": bus.start_position,
                **bus.consumer,
            }
            # Out Topic events are read from their value alone (a dead letter keeps topic, partition,
            # offset and value): no key, no headers.
            return lambda assigned, revoked: KafkaSource(topic, settings, on_assign=assigned, on_revoke=revoked,
                                                         keys_and_headers=False)
        reader = EventLogReader(self._metadata_url, config.metadata_server.server_name, token=self._metadata_token)
        offsets = self._state / f"out-topic-{marker}.offsets.json"
        return lambda assigned, revoked: EmbeddedSource(reader, offsets, on_assign=assigned,
                                                        start_position=bus.start_position)

    def _dead_letters(self, marker: str) -> DeadLetterSink:
        if self.kafka:
            topic = self._bus.dead_letter_topic or dead_letter_topic(self._bus.topic_root, self._config.server_name)
            return KafkaDeadLetters(topic, str(self._bus.bootstrap_servers), dict(self._bus.producer), dict(self._bus.consumer))
        return FileDeadLetters(self._state / f"dead-letters-{marker}.jsonl")

    def _technology_consumer(
        self, request: SubscriptionRequest, connector: str, generation: int, host: pykka.ActorRef
    ) -> pykka.ActorRef:
        bootstrap = request.bootstrap_servers or self._bus.bootstrap_servers
        if not bootstrap:
            raise ConnectorError(f"subscribing to {request.topic} needs bootstrap_servers (no Kafka event bus)", connector)
        settings = {
            "bootstrap.servers": bootstrap,
            "group.id": request.group_id or f"{self._config.server_name}.{connector}",
            "auto.offset.reset": self._bus.start_position,
            **self._bus.consumer,
            **request.settings,
        }
        dead_letters: DeadLetterSink = (
            KafkaDeadLetters(self._bus.dead_letter_topic or dead_letter_topic(self._bus.topic_root, self._config.server_name),
                             bootstrap, dict(self._bus.producer))
            if self.kafka or request.bootstrap_servers
            else FileDeadLetters(self._state / f"dead-letters-{connector}.jsonl")
        )
        consumer = TopicConsumer.start(
            name=f"technology:{connector}:{request.topic}",
            source_factory=lambda assigned, revoked: KafkaSource(request.topic, settings, on_assign=assigned,
                                                                 on_revoke=revoked),
            decode=decode_technology_message,
            hook="on_technology_message",
            dead_letters=dead_letters,
            settings=self._bus,
            timer=self._timer,
            clock=self._clock,
            expected=frozenset({connector}),
        )
        consumer.tell(Subscribe(connector, generation, host))
        return consumer

