"""Archiving: a Memento classification hides an element from everything but lineage queries."""

from __future__ import annotations

from tests.metadata_server.conftest import Api, assert_ffdc


def test_archive_adds_a_memento_and_hides_the_element_from_get_and_find(api: Api):
    guid = api.create("CSVFile", {"qualifiedName": "old.csv"})
    assert api.post(f"/metadata-elements/{guid}/archive", {"archiveProcess": "cleanup"}).status_code == 200
    assert_ffdc(api.get(f"/metadata-elements/{guid}"), 404, "InvalidParameterException")
    assert api.find({"metadataElementTypeName": "DataFile"}) == []
    assert api.post("/metadata-elements/by-search-string", {"searchString": "old"}).json()["elements"] == []
    assert api.post("/metadata-elements/by-unique-name", {"name": "old.csv"}).json()["element"] is None


def test_for_lineage_shows_archived_elements_with_their_memento(api: Api):
    guid = api.create("CSVFile", {"qualifiedName": "old.csv"})
    api.post(f"/metadata-elements/{guid}/archive", {})
    element = api.element(guid, forLineage="true")
    memento = {c["classificationName"]: c for c in element["classifications"]}["Memento"]
    assert memento["classificationProperties"]["propertyValueMap"]["archiveUser"]["primitiveValue"] == "u1"
    assert [e["elementGUID"] for e in api.find({"metadataElementTypeName": "DataFile", "forLineage": True})] == [guid]
    by_name = api.post("/metadata-elements/by-unique-name", {"name": "old.csv", "forLineage": True}).json()
    assert by_name["element"]["elementGUID"] == guid


def test_archived_elements_drop_out_of_related_elements_unless_for_lineage(api: Api):
    folder = api.create("FileFolder", {"qualifiedName": "dir"})
    file = api.create("DataFile", {"qualifiedName": "dir/f"})
    api.relate("NestedFile", folder, file)
    api.post(f"/metadata-elements/{file}/archive", {})
    assert api.post(f"/related-elements/{folder}/any-type", {}).json()["elementList"] == []
    lineage = api.post(f"/related-elements/{folder}/any-type", {"forLineage": True}).json()["elementList"]
    assert [r["element"]["elementGUID"] for r in lineage] == [file]


def test_an_archived_name_may_be_reused_and_restoring_the_old_element_then_conflicts(api: Api):
    old = api.create("Asset", {"qualifiedName": "reused"})
    api.post(f"/metadata-elements/{old}/archive", {})
    api.create("Asset", {"qualifiedName": "reused"})
    restore = api.post(f"/metadata-elements/{old}/classifications/Memento/delete", {"forLineage": True})
    assert_ffdc(restore, 409, "InvalidParameterException")


def test_declassifying_the_memento_restores_the_element(api: Api):
    guid = api.create("Asset", {"qualifiedName": "back"})
    api.post(f"/metadata-elements/{guid}/archive", {})
    restore = api.post(f"/metadata-elements/{guid}/classifications/Memento/delete", {"forLineage": True})
    assert restore.status_code == 200
    assert api.element(guid)["classifications"] == []
    assert api.events()[-1]["eventType"] == "ELEMENT_RESTORED"


def test_archiving_twice_is_refused(api: Api):
    guid = api.create("Asset", {"qualifiedName": "a"})
    api.post(f"/metadata-elements/{guid}/archive", {})
    assert_ffdc(api.post(f"/metadata-elements/{guid}/archive", {}), 404, "InvalidParameterException")
    assert_ffdc(api.post(f"/metadata-elements/{guid}/archive", {"forLineage": True}), 400, "InvalidParameterException")
