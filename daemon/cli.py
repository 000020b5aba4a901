"""The ``integration-daemon`` command.

Exit codes: 0 success/clean stop; 1 runtime failure; 2 invalid config or usage;
3 the daemon's admin API could not be reached (``status``, ``refresh``, ``restart``, ``pause``,
``resume``, ``config``); an admin request the daemon refused exits 1.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from daemon.admin.client import AdminClient, AdminRequestFailed, AdminUnreachable
from daemon.config import (
    DaemonConfig,
    egeria_to_document,
    load_config,
    load_egeria_config,
    load_metadata_server_config,
    to_yaml,
)
from daemon.errors import ConfigError
from daemon.logs import configure_logging

__all__ = ["main"]

EXIT_RUNTIME = 1
EXIT_CONFIG = 2
EXIT_UNREACHABLE = 3


def _placeholders(pairs: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--placeholder")
        values[name] = value
    return values


def _read(path: str, placeholders: tuple[str, ...] = (), egeria: bool = False) -> DaemonConfig:
    """Our YAML, or an Egeria OMAGServerConfig JSON document (``*.json``, ``*.config`` or ``egeria``);
    raises ConfigError."""
    if egeria or path.endswith((".json", ".config")):
        config, warnings = load_egeria_config(path, placeholders=_placeholders(placeholders))
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
        return config
    return load_config(path)


def _load(path: str, placeholders: tuple[str, ...] = (), egeria: bool = False) -> DaemonConfig:
    """As ``_read``, but a bad config ends the command with every problem and exit code 2."""
    try:
        return _read(path, placeholders, egeria)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_CONFIG)


_EGERIA = click.option(
    "--egeria-config", "egeria", is_flag=True, help="CONFIG_FILE is an Egeria OMAGServerConfig JSON document."
)
_PLACEHOLDER = click.option(
    "--placeholder", "placeholders", multiple=True, metavar="NAME=VALUE",
    help="Value for an Egeria ~{NAME}~ placeholder (repeatable); environment variables are used otherwise.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """An integration daemon: keeps metadata in step between technologies and an open metadata server."""


@main.command()
@click.argument("config_file", type=click.Path(dir_okay=False))
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None, help="Overrides logging.format.")
@click.option("--log-level", default=None, help="Overrides logging.level (e.g. DEBUG).")
@_EGERIA
@_PLACEHOLDER
def run(
    config_file: str, log_format: str | None, log_level: str | None, egeria: bool, placeholders: tuple[str, ...]
) -> None:
    """Run the daemon described by CONFIG_FILE (our YAML, or an Egeria server config JSON) until SIGTERM or SIGINT."""
    config = _load(config_file, placeholders, egeria)
    configure_logging(log_level or config.logging.level, log_format or config.logging.format)
    from daemon.app import run_daemon

    sys.exit(run_daemon(config, reload_config=lambda: _read(config_file, placeholders, egeria)))


@main.command()
@click.option("--config", "config_file", required=True, type=click.Path(dir_okay=False),
              help="The running daemon's config (its state directory holds the pid file).")
def reload(config_file: str) -> None:
    """Ask the running daemon to re-read its config (SIGHUP): only what changed is restarted."""
    config = _load(config_file)
    pid_file = config.state_path() / "integration-daemon.pid"
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError) as exc:
        click.echo(f"cannot signal the daemon through {pid_file}: {exc}", err=True)
        sys.exit(EXIT_UNREACHABLE)
    click.echo(f"asked daemon {pid} to reload; its log says what changed")


@main.command()
@click.argument("config_file", type=click.Path(dir_okay=False))
@_EGERIA
@_PLACEHOLDER
def validate(config_file: str, egeria: bool, placeholders: tuple[str, ...]) -> None:
    """Check CONFIG_FILE; print every problem with its path (exit 2) or 'valid' (exit 0)."""
    config = _load(config_file, placeholders, egeria)
    click.echo(f"{config_file}: valid ({len(config.services)} service(s), {len(config.connectors())} connector(s))")


@main.command()
@click.argument("egeria_file", type=click.Path(dir_okay=False, exists=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write here instead of stdout.")
@_PLACEHOLDER
def convert(egeria_file: str, output: str | None, placeholders: tuple[str, ...]) -> None:
    """Write the YAML equivalent of an Egeria OMAGServerConfig JSON document."""
    try:
        with open(egeria_file, encoding="utf-8") as file:
            document = json.load(file)
        converted, warnings = egeria_to_document(
            document, environ=os.environ, placeholders=_placeholders(placeholders), source=egeria_file
        )
    except ValueError as exc:
        click.echo(f"{egeria_file}: not valid JSON: {exc}", err=True)
        sys.exit(EXIT_CONFIG)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_CONFIG)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    text = to_yaml(converted, source=egeria_file, warnings=warnings)
    if output:
        with open(output, "w", encoding="utf-8") as file:
            file.write(text)
    else:
        click.echo(text, nl=False)


@main.command("metadata-server")
@click.option("--config", "config_file", required=True, type=click.Path(dir_okay=False))
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None)
def metadata_server(config_file: str, log_format: str | None) -> None:
    """Run the bundled metadata server on its own."""
    try:
        config = load_metadata_server_config(config_file)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_CONFIG)
    configure_logging(config.logging.level, log_format or config.logging.format)
    from daemon.metadata_server.process import run_metadata_server

    sys.exit(run_metadata_server(config))


# --- talking to a running daemon's admin API ------------------------------------------------------

_ADMIN_OPTIONS = (
    click.option("--config", "config_file", type=click.Path(dir_okay=False),
                 help="The daemon's config (admin address, server name, token)."),
    click.option("--url", default=None, help="Admin API base URL, e.g. http://127.0.0.1:9444"),
    click.option("--server-name", default=None, help="The daemon's server name (default: from --config)."),
    click.option("--token", envvar="INTEGRATION_DAEMON_TOKEN", default=None, show_envvar=True,
                 help="Admin bearer token (default: admin.token from --config)."),
    click.option("--json", "as_json", is_flag=True, help="Print the daemon's JSON answer."),
)


def _admin_client(config_file: str | None, url: str | None, server_name: str | None, token: str | None) -> AdminClient:
    if config_file:
        config = _load(config_file)
        host = config.admin.host if config.admin.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        url = url or f"http://{f'[{host}]' if ':' in host else host}:{config.admin.port}"
        server_name = server_name or config.server_name
        token = token or (config.admin.token.reveal() if config.admin.token else None)
    if not url or not server_name:
        raise click.UsageError("give --config, or both --url and --server-name")
    return AdminClient(url, server_name, token=token)


def _admin_command(function: Callable[..., Any]) -> Callable[..., Any]:
    """Give ``function`` an AdminClient and ``as_json`` from the shared options; map failures to exit codes."""

    @functools.wraps(function)
    def command(config_file: str | None, url: str | None, server_name: str | None, token: str | None,
                as_json: bool, **arguments: Any) -> None:
        client = _admin_client(config_file, url, server_name, token)
        try:
            function(client, as_json, **arguments)
        except AdminUnreachable as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_UNREACHABLE)
        except AdminRequestFailed as exc:
            click.echo(json.dumps(exc.body, indent=2) if as_json else str(exc), err=True)
            sys.exit(EXIT_RUNTIME)

    for option in reversed(_ADMIN_OPTIONS):
        command = option(command)
    return command


def _done(answer: dict[str, Any], as_json: bool, text: str) -> None:
    click.echo(json.dumps(answer, indent=2) if as_json else text)


@main.command()
@_admin_command
def status(client: AdminClient, as_json: bool) -> None:
    """Show every connector: service, state, last/next refresh, restarts, last error."""
    body = client.status()
    if as_json:
        click.echo(json.dumps(body, indent=2))
    else:
        _print_status_table(body)


@main.command()
@click.argument("name", required=False)
@click.option("--all", "every", is_flag=True, help="Refresh every connector.")
@_admin_command
def refresh(client: AdminClient, as_json: bool, name: str | None, every: bool) -> None:
    """Refresh connector NAME (or --all) now; returns at once."""
    if bool(name) == every:
        raise click.UsageError("give a connector NAME or --all")
    _done(client.refresh(name), as_json, f"refresh requested for {name or 'every connector'}")


@main.command()
@click.argument("name", required=False)
@click.option("--all", "every", is_flag=True, help="Restart every connector.")
@click.option("--failed", is_flag=True, help="Restart only FAILED, CONFIG_FAILED and INITIALIZE_FAILED connectors.")
@_admin_command
def restart(client: AdminClient, as_json: bool, name: str | None, every: bool, failed: bool) -> None:
    """Restart connector NAME (or --all, or --failed) with a fresh instance and budget."""
    if (bool(name) + every + failed) != 1:
        raise click.UsageError("give a connector NAME, --all or --failed")
    if failed:
        _done(client.restart_failed(), as_json, "restart requested for every failed connector")
    else:
        _done(client.restart(name), as_json, f"restart requested for {name or 'every connector'}")


@main.group("dlq")
def dlq_group() -> None:
    """Dead-lettered events."""


@dlq_group.command("replay")
@click.argument("name")
@_admin_command
def dlq_replay(client: AdminClient, as_json: bool, name: str) -> None:
    """Deliver again to connector NAME the events dead-lettered for it."""
    answer = client.replay_dead_letters(name)
    _done(answer, as_json, f"{answer.get('count', 0)} dead-lettered event(s) delivered again to {name}")


@main.command()
@click.argument("name")
@_admin_command
def pause(client: AdminClient, as_json: bool, name: str) -> None:
    """Stop refreshing connector NAME until it is resumed."""
    _done(client.pause(name), as_json, f"{name} paused")


@main.command()
@click.argument("name")
@_admin_command
def resume(client: AdminClient, as_json: bool, name: str) -> None:
    """Resume connector NAME."""
    _done(client.resume(name), as_json, f"{name} resumed")


@main.group("config")
def config_group() -> None:
    """Read or change a running connector's configuration properties (in memory, until restart)."""


