"""The refresh schedule and delayed calls, as plain logic the timer actor delegates to.

Rules: a connector is refreshed when it is scheduled and then ``interval`` seconds after
each refresh *ends*; a refresh is never started while one is running (requests made
meanwhile are dropped, not queued); a refresh running longer than its timeout is reported
once as overdue. Times are the timer clock's monotonic seconds.
"""

from __future__ import annotations

import heapq
import itertools
from datetime import datetime
from typing import Any

from attrs import define, field

from daemon.states import REFRESH_SECONDS_BUCKETS, ActivityReport

__all__ = ["Action", "Entry", "RefreshSchedule"]


@define
class Entry:
    name: str
    generation: int
    target: Any
    interval: float
    timeout: float
    overseer: Any = None
    due: float | None = None
    started: float | None = None
    started_wall: datetime | None = None
    refresh_count: int = 0
    last_refresh_time: datetime | None = None
    last_activity: ActivityReport | None = None
    total_activity: ActivityReport = ActivityReport()
    seconds_sum: float = 0.0
    seconds_buckets: list[int] = field(factory=lambda: [0] * (len(REFRESH_SECONDS_BUCKETS) + 1))

    def record(self, seconds: float, at: datetime | None, activity: ActivityReport | None) -> None:
        """Account for one finished refresh that took ``seconds``."""
        self.refresh_count += 1
        self.last_refresh_time = at
        self.last_activity = activity
        if activity is not None:
            self.total_activity = self.total_activity.plus(activity)
        self.seconds_sum += seconds
        for i, bound in enumerate((*REFRESH_SECONDS_BUCKETS, float("inf"))):
            if seconds <= bound:
                self.seconds_buckets[i] += 1


@define(frozen=True)
class Action:
    """What the timer must tell now: kind is "refresh", "overdue" or "call"."""

    kind: str
    name: str = ""
    target: Any = None
    message: Any = None
    entry: Entry | None = None
    due_at: float = 0.0


class RefreshSchedule:
    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._history: dict[str, Entry] = {}  # last entry of names not scheduled now
        self._heap: list[tuple[float, int, str, Any]] = []
        self._sequence = itertools.count()

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, entry: Entry, now: float) -> None:
        """Schedule (or re-schedule a new generation of) a connector; its first refresh is due now.

        A new generation keeps the refresh history of the one it replaces."""
        previous = self._entries.get(entry.name) or self._history.pop(entry.name, None)
        if previous is not None:
            for history in ("refresh_count", "last_refresh_time", "last_activity", "total_activity",
                            "seconds_sum", "seconds_buckets"):
                setattr(entry, history, getattr(previous, history))
        self._entries[entry.name] = entry
        self._set_due(entry, now)

    def remove(self, name: str) -> None:
        """Stop scheduling ``name``; its refresh history is kept for the next instance of that name."""
        entry = self._entries.pop(name, None)
        if entry is not None:
            self._history[name] = entry

    def request(self, name: str, now: float) -> bool:
        """Make a refresh due now; False if unknown or a refresh is running."""
        entry = self._entries.get(name)
        if entry is None or entry.started is not None:
            return False
        self._set_due(entry, now)
        return True

    def finished(
        self, name: str, generation: int, now: float, at: datetime | None = None, activity: ActivityReport | None = None
    ) -> None:
        entry = self._entries.get(name)
        if entry is None or entry.generation != generation or entry.started is None:
            return
        entry.record(now - entry.started, at, activity)
        entry.started = entry.started_wall = None
        if entry.interval > 0:
            self._set_due(entry, now + entry.interval)
        else:
            entry.due = None

    def call_at(self, at: float, target: Any, message: Any) -> None:
        heapq.heappush(self._heap, (at, next(self._sequence), "", ("call", target, message)))

    def next_deadline(self) -> float | None:
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float, wall: datetime | None = None) -> list[Action]:
        actions: list[Action] = []
        while self._heap and self._heap[0][0] <= now:
            at, _, name, payload = heapq.heappop(self._heap)
            if name == "":
                _, target, message = payload
                actions.append(Action("call", target=target, message=message))
                continue
            entry = self._entries.get(name)
            if entry is None or payload is not entry or not self._is_current(entry, at):
                continue
            if entry.started is None:
                entry.started, entry.due = now, None
                entry.started_wall = wall
                if entry.timeout > 0:
                    heapq.heappush(self._heap, (now + entry.timeout, next(self._sequence), name, entry))
                actions.append(Action("refresh", name=name, target=entry.target, entry=entry, due_at=at))
            else:
                actions.append(Action("overdue", name=name, entry=entry))
        return actions

    def entries(self) -> list[Entry]:
        return list(self._entries.values())

    def _set_due(self, entry: Entry, at: float) -> None:
        entry.due = at
        heapq.heappush(self._heap, (at, next(self._sequence), entry.name, entry))

    @staticmethod
    def _is_current(entry: Entry, at: float) -> bool:
        if entry.started is None:
            return entry.due == at
        return entry.timeout > 0 and at == entry.started + entry.timeout

    def _drop_stale(self) -> None:
        while self._heap:
            at, _, name, payload = self._heap[0]
            if name == "" or (self._entries.get(name) is payload and self._is_current(self._entries[name], at)):
                return
            heapq.heappop(self._heap)
