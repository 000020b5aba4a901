"""The metadata client's exported names (a change here is an API change)."""

from __future__ import annotations

import daemon.metadata


def test_the_metadata_client_exports_exactly_its_public_names():
    assert sorted(daemon.metadata.__all__) == ["Condition", "EventLogReader", "MetadataClient", "pooled_session"]
    assert all(hasattr(daemon.metadata, name) for name in daemon.metadata.__all__)
