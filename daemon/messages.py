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
from typing import Any, NamedTuple

from attrs import frozen

from daemon.states import ActivityReport

__all__ = [
    "CallAt",
    "ConfigQuery",
    "ConnectorFailed",
    "ConnectorHealthy",
    "ConnectorRunning",
    "ConnectorStarted",
    "ConsumerStatsQuery",
    "DeadLettered",
    "DeliverEvents",
    "Delivery",
    "Engage",
    "EventsHandled",
    "FailureKind",
    "ForgetConnector",
    "HoldConfirmed",
    "HoldConnector",
    "PauseConnector",
    "Ping",
    "NoInterest",
    "Poll",
    "ReconfigureConnector",
    "RefreshDue",
    "RefreshFinished",
    "RefreshOverdue",
    "ReleaseConnector",
    "ReplayDeadLetters",
    "ReportsQuery",
    "RequestRefresh",
    "RestartConnector",
    "RestartFailed",
    "ResumeConnector",
    "RetryDue",
    "RetryEvents",
    "ScheduleConnector",
    "ScheduleQuery",
    "StopConnectors",
    "Subscribe",
    "Supervise",
    "Tick",
    "UnscheduleConnector",
    "Unsubscribe",
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
class ForgetConnector:
    """The connector was removed from the config: stop it and drop its state."""

    name: str


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


# --- event delivery (topic consumers <-> connector hosts) ------------------------------------


@frozen
class Poll:
    """A topic consumer's own reminder to poll its source again; only the latest one it asked for
    (``seq``) counts, so asking for one sooner makes a reminder already on its way void."""

    seq: int = 0


class Delivery(NamedTuple):
    """One record for its interested connectors: ``key`` is (partition, offset); ``payload`` what
    the hook gets; ``record`` the record as consumed (what a dead letter keeps). A plain tuple:
    one is made per record on the hot path."""

    key: tuple[int, int]
    payload: Any
    record: Any = None


@frozen
class DeliverEvents:
    """A batch, in order, for one connector; ``hook`` is the connector method to call for each."""

    name: str
    generation: int
    source: Any  # the topic consumer's ActorRef, told what became of each delivery
    hook: str
    deliveries: tuple[Delivery, ...]


@frozen
class EventsHandled:
    name: str
    generation: int
    keys: tuple[tuple[int, int], ...]
    failures: int = 0  # handler attempts that failed (and were retried) since the last report


@frozen
class DeadLettered:
    """The connector gave up on one delivery after ``attempts``; the consumer dead-letters it."""

    name: str
    generation: int
    key: tuple[int, int]
    error: str
    attempts: int


@frozen
class Engage:
    """A blocking-style connector host's own reminder: call ``engage()`` again."""


@frozen
class ConnectorRunning:
    """A blocking-style connector's ``engage()`` loop is running."""

    name: str
    generation: int


@frozen
class RetryEvents:
    """A connector host's own reminder: try its pending deliveries again."""


@frozen
class Subscribe:
    """Deliver matching records to this connector (a new generation replaces the old one)."""

    name: str
    generation: int
    target: Any
    #: one (type names, event type names) pair per listener the connector registered; a record
    #: matching any of them is delivered. Empty: everything (technology topics).
    listeners: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    metadata_source: str | None = None
    user_id: str | None = None


@frozen
class NoInterest:
    """The connector started and registered no listener on this consumer."""

    name: str


@frozen
class Unsubscribe:
    """The connector is gone for good: nothing waits for it any more."""

    name: str


@frozen
class HoldConnector:
    """Paused: keep its records, deliver nothing more to it until released; ``reply_to`` is told
    ``HoldConfirmed`` once nothing more will be delivered."""

    name: str
    reply_to: Any = None


@frozen
class HoldConfirmed:
    name: str


@frozen
class ReleaseConnector:
    name: str


@frozen
class ConsumerStatsQuery:
    """Ask: a ConsumerStats snapshot of a topic consumer."""


@frozen
class ReplayDeadLetters:
    """Deliver again what was dead-lettered for ``name`` (from this consumer's dead-letter sink)."""

    name: str
