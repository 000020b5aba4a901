"""Shared fixtures: a real bundled metadata server on loopback, and actor clean-up."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pykka
import pytest

from daemon.metadata_server import MetadataServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> object:
    """Poll ``condition`` until it is truthy; fail after ``timeout`` seconds. Returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.01)


@pytest.fixture(scope="session")
def metadata_server(tmp_path_factory):
    """A bundled metadata server shared by the tests of one session (no auth)."""
    server = MetadataServer(tmp_path_factory.mktemp("mds") / "metadata.db", server_name="test-mds", tokens={})
    server.start()
    yield server
    server.stop()


_ABANDONED: set[str] = set()  # actors stuck on purpose (hung hooks): daemon threads, never waited on again


@pytest.fixture(autouse=True)
def _stop_leftover_actors():
    yield
    for ref in pykka.ActorRegistry.get_all():
        if ref.actor_urn in _ABANDONED:
            continue
        try:
            ref.stop(block=True, timeout=2.0)
        except pykka.Timeout:
            _ABANDONED.add(ref.actor_urn)


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory):
    """A real Kafka-protocol broker (tansu, in-memory) on a free loopback port, for the whole session."""
    from tests.broker import Broker

    broker = Broker(free_port(), tmp_path_factory.mktemp("broker") / "tansu.log")
    try:
        broker.wait_ready()
        yield broker
    finally:
        broker.stop()
