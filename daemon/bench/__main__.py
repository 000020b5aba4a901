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


@main.command()
@click.option("--events", default=100_000, show_default=True)
@click.option("--latency-rate", default=1000, show_default=True, help="Events/s for the latency run.")
@click.option("--latency-seconds", default=6.0, show_default=True,
              help="Measured seconds in all, split over the rounds (each on a fresh topic: the test broker "
                   "slows down as a partition fills with one-record batches).")
@click.option("--rounds", default=3, show_default=True,
              help="Rounds of the 1-connector measurement (each paired with raw loops over its own topic) "
                   "and of the latency measurement; medians are reported.")
@click.option("--broker", "broker_kind", type=click.Choice(["tansu", "mock"]), default="tansu", show_default=True,
              help="The test broker, or librdkafka's in-process mock cluster.")
def outtopic(events: int, latency_rate: int, latency_seconds: float, rounds: int, broker_kind: str) -> None:
    """Out Topic to connectors: events/s (1 and 10 connectors) against a raw consumer, and latency."""
    from daemon.bench.outtopic import run_outtopic_bench

    raise SystemExit(run_outtopic_bench(events, latency_rate, latency_seconds, broker_kind, rounds))


@main.command()
@click.option("--tables", default=200, show_default=True)
@click.option("--columns", default=20, show_default=True)
@click.option("--dsn", default="postgresql://postgres@127.0.0.1:5432/test", show_default=True)
def catalog(tables: int, columns: int, dsn: str) -> None:
    """Catalogue a PostgreSQL schema of TABLES x COLUMNS: first and unchanged refresh rates."""
    from daemon.bench.catalog import run_catalog_bench

    raise SystemExit(run_catalog_bench(tables, columns, dsn))


main()
