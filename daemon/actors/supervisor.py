"""The Supervisor actor: one-for-one supervision of connector hosts.

It owns one ``Slot`` per connector (the one state object per connector), builds and
starts hosts, schedules their refreshes with the timer, and on failure decides, through
``RestartTracker``, whether to restart with backoff, give up (FAILED) or not retry
(CONFIG_FAILED). A restart is always a fresh instance in a fresh actor; messages from an
older generation are ignored. All waiting is delegated to the timer (``CallAt``).
"""

from __future__ import annotations

import threading
import time
from typing import Protocol
from datetime import datetime, timedelta

import pykka
from attrs import define, evolve, frozen
from loguru import logger

from daemon.actors.connector_host import ConnectorHost, EventWiring
from daemon.actors.policy import GiveUp, RestartTracker
from daemon.clock import Clock
from daemon.config import ConnectorConfig, RestartPolicy
from daemon.connectors import Connector, ConnectorContext
from daemon.messages import (
    Ping,
    CallAt,
    ConfigQuery,
    ConnectorFailed,
    ConnectorHealthy,
    ConnectorRunning,
    ConnectorStarted,
    FailureKind,
    ForgetConnector,
    HoldConfirmed,
    HoldConnector,
    PauseConnector,
    ReconfigureConnector,
    RefreshOverdue,
    ReleaseConnector,
    ReportsQuery,
    RestartConnector,
    RestartFailed,
    ResumeConnector,
    RetryDue,
    ScheduleConnector,
    StopConnectors,
    Supervise,
    UnscheduleConnector,
    Unsubscribe,
)
from daemon.states import ConnectorReport, ConnectorStatus

__all__ = ["ConnectorSpec", "Supervisor"]


class Builder(Protocol):
    """Makes a fresh connector instance and context; ``with_config`` gives a builder for a changed config."""

    def __call__(self) -> tuple[Connector, ConnectorContext]: ...

    def with_config(self, config: ConnectorConfig) -> Builder: ...


@frozen
class ConnectorSpec:
    """What the supervisor needs to (re)build a connector."""

    service: str
    config: ConnectorConfig
    policy: RestartPolicy
    build: Builder
    events: EventWiring | None = None

    def reconfigured(self, config: ConnectorConfig) -> ConnectorSpec:
        return evolve(self, config=config, build=self.build.with_config(config))


@define
class Slot:
    spec: ConnectorSpec
    tracker: RestartTracker
    status: ConnectorStatus
    last_status_change: datetime
    generation: int = 0
    ref: pykka.ActorRef | None = None
    instance_id: str = ""
    last_error: str | None = None
    next_retry_time: datetime | None = None
    paused: bool = False
    abandoned_threads: int = 0
    stopping: threading.Event | None = None  # the running instance's stop signal  # hosts replaced while stuck in a hook; their threads may still run

    @property
    def name(self) -> str:
        return self.spec.config.name

    def report(self) -> ConnectorReport:
        """The lifecycle part of the report; the refresh cycle is filled in from the timer."""
        config = self.spec.config
        return ConnectorReport(
            service=self.spec.service,
            name=config.name,
            connector_id=config.connector_id or config.name,
            instance_id=self.instance_id,
            status=self.status,
            last_status_change=self.last_status_change,
            refresh_interval=float(config.refresh),
            last_error=self.last_error,
            restart_count=self.tracker.restart_count,
            consecutive_failures=self.tracker.consecutive_failures,
            next_retry_time=self.next_retry_time,
            paused=self.paused,
            abandoned_threads=self.abandoned_threads,
        )


