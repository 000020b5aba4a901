"""The metadata server's exported names (a change here is an API change)."""

from __future__ import annotations

import daemon.metadata_server


def test_the_metadata_server_exports_exactly_its_public_names():
    assert sorted(daemon.metadata_server.__all__) == [
        "BASE_PATH", "EVENT_LOG_PATH", "MetadataServer", "SQLiteStore", "Store", "StoreReader", "StoreWriter",
        "create_app",
    ]
    assert all(hasattr(daemon.metadata_server, name) for name in daemon.metadata_server.__all__)
