"""The CLI's admin commands against a running daemon: status, refresh, restart, pause, resume, config get|set."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from daemon.cli import EXIT_RUNTIME, EXIT_UNREACHABLE, main
from daemon.states import ConnectorStatus
from tests.actors.connectors import LOG
from tests.admin.conftest import RECORDING, SERVER, TOKEN, recording
from tests.conftest import free_port


@pytest.fixture
def cli(start_admin):
    """A daemon with a token, and a runner of ``integration-daemon`` commands addressed to it."""
    admin = start_admin(recording("alpha", refresh="0"), recording("doomed", fail_start=True), token=TOKEN,
                        policy={"initial_backoff": "1s", "jitter": 0, "max_restarts": 0})
    admin.wait_status("doomed", ConnectorStatus.FAILED)
    admin.wait_refreshed("alpha")

    def run(*arguments: str, env: dict[str, str] | None = None):
        address = ["--url", admin.url, "--server-name", SERVER]
        return CliRunner().invoke(main, [*arguments, *address], env={"INTEGRATION_DAEMON_TOKEN": TOKEN, **(env or {})})

    run.admin = admin  # type: ignore[attr-defined]
    return run


def test_status_prints_a_table_of_connectors_and_json_on_request(cli):
    table = cli("status")
    assert table.exit_code == 0, table.output
    assert "alpha" in table.output and "doomed" in table.output and "FAILED" in table.output
    raw = cli("status", "--json")
    body = json.loads(raw.output)
    assert body["class"] == "IntegrationDaemonStatusResponse"


def test_status_reads_the_admin_address_server_name_and_token_from_the_config(cli, tmp_path):
    admin = cli.admin
    config = {"server_name": SERVER, "admin": {"host": "127.0.0.1", "port": int(admin.url.rsplit(":", 1)[1]),
                                               "token": TOKEN},
              "services": [{"url_marker": "files-integrator", "connectors": [{"name": "x", "connector": RECORDING}]}]}
    path = tmp_path / "daemon.yaml"
    path.write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(main, ["status", "--config", str(path), "--json"], env={"INTEGRATION_DAEMON_TOKEN": ""})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["relatedHTTPCode"] == 200


def test_refresh_needs_a_name_or_all_and_refreshes_what_it_is_told(cli):
    assert cli("refresh").exit_code == 2
    assert cli("refresh", "alpha", "--all").exit_code == 2
    result = cli("refresh", "alpha")
    assert result.exit_code == 0 and "refresh requested for alpha" in result.output
    cli.admin.wait_refreshed("alpha", 2)
    assert json.loads(cli("refresh", "--all", "--json").output) == {"class": "VoidResponse", "relatedHTTPCode": 200}
    cli.admin.wait_refreshed("alpha", 3)


def test_restart_failed_restarts_only_the_failed_connectors(cli):
    result = cli("restart", "--failed")
    assert result.exit_code == 0, result.output
    LOG.wait_for("doomed", "start", 2)
    assert LOG.count("alpha", "start") == 1
    assert cli("restart", "alpha").exit_code == 0
    LOG.wait_for("alpha", "start", 2)
    assert cli("restart", "alpha", "--failed").exit_code == 2


def test_pause_and_resume_change_the_connectors_state(cli):
    assert cli("pause", "alpha").exit_code == 0
    cli.admin.wait_status("alpha", ConnectorStatus.PAUSED)
    assert "(paused)" in cli("status").output
    assert cli("resume", "alpha").exit_code == 0
    cli.admin.wait_status("alpha", ConnectorStatus.WAITING)


def test_config_set_merges_json_values_and_config_get_prints_them(cli):
    result = cli("config", "set", "alpha", "fail_every=3", "fail_start=false")
    assert result.exit_code == 0, result.output
    LOG.wait_for("alpha", "start", 2)
    assert json.loads(cli("config", "get", "alpha", "--json").output) == {"fail_every": 3, "fail_start": False}
    assert "fail_every: 3" in cli("config", "get", "alpha").output
    assert cli("config", "set", "alpha", "fail_every=0", "--replace").exit_code == 0
    assert cli.admin.daemon.control.configuration("alpha").configuration_properties == {"fail_every": 0}


def test_a_refused_request_exits_1_with_the_daemons_message(cli):
    result = cli("pause", "nope")
    assert result.exit_code == EXIT_RUNTIME
    assert "Integration connector named nope is not running" in result.output
    invalid = cli("config", "set", "alpha", "fail_evry=1")
    assert invalid.exit_code == EXIT_RUNTIME and "fail_evry" in invalid.output


def test_a_wrong_token_exits_1_and_an_unreachable_daemon_exits_3(cli):
    wrong = cli("status", env={"INTEGRATION_DAEMON_TOKEN": "wrong"})
    assert wrong.exit_code == EXIT_RUNTIME and "bearer token" in wrong.output
    assert "wrong" not in wrong.output.replace("bearer token", "")
    unreachable = CliRunner().invoke(main, ["status", "--url", f"http://127.0.0.1:{free_port()}", "--server-name", SERVER])
    assert unreachable.exit_code == EXIT_UNREACHABLE and "cannot reach the admin API" in unreachable.output


def test_dlq_replay_reports_how_many_dead_letters_were_delivered_again_and_refuses_unknown_names(cli):
    result = cli("dlq", "replay", "alpha")
    assert result.exit_code == 0, result.output
    assert "0 dead-lettered event(s) delivered again to alpha" in result.output
    unknown = cli("dlq", "replay", "nobody")
    assert unknown.exit_code == EXIT_RUNTIME and "nobody" in unknown.output
