"""Scheduler benchmark: N passive no-op connectors refreshed every ``interval`` seconds.

Lateness of a refresh = when its hook started − (end of the previous refresh + interval),
measured by the connectors themselves on the monotonic clock, after a warm-up that lets
the start-up burst (every connector refreshes at start) settle; the warm-up's own p99
is printed too. RSS per connector = the
growth of the process's resident memory from just before the connectors start to the
end of the run, divided by N. Targets (1,000 connectors, 1 s, 30 s): p99 ≤ 50 ms,
≤ 64 KiB per connector.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from loguru import logger

from daemon.app import Daemon
from daemon.config import parse_config
from daemon.connectors import Connector

__all__ = ["NoOpConnector", "run_scheduler_bench"]

_lock = threading.Lock()
_lateness: list[float] = []
_refreshes = 0


class NoOpConnector(Connector):
    """Does nothing but measure how late each refresh starts."""

    _previous_end: float | None = None

    def refresh(self) -> None:
        global _refreshes
        started = time.monotonic()
        if self._previous_end is not None:
            late = started - (self._previous_end + self.context.config["interval"])
            with _lock:
                _lateness.append(late)
                _refreshes += 1
        self._previous_end = time.monotonic()


def _rss_bytes() -> int:
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_scheduler_bench(connectors: int, interval: float, seconds: float, warmup: float = 5.0) -> int:
    logger.remove()
    with tempfile.TemporaryDirectory() as folder:
        document = {
            "server_name": "bench",
            "metadata_server": {"database": str(Path(folder) / "bench.db")},
            "admin": {"port": 0},
            "services": [{
                "url_marker": "files-integrator",
                "connectors": [
                    {"name": f"noop-{i}", "connector": "daemon.bench.scheduler:NoOpConnector",
                     "refresh": interval, "configuration_properties": {"interval": interval}}
                    for i in range(connectors)
                ],
            }],
        }
        config = parse_config(document, environ={})
        daemon = Daemon(config)
        rss_before = _rss_bytes()
        started = time.monotonic()
        daemon.start()
        try:
            _wait_all_started(daemon, connectors, timeout=120)
            startup = time.monotonic() - started
            time.sleep(warmup)  # the start-up burst (every connector refreshed at once) settles
            with _lock:
                warm = list(_lateness)
                _lateness.clear()
            time.sleep(seconds)  # the measured period: the daemon runs, the benchmark only watches
            with _lock:
                samples = list(_lateness)
            rss_after = _rss_bytes()
        finally:
            daemon.stop()
    if warm:
        print(f"warm-up ({warmup:g}s after every connector's first refresh): lateness p99 "
              f"{_percentile(warm, 0.99) * 1000:.1f} ms over {len(warm)} refreshes (not counted below)")
    return _print_report(connectors, interval, seconds, startup, samples, rss_after - rss_before)


def _wait_all_started(daemon: Daemon, connectors: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    control = daemon.control
    assert control is not None
    while time.monotonic() < deadline:
        reports = control.reports()
        if sum(1 for r in reports if r.refresh_count >= 1) == connectors:
            return
        time.sleep(0.2)
    raise SystemExit(f"not every connector refreshed within {timeout}s")


def _print_report(connectors: int, interval: float, seconds: float, startup: float, samples: list[float], rss: int) -> int:
    if not samples:
        print("no refreshes measured")
        return 1
    p50, p99 = _percentile(samples, 0.50) * 1000, _percentile(samples, 0.99) * 1000
    expected = connectors * seconds / interval
    per_connector = rss / connectors / 1024
    print(f"scheduler benchmark: {connectors} connectors, refresh every {interval:g}s, measured {seconds:g}s")
    print(f"  start-up until every connector refreshed once: {startup:.2f}s")
    print(f"  refreshes measured: {len(samples)} ({len(samples) / expected:.2f} of the {expected:.0f} an ideal timer would run)")
    print(f"  lateness p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(samples) * 1000:.1f} ms, mean {statistics.fmean(samples) * 1000:.1f} ms")
    print(f"  RSS added per connector: {per_connector:.1f} KiB ({rss / 2**20:.1f} MiB in all)")
    ok = p99 <= 50 and per_connector <= 64
    print(f"  targets p99 <= 50 ms and <= 64 KiB per connector: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1
