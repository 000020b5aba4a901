"""Errors come back as Egeria FFDC bodies that name what was wrong."""

from __future__ import annotations

import pytest

from daemon.errors import InvalidParameterError, MetadataRequestError
from daemon.metadata_server import MetadataServer
from tests.metadata_server.conftest import Api, assert_ffdc, error_field, error_message

STRING = {"typeName": "string", "primitiveValue": "x"}


def test_an_unknown_guid_is_an_invalid_parameter_exception_with_404(api: Api):
    body = assert_ffdc(api.get("/metadata-elements/no-such-guid"), 404, "InvalidParameterException")
    assert "no-such-guid" in body["exceptionErrorMessage"]
    assert body["exceptionProperties"]["parameterName"] == "elementGUID"
    for path in ("/metadata-elements/no-such-guid/update-properties", "/metadata-elements/no-such-guid/delete",
                 "/metadata-elements/no-such-guid/archive", "/metadata-elements/no-such-guid/classifications/Template",
                 "/related-elements/no-such-guid/delete", "/related-elements/no-such-guid/any-type"):
        assert_ffdc(api.post(path, {"properties": None}), 404, "InvalidParameterException")


def test_the_ffdc_body_rebuilds_into_the_same_error_class():
    error = InvalidParameterError("bad", related_http_code=404, user_action="fix it", properties={"parameterName": "x"})
    rebuilt = MetadataRequestError.from_ffdc(error.to_ffdc(), 404)
    assert type(rebuilt) is InvalidParameterError
    assert rebuilt.related_http_code == 404 and rebuilt.user_action == "fix it"
    assert rebuilt.properties == {"parameterName": "x"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"properties": None}, "typeName"),
        ({"typeName": 5}, "typeName"),
        ({"typeName": "Asset", "properties": []}, "properties"),
        ({"typeName": "Asset", "properties": {"propertyValueMap": {"size": {**STRING, "typeName": "int"}}}},
         "properties.propertyValueMap.size"),
        ({"typeName": "Asset", "properties": {"propertyValueMap": {"size": {"class": "Nonsense"}}}},
         "properties.propertyValueMap.size"),
        ({"typeName": "Asset", "parentGUID": "x"}, "parentRelationshipTypeName"),
        ({"typeName": "Asset", "parentAtEnd1": "sideways"}, "parentAtEnd1"),
        ({"typeName": "Asset", "initialClassifications": []}, "initialClassifications"),
        ({"typeName": "Asset", "externalSourceName": "src"}, "externalSourceGUID"),
    ],
)
def test_a_malformed_create_body_is_refused_with_400_naming_the_field(api: Api, body, field):
    response = api.post("/metadata-elements", body)
    ffdc = assert_ffdc(response, 400, "InvalidParameterException")
    assert field in ffdc["exceptionErrorMessage"]
    assert ffdc["exceptionProperties"]["parameterName"] == field


def test_every_problem_in_a_body_is_reported_at_once(api: Api):
    bad_number = {"propertyValueMap": {"n": {"typeName": "int", "primitiveValue": "x"}}}
    response = api.post("/metadata-elements", {"typeName": 1, "properties": bad_number, "parentAtEnd1": 3})
    problems = assert_ffdc(response, 400, "InvalidParameterException")["exceptionProperties"]["problems"]
    assert [p.split(":")[0] for p in problems] == ["typeName", "properties.propertyValueMap.n", "parentAtEnd1"]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_a_body_that_is_not_a_json_object_is_refused_with_400(api: Api, raw):
    ffdc = assert_ffdc(api.post("/metadata-elements", raw), 400, "InvalidParameterException")
    assert "requestBody" in ffdc["exceptionErrorMessage"]


def test_an_unknown_type_is_refused_with_400_naming_type_name(api: Api):
    ffdc = assert_ffdc(api.post("/metadata-elements", {"typeName": "NoSuchType"}), 400, "InvalidParameterException")
    assert "typeName" in ffdc["exceptionErrorMessage"] and "NoSuchType" in ffdc["exceptionErrorMessage"]
    relationship_as_entity = api.post("/metadata-elements", {"typeName": "NestedFile"})
    assert_ffdc(relationship_as_entity, 400, "InvalidParameterException")
    guid = api.create("Asset", {"qualifiedName": "a"})
    ends = {"metadataElement1GUID": guid, "metadataElement2GUID": guid}
    assert "typeName" in error_message(api.post("/related-elements", {"typeName": "Nope", **ends}), 400)
    assert "classificationName" in error_message(api.post(f"/metadata-elements/{guid}/classifications/Nope", {}), 400)
    unknown_find_type = api.post("/metadata-elements/by-search-conditions", {"metadataElementTypeName": "Nope"})
    assert "metadataElementTypeName" in error_message(unknown_find_type, 400)


