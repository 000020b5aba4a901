"""The model's exported names (a change here is an API change)."""

from __future__ import annotations

import daemon.model


def test_the_model_exports_exactly_its_public_names():
    assert sorted(daemon.model.__all__) == [
        "Classification", "Element", "ElementHeader", "ElementOrigin", "ElementType", "ElementVersions",
        "EventType", "OpenMetadataOutTopicEvent", "PropertyValueError", "RelatedElement", "Relationship",
        "TypeTable", "decode_properties", "decode_value", "encode_properties", "encode_value",
        "format_time", "parse_time",
    ]
    assert all(hasattr(daemon.model, name) for name in daemon.model.__all__)
