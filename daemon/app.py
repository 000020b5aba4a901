"""Composition root: config in, actors started in order, signals waited on, stopped in reverse.

Start order: embedded metadata server (if configured) → Timer → Supervisor →
IntegrationServices (which hand their connectors to the supervisor) → admin API.
Stop order is the reverse, each step bounded by the shutdown budget.
"""

from __future__ import annotations

import gc
import os
import secrets
import signal
import time
from collections.abc import Callable
from typing import Any
from pathlib import Path

import pykka
from loguru import logger

from daemon.actors.asking import ask
from daemon.actors.control import DaemonControl
from daemon.actors.overrides import OverrideStore
from daemon.actors.event_bus import EventBus
from daemon.actors.reload import ReloadPlan, plan_reload
from daemon.actors.service import ApplyServiceConfig, IntegrationService
from daemon.actors.supervisor import Supervisor
from daemon.actors.timer import Timer
from daemon.admin.api import make_admin_app
from daemon.admin.metrics import EventCounts, EventStatistics, Lag
from daemon.clock import Clock, SystemClock
from daemon.config import DaemonConfig
from daemon.connectors.loading import LoadRecord, LoadStatus, discover_connectors
from daemon.errors import ConfigError
from daemon.messages import ForgetConnector, StopConnectors
from daemon.metadata import MetadataClient, pooled_session
from daemon.metadata_server import MetadataServer
from daemon.signals import STOP_SIGNALS, SignalInbox
from daemon.systemd import Notifier, Watchdog, summarize
from daemon.wsgi import WsgiServer

__all__ = ["Daemon", "run_daemon"]

#: The youngest generation's collection threshold once the daemon runs (see ``Daemon.start``).
GC_YOUNG_THRESHOLD = 50_000


