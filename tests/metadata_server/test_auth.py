"""Bearer tokens: who may call, and as which user ids."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from daemon.metadata_server import MetadataServer
from tests.metadata_server.conftest import SERVER, Api, assert_ffdc, wire

TOKENS = {"daemon-token": frozenset({"daemon", "npa"}), "admin-token": frozenset({"*"})}


@pytest.fixture
def secured(tmp_path) -> Iterator[Api]:
    server = MetadataServer(tmp_path / "secured.db", server_name=SERVER, tokens=TOKENS)
    server.start()
    api = Api(server.url)
    yield api
    api.http.close()
    server.stop()


def test_a_request_without_a_token_is_refused_with_401(secured: Api):
    response = secured.post("/metadata-elements/by-search-conditions", {}, user="daemon")
    ffdc = assert_ffdc(response, 401, "UserNotAuthorizedException")
    assert "no bearer token" in ffdc["exceptionErrorMessage"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_refused_with_401(secured: Api):
    response = secured.post("/metadata-elements/by-search-conditions", {}, user="daemon", token="guess")
    assert "not known" in assert_ffdc(response, 401, "UserNotAuthorizedException")["exceptionErrorMessage"]


def test_a_valid_token_for_another_user_id_is_refused_with_403(secured: Api):
    response = secured.post("/metadata-elements/by-search-conditions", {}, user="someone-else", token="daemon-token")
    assert_ffdc(response, 403, "UserNotAuthorizedException")


def test_a_valid_token_may_act_as_its_user_ids_and_a_star_token_as_anyone(secured: Api):
    find = "/metadata-elements/by-search-conditions"
    assert secured.post(find, {}, user="npa", token="daemon-token").status_code == 200
    assert secured.post(find, {}, user="anyone", token="admin-token").status_code == 200


def test_a_refused_request_changes_nothing(secured: Api):
    body = {"typeName": "Asset", "properties": wire(qualifiedName="x")}
    assert secured.post("/metadata-elements", body, user="daemon").status_code == 401
    assert secured.post("/metadata-elements", body, user="intruder", token="daemon-token").status_code == 403
    found = secured.post("/metadata-elements/by-search-conditions", {}, user="daemon", token="daemon-token").json()
    assert found["elements"] == []


def test_health_needs_no_token_but_the_event_log_does(secured: Api):
    assert secured.http.get(f"{secured.url}/health", timeout=5).status_code == 200
    log_url = f"{secured.url}/servers/{SERVER}/open-metadata/event-log"
    assert secured.http.get(log_url, timeout=5).status_code == 401
    assert secured.http.get(log_url, headers={"Authorization": "Bearer daemon-token"}, timeout=5).status_code == 200