class Supervisor(pykka.ThreadingActor):
    """Starts, watches and restarts connector hosts."""

    def __init__(self, clock: Clock, timer: pykka.ActorRef) -> None:
        super().__init__()
        self._clock = clock
        self._timer = timer
        self._slots: dict[str, Slot] = {}

    def on_receive(self, message: object) -> object:
        match message:
            case Ping():
                return True
            case Supervise(spec):
                self._supervise(spec)
            case ConnectorStarted(name, generation, instance_id):
                if slot := self._current(name, generation):
                    self._started(slot, instance_id)
            case ConnectorRunning(name, generation):
                if (slot := self._current(name, generation)) and not slot.paused:
                    self._set_status(slot, ConnectorStatus.RUNNING)
            case ConnectorHealthy(name, generation):
                if slot := self._current(name, generation):
                    slot.tracker.on_success()
            case ConnectorFailed(name, generation, kind, error):
                if slot := self._current(name, generation):
                    self._failed(slot, kind, error)
            case RefreshOverdue(name, generation, timeout):
                if (slot := self._current(name, generation)) and slot.ref is not None:
                    slot.abandoned_threads += 1
                    self._failed(slot, FailureKind.HUNG, f"refresh timed out after {timeout:g}s; its thread was abandoned")
            case RetryDue(name, generation):
                if (slot := self._current(name, generation)) and slot.ref is None:
                    self._start(slot)
            case RestartConnector(name):
                if slot := self._slots.get(name):
                    self._operator_restart(slot)
            case RestartFailed():
                for slot in list(self._slots.values()):
                    if slot.status.is_failed:
                        self._operator_restart(slot)
            case PauseConnector(name):
                if slot := self._slots.get(name):
                    self._pause(slot)
            case HoldConfirmed(name):
                if (slot := self._slots.get(name)) and slot.paused and slot.ref is not None:
                    self._set_status(slot, ConnectorStatus.PAUSED)
            case ResumeConnector(name):
                if slot := self._slots.get(name):
                    self._resume(slot)
            case ForgetConnector(name):
                if slot := self._slots.pop(name, None):
                    self._stop_host(slot)
                    self._tell_out_topic(slot, Unsubscribe(name))
            case ReconfigureConnector(config):
                if slot := self._slots.get(config.name):
                    slot.spec = slot.spec.reconfigured(config)
                    self._operator_restart(slot)
            case ReportsQuery():
                return [slot.report() for slot in self._slots.values()]
            case ConfigQuery(name):
                slot = self._slots.get(name)
                return None if slot is None else slot.spec.config
            case StopConnectors(timeout):
                return self._stop_all(timeout)
            case _:
                return super().on_receive(message)
        return None

    # --- lifecycle ---------------------------------------------------------------------------

    def _supervise(self, spec: ConnectorSpec) -> None:
        old = self._slots.get(spec.config.name)
        if old is not None:
            self._stop_host(old)
        slot = Slot(spec, RestartTracker(spec.policy), ConnectorStatus.INITIALIZED, self._clock.now())
        self._slots[spec.config.name] = slot
        self._start(slot)

    def _start(self, slot: Slot) -> None:
        slot.generation += 1
        slot.next_retry_time = None
        try:
            instance, context = slot.spec.build()
        except Exception as exc:
            slot.last_error = f"{type(exc).__name__}: {exc}"
            logger.bind(service=slot.spec.service, connector=slot.name).error("cannot build connector: {}", exc)
            self._set_status(slot, ConnectorStatus.CONFIG_FAILED)
            return
        slot.stopping = context.stopping
        slot.ref = ConnectorHost.start(
            name=slot.name,
            generation=slot.generation,
            instance=instance,
            context=context,
            supervisor=self.actor_ref,
            timer=self._timer,
            clock=self._clock,
            events=slot.spec.events,
            blocking=slot.spec.config.uses_blocking_calls,
        )
        self._set_status(slot, ConnectorStatus.INITIALIZED)

    def _started(self, slot: Slot, instance_id: str) -> None:
        slot.instance_id = instance_id
        if slot.paused:
            self._set_status(slot, ConnectorStatus.PAUSED)
            return
        self._set_status(slot, ConnectorStatus.WAITING)
        if not slot.spec.config.uses_blocking_calls:
            self._schedule(slot)

    def _schedule(self, slot: Slot) -> None:
        config = slot.spec.config
        self._timer.tell(
            ScheduleConnector(
                slot.name, slot.generation, slot.ref, float(config.refresh), float(config.refresh_timeout), self.actor_ref
            )
        )

    def _failed(self, slot: Slot, kind: FailureKind, error: str) -> None:
        self._stop_host(slot)
        slot.last_error = error
        log = logger.bind(service=slot.spec.service, connector=slot.name)
        if kind is FailureKind.CONFIG:
            self._set_status(slot, ConnectorStatus.CONFIG_FAILED)
            return
        now = self._clock.monotonic()
        decision = slot.tracker.on_failure(now, counts_against_budget=kind is not FailureKind.UNREACHABLE)
        if isinstance(decision, GiveUp):
            slot.last_error = f"{error} (gave up: {decision.reason})"
            log.error("connector FAILED: {}", slot.last_error)
            self._set_status(slot, ConnectorStatus.FAILED)
            return
        slot.next_retry_time = self._clock.now() + timedelta(seconds=decision.delay)
        status = ConnectorStatus.INITIALIZE_FAILED if kind is FailureKind.UNREACHABLE else ConnectorStatus.RESTARTING
        log.warning("connector {}; retry in {:.2f}s (restart {})", status.name, decision.delay, slot.tracker.restart_count)
        self._set_status(slot, status)
        self._timer.tell(CallAt(now + decision.delay, self.actor_ref, RetryDue(slot.name, slot.generation)))

    def _tell_out_topic(self, slot: Slot, message: object) -> None:
        events = slot.spec.events
        if events is not None and events.out_topic is not None:
            events.out_topic.tell(message)

    def _pause(self, slot: Slot) -> None:
        """No more refreshes; PAUSED once the Out Topic consumer confirmed it holds the events too."""
        slot.paused = True
        if slot.ref is None or slot.status.is_failed:
            return
        self._timer.tell(UnscheduleConnector(slot.name))
        events = slot.spec.events
        if events is not None and events.out_topic is not None:
            events.out_topic.tell(HoldConnector(slot.name, self.actor_ref))
        else:
            self._set_status(slot, ConnectorStatus.PAUSED)

    def _resume(self, slot: Slot) -> None:
        slot.paused = False
        self._tell_out_topic(slot, ReleaseConnector(slot.name))
        if slot.status is ConnectorStatus.PAUSED:
            self._set_status(slot, ConnectorStatus.WAITING)
            self._schedule(slot)

    def _operator_restart(self, slot: Slot) -> None:
        self._stop_host(slot)
        slot.tracker.reset()
        slot.last_error = None
        self._start(slot)

    def _stop_host(self, slot: Slot) -> None:
        self._timer.tell(UnscheduleConnector(slot.name))
        if slot.stopping is not None:
            slot.stopping.set()  # a blocking engage() sees it and returns, so the stop gets through
        if slot.ref is not None:
            try:
                slot.ref.stop(block=False)
            except pykka.ActorDeadError:
                pass
            slot.ref = None

    def _stop_all(self, timeout: float) -> list[str]:
        """Stop every host, all at once, waiting at most ``timeout`` in total; names that did not stop."""
        pending = []
        for slot in self._slots.values():
            self._timer.tell(UnscheduleConnector(slot.name))
            if slot.stopping is not None:
                slot.stopping.set()
            if slot.ref is not None:
                try:
                    pending.append((slot, slot.ref.stop(block=False)))
                except pykka.ActorDeadError:
                    pass
                slot.ref = None
            self._set_status(slot, ConnectorStatus.SHUTDOWN)
        deadline = time.monotonic() + timeout  # real time: this bounds how long shutdown waits
        stuck = []
        for slot, future in pending:
            try:
                future.get(timeout=max(0.0, deadline - time.monotonic()))
            except pykka.Timeout:
                stuck.append(slot.name)
        return stuck

    # --- helpers -----------------------------------------------------------------------------

    def _current(self, name: str, generation: int) -> Slot | None:
        slot = self._slots.get(name)
        return slot if slot is not None and slot.generation == generation else None

    def _set_status(self, slot: Slot, status: ConnectorStatus, at: datetime | None = None) -> None:
        if slot.status is not status:
            slot.status = status
            slot.last_status_change = at or self._clock.now()
