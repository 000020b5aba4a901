"""The ``integration-daemon`` command.

Exit codes: 0 success/clean stop; 1 runtime failure; 2 invalid config or usage;
3 the daemon's admin API could not be reached (``status``).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click
import requests
from rich.console import Console
from rich.table import Table

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


def _load(path: str, placeholders: tuple[str, ...] = (), egeria: bool = False) -> DaemonConfig:
    """Our YAML, or an Egeria OMAGServerConfig JSON document (``*.json``, ``*.config`` or ``egeria``)."""
    try:
        if egeria or path.endswith((".json", ".config")):
            config, warnings = load_egeria_config(path, placeholders=_placeholders(placeholders))
            for warning in warnings:
                click.echo(f"warning: {warning}", err=True)
            return config
        return load_config(path)
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

    sys.exit(run_daemon(config))


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


@main.command()
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="The daemon's config (admin address, token).")
@click.option("--url", default=None, help="Admin API base URL, e.g. http://127.0.0.1:9444")
@click.option("--server-name", default=None)
@click.option("--token", envvar="INTEGRATION_DAEMON_TOKEN", default=None, help="Admin bearer token.")
@click.option("--json", "as_json", is_flag=True, help="Print the raw status JSON.")
def status(config_file: str | None, url: str | None, server_name: str | None, token: str | None, as_json: bool) -> None:
    """Show every connector's state."""
    if config_file:
        config = _load(config_file)
        url = url or f"http://{config.admin.host}:{config.admin.port}"
        server_name = server_name or config.server_name
        token = token or (config.admin.token.reveal() if config.admin.token else None)
    if not url or not server_name:
        raise click.UsageError("give --config, or both --url and --server-name")
    body = _get_status(url, server_name, token)
    if as_json:
        click.echo(json.dumps(body, indent=2))
    else:
        _print_status_table(body)


def _get_status(url: str, server_name: str, token: str | None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    address = f"{url.rstrip('/')}/servers/{server_name}/open-metadata/integration-daemon/status"
    try:
        response = requests.get(address, headers=headers, timeout=(3.05, 10))
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        click.echo(f"cannot read status from {address}: {exc}", err=True)
        sys.exit(EXIT_UNREACHABLE)
    if body.get("relatedHTTPCode", response.status_code) != 200:
        click.echo(f"{address}: {body.get('exceptionErrorMessage', response.reason)}", err=True)
        sys.exit(EXIT_RUNTIME)
    return body


def _print_status_table(body: dict[str, Any]) -> None:
    table = Table(title="integration daemon status")
    for column in ("service", "connector", "state", "last refresh", "next refresh", "restarts", "last error"):
        table.add_column(column)
    for service in body["integrationDaemonStatus"].get("integrationServiceSummaries", []):
        for report in service.get("integrationConnectorReports", []):
            table.add_row(
                service["integrationServiceURLMarker"],
                report["connectorName"],
                report["connectorStatus"],
                report.get("lastRefreshTime", "-"),
                report.get("nextRefreshTime", "-"),
                str(report.get("restartCount", 0)),
                report.get("lastError", ""),
            )
    Console().print(table)


