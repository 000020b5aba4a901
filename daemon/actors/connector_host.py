"""The ConnectorHost actor: hosts one connector instance and turns messages into hook calls.

Every hook of the instance runs on this actor's thread, one at a time. The host never
lets an exception escape into pykka: it reports failures to the supervisor, which
decides what happens next (pykka would otherwise stop the actor silently, and skips
``on_failure`` when ``on_start`` raises).
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable

import pykka
from attrs import define, frozen
from loguru import logger

from daemon.clock import Clock
from daemon.connectors import Connector, ConnectorContext
from daemon.connectors.events import SubscriptionRequest
from daemon.errors import ConnectorConfigError, ConnectorLoadError, MetadataUnreachable
from daemon.messages import (
    ConnectorFailed,
    ConnectorHealthy,
    ConnectorRunning,
    ConnectorStarted,
    Engage,
    FailureKind,
    NoInterest,
    Ping,
    CallAt,
    DeadLettered,
    DeliverEvents,
    Delivery,
    EventsHandled,
    RefreshDue,
    RefreshFinished,
    RetryEvents,
    Subscribe,
)

__all__ = ["ConnectorHost", "EventWiring"]


@frozen
class EventWiring:
    """How a connector host reaches the event bus: its service's Out Topic consumer, a factory
    for technology topic consumers, and the handler retry rules."""

    out_topic: pykka.ActorRef | None
    technology: Callable[[SubscriptionRequest, str, int, pykka.ActorRef], pykka.ActorRef]
    attempts: int = 3
    retry_backoff: float = 0.5
    own_user_id: str | None = None  # set when the connector has its own user id (echo suppression)


@define
class _Batch:
    """Deliveries from one source, handled in order; ``next`` is the first not yet handled."""

    source: pykka.ActorRef
    hook: str
    deliveries: tuple[Delivery, ...]
    next: int = 0


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class ConnectorHost(pykka.ThreadingActor):
    """One connector instance, one thread.

    Its thread is a daemon thread on purpose: when a hook hangs past its timeout the
    supervisor replaces the instance and abandons this thread, and an abandoned thread
    must never keep the process from exiting.
    """

    use_daemon_thread = True

    def __init__(
        self,
        *,
        name: str,
        generation: int,
        instance: Connector,
        context: ConnectorContext,
        supervisor: pykka.ActorRef,
        timer: pykka.ActorRef,
        clock: Clock,
        events: EventWiring | None = None,
        blocking: bool = False,
    ) -> None:
        super().__init__()
        self._blocking = blocking
        self._name = name
        self._generation = generation
        self._instance = instance
        self._context = context
        self._supervisor = supervisor
        self._timer = timer
        self._clock = clock
        self._instance_id = str(uuid.uuid4())
        self._failed = False
        self._started = False
        self._healthy = False
        self._log = context.logger
        self._events = events
        self._pending: deque[_Batch] = deque()
        self._attempts: dict[tuple[int, int], int] = {}
        self._retry_scheduled = False
        self._failures = 0
        self._technology: list[pykka.ActorRef] = []

    def on_start(self) -> None:
        try:
            self._context.connect()
            self._instance.start(self._context)
        except MetadataUnreachable as exc:
            self._fail(FailureKind.UNREACHABLE, exc, "cannot reach the metadata access point")
            return
        except (ConnectorConfigError, ConnectorLoadError) as exc:
            self._fail(FailureKind.CONFIG, exc, "its configuration is not usable")
            return
        except Exception as exc:
            self._fail(FailureKind.HOOK, exc, "start failed")
            return
        self._started = True
        self._connect_topics()
        self._supervisor.tell(ConnectorStarted(self._name, self._generation, self._instance_id))
        if self._blocking:
            self._supervisor.tell(ConnectorRunning(self._name, self._generation))
            self.actor_ref.tell(Engage())

    def on_receive(self, message: object) -> object:
        match message:
            case RefreshDue():
                self._refresh()
            case DeliverEvents(_, _, source, hook, deliveries):
                self._pending.append(_Batch(source, hook, deliveries))
                if not self._retry_scheduled:  # a failing event waits out its backoff first
                    self._drain()
            case Engage():
                self._engage()
            case RetryEvents():
                self._retry_scheduled = False
                self._drain()
            case Ping():
                return True
            case _:
                return super().on_receive(message)
        return None

    def on_stop(self) -> None:
        self._context.stopping.set()
        for consumer in self._technology:
            try:
                consumer.stop(block=True, timeout=5.0)
            except (pykka.Timeout, pykka.ActorDeadError):
                self._log.warning("a technology topic consumer did not stop in time")
        if not self._started:
            return
        try:
            self._instance.disconnect()
        except Exception as exc:
            self._log.warning("disconnect failed: {}", _describe(exc))

    def _run_hook(self, hook: Callable[[], None], what: str) -> bool:
        """Call a lifecycle hook; a failure is reported to the supervisor (False), never raised."""
        try:
            hook()
        except MetadataUnreachable as exc:
            self._fail(FailureKind.UNREACHABLE, exc, f"{what} lost the metadata access point")
            return False
        except Exception as exc:
            self._fail(FailureKind.HOOK, exc, f"{what} failed")
            return False
        return True

    def _engage(self) -> None:
        """One engage() call; the next is a message, so events and a stop can come in between."""
        if self._failed or self._context.stopping.is_set():
            return
        if self._run_hook(self._instance.engage, "engage"):
            self.actor_ref.tell(Engage())

    def _refresh(self) -> None:
        if self._failed or not self._run_hook(self._instance.refresh, "refresh"):
            return
        activity = self._context.take_activity()
        self._timer.tell(RefreshFinished(self._name, self._generation, self._clock.now(), activity))
        if not self._healthy:
            self._healthy = True
            self._supervisor.tell(ConnectorHealthy(self._name, self._generation))
        if activity.created or activity.updated or activity.deleted or activity.archived:
            self._log.info(
                "refresh: {} created, {} updated, {} archived, {} deleted, {} unchanged",
                activity.created, activity.updated, activity.archived, activity.deleted, activity.skipped,
            )

    # --- events ------------------------------------------------------------------------------

    def _connect_topics(self) -> None:
        """Act on what the connector asked for in start(): Out Topic listeners, technology topics."""
        wiring, context = self._events, self._context
        if wiring is None:
            return
        if wiring.out_topic is not None and not context.listeners:
            wiring.out_topic.tell(NoInterest(self._name))
        if context.listeners and wiring.out_topic is None:
            self._log.warning("the connector listens to the Out Topic, but its service has no Out Topic consumer")
        elif context.listeners and wiring.out_topic is not None:
            listeners = tuple((listener.type_names, listener.event_types) for listener in context.listeners)
            wiring.out_topic.tell(Subscribe(
                self._name, self._generation, self.actor_ref, listeners, context.metadata_source, wiring.own_user_id,
            ))
        for subscription in context.subscriptions:
            self._technology.append(wiring.technology(subscription, self._name, self._generation, self.actor_ref))

    def _drain(self) -> None:
        """Call the hook for each pending delivery in order; a failing one is retried before later ones.

        What was handled is reported to its source once per batch (and before a dead letter,
        so the source hears of this connector's records in the order it sent them)."""
        while self._pending and not self._failed:
            batch = self._pending[0]
            hook, deliveries = getattr(self._instance, batch.hook), batch.deliveries
            handled: list[tuple[int, int]] = []
            done = handled.append
            for index in range(batch.next, len(deliveries)):
                delivery = deliveries[index]
                try:
                    hook(delivery.payload)
                except Exception as exc:
                    if not self._handler_failed(batch.source, delivery, exc, handled):
                        batch.next = index
                        self._report(batch.source, handled)
                        return
                else:
                    done(delivery.key)
                if self._attempts:
                    self._attempts.pop(delivery.key, None)
            self._pending.popleft()
            self._report(batch.source, handled)

    def _report(self, source: pykka.ActorRef, handled: list[tuple[int, int]]) -> None:
        if handled:
            source.tell(EventsHandled(self._name, self._generation, tuple(handled), self._failures))
            self._failures = 0
            handled.clear()

    def _handler_failed(
        self, source: pykka.ActorRef, delivery: Delivery, exc: Exception, handled: list[tuple[int, int]]
    ) -> bool:
        """Schedule a retry (False: stop draining) or give up and dead-letter it (True: carry on)."""
        wiring = self._events
        attempts = self._attempts.get(delivery.key, 0) + 1
        self._attempts[delivery.key] = attempts
        self._failures += 1
        limit = wiring.attempts if wiring else 1
        if attempts < limit:
            delay = (wiring.retry_backoff if wiring else 1.0) * 2 ** (attempts - 1)
            self._log.warning("event handler failed (attempt {} of {}), retry in {:.2f}s: {}",
                              attempts, limit, delay, _describe(exc))
            if not self._retry_scheduled:
                self._retry_scheduled = True
                self._timer.tell(CallAt(self._clock.monotonic() + delay, self.actor_ref, RetryEvents()))
            return False
        self._log.error("event handler gave up after {} attempt(s): {}", attempts, _describe(exc))
        self._report(source, handled)
        source.tell(DeadLettered(self._name, self._generation, delivery.key, _describe(exc), attempts))
        return True

    def _fail(self, kind: FailureKind, exc: BaseException, what: str) -> None:
        self._failed = True
        if kind is FailureKind.UNREACHABLE:
            self._log.warning("{}: {}", what, exc)
        else:
            self._log.opt(exception=exc).error("{}: {}", what, _describe(exc))
        try:
            self._supervisor.tell(ConnectorFailed(self._name, self._generation, kind, _describe(exc)))
        except pykka.ActorDeadError:
            logger.debug("supervisor gone; failure of {} not reported", self._name)
