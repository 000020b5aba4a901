"""What a configuration reload changes, as plain logic (tested without threads).

Connectors are matched by name. A connector is *changed* when its own config, its
service's defaults it inherits, or the daemon's restart policy it inherits differ;
only changed, added and removed connectors are touched. Settings that only take effect
at start (metadata server, event bus, admin API, server name, logging, state
directory) are reported as needing a restart and otherwise ignored.
"""

from __future__ import annotations

from attrs import frozen

from daemon.config import ConnectorConfig, DaemonConfig, ServiceConfig

__all__ = ["ReloadPlan", "plan_reload"]

_RESTART_ONLY = ("server_name", "metadata_server", "event_bus", "admin", "logging", "state_directory")


@frozen
class ReloadPlan:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    needs_restart: tuple[str, ...] = ()  # top-level settings whose change is ignored until a restart

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.removed)} removed", f"{len(self.changed)} changed",
                 f"{len(self.unchanged)} unchanged"]
        if self.needs_restart:
            parts.append(f"needs a restart for: {', '.join(self.needs_restart)}")
        return ", ".join(parts)


def _effective(daemon: DaemonConfig, service: ServiceConfig, connector: ConnectorConfig) -> tuple[object, ...]:
    """Everything that shapes a running connector."""
    policy = connector.restart_policy.over(daemon.restart_policy) if connector.restart_policy else daemon.restart_policy
    return (
        service.url_marker, connector, policy, service.default_permitted_synchronization, service.options,
        daemon.local_server_user_id, tuple(sorted(daemon.connector_providers.items())),
    )


def plan_reload(old: DaemonConfig, new: DaemonConfig) -> ReloadPlan:
    before = {c.name: _effective(old, s, c) for s, c in old.connectors()}
    after = {c.name: _effective(new, s, c) for s, c in new.connectors()}
    return ReloadPlan(
        added=tuple(name for name in after if name not in before),
        removed=tuple(name for name in before if name not in after),
        changed=tuple(name for name in after if name in before and before[name] != after[name]),
        unchanged=tuple(name for name in after if name in before and before[name] == after[name]),
        needs_restart=tuple(key for key in _RESTART_ONLY if getattr(old, key) != getattr(new, key)),
    )
