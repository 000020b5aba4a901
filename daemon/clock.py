"""Time, injected. Actors never call ``time`` directly; they get a ``Clock``.

``SystemClock`` is real time. ``ManualClock`` moves only when a test calls
``advance()``, so schedules and backoff can be tested without sleeping.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes back; used for every deadline."""

    def now(self) -> datetime:
        """Wall-clock time (UTC), for status reports."""

    def wait(self, wake: threading.Event, timeout: float | None) -> bool:
        """Block until ``wake`` is set or ``timeout`` seconds of this clock pass; True if woken."""


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def wait(self, wake: threading.Event, timeout: float | None) -> bool:
        return wake.wait(None if timeout is None else max(0.0, timeout))


class ManualClock:
    """A clock that only moves when told to; waiters wake when their deadline is passed."""

    def __init__(self, start: float = 1_000.0, wall: datetime | None = None) -> None:
        self._time = start
        self._start = start
        self._wall = wall or datetime(2026, 1, 1, tzinfo=timezone.utc)
        self._changed = threading.Condition()

    def monotonic(self) -> float:
        with self._changed:
            return self._time

    def now(self) -> datetime:
        from datetime import timedelta

        with self._changed:
            return self._wall + timedelta(seconds=self._time - self._start)

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every waiter whose deadline has come."""
        with self._changed:
            self._time += seconds
            self._changed.notify_all()

    def wait(self, wake: threading.Event, timeout: float | None) -> bool:
        with self._changed:
            deadline = None if timeout is None else self._time + timeout
            while not wake.is_set():
                if deadline is not None and self._time >= deadline:
                    return False
                # Re-check the event every 10 ms of real time: setting an Event cannot notify our condition.
                self._changed.wait(0.01)
            return True
