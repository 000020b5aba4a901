"""Egeria's three-way provenance rule: only the owning metadata source may change what it created."""

from __future__ import annotations

import pytest

from tests.metadata_server.conftest import Api, assert_ffdc, props

OWNER = {"externalSourceGUID": "src-1", "externalSourceName": "files-connector"}
OTHER = {"externalSourceGUID": "src-2", "externalSourceName": "other-connector"}
NEW_OWNER = {"propertyValueMap": {"owner": {"typeName": "string", "primitiveValue": "mallory"}}}


@pytest.fixture
def owned(api: Api) -> str:
    return api.create("CSVFile", {"qualifiedName": "file::/owned.csv", "owner": "ops"}, **OWNER)


def test_an_element_created_for_an_external_source_is_stamped_with_that_source(api: Api, owned: str):
    origin = api.element(owned)["origin"]
    assert origin["originCategory"] == "EXTERNAL_SOURCE"
    assert (origin["homeMetadataCollectionId"], origin["homeMetadataCollectionName"]) == ("src-1", "files-connector")


@pytest.mark.parametrize(
    ("caller", "message_id"), [(OTHER, "OMAG-REPOSITORY-HANDLER-400-007"), ({}, "OMAG-REPOSITORY-HANDLER-400-008")]
)
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/update-properties", {"properties": NEW_OWNER}),
        ("/delete", {}),
        ("/archive", {}),
        ("/classifications/Template", {}),
    ],
)
def test_a_change_by_another_source_or_by_no_source_is_refused_and_changes_nothing(
    api: Api, owned: str, caller: dict, message_id: str, path: str, body: dict
):
    before = api.element(owned)
    events_before = api.events()
    response = api.post(f"/metadata-elements/{owned}{path}", {**body, **caller})
    ffdc = assert_ffdc(response, 403, "UserNotAuthorizedException", related=400)
    assert ffdc["exceptionErrorMessageId"] == message_id
    assert "files-connector" in ffdc["exceptionErrorMessage"]
    after = api.element(owned)
    assert after == before
    assert after["versions"]["version"] == 1 and props(after)["owner"] == "ops"
    assert api.events() == events_before


def test_the_owning_source_may_change_its_element(api: Api, owned: str):
    response = api.post(f"/metadata-elements/{owned}/update-properties", {"properties": NEW_OWNER, **OWNER})
    assert response.status_code == 200
    assert props(api.element(owned))["owner"] == "mallory"
    assert api.post(f"/metadata-elements/{owned}/delete", OWNER).status_code == 200


def test_a_locally_created_element_may_be_changed_by_anyone(api: Api):
    local = api.create("Asset", {"qualifiedName": "local"})
    update = f"/metadata-elements/{local}/update-properties"
    assert api.post(update, {"properties": NEW_OWNER, **OTHER}).status_code == 200
    assert api.post(update, {"properties": {"propertyValueMap": {}}, "mergeUpdate": False}).status_code == 200
    assert api.element(local)["origin"]["originCategory"] == "LOCAL_COHORT"


def test_relationships_follow_the_same_rule(api: Api):
    a = api.create("Process", {"qualifiedName": "p1"})
    b = api.create("Process", {"qualifiedName": "p2"})
    link = api.relate("DataFlow", a, b, **OWNER)
    assert_ffdc(api.post(f"/related-elements/{link}/update-properties", {"properties": NEW_OWNER, **OTHER}), 403,
                "UserNotAuthorizedException", related=400)
    assert_ffdc(api.post(f"/related-elements/{link}/delete", {}), 403, "UserNotAuthorizedException", related=400)
    assert api.post(f"/related-elements/{link}/delete", OWNER).status_code == 200
