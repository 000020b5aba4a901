"""The TopicConsumer actor: sole owner of one event source, fanning records out to connectors.

One per partner access service Out Topic (``hook="on_event"``), and one per technology
topic subscription (``hook="on_technology_message"``). It decodes each record once, hands
it to every interested connector in order, tracks which are finished (``AckTracker``), and
commits a partition only up to the first record some interested connector has not
finished. It never holds more than ``max_buffered`` unfinished records: above that it
pauses its partitions (still polling, so the group membership holds) and resumes at half.
Records that cannot be decoded, and records a connector gave up on, go to the dead-letter
sink with their context, and the stream goes on.

Its polling is a message it tells itself (``Poll``), so acknowledgements, subscriptions and
stop requests interleave with it; a poll waits for records only while nothing else is to
be done (never with acknowledgements in the inbox), and while the source is idle or paused
the next poll is scheduled through the timer.

Records go to connectors in batches of up to ``max_in_flight_per_connector``; a connector
host finishes them in order and says so once per batch, so acknowledging is a pop from
the head of the connector's lane and of its queue in the ``AckTracker``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Any

import pykka
from loguru import logger

from daemon.actors._lanes import ConnectorCounts, ConsumerStats, Lane, awaiting_room, far_enough_ahead
from daemon.clock import Clock
from daemon.config import EventBusConfig
from daemon.messages import (
    Ping,
    CallAt,
    ConsumerStatsQuery,
    DeadLettered,
    DeliverEvents,
    Delivery,
    EventsHandled,
    HoldConfirmed,
    HoldConnector,
    NoInterest,
    Poll,
    ReleaseConnector,
    ReplayDeadLetters,
    Subscribe,
    Unsubscribe,
)
from daemon.topics.dead_letter import DeadLetterSink, letter_for
from daemon.topics.routing import EchoIdentity, ListenerFilter, Route, RoutingTable
from daemon.topics.sources import Record, Source
from daemon.topics.tracking import AckTracker

__all__ = ["ConnectorCounts", "ConsumerStats", "TopicConsumer"]

_new_tuple = tuple.__new__
_BRISK = 0.05  # seconds: a connector that acknowledged this recently is likely to again soon

SourceFactory = Callable[[Callable[[list[int]], None], Callable[[list[int]], None]], Source]


class TopicConsumer(pykka.ThreadingActor):
    """Owns a source; routes records to subscribed connector hosts; commits what is finished."""

    def __init__(
        self,
        *,
        name: str,
        source_factory: SourceFactory,
        decode: Callable[[Record], Any],
        hook: str,
        dead_letters: DeadLetterSink,
        settings: EventBusConfig,
        timer: pykka.ActorRef,
        clock: Clock,
        routing: RoutingTable | None = None,
        idle_poll: bool = False,
        expected: frozenset[str] = frozenset(),
        start_grace: float = 30.0,
    ) -> None:
        super().__init__()
        self._name = name
        self._source_factory = source_factory
        self._decode = decode
        self._hook = hook
        self._dead_letters = dead_letters
        self._settings = settings
        self._timer = timer
        self._clock = clock
        self._routing = routing or RoutingTable(settings.echo_suppression)
        self._idle_poll = idle_poll  # True: an empty poll returns at once, so wait via the timer
        self._tracker = AckTracker()
        self._lanes: dict[str, Lane] = {}
        self._source: Source | None = None
        self._paused = False
        self._last_commit = 0.0
        self._last_ack = 0.0  # time.monotonic() of the last acknowledgement from a connector
        self._poll_seq = 0  # the Poll reminder that counts (see Poll)
        self._poll_deferred = False  # a poll waits for the next acknowledgement (see far_enough_ahead)
        self._finished_since_commit = 0
        self._stats = {"delivered": 0, "handled": 0, "dead_lettered": 0, "undecodable": 0}
        self._per_connector: dict[str, ConnectorCounts] = {}
        self._log = logger.bind(service="event-bus", connector=name)
        # Nothing is consumed until every expected connector said what it wants (or the grace
        # period ended): records consumed before a listener registers would be committed past it.
        self._waiting_for = set(expected)
        self._grace_deadline = clock.monotonic() + start_grace

    # --- lifecycle ---------------------------------------------------------------------------

    def on_start(self) -> None:
        self._source = self._source_factory(self._assigned, self._revoked)
        self._poll_now()

    def on_stop(self) -> None:
        if self._source is not None:
            try:
                self._source.close(self._tracker.committable())
            except Exception as exc:  # closing must not hide the rest of the shutdown
                self._log.warning("closing the source failed: {}", exc)
        self._dead_letters.close()

    def _assigned(self, partitions: list[int]) -> None:
        self._log.debug("assigned partitions {}", partitions)

    def _revoked(self, partitions: list[int]) -> None:
        offsets = {p: o for p in partitions if (o := self._tracker.revoke(p)) is not None}
        if self._source is not None and offsets:
            self._source.commit(offsets, wait=True)
        for lane in self._lanes.values():
            lane.queued = deque(d for d in lane.queued if d.key[0] not in partitions)
            lane.sent = deque(d for d in lane.sent if d.key[0] not in partitions)

    # --- messages ----------------------------------------------------------------------------

    def on_receive(self, message: object) -> object:
        match message:
            case Ping():
                return True
            case Poll(seq):
                if seq == self._poll_seq:  # else an older reminder, superseded
                    self._poll()
            case EventsHandled(name, generation, keys, failures):
                self._count(name, failed=failures)
                self._finished(name, generation, keys)
            case DeadLettered(name, generation, key, error, attempts):
                self._dead_letter(name, generation, key, error, attempts)
            case Subscribe():
                self._waiting_for.discard(message.name)
                self._subscribe(message)
            case NoInterest(name):
                self._waiting_for.discard(name)
                self._forget(name)  # an instance that listens to nothing replaces one that did
            case Unsubscribe(name):
                self._forget(name)
            case HoldConnector(name, reply_to):
                if route := self._routing.get(name):
                    route.held = True
                if reply_to is not None:
                    reply_to.tell(HoldConfirmed(name))
            case ReleaseConnector(name):
                if route := self._routing.get(name):
                    route.held = False
                    self._send(route)
            case ReplayDeadLetters(name):
                return self._replay(name)
            case ConsumerStatsQuery():
                return self._snapshot()
            case _:
                return super().on_receive(message)
        return None

    def _forget(self, name: str) -> None:
        if self._routing.unsubscribe(name) is not None or name in self._lanes:
            self._lanes.pop(name, None)
            self._tracker.forget_connector(name)
            self._after_progress()

    def _subscribe(self, request: Subscribe) -> None:
        route = Route(
            request.name, request.generation, request.target,
            tuple(ListenerFilter(types, events) for types, events in request.listeners),
            EchoIdentity(request.metadata_source, request.user_id),
        )
        self._routing.subscribe(route)
        lane = self._lanes.setdefault(request.name, Lane(deque(), deque()))
        if lane.sent:  # a new instance: what the old one had not finished is delivered again
            lane.queued.extendleft(reversed(lane.sent))
            lane.sent.clear()
        self._send(route)

    # --- polling and routing -----------------------------------------------------------------

    def _ready(self) -> bool:
        if self._waiting_for and self._clock.monotonic() >= self._grace_deadline:
            self._log.warning("consuming without waiting any longer for: {}", ", ".join(sorted(self._waiting_for)))
            self._waiting_for.clear()
        return not self._waiting_for

    def _poll(self) -> None:
        if self._source is None:
            return
        settings = self._settings
        if not self._ready():
            self._poll_later()
            return
        if self._poll_deferred:
            self._poll_deferred = False  # the reminder of a deferred poll: no acknowledgement came, read on
        elif not self._paused and far_enough_ahead(
            self._routing.routes(), self._lanes, self._tracker.unfinished(), settings
        ):
            self._poll_deferred = True  # the next acknowledgement polls (see _finished), else the reminder
            self._poll_later()
            return
        records = self._source.poll(settings.batch_size, self._poll_timeout())
        if records:
            self._route(records)
        for route in self._routing.routes():
            self._send(route)
        self._after_progress()
        if records or not (self._idle_poll or self._paused):
            self._poll_now()
        else:
            self._poll_later()

    def _poll_now(self) -> None:
        self._poll_seq += 1
        self.actor_ref.tell(Poll(self._poll_seq))

    def _poll_later(self) -> None:
        self._poll_seq += 1
        when = self._clock.monotonic() + float(self._settings.poll_interval)
        self._timer.tell(CallAt(when, self.actor_ref, Poll(self._poll_seq)))

    def _poll_timeout(self) -> float:
        """How long a poll may wait for records: never while messages (acknowledgements) wait in
        the inbox or while paused (nothing can come); briefly while records wait for a connector
        that is acknowledging as it goes (its next acknowledgement is due any moment); else the
        poll interval (a held, failed or slow connector is not waited for in a tight loop)."""
        if self._paused or not self.actor_inbox.empty():
            return 0.0
        interval = float(self._settings.poll_interval)
        if time.monotonic() - self._last_ack < _BRISK and awaiting_room(
            self._routing.routes(), self._lanes, self._settings.max_in_flight_per_connector
        ):
            return min(interval, 0.001)
        return interval

    def _route(self, records: list[Record]) -> None:
        """Decode each record once and queue it for every interested connector (the hot path).

        The usual poll (records of one partition, all decodable, all wanted by the same
        connectors) is handed out in one go; anything else goes record by record."""
        if records and self._hook == "on_event":
            decode = self._decode
            try:
                payloads = [decode(record) for record in records]
            except ValueError:
                pass  # an undecodable record among them: see _route_each
            else:
                answers = self._routing.interested_each(payloads)
                first = answers[0]
                if answers.count(first) == len(answers) and len({record.partition for record in records}) == 1:
                    self._hand_out(records, payloads, *first)
                    return
        self._route_each(records)

    def _hand_out(self, records: list[Record], payloads: list[Any], routes: list[Route], names: list[str]) -> None:
        """Queue decoded records of one partition for the same interested connectors."""
        partition = records[0].partition
        offsets = [record.offset for record in records]
        self._tracker.handed_out_many(partition, offsets, names)
        if not routes:
            return
        deliveries = [_new_tuple(Delivery, ((partition, offset), payload, record))  # Delivery(...), faster
                      for offset, payload, record in zip(offsets, payloads, records)]
        for name in names:
            self._lane(name).queued.extend(deliveries)

    def _lane(self, name: str) -> Lane:
        lane = self._lanes.get(name)
        if lane is None:
            lane = self._lanes[name] = Lane(deque(), deque())
        return lane

    def _route_each(self, records: list[Record]) -> None:
        """``_route`` one record at a time: undecodable records, several partitions, mixed interest.

        The tracker still hears of records in runs: consecutive records of one partition wanted
        by the same connectors are handed out in one call."""
        decode = self._decode
        interested: Callable[[Any], tuple[list[Route], list[str]]] = self._routing.interested_names
        if self._hook != "on_event":  # technology topics: every subscriber gets every message
            everyone = list(self._routing.routes())
            everyone_names = [route.name for route in everyone]
            interested = lambda payload: (everyone, everyone_names)  # noqa: E731
        hand_out = self._tracker.handed_out_many
        run: list[int] = []  # offsets of the current run
        run_partition, run_names = -1, None
        for record in records:
            try:
                payload = decode(record)
            except ValueError as exc:
                hand_out(run_partition, run, run_names or ())
                run, run_names = [], None
                self._undecodable(record, exc)
                continue
            routes, names = interested(payload)
            partition, offset = record.partition, record.offset
            if partition != run_partition or not (names is run_names or names == run_names):
                hand_out(run_partition, run, run_names or ())
                run, run_partition, run_names = [], partition, names
            run.append(offset)
            if routes:
                delivery = _new_tuple(Delivery, ((partition, offset), payload, record))  # Delivery(...), faster
                for name in names:
                    self._lane(name).queued.append(delivery)
        hand_out(run_partition, run, run_names or ())

    def _undecodable(self, record: Record, exc: ValueError) -> None:
        self._stats["undecodable"] += 1
        self._log.warning("undecodable record {}[{}]@{} dead-lettered: {}", record.topic, record.partition,
                          record.offset, exc)
        self._dead_letters.send(letter_for(record, "", f"undecodable: {exc}", 0))
        self._tracker.handed_out(record.partition, record.offset, ())

    def _send(self, route: Route) -> None:
        lane = self._lanes.get(route.name)
        if lane is None or route.held or not lane.queued:
            return
        room = self._settings.max_in_flight_per_connector - len(lane.sent)
        if room <= 0:
            return
        queued = lane.queued
        if len(queued) <= room:
            batch = list(queued)
            queued.clear()
        else:
            batch = [queued.popleft() for _ in range(room)]
        lane.sent.extend(batch)
        try:
            route.target.tell(DeliverEvents(route.name, route.generation, self.actor_ref, self._hook, tuple(batch)))
            self._stats["delivered"] += len(batch)
            self._count(route.name, delivered=len(batch))
        except pykka.ActorDeadError:
            # The host is gone (failing or restarting): keep the records for its next instance.
            lane.queued.extendleft(reversed(batch))
            for _ in batch:
                lane.sent.pop()

    # --- progress ----------------------------------------------------------------------------

    def _finished(self, name: str, generation: int, keys: tuple[tuple[int, int], ...]) -> None:
        route = self._routing.get(name)
        if route is None or route.generation != generation:
            return  # an older instance: its records are delivered again to the new one
        self._last_ack = time.monotonic()
        lane = self._lanes[name]
        sent, count = lane.sent, len(keys)
        finished: tuple[tuple[int, int], ...] | list[tuple[int, int]]
        if count and count <= len(sent) and sent[0].key == keys[0] and sent[count - 1].key == keys[-1]:
            # The usual case: the oldest records sent, all of them, in the order sent. A host reports
            # what it handled in that order, without gaps (a dead letter is taken out before), so
            # when both ends match, so does everything between.
            for _ in range(count):
                sent.popleft()
            finished = keys
        else:
            finished = []
            for key in keys:
                if sent and sent[0].key == key:
                    sent.popleft()
                elif key[0] < 0 or lane.take_sent(key) is None:  # replayed dead letters are not tracked
                    continue
                finished.append(key)
        self._tracker.done_many(name, finished)
        self._stats["handled"] += len(finished)
        self._finished_since_commit += len(finished)
        self._send(route)
        self._after_progress()
        if self._poll_deferred:
            self._poll_deferred = False
            self._poll_now()

    def _dead_letter(self, name: str, generation: int, key: tuple[int, int], error: str, attempts: int) -> None:
        route, lane = self._routing.get(name), self._lanes.get(name)
        if route is None or route.generation != generation or lane is None:
            return  # an older instance: the record is delivered again to the new one
        record = next((d.record for d in lane.sent if d.key == key), None)
        if record is not None:
            self._dead_letters.send(letter_for(record, name, error, attempts))
            self._stats["dead_lettered"] += 1
            self._count(name, dead_lettered=1)
            self._log.warning("{}[{}]@{} dead-lettered for {} after {} attempt(s): {}",
                              record.topic, key[0], key[1], name, attempts, error)
        self._finished(name, generation, (key,))

    def _after_progress(self) -> None:
        self._backpressure()
        # Commit every commit_interval, and at least every max_in_flight_per_connector finished
        # records: what a crash can make us deliver again stays bounded by the in-flight limit.
        now = time.monotonic()
        due = now - self._last_commit >= float(self._settings.commit_interval)
        if self._source is not None and (due or self._finished_since_commit >= self._settings.max_in_flight_per_connector):
            self._source.commit(self._tracker.committable())
            self._last_commit = now
            self._finished_since_commit = 0

    def _backpressure(self) -> None:
        if self._source is None:
            return
        unfinished = self._tracker.unfinished()
        if not self._paused and unfinished >= self._settings.max_buffered:
            self._source.pause()
            self._paused = True
            self._log.info("paused: {} records not finished by every interested connector", unfinished)
        elif self._paused and unfinished <= self._settings.max_buffered // 2:
            offsets = {p: o for p in self._tracker.partitions() if (o := self._tracker.next_offset(p)) is not None}
            self._source.resume(offsets)
            self._paused = False
            self._log.info("resumed at {} unfinished records", unfinished)
            self._poll_now()  # not at the paused poll's reminder: the connectors may be idle until then

    def _replay(self, name: str) -> int:
        """Deliver every dead letter of ``name`` again (not tracked for commits); returns how many."""
        route = self._routing.get(name)
        if route is None:
            return 0
        letters = self._dead_letters.replay(name)
        deliveries = []
        for letter in letters:
            try:
                payload = self._decode(Record(letter.topic, letter.partition, letter.offset, letter.value))
            except ValueError:
                continue
            deliveries.append(Delivery((-1, letter.offset), payload))
        if deliveries:
            route.target.tell(DeliverEvents(name, route.generation, self.actor_ref, self._hook, tuple(deliveries)))
        return len(deliveries)

    def _count(self, name: str, *, delivered: int = 0, failed: int = 0, dead_lettered: int = 0) -> None:
        counts = self._per_connector.get(name, ConnectorCounts())
        self._per_connector[name] = ConnectorCounts(
            counts.delivered + delivered, counts.failed + failed, counts.dead_lettered + dead_lettered
        )

    def _snapshot(self) -> ConsumerStats:
        committed = self._tracker.committable()
        return ConsumerStats(
            name=self._name,
            topic=getattr(self._source, "topic", ""),
            per_connector=dict(self._per_connector),
            lags=self._source.lags(committed) if self._source is not None else {},
            delivered=self._stats["delivered"],
            handled=self._stats["handled"],
            dead_lettered=self._stats["dead_lettered"],
            undecodable=self._stats["undecodable"],
            unfinished=self._tracker.unfinished(),
            paused=self._paused,
            committed=committed,
        )
