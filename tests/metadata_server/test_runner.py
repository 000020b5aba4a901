"""Starting, stopping and loading the server: threads, concurrent writers, shutdown."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from daemon.metadata_server import MetadataServer
from tests.metadata_server.conftest import SERVER, Api, wire


def test_start_returns_once_the_server_accepts_connections_and_stop_closes_the_port(tmp_path):
    server = MetadataServer(tmp_path / "m.db", server_name=SERVER).start()
    port = server.port
    assert server.url == f"http://127.0.0.1:{port}"
    assert requests.get(f"{server.url}/health", timeout=5).status_code == 200
    server.stop()
    with socket.socket() as probe:
        probe.settimeout(2)
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    server.stop()  # idempotent


def test_stop_ends_serve_forever_on_another_thread(tmp_path):
    server = MetadataServer(tmp_path / "m.db", server_name=SERVER).listen()
    finished = threading.Event()

    def serve() -> None:
        server.serve_forever()
        finished.set()

    threading.Thread(target=serve, daemon=True).start()
    assert requests.get(f"{server.url}/health", timeout=5).status_code == 200
    server.stop()
    assert finished.wait(10)


def test_data_survives_a_restart_on_the_same_file(tmp_path):
    with MetadataServer(tmp_path / "m.db", server_name=SERVER) as first:
        guid = Api(first.url).create("Asset", {"qualifiedName": "kept"})
    with MetadataServer(tmp_path / "m.db", server_name=SERVER) as second:
        api = Api(second.url)
        assert api.element(guid)["elementGUID"] == guid
        assert [e["sequence"] for e in api.events()] == [1]


def test_concurrent_writers_are_serialized_and_every_change_is_logged_once(api: Api):
    def create(n: int) -> str:
        local = Api(api.url)
        try:
            return local.create("Asset", {"qualifiedName": f"asset-{n}"})
        finally:
            local.http.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        guids = list(pool.map(create, range(160)))
    assert len(set(guids)) == 160
    events = api.events()
    assert [e["sequence"] for e in events] == list(range(1, 161))
    assert {e["elementHeader"]["guid"] for e in events} == set(guids)


def test_racing_creates_of_one_qualified_name_let_exactly_one_win(api: Api):
    body = {"typeName": "Asset", "properties": wire(qualifiedName="contested")}

    def attempt(_: int) -> int:
        with requests.Session() as http:
            return http.post(api.base() + "/metadata-elements", json=body, timeout=10).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(attempt, range(24)))
    assert statuses.count(200) == 1 and statuses.count(409) == 23
    assert len(api.events()) == 1


def test_many_open_client_connections_are_served(api: Api):
    sessions = [requests.Session() for _ in range(150)]
    try:
        with ThreadPoolExecutor(max_workers=30) as pool:
            statuses = list(pool.map(lambda s: s.get(f"{api.url}/health", timeout=10).status_code, sessions))
        assert statuses == [200] * 150
        assert api.find({}) == []  # the server still answers with all those connections open
    finally:
        for session in sessions:
            session.close()
