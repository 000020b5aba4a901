"""``python -m daemon.bench scheduler [--connectors N] [--interval S] [--seconds S]``."""

from __future__ import annotations

import click

from daemon.bench.scheduler import run_scheduler_bench


@click.group()
def main() -> None:
    """Benchmarks that print measured figures."""


@main.command()
@click.option("--connectors", default=1000, show_default=True)
@click.option("--interval", default=1.0, show_default=True, help="Refresh interval in seconds.")
@click.option("--seconds", default=30.0, show_default=True, help="How long to measure.")
@click.option("--warmup", default=5.0, show_default=True, help="Seconds to let the start-up burst settle first.")
def scheduler(connectors: int, interval: float, seconds: float, warmup: float) -> None:
    """Many passive no-op connectors: refresh lateness p50/p99 and RSS per connector."""
    raise SystemExit(run_scheduler_bench(connectors, interval, seconds, warmup))


main()