@config_group.command("get")
@click.argument("name")
@_admin_command
def config_get(client: AdminClient, as_json: bool, name: str) -> None:
    """Print connector NAME's configuration properties (secrets shown as ********)."""
    properties = client.configuration_properties(name)
    if as_json:
        click.echo(json.dumps(properties, indent=2))
    else:
        for key, value in properties.items():
            click.echo(f"{key}: {json.dumps(value)}")


def _assignments(pairs: tuple[str, ...]) -> dict[str, Any]:
    """KEY=VALUE pairs; a VALUE that parses as JSON (number, true, list, ...) is taken as such."""
    properties: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="KEY=VALUE")
        try:
            properties[key] = json.loads(text)
        except ValueError:
            properties[key] = text
    return properties


@config_group.command("set")
@click.argument("name")
@click.argument("pairs", nargs=-1, required=True, metavar="KEY=VALUE...")
@click.option("--replace", is_flag=True, help="Replace all properties instead of merging these in.")
@_admin_command
def config_set(client: AdminClient, as_json: bool, name: str, pairs: tuple[str, ...], replace: bool) -> None:
    """Set configuration properties of connector NAME; the connector restarts with them."""
    answer = client.update_configuration_properties(name, _assignments(pairs), merge=not replace)
    _done(answer, as_json, f"configuration properties of {name} {'replaced' if replace else 'updated'}; it restarts")


def _print_status_table(body: dict[str, Any]) -> None:
    table = Table(title="integration daemon status")
    for column in ("service", "connector", "state", "last refresh", "next refresh", "restarts", "last error"):
        table.add_column(column)
    for service in body.get("integrationDaemonStatus", {}).get("integrationServiceSummaries", []):
        for report in service.get("integrationConnectorReports", []):
            next_time = report.get("nextRefreshTime", "-")
            if report.get("nextRetryTime"):
                next_time = f"retry {report['nextRetryTime']}"
            table.add_row(
                service["integrationServiceURLMarker"],
                report["connectorName"],
                report["connectorStatus"] + (" (paused)" if report.get("paused") else ""),
                report.get("lastRefreshTime", "-"),
                next_time,
                str(report.get("restartCount", 0)),
                report.get("lastError", ""),
            )
    Console().print(table)
