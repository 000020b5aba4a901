"""Messages that actors tell each other: frozen, typed, one class per fact.

Direction: the timer tells connector hosts ``RefreshDue``; hosts tell the timer
``RefreshFinished`` (the refresh cycle is the timer's business) and tell the supervisor
what happened to them (``ConnectorStarted``, ``ConnectorHealthy``, ``ConnectorFailed``;
the lifecycle is the supervisor's business); the supervisor tells the timer what to
schedule. Nothing here is a request that expects a reply, except the
``*Query`` messages, which are only ever asked from non-actor threads with a timeout.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from attrs import frozen

from daemon.states import ActivityReport

__all__ = [
    "CallAt",
    "ConfigQuery",
    "ConnectorFailed",
    "ConnectorHealthy",
    "ConnectorStarted",
    "FailureKind",
    "Ping",
    "RefreshDue",
    "RefreshFinished",
    "RefreshOverdue",
    "ReportsQuery",
    "RequestRefresh",
    "PauseConnector",
    "ReconfigureConnector",
    "RestartConnector",
    "RestartFailed",
    "ResumeConnector",
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
    """A refresh ended well; the next one is due ``interval`` after this."""

    name: str
    generation: int
    at: datetime
    activity: ActivityReport


@frozen
class CallAt:
    """Tell ``message`` to ``target`` when the timer's clock reads ``at`` (monotonic seconds).

    An absolute time, so the delay counts from when the sender decided, not from when
    the timer happens to read this message.
    """

    at: float
    target: Any
    message: Any


@frozen
class ScheduleQuery:
    """Ask (from a non-actor thread): a RefreshInfo for every scheduled connector."""


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
class ConnectorHealthy:
    """The instance finished its first refresh: its failures are behind it (backoff starts over)."""

    name: str
    generation: int


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
class PauseConnector:
    """No refreshes or events for this connector until resumed (events wait, they are not lost)."""

    name: str


@frozen
class ResumeConnector:
    name: str


@frozen
class RestartFailed:
    """Restart every connector that is FAILED, CONFIG_FAILED or INITIALIZE_FAILED."""


@frozen
class ReconfigureConnector:
    """Replace a connector's config (properties, endpoint, ...) and restart it with a fresh instance."""

    config: Any  # daemon.config.ConnectorConfig


@frozen
class StopConnectors:
    """Ask: stop every connector host, each within ``timeout`` seconds; answers the names that did not stop."""

    timeout: float


@frozen
class ConfigQuery:
    """Ask (from a non-actor thread): the current ConnectorConfig of ``name`` (None if unknown)."""

    name: str


@frozen
class ReportsQuery:
    """Ask (from a non-actor thread): a ConnectorReport for every supervised connector."""
