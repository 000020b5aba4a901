"""A fresh bundled metadata server per test, and a client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from daemon.metadata import MetadataClient
from daemon.metadata_server import MetadataServer

SERVER = "mds1"


@pytest.fixture
def server(tmp_path) -> Iterator[MetadataServer]:
    mds = MetadataServer(tmp_path / "metadata.db", server_name=SERVER)
    mds.start()
    yield mds
    mds.stop()


@pytest.fixture
def client(server: MetadataServer) -> Iterator[MetadataClient]:
    with MetadataClient(server.url, SERVER, "daemon", timeout=(2.0, 10.0)) as metadata:
        yield metadata