class Daemon:
    """The running daemon. ``start()`` then ``stop()``; both from the same (non-actor) thread."""

    def __init__(self, config: DaemonConfig, *, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.metadata_server: MetadataServer | None = None
        self.admin: WsgiServer | None = None
        self.control: DaemonControl | None = None
        self.event_bus: EventBus | None = None
        self._metadata_token: str | None = None
        self._timer: pykka.ActorRef | None = None
        self._supervisor: pykka.ActorRef | None = None
        self._services: dict[str, pykka.ActorRef] = {}
        self._session: Any = None  # the HTTP connection pool all connectors share
        self._gc_threshold: tuple[int, ...] | None = None  # the collector's thresholds before start()
        self._client_factory: Callable[[str], MetadataClient] | None = None
        self.load_records: list[LoadRecord] = []

    @property
    def metadata_url(self) -> str:
        return self.metadata_server.url if self.metadata_server else str(self.config.metadata_server.url)

    def start(self) -> Daemon:
        overrides = OverrideStore(self.config.state_path() / "overrides.json") if self.config.persist_overrides else None
        if overrides is not None:
            self.config = overrides.apply(self.config)
        config = self.config
        log = logger.bind(service="daemon", connector="-")
        self.load_records = discover_connectors()
        for record in self.load_records:
            (log.warning if record.status is LoadStatus.FAILED else log.info)("connector plug-in {}", record.describe())
        client_factory = self._client_factory = self._start_metadata_access()
        self._timer = Timer.start(self.clock)
        self.event_bus = EventBus(
            config, metadata_url=self.metadata_url, metadata_token=self._metadata_token, timer=self._timer,
            clock=self.clock,
        )
        self.event_bus.start()
        self._supervisor = Supervisor.start(self.clock, self._timer)
        for service in config.services:
            self._services[service.url_marker] = IntegrationService.start(
                config=service,
                daemon_config=config,
                client_factory=client_factory,
                supervisor=self._supervisor,
                timer=self._timer,
                clock=self.clock,
                event_bus=self.event_bus,
            )
        self.control = DaemonControl(
            supervisor=self._supervisor, timer=self._timer, services=self._services,
            others=lambda: self.event_bus.consumers() if self.event_bus else [],
            overrides=overrides,
            replay=self._replay_dead_letters,
        )
        admin_token = config.admin.token.reveal() if config.admin.token else None
        app = make_admin_app(
            server_name=config.server_name, control=self.control, services=config.services, token=admin_token,
            host=config.admin.host, connector_providers=config.connector_providers,
            event_stats=self.event_statistics,
        )
        self.admin = WsgiServer(app, host=config.admin.host, port=config.admin.port, name="admin").start()
        # Everything built so far lives as long as the daemon: keep it out of the garbage
        # collector's full passes, which would otherwise pause every actor for tens of ms.
        gc.freeze()
        # Under event load thousands of events are in flight at once; collecting the youngest
        # generation every 700 new objects (the default) costs a tenth of the Out Topic's
        # throughput. Every 50,000 keeps that under a few per cent; cyclic garbage is rare here.
        self._gc_threshold = gc.get_threshold()
        gc.set_threshold(max(self._gc_threshold[0], GC_YOUNG_THRESHOLD), *self._gc_threshold[1:])
        log.info(
            "integration daemon {} started: {} connector(s) in {} service(s); admin API at {}",
            config.server_name, len(config.connectors()), len(config.services), self.admin.url,
        )
        return self

    def _start_metadata_access(self) -> Callable[[str], MetadataClient]:
        access = self.config.metadata_server
        token = access.token.reveal() if access.token else None  # an empty token counts as none
        url = access.url
        if access.embedded:
            token = token or secrets.token_urlsafe(24)
            Path(access.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            self.metadata_server = MetadataServer(
                Path(access.database).expanduser(),
                server_name=access.server_name,
                host="127.0.0.1",
                port=access.port,
                tokens={token: frozenset({"*"})},
                event_bus=self.config.event_bus,
            )
            self.metadata_server.start()
            url = self.metadata_server.url
            logger.bind(service="daemon", connector="-").info(
                "embedded metadata server {} at {} (database {})", access.server_name, url, access.database
            )

        session = self._session = pooled_session()

        self._metadata_token = token

        def client_for(user_id: str) -> MetadataClient:
            return MetadataClient(
                str(url), access.server_name, user_id, token=token, session=session,
                timeout=(float(access.connect_timeout), float(access.read_timeout)),
            )

        return client_for

    def event_statistics(self) -> EventStatistics:
        """Per-connector event counts and partition lag, for status and metrics."""
        if self.event_bus is None:
            return EventStatistics()
        services = {c.name: s.url_marker for s, c in self.config.connectors()}
        counts: list[Any] = []
        lags: list[Any] = []
        for _, stats in self.event_bus.statistics():
            for name, c in stats.per_connector.items():
                counts.append(EventCounts(services.get(name, ""), name, c.delivered, c.failed, c.dead_lettered))
            lags.extend(Lag(stats.topic, partition, lag) for partition, lag in stats.lags.items())
        return EventStatistics(connectors=counts, lags=lags)

    def _replay_dead_letters(self, connector: str) -> int:
        service = next(s for s, c in self.config.connectors() if c.name == connector)
        assert self.event_bus is not None
        return self.event_bus.replay_dead_letters(service, connector)

    def reload(self, new: DaemonConfig) -> ReloadPlan:
        """Adopt ``new``: start added connectors, stop removed ones, restart only changed ones."""
        plan = plan_reload(self.config, new)
        assert self._supervisor is not None and self._timer is not None
        for name in plan.removed:
            self._supervisor.tell(ForgetConnector(name))
        touched = set(plan.added) | set(plan.changed)
        for service in new.services:
            actor = self._services.get(service.url_marker)
            if actor is not None:
                names = tuple(c.name for c in service.connectors if c.name in touched)
                actor.tell(ApplyServiceConfig(service, new, names))
            else:
                self._services[service.url_marker] = IntegrationService.start(
                    config=service, daemon_config=new, client_factory=self._client_factory,
                    supervisor=self._supervisor, timer=self._timer, clock=self.clock, event_bus=self.event_bus,
                )
        for marker in [m for m in self._services if m not in {s.url_marker for s in new.services}]:
            _stop_actor(self._services.pop(marker), timeout=2.0)
        if plan.needs_restart:
            logger.bind(service="daemon", connector="-").warning(
                "changes to {} take effect at the next restart", ", ".join(plan.needs_restart)
            )
        self.config = new
        return plan

    def stop(self) -> None:
        """Stop in reverse order; never waits longer than the shutdown budget on connectors."""
        log = logger.bind(service="daemon", connector="-")
        budget = float(self.config.shutdown_timeout)
        started = time.monotonic()
        if self.admin is not None:
            self.admin.stop()
            self.admin = None
        for ref in reversed(list(self._services.values())):
            _stop_actor(ref, timeout=2.0)
        self._services.clear()
        if self._supervisor is not None:
            try:
                stuck = ask(self._supervisor, StopConnectors(budget), budget + 2.0)
            except (pykka.Timeout, pykka.ActorDeadError):
                stuck = ["(supervisor did not answer)"]
            if stuck:
                log.warning("abandoned connector(s) still busy at shutdown: {}", ", ".join(stuck))
            _stop_actor(self._supervisor, timeout=2.0)
            self._supervisor = None
        if self.event_bus is not None:
            self.event_bus.stop()
            self.event_bus = None
        if self._timer is not None:
            _stop_actor(self._timer, timeout=2.0)
            self._timer = None
        if self._session is not None:
            self._session.close()
            self._session = None
        if self.metadata_server is not None:
            self.metadata_server.stop()
            self.metadata_server = None
        if self._gc_threshold is not None:
            gc.set_threshold(*self._gc_threshold)
            self._gc_threshold = None
            # What start() froze is garbage now (actors, clients, connectors): let the collector
            # have it, or a process that runs daemons one after another keeps every one of them.
            gc.unfreeze()
        log.info("integration daemon {} stopped in {:.2f}s", self.config.server_name, time.monotonic() - started)


def _stop_actor(ref: pykka.ActorRef, timeout: float) -> None:
    try:
        ref.stop(block=True, timeout=timeout)
    except pykka.Timeout:
        logger.warning("actor {} did not stop within {}s", ref, timeout)
    except pykka.ActorDeadError:
        pass


def run_daemon(config: DaemonConfig, reload_config: Callable[[], DaemonConfig] | None = None) -> int:
    """Run until SIGTERM or SIGINT, then stop cleanly; SIGHUP re-reads the config with ``reload_config``.

    Tells systemd (when ``NOTIFY_SOCKET`` is set) READY once every actor answered, STATUS
    summaries, WATCHDOG pings while the actors answer, RELOADING/READY around reloads and
    STOPPING. Returns the process exit code.
    """
    log = logger.bind(service="daemon", connector="-")
    notifier = Notifier.from_environment()
    daemon = Daemon(config)
    watchdog: Watchdog | None = None
    pid_file = config.state_path() / "integration-daemon.pid"
    signals = SignalInbox(STOP_SIGNALS | {signal.SIGHUP})
    try:
        signals.install()
        daemon.start()
        control = daemon.control
        assert control is not None
        control.ping_all()
        _write_pid(pid_file)
        notifier.ready(status=summarize(control.reports()))
        watchdog = Watchdog(notifier, control.ping_all, status=lambda: summarize(control.reports())).start()
        while not (received := signals.wait()) & STOP_SIGNALS:
            if signal.SIGHUP in received:
                _reload(daemon, reload_config, notifier, log)
        log.info("stop requested: stopping")
    finally:
        if watchdog is not None:
            watchdog.stop()
        notifier.stopping(status="stopping")
        notifier.extend_timeout(float(config.shutdown_timeout) + 10)
        daemon.stop()
        pid_file.unlink(missing_ok=True)
        signals.close()
    return 0


def _reload(daemon: Daemon, reload_config: Callable[[], DaemonConfig] | None, notifier: Notifier, log: Any) -> None:
    notifier.reloading(status="reloading configuration")
    control = daemon.control
    assert control is not None
    if reload_config is None:
        log.warning("SIGHUP received, but this daemon was not started from a file: nothing to reload")
        notifier.ready(status=summarize(control.reports()))
        return
    try:
        new = reload_config()
    except ConfigError as exc:
        log.error("reload rejected, the running configuration stays: {}", exc)
        notifier.ready(status=f"reload rejected: {len(exc.problems)} problem(s); previous configuration kept")
        return
    plan = daemon.reload(new)
    log.info("configuration reloaded: {}", plan.summary())
    notifier.ready(status=summarize(control.reports()))


def _write_pid(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{os.getpid()}\n")
