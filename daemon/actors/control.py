"""DaemonControl: how non-actor threads (admin API, CLI, signal handling) talk to the actors.

Every call is an ``ask`` downward with a timeout, or a ``tell``; nothing here blocks
without a bound. Calls that name a connector or service raise ``UnknownConnector`` /
``KeyError`` for names the daemon does not have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pykka
from attrs import evolve

from daemon.actors.asking import ask
from daemon.actors.overrides import OverrideStore
from daemon.actors.service import RefreshService, RestartService
from daemon.config import ConnectorConfig
from daemon.errors import UnknownConnector
from daemon.messages import (
    ConfigQuery,
    Ping,
    PauseConnector,
    ReconfigureConnector,
    ReportsQuery,
    RequestRefresh,
    RestartConnector,
    RestartFailed,
    ResumeConnector,
    ScheduleQuery,
)
from daemon.states import ConnectorReport, ConnectorStatus, RefreshInfo

__all__ = ["DaemonControl"]


def _with_cycle(report: ConnectorReport, cycle: RefreshInfo | None) -> ConnectorReport:
    """Merge the timer's view of the refresh cycle into the supervisor's report."""
    if cycle is None:
        return report
    merged = evolve(
        report,
        next_refresh_time=cycle.next_refresh_time,
        last_refresh_time=cycle.last_refresh_time,
        refresh_count=cycle.refresh_count,
        last_activity=cycle.last_activity,
        total_activity=cycle.total_activity,
        refresh_seconds_sum=cycle.refresh_seconds_sum,
        refresh_seconds_buckets=cycle.refresh_seconds_buckets,
    )
    if cycle.refreshing_since is not None and report.status is ConnectorStatus.WAITING:
        merged = evolve(merged, status=ConnectorStatus.REFRESHING, last_status_change=cycle.refreshing_since)
    return merged


class DaemonControl:
    def __init__(
        self,
        *,
        supervisor: pykka.ActorRef,
        timer: pykka.ActorRef,
        services: Mapping[str, pykka.ActorRef],
        others: Callable[[], list[pykka.ActorRef]] = list,
        overrides: OverrideStore | None = None,
        replay: Callable[[str], int] | None = None,
        ask_timeout: float = 5.0,
    ) -> None:
        self._overrides = overrides
        self._replay = replay
        self._others = others
        self._supervisor = supervisor
        self._timer = timer
        self._services = services
        self._ask_timeout = ask_timeout

    # --- reading -------------------------------------------------------------------------------

    def reports(self) -> list[ConnectorReport]:
        """A snapshot per actor: lifecycle from the supervisor, refresh cycle from the timer."""
        reports: list[ConnectorReport] = ask(self._supervisor, ReportsQuery(), self._ask_timeout)
        cycles: dict[str, RefreshInfo] = ask(self._timer, ScheduleQuery(), self._ask_timeout)
        return [_with_cycle(r, cycles.get(r.name)) for r in reports]

    def ping_all(self) -> bool:
        """True when every actor of the daemon (not the connector hosts, whose hooks have their own
        timeouts) answers a Ping within the ask timeout; raises pykka.Timeout otherwise."""
        actors = [self._supervisor, self._timer, *self._services.values(), *self._others()]
        futures = [actor.ask(Ping(), block=False) for actor in actors]
        return all(future.get(timeout=self._ask_timeout) for future in futures)

    def report(self, name: str) -> ConnectorReport:
        for report in self.reports():
            if report.name == name:
                return report
        raise UnknownConnector("no such connector", name)

    def connector_names(self) -> list[str]:
        return [r.name for r in ask(self._supervisor, ReportsQuery(), self._ask_timeout)]

    def configuration(self, name: str) -> ConnectorConfig:
        config: ConnectorConfig | None = ask(self._supervisor, ConfigQuery(name), self._ask_timeout)
        if config is None:
            raise UnknownConnector("no such connector", name)
        return config

    # --- acting (each returns at once; the status shows the effect) -----------------------------

    def refresh(self, name: str | None = None) -> None:
        """Request a refresh now of one connector or all (dropped for one that is refreshing)."""
        for each in self._names(name):
            self._timer.tell(RequestRefresh(each))

    def restart(self, name: str | None = None) -> None:
        for each in self._names(name):
            self._supervisor.tell(RestartConnector(each))

    def restart_failed(self) -> None:
        self._supervisor.tell(RestartFailed())

    def pause(self, name: str) -> None:
        self._supervisor.tell(PauseConnector(self._names(name)[0]))

    def resume(self, name: str) -> None:
        self._supervisor.tell(ResumeConnector(self._names(name)[0]))

    def update_configuration_properties(self, name: str, properties: Mapping[str, Any], *, merge: bool = True) -> None:
        """Change a connector's configuration properties and restart it (Egeria's semantics)."""
        config = self.configuration(name)
        new = {**config.configuration_properties, **properties} if merge else dict(properties)
        if self._overrides is not None:
            self._overrides.record(name, configuration_properties=new)
        self._supervisor.tell(ReconfigureConnector(evolve(config, configuration_properties=new)))

    def update_endpoint(self, name: str, address: str) -> None:
        config = self.configuration(name)
        if self._overrides is not None:
            self._overrides.record(name, endpoint=address)
        self._supervisor.tell(ReconfigureConnector(evolve(config, endpoint=address)))

    def update_connection(
        self, name: str, *, endpoint: str | None = None, configuration_properties: Mapping[str, Any] | None = None
    ) -> None:
        """Apply an Egeria connection (endpoint and properties) to a connector with one restart."""
        config = self.configuration(name)
        changes: dict[str, Any] = {}
        if endpoint is not None:
            changes["endpoint"] = endpoint
        if configuration_properties is not None:
            changes["configuration_properties"] = dict(configuration_properties)
        if not changes:
            return
        if self._overrides is not None:
            self._overrides.record(name, **changes)
        self._supervisor.tell(ReconfigureConnector(evolve(config, **changes)))

    def replay_dead_letters(self, name: str) -> int:
        """Deliver again to ``name`` what was dead-lettered for it; returns how many were sent."""
        self._names(name)
        if self._replay is None:
            raise UnknownConnector("this daemon has no event bus to replay dead letters from", name)
        return self._replay(name)

    def refresh_service(self, url_marker: str) -> None:
        self._service(url_marker).tell(RefreshService())

    def restart_service(self, url_marker: str) -> None:
        self._service(url_marker).tell(RestartService())

    def _names(self, name: str | None) -> list[str]:
        names = self.connector_names()
        if name is None:
            return names
        if name not in names:
            raise UnknownConnector("no such connector", name)
        return [name]

    def _service(self, url_marker: str) -> pykka.ActorRef:
        try:
            return self._services[url_marker]
        except KeyError:
            raise KeyError(f"no integration service {url_marker!r} in this daemon") from None