def conditions(*items: dict) -> dict:
    return {"searchProperties": {"conditions": list(items)}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pageSize": 1001}, "pageSize"),
        ({"pageSize": -1}, "pageSize"),
        ({"startFrom": -5}, "startFrom"),
        ({"pageSize": "ten"}, "pageSize"),
        (conditions({"property": "a", "operator": "ABOUT", "value": STRING}),
         "searchProperties.conditions[0].operator"),
        (conditions({"property": "a", "operator": "EQ"}), "searchProperties.conditions[0].value"),
        (conditions({"property": "a", "operator": "LIKE", "value": {**STRING, "primitiveValue": "("}}),
         "searchProperties.conditions[0].value"),
        ({"searchProperties": {"matchCriteria": "SOME"}}, "searchProperties.matchCriteria"),
    ],
)
def test_bad_paging_or_search_conditions_are_refused_with_400_naming_the_field(api: Api, body, field):
    ffdc = assert_ffdc(api.post("/metadata-elements/by-search-conditions", body), 400, "InvalidParameterException")
    assert ffdc["exceptionProperties"]["parameterName"] == field


def test_an_invalid_search_string_regex_is_refused_naming_search_string(api: Api):
    response = api.post("/metadata-elements/by-search-string", {"searchString": "[unclosed"})
    assert error_field(response, 400) == "searchString"


def test_a_duplicate_qualified_name_is_refused_with_409_naming_the_name(api: Api):
    first = api.create("CSVFile", {"qualifiedName": "file::/x"})
    ffdc = assert_ffdc(api.post("/metadata-elements", {"typeName": "KafkaTopic", "properties": {"propertyValueMap": {
        "qualifiedName": {"typeName": "string", "primitiveValue": "file::/x"}}}}), 409, "InvalidParameterException")
    assert "file::/x" in ffdc["exceptionErrorMessage"] and first in ffdc["exceptionErrorMessage"]
    other = api.create("Asset", {"qualifiedName": "other"})
    rename = api.post(f"/metadata-elements/{other}/update-properties", {"properties": {"propertyValueMap": {
        "qualifiedName": {"typeName": "string", "primitiveValue": "file::/x"}}}})
    assert_ffdc(rename, 409, "InvalidParameterException")


def test_more_than_one_element_with_a_unique_name_is_an_error(api: Api):
    api.create("Asset", {"qualifiedName": "a", "name": "same"})
    api.create("Asset", {"qualifiedName": "b", "name": "same"})
    response = api.post("/metadata-elements/by-unique-name", {"name": "same", "namePropertyName": "name"})
    assert_ffdc(response, 400, "InvalidParameterException")


def test_relationship_ends_must_exist_and_clearly_reversed_ends_are_refused(api: Api):
    folder = api.create("FileFolder", {"qualifiedName": "dir"})
    file = api.create("DataFile", {"qualifiedName": "dir/f"})
    def nested_file(end1: str, end2: str):
        return api.post("/related-elements", {"typeName": "NestedFile", "metadataElement1GUID": end1,
                                              "metadataElement2GUID": end2})

    assert error_field(nested_file(folder, "gone"), 404) == "metadataElement2GUID"
    assert "swap" in error_message(nested_file(file, folder), 400)
    loose = nested_file(folder, folder)
    assert loose.status_code == 200  # unusual, not clearly wrong: accepted with a warning in the log


def test_classifying_twice_or_changing_a_missing_classification_is_refused(api: Api):
    guid = api.create("Asset", {"qualifiedName": "a"})
    api.post(f"/metadata-elements/{guid}/classifications/Template", {})
    base = f"/metadata-elements/{guid}/classifications"
    assert error_field(api.post(f"{base}/Template", {}), 400) == "classificationName"
    assert error_field(api.post(f"{base}/Retention/delete", {}), 400) == "classificationName"
    assert error_field(api.post(f"{base}/Retention/update-properties", {}), 400) == "classificationName"


def test_unknown_routes_and_methods_answer_ffdc_json_not_html(api: Api):
    assert_ffdc(api.http.get(f"{api.url}/nowhere", timeout=5), 404, "InvalidParameterException")
    assert_ffdc(api.http.delete(api.base() + "/metadata-elements", timeout=5), 405, "InvalidParameterException")


def test_a_request_for_another_server_name_is_refused_with_404(api: Api):
    response = api.http.post(api.base(server="other") + "/metadata-elements/by-search-conditions", json={}, timeout=5)
    assert error_field(response, 404) == "serverName"


def test_an_unexpected_failure_is_a_property_server_exception_500_not_a_crash(server: MetadataServer, api: Api):
    server.store.close()  # the database goes away under the running server
    ffdc = assert_ffdc(api.get("/metadata-elements/anything"), 500, "PropertyServerException")
    assert "closed" in ffdc["exceptionErrorMessage"]
    assert ffdc["exceptionUserAction"]
