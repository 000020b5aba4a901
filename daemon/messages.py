"""Messages that actors tell each other: frozen, typed, one class per fact.

Direction: the timer tells connector hosts ``RefreshDue``; hosts tell the supervisor
what happened to them (``ConnectorStarted``, ``ConnectorFailed``, ``RefreshStarted``,
``RefreshCompleted``) and tell the timer ``RefreshFinished``; the supervisor tells the
timer what to schedule. Nothing here is a request that expects a reply, except the
``*Query`` messages, which are only ever asked from non-actor threads with a timeout.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from attrs import frozen

from daemon.states import ActivityReport

__all__ = [
    "CallLater",
    "ConnectorFailed",
    "ConnectorStarted",
    "FailureKind",
    "Ping",
    "RefreshCompleted",
    "RefreshDue",
    "RefreshFinished",
    "RefreshOverdue",
    "RefreshStarted",
    "ReportsQuery",
    "RequestRefresh",
    "RestartConnector",
    "RetryDue",
    "ScheduleConnector",
    "ScheduleQuery",
    "StopConnectors",
    "Supervise",
    "Tick",
    "UnscheduleConnector",
]


class FailureKind(enum.Enum):
    """Why a connector failed; the supervisor's policy depends on it."""

    UNREACHABLE = "UNREACHABLE"  # metadata access point did not answer: INITIALIZE_FAILED, retried forever
    HOOK = "HOOK"  # start/refresh/... raised: restart with backoff under the budget
    HUNG = "HUNG"  # a hook exceeded its timeout: replaced like HOOK
    CONFIG = "CONFIG"  # bad class or configuration: CONFIG_FAILED, not retried


# --- timer ---------------------------------------------------------------------------------


@frozen
class Tick:
    """The timer's own thread says a deadline may have passed."""


@frozen
class ScheduleConnector:
    """Refresh ``name`` now and then every ``interval`` s after each refresh ends (0 = on request only)."""

    name: str
    generation: int
    target: Any  # the connector host's ActorRef
    interval: float
    timeout: float
    overseer: Any = None  # told RefreshOverdue when a refresh exceeds ``timeout``


@frozen
class UnscheduleConnector:
    name: str


@frozen
class RequestRefresh:
    """Refresh now unless a refresh is already running (it is then not queued again)."""

    name: str


@frozen
class RefreshFinished:
    name: str
    generation: int


@frozen
class CallLater:
    """Tell ``message`` to ``target`` after ``delay`` seconds of the timer's clock."""

    delay: float
    target: Any
    message: Any


@frozen
class ScheduleQuery:
    """Ask (from a non-actor thread): the next refresh time of every scheduled connector."""


# --- connector host --------------------------------------------------------------------------


@frozen
class RefreshDue:
    name: str
    due_at: float  # monotonic time the refresh was due


@frozen
class Ping:
    """Ask: answer True if the actor is responsive."""


# --- supervisor ------------------------------------------------------------------------------


@frozen
class Supervise:
    """Take charge of a connector: build it, start it, restart it per its policy."""

    spec: Any  # daemon.actors.supervisor.ConnectorSpec


@frozen
class ConnectorStarted:
    name: str
    generation: int
    instance_id: str


@frozen
class ConnectorFailed:
    name: str
    generation: int
    kind: FailureKind
    error: str


@frozen
class RefreshStarted:
    name: str
    generation: int
    at: datetime


@frozen
class RefreshCompleted:
    name: str
    generation: int
    at: datetime
    activity: ActivityReport


@frozen
class RefreshOverdue:
    name: str
    generation: int
    timeout: float


@frozen
class RetryDue:
    name: str
    generation: int


@frozen
class RestartConnector:
    """An operator asked for a fresh instance (also clears FAILED and CONFIG_FAILED)."""

    name: str


@frozen
class StopConnectors:
    """Ask: stop every connector host, each within ``timeout`` seconds; answers the names that did not stop."""

    timeout: float


@frozen
class ReportsQuery:
    """Ask (from a non-actor thread): a ConnectorReport for every supervised connector."""
