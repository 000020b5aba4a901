"""DaemonControl: how non-actor threads (admin API, CLI, signal handling) talk to the actors.

Every call is an ``ask`` downward with a timeout, or a ``tell``; nothing here blocks
without a bound.
"""

from __future__ import annotations

import pykka
from attrs import evolve

from daemon.actors.service import RefreshService, RestartService
from daemon.messages import ReportsQuery, RequestRefresh, RestartConnector, ScheduleQuery
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
        services: dict[str, pykka.ActorRef],
        ask_timeout: float = 5.0,
    ) -> None:
        self._supervisor = supervisor
        self._timer = timer
        self._services = services
        self._ask_timeout = ask_timeout

    def reports(self) -> list[ConnectorReport]:
        """A consistent snapshot per actor: states from the supervisor, next refreshes from the timer."""
        reports: list[ConnectorReport] = self._supervisor.ask(ReportsQuery(), timeout=self._ask_timeout)
        cycles: dict[str, RefreshInfo] = self._timer.ask(ScheduleQuery(), timeout=self._ask_timeout)
        return [_with_cycle(r, cycles.get(r.name)) for r in reports]

    def connector_names(self) -> list[str]:
        return [r.name for r in self._supervisor.ask(ReportsQuery(), timeout=self._ask_timeout)]

    def refresh(self, name: str) -> None:
        """Request a refresh now (dropped if one is running); returns at once."""
        self._timer.tell(RequestRefresh(name))

    def restart(self, name: str) -> None:
        self._supervisor.tell(RestartConnector(name))

    def refresh_service(self, url_marker: str) -> None:
        self._services[url_marker].tell(RefreshService())

    def restart_service(self, url_marker: str) -> None:
        self._services[url_marker].tell(RestartService())
