"""The admin API: Egeria's integration daemon REST paths, operator controls, probes, metrics, status page.

``make_admin_app`` builds the WSGI app the composition root serves; ``EventStatistics`` and
its parts are the hook through which the Out Topic side reports delivery counts and lag.
"""

from daemon.admin.api import DAEMON_BASE, USER_BASE, make_admin_app
from daemon.admin.metrics import EventCounts, EventStatistics, EventStatsSource, Lag

__all__ = ["DAEMON_BASE", "USER_BASE", "EventCounts", "EventStatistics", "EventStatsSource", "Lag", "make_admin_app"]
