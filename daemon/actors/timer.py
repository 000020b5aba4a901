"""The Timer actor: one schedule for every passive connector, and delayed calls for the supervisor.

The timer owns all waiting in the daemon. Its ticker thread waits on the injected clock
until the earliest deadline (or until the schedule changes) and tells the actor ``Tick``;
the actor then tells each due connector ``RefreshDue``. Nothing else in the daemon sleeps.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pykka
from loguru import logger

from daemon.actors.schedule import Entry, RefreshSchedule
from daemon.clock import Clock
from daemon.states import RefreshInfo
from daemon.messages import (
    Ping,
    CallAt,
    RefreshDue,
    RefreshFinished,
    RefreshOverdue,
    RequestRefresh,
    ScheduleConnector,
    ScheduleQuery,
    Tick,
    UnscheduleConnector,
)

__all__ = ["Timer"]


class _Ticker:
    """The timer's thread: waits for the next deadline, then tells the timer ``Tick``."""

    def __init__(self, clock: Clock, timer: pykka.ActorRef) -> None:
        self._clock = clock
        self._timer = timer
        self._lock = threading.Lock()
        self._deadline: float | None = None
        self._wake = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="timer-ticker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def set_deadline(self, deadline: float | None) -> None:
        with self._lock:
            changed = deadline != self._deadline
            self._deadline = deadline
        if changed:
            self._wake.set()

    def stop(self, timeout: float = 2.0) -> None:
        self._stopped = True
        self._wake.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopped:
            with self._lock:
                deadline = self._deadline
            timeout = None if deadline is None else deadline - self._clock.monotonic()
            if timeout is not None and timeout <= 0:
                with self._lock:
                    if self._deadline == deadline:
                        self._deadline = None  # told once; the timer sets the next one
                try:
                    self._timer.tell(Tick())
                except pykka.ActorDeadError:
                    return
                continue
            if self._clock.wait(self._wake, timeout):
                self._wake.clear()


class Timer(pykka.ThreadingActor):
    """Refresh schedule (RefreshDue to hosts) and delayed calls (CallAt) on an injected clock."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self._clock = clock
        self._schedule = RefreshSchedule()
        self._ticker: _Ticker | None = None

    def on_start(self) -> None:
        self._ticker = _Ticker(self._clock, self.actor_ref)
        self._ticker.start()

    def on_stop(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()

    def on_receive(self, message: object) -> object:
        now = self._clock.monotonic()
        match message:
            case Ping():
                return True
            case Tick():
                self._fire(now)
            case ScheduleConnector(name, generation, target, interval, timeout, overseer):
                self._schedule.add(Entry(name, generation, target, interval, timeout, overseer), now)
                self._fire(now)
            case UnscheduleConnector(name):
                self._schedule.remove(name)
            case RequestRefresh(name):
                if self._schedule.request(name, now):
                    self._fire(now)
                else:
                    logger.debug("refresh of {} not started: unknown, or a refresh is running", name)
            case RefreshFinished(name, generation, at, activity):
                self._schedule.finished(name, generation, now, at, activity)
            case CallAt(at, target, inner):
                self._schedule.call_at(at, target, inner)
                self._fire(now)
            case ScheduleQuery():
                return {entry.name: self._info(entry, now) for entry in self._schedule.entries()}
            case _:
                return super().on_receive(message)
        self._rearm()
        return None

    def _fire(self, now: float) -> None:
        for action in self._schedule.pop_due(now, self._clock.now()):
            try:
                if action.kind == "refresh":
                    action.target.tell(RefreshDue(action.name, action.due_at))
                elif action.kind == "overdue" and action.entry is not None and action.entry.overseer is not None:
                    entry = action.entry
                    entry.overseer.tell(RefreshOverdue(entry.name, entry.generation, entry.timeout))
                elif action.kind == "call":
                    action.target.tell(action.message)
            except pykka.ActorDeadError:
                logger.debug("timer target of {} has stopped; dropping {}", action.name, action.kind)

    def _rearm(self) -> None:
        if self._ticker is not None:
            self._ticker.set_deadline(self._schedule.next_deadline())

    def _info(self, entry: Entry, now: float) -> RefreshInfo:
        due = None if entry.due is None else self._clock.now() + timedelta(seconds=entry.due - now)
        return RefreshInfo(
            next_refresh_time=due,
            last_refresh_time=entry.last_refresh_time,
            refreshing_since=entry.started_wall,
            refresh_count=entry.refresh_count,
            last_activity=entry.last_activity,
            total_activity=entry.total_activity,
            refresh_seconds_sum=entry.seconds_sum,
            refresh_seconds_buckets=tuple(entry.seconds_buckets),
        )
