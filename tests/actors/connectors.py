"""Connectors for tests: each records what happened to it in ``LOG`` and fails on command.

Behaviour is set through configuration properties, so tests drive faults through config
exactly as a user would.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from attrs import frozen

from daemon import Connector


class Journal:
    """Thread-safe record of hook calls per connector, with a condition to wait on."""

    def __init__(self) -> None:
        self._calls: dict[str, list[str]] = defaultdict(list)
        self._times: dict[str, list[float]] = defaultdict(list)
        self._changed = threading.Condition()

    def record(self, connector: str, hook: str) -> None:
        with self._changed:
            self._calls[connector].append(hook)
            self._times[connector].append(time.monotonic())
            self._changed.notify_all()

    def timed(self, connector: str) -> list[tuple[str, float]]:
        """(hook, monotonic time) of every call, in order."""
        with self._changed:
            return list(zip(self._calls[connector], self._times[connector]))

    def calls(self, connector: str) -> list[str]:
        with self._changed:
            return list(self._calls[connector])

    def count(self, connector: str, hook: str) -> int:
        return self.calls(connector).count(hook)

    def wait_for(self, connector: str, hook: str, count: int, timeout: float = 10.0) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self._calls[connector].count(hook) >= count, timeout):
                raise AssertionError(
                    f"{connector} reached {self._calls[connector].count(hook)} {hook} call(s), not {count}, within {timeout}s"
                )

    def clear(self) -> None:
        with self._changed:
            self._calls.clear()
            self._times.clear()


LOG = Journal()


@frozen
class FaultConfig:
    fail_start: bool = False
    fail_every: int = 0  # raise in every k-th refresh (0 = never)
    block_refresh: bool = False
    touch_metadata: bool = False  # each refresh reads from the metadata server


class Recording(Connector):
    """Records start/refresh/disconnect; fails as its configuration says."""

    config_class = FaultConfig

    def start(self, context) -> None:
        super().start(context)
        LOG.record(context.name, "start")
        if context.config.fail_start:
            raise RuntimeError("start failed on purpose")

    def refresh(self) -> None:
        name = self.context.name
        LOG.record(name, "refresh")
        if self.context.config.block_refresh:
            threading.Event().wait()  # hangs forever, like a connector stuck in a call without timeout
        if self.context.config.touch_metadata:
            self.context.metadata.get_by_qualified_name(f"probe::{name}")
        count, every = LOG.count(name, "refresh"), self.context.config.fail_every
        if every and count % every == 0:
            raise RuntimeError(f"refresh {count} failed on purpose")

    def disconnect(self) -> None:
        LOG.record(self.context.name, "disconnect")


class NotAConnector:
    """A class that does not subclass Connector."""


class Blocking(Connector):
    """Egeria-style blocking connector: engage() waits on the technology, here for a signal."""

    def engage(self) -> None:
        LOG.record(self.context.name, "engage")
        self.context.stopping.wait(0.05)  # blocks like a long poll, and returns at once on stop

    def on_event(self, event) -> None:
        LOG.record(self.context.name, "event")

    def disconnect(self) -> None:
        LOG.record(self.context.name, "disconnect")
