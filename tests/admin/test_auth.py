"""The admin token: required on every route but the probes and the page's files, compared in constant time,
never logged; and no token-less admin API off loopback."""

from __future__ import annotations

import logging

import pytest
import requests
from loguru import logger

from daemon.admin import make_admin_app
from daemon.errors import ConfigError
from tests.actors.connectors import LOG
from tests.admin.conftest import PREFIXES, TOKEN, recording

class NoActors:
    """Stands in for DaemonControl where only building the app is tested."""

    def reports(self) -> list:
        return []


MUTATIONS = [
    ("POST", "/integration-connectors/refresh", None),
    ("POST", "/integration-connectors/restart", {"class": "NameRequestBody", "name": "alpha"}),
    ("POST", "/integration-connectors/configuration-properties", {"connectorName": "alpha", "configurationProperties": {}}),
    ("POST", "/integration-connectors/alpha/endpoint-network-address", {"string": "/elsewhere"}),
    ("POST", "/integration-connectors/alpha/connection", {"endpoint": {"address": "/elsewhere"}}),
    ("POST", "/integration-connectors/alpha/pause", None),
    ("POST", "/integration-connectors/restart-failed", None),
    ("POST", "/integration-services/files-integrator/refresh", None),
    ("POST", "/integration-services/files-integrator/restart", None),
]
READS = [
    ("GET", "/status"), ("GET", "/integration-services/summary"),
    ("GET", "/integration-connectors/alpha/configuration-properties"),
]


@pytest.mark.parametrize("presented", [None, "wrong", TOKEN + "x", TOKEN[:-1]], ids=["none", "wrong", "longer", "shorter"])
def test_without_the_right_token_every_route_is_401_and_nothing_changes(start_admin, presented):
    admin = start_admin(recording("alpha", refresh="0"), token=TOKEN)
    admin.wait_refreshed("alpha")
    for prefix in PREFIXES:
        for method, path, body in MUTATIONS:
            response = admin.call(method, path, body, prefix=prefix, token=presented)
            assert response.status_code == 401, (method, path)
            assert response.json()["exceptionClassName"].endswith("UserNotAuthorizedException")
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        for method, path in READS:
            assert admin.call(method, path, prefix=prefix, token=presented).status_code == 401
    for path in ("/metrics", "/openapi.json", "/integration-connectors/validate"):
        assert admin.call("GET", path, prefix="", token=presented).status_code == 401
    assert admin.call("POST", "/integration-connectors/validate", {"connector": {}}, token=presented).status_code == 401
    report = admin.report("alpha")
    assert (LOG.count("alpha", "start"), LOG.count("alpha", "refresh"), report.paused) == (1, 1, False)
    assert admin.daemon.control.configuration("alpha").endpoint is None


def test_another_scheme_than_bearer_is_refused(start_admin):
    admin = start_admin(recording("alpha"), token=TOKEN)
    response = requests.get(admin.url + PREFIXES[0] + "/status", headers={"Authorization": f"Basic {TOKEN}"}, timeout=5)
    assert response.status_code == 401


def test_with_the_token_the_routes_answer(start_admin):
    admin = start_admin(recording("alpha"), token=TOKEN)
    assert admin.call("GET", "/status").status_code == 200
    assert admin.call("GET", "/metrics", prefix="").status_code == 200
    assert admin.call("POST", "/integration-connectors/alpha/pause").status_code == 200


def test_the_probes_and_the_status_page_files_answer_without_a_token(start_admin):
    admin = start_admin(recording("alpha"), token=TOKEN)
    for path in ("/health", "/ready", "/", "/static/status.js", "/static/status.css"):
        assert admin.call("GET", path, prefix="", token=None).status_code == 200, path
    page = admin.call("GET", "/", prefix="", token=None).text
    assert TOKEN not in page


def test_the_token_and_secret_properties_never_reach_the_logs(start_admin, caplog):
    lines: list[str] = []
    sink = logger.add(lines.append, level="TRACE", format="{message} | {extra}")
    caplog.set_level(logging.DEBUG)
    try:
        admin = start_admin(recording("alpha"), token=TOKEN)
        admin.call("GET", "/status")
        admin.call("GET", "/status", token="a-wrong-token-value")
        admin.call("POST", "/integration-connectors/configuration-properties",
                   {"connectorName": "alpha", "configurationProperties": {"password": "hunter2-secret"}})
        admin.call("POST", "/integration-connectors/alpha/endpoint-network-address", {"string": "/data/x"})
        admin.daemon.stop()
    finally:
        logger.remove(sink)
    text = "\n".join(lines) + "\n".join(r.getMessage() for r in caplog.records)
    assert "refused GET" in text  # the refusal is logged ...
    for secret in (TOKEN, "a-wrong-token-value", "hunter2-secret"):
        assert secret not in text  # ... without what was presented


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "admin.example"])
def test_a_token_less_admin_api_off_loopback_is_refused_naming_the_settings(host):
    with pytest.raises(ConfigError) as refused:
        make_admin_app(server_name="d", control=NoActors(), services=(), token=None, host=host)  # type: ignore[arg-type]
    message = str(refused.value)
    assert "admin.token" in message and "admin.host" in message and host in message


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_a_token_less_admin_api_on_loopback_is_allowed(host):
    make_admin_app(server_name="d", control=NoActors(), services=(), token=None, host=host)  # type: ignore[arg-type]


def test_with_a_token_any_address_is_allowed():
    make_admin_app(server_name="d", control=NoActors(), services=(), token=TOKEN, host="0.0.0.0")  # type: ignore[arg-type]
