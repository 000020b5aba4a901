"""Versions count changes, and every change logs its Out Topic event in the same transaction."""

from __future__ import annotations

from daemon.model import OpenMetadataOutTopicEvent
from tests.metadata_server.conftest import Api

OWNER = {"propertyValueMap": {"owner": {"typeName": "string", "primitiveValue": "ops"}}}


def test_versions_increment_on_every_change_and_record_the_path_user(api: Api):
    guid = api.create("Asset", {"qualifiedName": "a"}, user="alice")
    created = api.element(guid)["versions"]
    api.post(f"/metadata-elements/{guid}/update-properties", {"properties": OWNER}, user="bob")
    api.post(f"/metadata-elements/{guid}/classifications/Template", {}, user="carol")
    latest = api.element(guid)["versions"]
    assert (created["createdBy"], created["updatedBy"], created["version"]) == ("alice", "alice", 1)
    assert (latest["createdBy"], latest["updatedBy"], latest["version"]) == ("alice", "carol", 3)
    assert latest["createTime"] == created["createTime"]
    assert latest["updateTime"] >= created["updateTime"]


def test_an_update_that_changes_nothing_bumps_no_version_and_logs_no_event(api: Api):
    guid = api.create("Asset", {"qualifiedName": "a", "owner": "ops"})
    before = len(api.events())
    api.post(f"/metadata-elements/{guid}/update-properties", {"properties": OWNER})
    assert api.element(guid)["versions"]["version"] == 1
    assert len(api.events()) == before


def test_each_change_appends_its_event_in_order_with_rising_sequence_numbers(api: Api):
    folder = api.create("FileFolder", {"qualifiedName": "dir"})
    file = api.create("CSVFile", {"qualifiedName": "dir/f"}, parentGUID=folder, parentRelationshipTypeName="NestedFile")
    api.post(f"/metadata-elements/{file}/update-properties", {"properties": OWNER})
    api.post(f"/metadata-elements/{file}/classifications/Template", {})
    api.post(f"/metadata-elements/{file}/classifications/Template/update-properties",
             {"properties": {"propertyValueMap": {"note": {"typeName": "string", "primitiveValue": "n"}}}})
    api.post(f"/metadata-elements/{file}/classifications/Template/delete", {})
    api.post(f"/metadata-elements/{file}/archive", {})
    api.post(f"/metadata-elements/{file}/delete", {"forLineage": True})
    events = api.events()
    assert [e["eventType"] for e in events] == [
        "NEW_ELEMENT_CREATED", "NEW_ELEMENT_CREATED", "NEW_RELATIONSHIP", "ELEMENT_UPDATED",
        "ELEMENT_CLASSIFIED", "ELEMENT_RECLASSIFIED", "ELEMENT_DECLASSIFIED", "ELEMENT_ARCHIVED",
        "DELETED_RELATIONSHIP", "ELEMENT_DELETED",
    ]
    assert [e["sequence"] for e in events] == list(range(1, 11))
    assert len({e["eventId"] for e in events}) == 10
    decoded = [OpenMetadataOutTopicEvent.from_json(e) for e in events]
    assert decoded[3].previous_element_properties == {"qualifiedName": "dir/f"}
    assert decoded[3].element_properties == {"qualifiedName": "dir/f", "owner": "ops"}
    assert decoded[5].previous_classification_properties == {} and decoded[5].classification_properties == {"note": "n"}
    assert decoded[2].end_one_element_header.guid == folder and decoded[2].end_two_element_header.guid == file
    assert decoded[9].element_header.guid == file


def test_an_event_carries_the_element_type_and_supertypes_for_listener_filters(api: Api):
    api.create("KafkaTopic", {"qualifiedName": "t"})
    event = OpenMetadataOutTopicEvent.from_json(api.events()[-1])
    assert event.matches(["DataSet"]) and not event.matches(["DataFile"])


def test_a_failed_request_appends_no_event(api: Api):
    api.create("Asset", {"qualifiedName": "taken"})
    before = api.events()
    assert api.post("/metadata-elements", {"typeName": "Asset", "properties": {"propertyValueMap": {
        "qualifiedName": {"typeName": "string", "primitiveValue": "taken"}}}}).status_code == 409
    orphan = {"typeName": "Asset", "parentGUID": "gone", "parentRelationshipTypeName": "DataFlow"}
    assert api.post("/metadata-elements", orphan).status_code == 404
    assert api.post("/metadata-elements", {"typeName": "NoSuchType"}).status_code == 400
    assert api.events() == before
    assert api.find({"metadataElementTypeName": "Asset"}).__len__() == 1


def test_the_event_log_pages_after_a_sequence_number(api: Api):
    for n in range(5):
        api.create("Asset", {"qualifiedName": f"a{n}"})
    response = api.event_log(after=2, limit=2).json()
    assert response["class"] == "EventLogResponse"
    assert [entry["sequence"] for entry in response["events"]] == [3, 4]
    assert all(entry["event"]["sequence"] == entry["sequence"] for entry in response["events"])
    bad = api.event_log(limit=0)
    assert bad.status_code == 400 and bad.json()["exceptionProperties"]["parameterName"] == "limit"
