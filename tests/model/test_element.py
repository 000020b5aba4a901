"""Elements and relationships in their Egeria 6 wire shapes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from daemon.model import (
    Classification,
    Element,
    ElementHeader,
    ElementOrigin,
    ElementType,
    ElementVersions,
    RelatedElement,
    Relationship,
)

CREATED = datetime(2024, 5, 1, 10, 0, 0, 123000, tzinfo=timezone.utc)
UPDATED = datetime(2024, 5, 2, 11, 30, 0, tzinfo=timezone.utc)


def an_element() -> Element:
    return Element(
        guid="g-1",
        type=ElementType("CSVFile", ("DataFile", "DataStore")),
        origin=ElementOrigin("EXTERNAL_SOURCE", "src-guid", "src-name", "mds1"),
        versions=ElementVersions("alice", "bob", CREATED, UPDATED, 3),
        status="ACTIVE",
        classifications=(Classification("Anchors", {"anchorGUID": "g-1"}),),
        properties={"qualifiedName": "file::a.csv", "fileSize": 12},
    )


def test_an_element_serializes_in_the_egeria_6_open_metadata_element_shape():
    wire = an_element().to_wire()
    assert wire["elementGUID"] == "g-1"
    assert wire["type"] == {"typeName": "CSVFile", "superTypeNames": ["DataFile", "DataStore"]}
    assert wire["origin"] == {
        "sourceServer": "mds1",
        "originCategory": "EXTERNAL_SOURCE",
        "homeMetadataCollectionId": "src-guid",
        "homeMetadataCollectionName": "src-name",
    }
    assert wire["versions"] == {
        "createdBy": "alice",
        "updatedBy": "bob",
        "createTime": "2024-05-01T10:00:00.123+00:00",
        "updateTime": "2024-05-02T11:30:00.000+00:00",
        "version": 3,
    }
    assert wire["status"] == "ACTIVE"
    assert wire["classifications"][0]["classificationName"] == "Anchors"
    anchors = wire["classifications"][0]["classificationProperties"]["propertyValueMap"]
    assert anchors["anchorGUID"]["primitiveValue"] == "g-1"
    assert wire["elementProperties"]["propertyValueMap"]["fileSize"]["typeName"] == "int"


def test_an_element_round_trips_through_its_wire_form():
    element = an_element()
    assert Element.from_wire(element.to_wire()) == element


def test_an_element_knows_its_qualified_name_classifications_and_whether_it_is_archived():
    element = an_element()
    assert element.qualified_name == "file::a.csv"
    assert element.classification("Anchors") is not None
    assert not element.is_archived
    assert element.type.is_a("DataStore") and not element.type.is_a("FileFolder")


def test_header_dates_may_also_arrive_as_epoch_millis_or_without_an_update_time():
    wire = an_element().to_wire()
    wire["versions"]["createTime"] = 1714557600123
    wire["versions"]["updateTime"] = None
    versions = Element.from_wire(wire).versions
    assert versions.create_time == CREATED
    assert versions.update_time is None


def test_reading_a_broken_element_raises_value_error_naming_the_field():
    wire = an_element().to_wire()
    del wire["type"]["typeName"]
    with pytest.raises(ValueError, match=r"element\.type\.typeName"):
        Element.from_wire(wire)
    with pytest.raises(ValueError, match=r"versions\.createTime"):
        Element.from_wire({**an_element().to_wire(), "versions": {"createTime": "yesterday"}})


def test_a_relationship_serializes_in_the_open_metadata_relationship_shape_and_round_trips():
    relationship = Relationship(
        "r-1", ElementType("NestedFile"), "folder", "file", {"note": "x"},
        ElementOrigin("LOCAL_COHORT", "c", "mds1", "mds1"), ElementVersions("u", "u", CREATED, CREATED, 1),
    )
    wire = relationship.to_wire()
    assert wire["relationshipGUID"] == "r-1"
    assert wire["relationshipType"]["typeName"] == "NestedFile"
    assert (wire["elementGUIDAtEnd1"], wire["elementGUIDAtEnd2"]) == ("folder", "file")
    assert wire["relationshipProperties"]["propertyValueMap"]["note"]["primitiveValue"] == "x"
    assert Relationship.from_wire(wire) == relationship


def test_a_related_element_round_trips_and_can_rebuild_the_far_end_from_the_starting_guid():
    relationship = Relationship("r-1", ElementType("NestedFile"), "folder", "g-1")
    related = RelatedElement(relationship, an_element(), element_at_end1=False)
    wire = related.to_wire()
    assert wire["elementAtEnd1"] is False and wire["element"]["elementGUID"] == "g-1"
    assert RelatedElement.from_wire(wire) == related
    del wire["elementGUIDAtEnd1"], wire["elementGUIDAtEnd2"]
    assert RelatedElement.from_wire(wire, starting_guid="folder").relationship.end1_guid == "folder"


def test_an_element_header_uses_guid_and_reads_either_guid_key():
    header = an_element().header
    wire = header.to_wire()
    assert wire["guid"] == "g-1" and "elementGUID" not in wire
    assert ElementHeader.from_wire(wire) == header
    assert ElementHeader.from_wire({**wire, "elementGUID": wire.pop("guid")}) == header
