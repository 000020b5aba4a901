"""The OpenAPI document: kept in the repository, served as is, covering every route; schemathesis against it."""

from __future__ import annotations

import json
from pathlib import Path

import falcon.inspect
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from daemon.admin import make_admin_app
from tests.admin.conftest import SERVER, TOKEN, recording
from tests.admin.test_auth import NoActors

DOCUMENT = Path(__file__).resolve().parents[2] / "daemon" / "admin" / "openapi.json"
schema = schemathesis.openapi.from_path(str(DOCUMENT))


def documented_operations() -> set[tuple[str, str]]:
    paths = json.loads(DOCUMENT.read_text())["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item if method != "parameters"}


def served_operations() -> set[tuple[str, str]]:
    app = make_admin_app(server_name=SERVER, control=NoActors(), services=(), token=None)  # type: ignore[arg-type]
    routes = falcon.inspect.inspect_routes(app)
    return {(m.method, route.path) for route in routes for m in route.methods if m.internal is False
            and m.method not in ("OPTIONS",)}


def test_the_served_document_is_the_file_in_the_repository_byte_for_byte(start_admin):
    admin = start_admin(recording("alpha"), token=TOKEN)
    response = admin.call("GET", "/openapi.json", prefix="")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    assert response.content == DOCUMENT.read_bytes()


def test_every_served_route_is_documented_and_every_documented_route_is_served():
    assert served_operations() == documented_operations()


def test_the_document_is_valid_openapi_with_an_operation_id_each():
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == len(documented_operations())
    ids = [op.definition.raw["operationId"] for op in operations]
    assert len(ids) == len(set(ids))


def excluded_checks(case) -> list:
    """Checks that do not apply to this API, with why.

    Semantic checks (a connector's configuration class, known names) rightly refuse some
    schema-valid bodies, so positive_data_acceptance never applies. Unknown query parameters
    and headers are ignored, as Egeria's Spring resources ignore them, so a case made invalid
    only outside its body need not be refused; schema-violating bodies must be.
    """
    excluded = [schemathesis.checks.positive_data_acceptance]
    negative = {location for location, info in case.meta.components.items() if info.mode.name == "NEGATIVE"}
    if negative and "body" not in negative:
        excluded.append(schemathesis.checks.negative_data_rejection)
    return excluded


@pytest.fixture
def fuzzed_daemon(start_admin):
    """A fresh daemon per operation: what one operation's examples change cannot leak into another's."""
    return start_admin(recording("alpha", refresh="0"), recording("beta", refresh="0"), token=TOKEN)


@schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_the_api_conforms_to_its_document_and_never_answers_5xx(case, fuzzed_daemon):
    if "serverName" in (case.path_parameters or {}):
        case.path_parameters["serverName"] = SERVER  # reach the handlers, not only the server-name check
    if "connectorName" in (case.path_parameters or {}) and len(case.path_parameters["connectorName"]) % 2 == 0:
        case.path_parameters["connectorName"] = "alpha"  # half the examples act on a real connector
    response = case.call(base_url=fuzzed_daemon.url, headers={"Authorization": f"Bearer {TOKEN}"})
    case.validate_response(response, excluded_checks=excluded_checks(case))
    assert response.status_code < 500, response.text
