"""The ConnectorHost actor: hosts one connector instance and turns messages into hook calls.

Every hook of the instance runs on this actor's thread, one at a time. The host never
lets an exception escape into pykka: it reports failures to the supervisor, which
decides what happens next (pykka would otherwise stop the actor silently, and skips
``on_failure`` when ``on_start`` raises).
"""

from __future__ import annotations

import uuid

import pykka
from loguru import logger

from daemon.clock import Clock
from daemon.connectors import Connector, ConnectorContext
from daemon.errors import MetadataUnreachable
from daemon.messages import (
    ConnectorFailed,
    ConnectorHealthy,
    ConnectorStarted,
    FailureKind,
    Ping,
    RefreshDue,
    RefreshFinished,
)

__all__ = ["ConnectorHost"]


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
    ) -> None:
        super().__init__()
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

    def on_start(self) -> None:
        try:
            self._context.connect()
            self._instance.start(self._context)
        except MetadataUnreachable as exc:
            self._fail(FailureKind.UNREACHABLE, exc, "cannot reach the metadata access point")
            return
        except Exception as exc:
            self._fail(FailureKind.HOOK, exc, "start failed")
            return
        self._started = True
        self._supervisor.tell(ConnectorStarted(self._name, self._generation, self._instance_id))

    def on_receive(self, message: object) -> object:
        match message:
            case RefreshDue():
                self._refresh()
            case Ping():
                return True
            case _:
                return super().on_receive(message)
        return None

    def on_stop(self) -> None:
        if not self._started:
            return
        try:
            self._instance.disconnect()
        except Exception as exc:
            self._log.warning("disconnect failed: {}", _describe(exc))

    def _refresh(self) -> None:
        if self._failed:
            return
        try:
            self._instance.refresh()
        except MetadataUnreachable as exc:
            self._fail(FailureKind.UNREACHABLE, exc, "refresh lost the metadata access point")
            return
        except Exception as exc:
            self._fail(FailureKind.HOOK, exc, "refresh failed")
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
