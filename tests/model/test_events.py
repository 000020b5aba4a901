"""Out Topic events: Egeria's OpenMetadataOutTopicEvent shape, decoding and filtering."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from daemon.model import (
    ElementHeader,
    ElementOrigin,
    ElementType,
    ElementVersions,
    EventType,
    OpenMetadataOutTopicEvent,
)

WHEN = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)
CSV = ElementHeader(
    "g-1",
    ElementType("CSVFile", ("DataFile", "DataStore", "DataAsset", "Asset", "Referenceable", "OpenMetadataRoot")),
    ElementOrigin("LOCAL_COHORT", "c", "mds1", "mds1"),
    ElementVersions("u", "u", WHEN, WHEN, 2),
)


def an_update() -> OpenMetadataOutTopicEvent:
    return OpenMetadataOutTopicEvent(
        event_type=EventType.ELEMENT_UPDATED,
        event_time=WHEN,
        element_header=CSV,
        element_properties={"qualifiedName": "a", "size": 2},
        previous_element_properties={"qualifiedName": "a", "size": 1},
        event_id="e-1",
        sequence=7,
    )


def test_an_event_serializes_in_egerias_out_topic_shape():
    data = json.loads(an_update().to_json())
    assert data["eventVersionId"] == 1
    assert data["eventType"] == "ELEMENT_UPDATED"
    assert data["eventTime"] == 1714557600000
    assert data["elementHeader"]["guid"] == "g-1"
    assert data["elementHeader"]["type"]["superTypeNames"][0] == "DataFile"
    assert set(data["elementHeader"]) >= {"guid", "type", "origin", "versions", "status", "classifications"}
    assert data["elementProperties"]["propertyValueMap"]["size"]["primitiveValue"] == 2
    assert data["previousElementProperties"]["propertyValueMap"]["size"]["primitiveValue"] == 1
    assert (data["eventId"], data["sequence"]) == ("e-1", 7)


def test_an_event_round_trips_from_bytes_text_and_dict():
    event = an_update()
    assert OpenMetadataOutTopicEvent.from_json(event.to_json()) == event
    assert OpenMetadataOutTopicEvent.from_json(event.to_json().decode()) == event
    assert OpenMetadataOutTopicEvent.from_json(event.to_dict()) == event


def test_a_relationship_event_carries_both_end_headers():
    event = OpenMetadataOutTopicEvent(
        EventType.NEW_RELATIONSHIP, WHEN, element_header=ElementHeader("r", ElementType("NestedFile")),
        end_one_element_header=ElementHeader("folder", ElementType("FileFolder")), end_two_element_header=CSV,
    )
    data = event.to_dict()
    assert data["endOneElementHeader"]["guid"] == "folder" and data["endTwoElementHeader"]["guid"] == "g-1"
    assert OpenMetadataOutTopicEvent.from_json(data) == event
    assert event.event_type.is_relationship_event


def test_a_classification_event_names_the_classification_and_its_properties():
    event = OpenMetadataOutTopicEvent(
        EventType.ELEMENT_RECLASSIFIED, WHEN, element_header=CSV, classification_name="Confidentiality",
        classification_properties={"level": 3}, previous_classification_properties={"level": 1},
    )
    data = event.to_dict()
    assert data["classificationName"] == "Confidentiality"
    assert data["previousClassificationProperties"]["propertyValueMap"]["level"]["primitiveValue"] == 1
    assert OpenMetadataOutTopicEvent.from_json(data) == event


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff\xfe not utf-8",
        b"{not json",
        b"[1, 2]",
        b'{"eventType": "SOMETHING_ELSE", "eventTime": 1}',
        b'{"eventType": "ELEMENT_UPDATED"}',
        b'{"eventType": "ELEMENT_UPDATED", "eventTime": 1, "elementHeader": {"guid": 5}}',
        b'{"eventType": "ELEMENT_UPDATED", "eventTime": 1, "elementProperties": {"propertyValueMap": 3}}',
    ],
)
def test_undecodable_input_raises_a_clear_value_error(payload):
    with pytest.raises(ValueError, match="not an OpenMetadataOutTopicEvent"):
        OpenMetadataOutTopicEvent.from_json(payload)


def test_matches_selects_by_type_including_subtypes_and_by_event_type():
    event = an_update()
    assert event.matches()
    assert event.matches(["DataFile"])
    assert event.matches(["CSVFile", "KafkaTopic"])
    assert not event.matches(["FileFolder"])
    assert event.matches(["Asset"], [EventType.ELEMENT_UPDATED])
    assert not event.matches(["Asset"], [EventType.NEW_ELEMENT_CREATED])
    assert not OpenMetadataOutTopicEvent(EventType.ELEMENT_UPDATED, WHEN).matches(["Asset"])


def test_a_decoded_event_makes_its_typed_header_once_on_first_use():
    event = OpenMetadataOutTopicEvent.from_json(an_update().to_json())
    header = event.element_header
    assert header == CSV and event.element_header is header
    assert event.event_time == WHEN and event.event_time is event.event_time


def test_routing_facts_read_from_the_wire_agree_with_the_typed_header():
    built = an_update()
    decoded = OpenMetadataOutTopicEvent.from_json(built.to_json())
    for event in (built, decoded):
        assert event.element_type_name == "CSVFile"
        assert event.element_type_names[:2] == ("CSVFile", "DataFile")
        assert (event.origin_collection_name, event.updated_by) == ("mds1", "u")
    bare = OpenMetadataOutTopicEvent.from_json(b'{"eventType": "ELEMENT_DELETED", "eventTime": 1}')
    assert (bare.element_type_name, bare.element_type_names, bare.origin_collection_name) == (None, (), "")


def test_a_header_date_that_is_not_a_date_makes_the_event_undecodable():
    data = an_update().to_dict()
    data["elementHeader"]["versions"]["createTime"] = "yesterday"
    with pytest.raises(ValueError, match="elementHeader.versions.createTime"):
        OpenMetadataOutTopicEvent.from_json(data)


@pytest.mark.parametrize("millis", [-62135596800001, 253402300800000, -(10**14)])
def test_an_event_time_no_date_can_hold_is_undecodable(millis):
    with pytest.raises(ValueError, match="eventTime"):
        OpenMetadataOutTopicEvent.from_json({"eventType": "ELEMENT_UPDATED", "eventTime": millis})


def test_a_record_without_a_value_is_undecodable():
    with pytest.raises(ValueError, match="no value"):
        OpenMetadataOutTopicEvent.from_json(None)  # type: ignore[arg-type]


def test_decoded_events_copy_pickle_and_match_by_their_typed_values():
    import copy
    import pickle

    event = OpenMetadataOutTopicEvent.from_json(an_update().to_json())
    assert copy.copy(event) == copy.deepcopy(event) == pickle.loads(pickle.dumps(event)) == event
    match event:
        case OpenMetadataOutTopicEvent(EventType.ELEMENT_UPDATED, _, header):
            assert header == CSV
        case _:
            pytest.fail("a decoded event did not match its own shape")


def test_a_field_of_the_wrong_kind_is_named_with_its_path():
    payload = b'{"eventType": "ELEMENT_UPDATED", "eventTime": 1, "elementHeader": {"guid": "g", "type": {"typeName": 3}}}'
    with pytest.raises(ValueError, match=r"\$\.elementHeader\.type\.typeName"):
        OpenMetadataOutTopicEvent.from_json(payload)


def test_a_decoded_event_is_immutable():
    event = OpenMetadataOutTopicEvent.from_json(an_update().to_json())
    with pytest.raises(AttributeError):
        event.event_id = "other"  # type: ignore[misc]


def test_every_kind_of_property_value_survives_the_wire():
    values = {"s": "x", "i": 3, "big": 2**40, "f": 1.5, "yes": True, "when": WHEN, "list": ["a", "b"], "map": {"k": 1}}
    event = OpenMetadataOutTopicEvent(EventType.ELEMENT_UPDATED, WHEN, element_header=CSV, element_properties=values,
                                      classification_name="C", classification_properties={"level": 2})
    decoded = OpenMetadataOutTopicEvent.from_json(event.to_json())
    assert decoded.element_properties == values
    assert decoded.classification_properties == {"level": 2}
    assert decoded == event


def test_a_property_value_that_cannot_be_read_is_named_by_its_path():
    data = an_update().to_dict()
    data["elementProperties"]["propertyValueMap"]["size"] = {"class": "NoSuchPropertyValue"}
    with pytest.raises(ValueError, match=r"elementProperties\.propertyValueMap\.size: unknown property value class"):
        OpenMetadataOutTopicEvent.from_json(data)


def test_egerias_own_shapes_are_read_by_the_strict_structs():
    from daemon.model.wire import StrictEvent, decode_event

    assert type(decode_event(an_update().to_json())) is StrictEvent
    assert type(decode_event(an_update().to_dict())) is StrictEvent


def _respelled(change) -> dict:
    data = an_update().to_dict()
    change(data)
    return data


@pytest.mark.parametrize("change", [
    lambda d: d["elementProperties"]["propertyValueMap"]["size"].update(typeName="INT"),
    lambda d: d["elementProperties"]["propertyValueMap"]["size"].pop("class"),
    lambda d: d["elementProperties"]["propertyValueMap"]["size"].update(primitiveTypeCategory="OM_PRIMITIVE_TYPE_X"),
    lambda d: d["elementHeader"]["versions"].update(createTime="2024-05-01T10:00:00.000000+00:00:00"),
], ids=["upper-case type name", "no class", "odd category", "offset with seconds"])
def test_other_spellings_are_read_leniently_into_the_same_event(change):
    from daemon.model.wire import WireEvent, decode_event

    data = _respelled(change)
    assert type(decode_event(data)) is WireEvent
    assert type(decode_event(json.dumps(data).encode())) is WireEvent
    decoded = OpenMetadataOutTopicEvent.from_json(json.dumps(data).encode())
    assert decoded.element_properties == an_update().element_properties
    assert decoded.element_header == CSV


@pytest.mark.parametrize("when", ["2024-05-01T10:00:00Z", "2024-05-01T12:00:00.000+02:00", "2024-05-01T10:00:00",
                                  "2024-05-01 10:00:00", 1714557600000, 1714557600000.0])
def test_header_dates_in_any_form_egeria_writes_give_the_same_typed_header(when):
    data = _respelled(lambda d: d["elementHeader"]["versions"].update(createTime=when, updateTime=when))
    decoded = OpenMetadataOutTopicEvent.from_json(json.dumps(data).encode())
    assert decoded.element_header == CSV
    assert decoded.element_header.versions.create_time == WHEN


@pytest.mark.parametrize("when", ["2024-13-01T10:00:00Z", 253402300800000, -62135596800001, True])
def test_a_header_date_out_of_range_is_undecodable_in_either_structs(when):
    data = _respelled(lambda d: d["elementHeader"]["versions"].update(updateTime=when))
    with pytest.raises(ValueError, match="elementHeader.versions.updateTime"):
        OpenMetadataOutTopicEvent.from_json(json.dumps(data).encode())


def test_a_date_without_a_time_is_read_leniently_as_midnight_utc():
    data = _respelled(lambda d: d["elementHeader"]["versions"].update(updateTime="2024-05-01"))
    decoded = OpenMetadataOutTopicEvent.from_json(json.dumps(data).encode())
    assert decoded.element_header.versions.update_time == datetime(2024, 5, 1, tzinfo=timezone.utc)


def test_the_strict_structs_know_every_event_type_and_no_other():
    from daemon.model.wire import EVENT_TYPE_NAMES

    assert set(EVENT_TYPE_NAMES) == {event_type.name for event_type in EventType}
    with pytest.raises(ValueError, match="eventType: unknown event type 'ELEMENT_EXPLODED'"):
        OpenMetadataOutTopicEvent.from_json(b'{"eventType": "ELEMENT_EXPLODED", "eventTime": 1}')


def test_events_of_one_kind_share_their_element_type_and_origin():
    from daemon.model.wire import decode_event

    first, second = an_update(), an_update()
    data = second.to_dict()
    data["elementHeader"]["guid"] = "g-2"
    one, two = decode_event(first.to_json()), decode_event(json.dumps(data, separators=(",", ":")).encode())
    assert one.elementHeader.type is two.elementHeader.type
    assert one.elementHeader.origin is two.elementHeader.origin
    assert one.elementHeader.type.superTypeNames[0] == "DataFile"
    assert one.elementHeader.origin.homeMetadataCollectionName == "mds1"
    assert OpenMetadataOutTopicEvent.from_json(json.dumps(data).encode()).element_header.guid == "g-2"


@pytest.mark.parametrize("change, path", [
    (lambda d: d["elementHeader"]["type"].update(superTypeNames=[1]), r"\$\.elementHeader\.type\.superTypeNames\[0\]"),
    (lambda d: d["elementHeader"].update(type=None), r"\$\.elementHeader\.type"),
    (lambda d: d["elementHeader"]["origin"].update(sourceServer=7), r"\$\.elementHeader\.origin\.sourceServer"),
    (lambda d: d["previousElementHeader"].update(origin=[]), r"\$\.previousElementHeader\.origin"),
], ids=["supertype", "no type", "origin field", "previous header's origin"])
def test_a_shared_type_or_origin_that_does_not_fit_is_named_with_its_path(change, path):
    data = an_update().to_dict()
    data["previousElementHeader"] = json.loads(json.dumps(data["elementHeader"]))
    change(data)
    with pytest.raises(ValueError, match=path):
        OpenMetadataOutTopicEvent.from_json(json.dumps(data).encode())


def test_the_shared_types_are_bounded(monkeypatch):
    from daemon.model import wire

    monkeypatch.setattr(wire, "_CACHE_LIMIT", 3)
    monkeypatch.setattr(wire, "_types", {})
    for index in range(10):
        data = an_update().to_dict()
        data["elementHeader"]["type"]["typeName"] = f"Kind{index}"
        decoded = OpenMetadataOutTopicEvent.from_json(json.dumps(data).encode())
        assert decoded.element_type_name == f"Kind{index}"
        assert len(wire._types) <= 3
