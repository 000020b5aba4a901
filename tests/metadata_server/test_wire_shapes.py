"""The bundled server answers in Egeria 6's shapes (raw HTTP, no client)."""

from __future__ import annotations

from daemon.model import encode_value
from tests.metadata_server.conftest import SERVER, Api, classification, props, wire

QN = {"class": "PrimitiveTypePropertyValue", "typeName": "string", "primitiveValue": "file::/data/a.csv"}


def test_create_answers_a_guid_response(api: Api):
    response = api.post("/metadata-elements", {
        "class": "NewOpenMetadataElementRequestBody",
        "typeName": "CSVFile",
        "properties": {"class": "NewElementProperties", "propertyValueMap": {"qualifiedName": QN}},
    })
    assert response.status_code == 200
    body = response.json()
    assert body["class"] == "GUIDResponse"
    assert body["relatedHTTPCode"] == 200
    assert isinstance(body["guid"], str) and len(body["guid"]) == 36


def test_get_answers_an_open_metadata_element_response_with_every_header_field(api: Api):
    guid = api.create("CSVFile", {"qualifiedName": "file::/a.csv", "fileSize": 10}, user="creator")
    response = api.get(f"/metadata-elements/{guid}")
    body = response.json()
    assert (response.status_code, body["class"], body["relatedHTTPCode"]) == (200, "OpenMetadataElementResponse", 200)
    element = body["element"]
    assert element["elementGUID"] == guid
    assert element["type"] == {
        "typeName": "CSVFile",
        "superTypeNames": ["DataFile", "DataStore", "DataAsset", "Asset", "Referenceable", "OpenMetadataRoot"],
    }
    assert element["origin"]["originCategory"] == "LOCAL_COHORT"
    assert element["origin"]["homeMetadataCollectionName"] == SERVER
    assert element["origin"]["homeMetadataCollectionId"]
    assert element["origin"]["sourceServer"] == SERVER
    versions = element["versions"]
    assert (versions["createdBy"], versions["updatedBy"], versions["version"]) == ("creator", "creator", 1)
    assert versions["createTime"].endswith("+00:00") and "T" in versions["createTime"]
    assert element["status"] == "ACTIVE"
    assert element["classifications"] == []
    assert props(element) == {"qualifiedName": "file::/a.csv", "fileSize": 10}
    assert element["elementProperties"]["propertyValueMap"]["fileSize"]["typeName"] == "int"


def test_get_also_works_as_a_post_with_a_get_request_body(api: Api):
    guid = api.create("Asset", {"qualifiedName": "a"})
    response = api.post(f"/metadata-elements/{guid}", {"class": "GetRequestBody"})
    assert response.json()["element"]["elementGUID"] == guid


def test_the_local_collection_id_is_derived_from_the_server_name_and_stable(api: Api):
    first = api.element(api.create("Asset", {"qualifiedName": "a"}))
    second = api.element(api.create("Asset", {"qualifiedName": "b"}))
    assert first["origin"]["homeMetadataCollectionId"] == second["origin"]["homeMetadataCollectionId"]


def test_initial_classifications_and_an_own_anchor_are_attached_on_create(api: Api):
    guid = api.create("CSVFile", {"qualifiedName": "f"}, isOwnAnchor=True, initialClassifications={
        "Confidentiality": {"propertyValueMap": {"level": {"typeName": "int", "primitiveValue": 2}}},
        "Template": None,
    })
    classifications = {c["classificationName"]: c for c in api.element(guid)["classifications"]}
    assert set(classifications) == {"Confidentiality", "Template", "Anchors"}
    element = api.element(guid)
    assert classification(element, "Confidentiality") == {"level": 2}
    assert classification(element, "Anchors")["anchorGUID"] == guid


def test_create_with_a_parent_links_the_new_element_to_it(api: Api):
    folder = api.create("FileFolder", {"qualifiedName": "dir"})
    file = api.create("CSVFile", {"qualifiedName": "dir/f"}, parentGUID=folder,
                      parentRelationshipTypeName="NestedFile", parentAtEnd1=True)
    related = api.post(f"/related-elements/{folder}/type/NestedFile", {}).json()["elementList"]
    assert [(r["element"]["elementGUID"], r["elementAtEnd1"]) for r in related] == [(file, False)]


def test_unique_name_lookups_answer_the_element_or_null(api: Api):
    guid = api.create("Asset", {"qualifiedName": "asset-1", "name": "orders"})
    body = {"class": "UniqueNameRequestBody", "name": "asset-1"}
    found = api.post("/metadata-elements/by-unique-name", body).json()
    assert (found["class"], found["element"]["elementGUID"]) == ("OpenMetadataElementResponse", guid)
    guid_only = api.post("/metadata-elements/guid-by-unique-name", body).json()
    assert (guid_only["class"], guid_only["guid"]) == ("GUIDResponse", guid)
    by_other = api.post("/metadata-elements/by-unique-name", {"name": "orders", "namePropertyName": "name"}).json()
    assert by_other["element"]["elementGUID"] == guid
    missing = api.post("/metadata-elements/by-unique-name", {"name": "nothing"}).json()
    assert (missing["relatedHTTPCode"], missing["element"]) == (200, None)
    assert api.post("/metadata-elements/guid-by-unique-name", {"name": "nothing"}).json()["guid"] is None


def test_find_by_type_matches_subtypes_and_answers_an_elements_response(api: Api):
    csv = api.create("CSVFile", {"qualifiedName": "c"})
    avro = api.create("AvroFile", {"qualifiedName": "v"})
    api.create("FileFolder", {"qualifiedName": "d"})
    find = {"class": "FindRequestBody", "metadataElementTypeName": "DataFile"}
    response = api.post("/metadata-elements/by-search-conditions", find)
    body = response.json()
    assert (body["class"], body["relatedHTTPCode"]) == ("OpenMetadataElementsResponse", 200)
    assert [e["elementGUID"] for e in body["elements"]] == [csv, avro]
    only_csv = api.find({"metadataElementTypeName": "DataStore", "metadataElementSubtypeNames": ["CSVFile"]})
    assert [e["elementGUID"] for e in only_csv] == [csv]


def condition(name: str, operator: str, value: object = None) -> dict:
    wire = {"property": name, "operator": operator}
    if value is not None:
        wire["value"] = encode_value(value)
    return wire


def test_find_applies_every_comparison_operator(api: Api):
    for n in range(5):
        api.create("Asset", {"qualifiedName": f"asset-{n}", "rank": n, **({"owner": "ops"} if n % 2 else {})})

    def ranks(*conditions: dict, match: str = "ALL") -> list[int]:
        found = api.find({"searchProperties": {"conditions": list(conditions), "matchCriteria": match}})
        return [props(e)["rank"] for e in found]

    assert ranks(condition("rank", "EQ", 2)) == [2]
    assert ranks(condition("rank", "NEQ", 2)) == [0, 1, 3, 4]
    assert ranks(condition("rank", "LT", 2)) == [0, 1]
    assert ranks(condition("rank", "LTE", 2)) == [0, 1, 2]
    assert ranks(condition("rank", "GT", 2)) == [3, 4]
    assert ranks(condition("rank", "GTE", 2)) == [2, 3, 4]
    assert ranks(condition("rank", "IN", [1, 4])) == [1, 4]
    assert ranks(condition("owner", "IS_NULL")) == [0, 2, 4]
    assert ranks(condition("owner", "NOT_NULL")) == [1, 3]
    assert ranks(condition("qualifiedName", "LIKE", r"asset-[34]")) == [3, 4]
    assert ranks(condition("qualifiedName", "LIKE", r"asset")) == []  # LIKE is a full match
    assert ranks(condition("rank", "EQ", 0), condition("rank", "EQ", 4), match="ANY") == [0, 4]
    assert ranks(condition("rank", "LT", 3), match="NONE") == [3, 4]


def test_find_by_qualified_name_equality_respects_type_status_and_archive_filters(api: Api):
    csv = api.create("CSVFile", {"qualifiedName": "q1", "owner": "a"})
    api.create("KafkaTopic", {"qualifiedName": "q2"})
    pinned = {"searchProperties": {"conditions": [condition("qualifiedName", "EQ", "q1")]}}
    assert api.find_guids(pinned) == [csv]
    assert api.find_guids({"metadataElementTypeName": "DataFile", **pinned}) == [csv]
    assert api.find_guids({"metadataElementTypeName": "Topic", **pinned}) == []
    both = [condition("qualifiedName", "EQ", "q1"), condition("owner", "EQ", "b")]
    assert api.find_guids({"searchProperties": {"conditions": both}}) == []
    assert api.find_guids({"limitResultsByStatus": ["DEPRECATED"], **pinned}) == []
    api.post(f"/metadata-elements/{csv}/archive", {})
    assert api.find_guids(pinned) == []
    assert api.find_guids({"forLineage": True, **pinned}) == [csv]


def test_find_pages_with_start_from_and_page_size(api: Api):
    guids = [api.create("Asset", {"qualifiedName": f"a{n}"}) for n in range(5)]
    assert [e["elementGUID"] for e in api.find({"startFrom": 1, "pageSize": 2})] == guids[1:3]
    assert [e["elementGUID"] for e in api.find({"startFrom": 4, "pageSize": 2})] == guids[4:]
    assert api.find({"startFrom": 9}) == []
    assert len(api.find({"pageSize": 0})) == 5


def test_search_string_is_a_case_insensitive_regex_over_string_properties(api: Api):
    orders = api.create("Asset", {"qualifiedName": "db.Orders", "tags": ["Finance"]})
    api.create("Asset", {"qualifiedName": "db.customers"})
    topic = api.create("KafkaTopic", {"qualifiedName": "topic.orders-events"})

    def search(body: dict) -> list[str]:
        response = api.post("/metadata-elements/by-search-string", {"class": "SearchStringRequestBody", **body})
        assert response.json()["class"] == "OpenMetadataElementsResponse"
        return [e["elementGUID"] for e in response.json()["elements"]]

    assert search({"searchString": "ORDERS"}) == [orders, topic]
    assert search({"searchString": "orders", "metadataElementTypeName": "Topic"}) == [topic]
    assert search({"searchString": "fin.nce"}) == [orders]
    assert search({"searchString": "orders", "typeName": "KafkaTopic"}) == [topic]
    assert len(search({"searchString": "*"})) == 3
    assert search({"searchString": "orders", "pageSize": 1, "startFrom": 1}) == [topic]


def test_related_elements_answer_each_link_with_its_type_properties_and_far_end(api: Api):
    folder = api.create("FileFolder", {"qualifiedName": "dir"})
    file = api.create("CSVFile", {"qualifiedName": "dir/f"})
    term = api.create("GlossaryTerm", {"qualifiedName": "term"})
    nested = api.relate("NestedFile", folder, file, {"note": "n"})
    meaning = api.relate("SemanticAssignment", file, term)
    body = api.post(f"/related-elements/{file}/any-type", {"class": "ResultsRequestBody"}).json()
    assert (body["class"], body["relatedHTTPCode"]) == ("RelatedMetadataElementListResponse", 200)
    links = {item["relationshipGUID"]: item for item in body["elementList"]}
    assert set(links) == {nested, meaning}
    assert links[nested]["type"]["typeName"] == "NestedFile"
    assert links[nested]["relationshipProperties"]["propertyValueMap"]["note"]["primitiveValue"] == "n"
    assert (links[nested]["element"]["elementGUID"], links[nested]["elementAtEnd1"]) == (folder, True)
    assert (links[meaning]["element"]["elementGUID"], links[meaning]["elementAtEnd1"]) == (term, False)
    typed = api.get(f"/related-elements/{file}/type/SemanticAssignment").json()["elementList"]
    assert [item["relationshipGUID"] for item in typed] == [meaning]
    paged = api.get(f"/related-elements/{file}/any-type", params={"startFrom": 1, "pageSize": 1}).json()["elementList"]
    assert [item["relationshipGUID"] for item in paged] == [meaning]
    from_end1 = api.get(f"/related-elements/{file}/any-type", params={"startingAtEnd": 1}).json()["elementList"]
    assert [item["relationshipGUID"] for item in from_end1] == [meaning]


def test_an_older_relationship_name_is_accepted_and_stored_under_the_current_name(api: Api):
    database = api.create("Database", {"qualifiedName": "db"})
    schema = api.create("DeployedDatabaseSchema", {"qualifiedName": "db.s"})
    api.relate("DataContentForDataSet", database, schema)
    related = api.post(f"/related-elements/{database}/type/DataContentForDataSet", {}).json()["elementList"]
    assert [r["type"]["typeName"] for r in related] == ["DataSetContent"]


def test_creating_an_identical_relationship_again_answers_the_existing_guid(api: Api):
    folder = api.create("FileFolder", {"qualifiedName": "dir"})
    file = api.create("DataFile", {"qualifiedName": "dir/f"})
    assert api.relate("NestedFile", folder, file) == api.relate("NestedFile", folder, file)
    assert len(api.post(f"/related-elements/{folder}/any-type", {}).json()["elementList"]) == 1


def test_update_answers_a_boolean_response_that_says_whether_anything_changed(api: Api):
    guid = api.create("Asset", {"qualifiedName": "a", "owner": "x"})
    change = {"class": "UpdatePropertiesRequestBody", "properties": wire(owner="y")}
    first = api.post(f"/metadata-elements/{guid}/update-properties", change).json()
    again = api.post(f"/metadata-elements/{guid}/update-properties", change).json()
    assert (first["class"], first["flag"], again["flag"]) == ("BooleanResponse", True, False)
    assert props(api.element(guid)) == {"qualifiedName": "a", "owner": "y"}


def test_merge_update_false_and_replace_properties_true_both_replace_all_properties(api: Api):
    guid = api.create("Asset", {"qualifiedName": "a", "owner": "x", "zone": "z"})
    new = {"propertyValueMap": {"qualifiedName": {"typeName": "string", "primitiveValue": "a"}}}
    api.post(f"/metadata-elements/{guid}/update-properties", {"properties": new, "mergeUpdate": False})
    assert props(api.element(guid)) == {"qualifiedName": "a"}
    api.post(f"/metadata-elements/{guid}/update-properties", {"properties": {"propertyValueMap": {
        "owner": {"typeName": "string", "primitiveValue": "o"}}}})
    api.post(f"/metadata-elements/{guid}/update-properties", {"properties": new, "replaceProperties": True})
    assert props(api.element(guid)) == {"qualifiedName": "a"}


def test_classify_reclassify_and_declassify_change_the_elements_classifications(api: Api):
    guid = api.create("Asset", {"qualifiedName": "a"})
    base = f"/metadata-elements/{guid}/classifications/Confidentiality"
    answer = api.post(base, {"class": "NewOpenMetadataClassificationRequestBody", "properties": wire(level=1)})
    assert answer.json()["class"] == "VoidResponse"
    assert classification(api.element(guid), "Confidentiality") == {"level": 1}
    api.post(base + "/update-properties", {"properties": wire(level=3)})
    assert classification(api.element(guid), "Confidentiality") == {"level": 3}
    api.post(base + "/delete", {})
    assert api.element(guid)["classifications"] == []


def test_relationship_properties_can_be_updated_and_the_relationship_deleted(api: Api):
    a, b = api.create("Process", {"qualifiedName": "p1"}), api.create("Process", {"qualifiedName": "p2"})
    link = api.relate("DataFlow", a, b, {"label": "x"})
    update = api.post(f"/related-elements/{link}/update-properties",
                      {"properties": {"propertyValueMap": {"label": {"typeName": "string", "primitiveValue": "y"}}}})
    assert update.json()["class"] == "VoidResponse"
    related = api.post(f"/related-elements/{a}/any-type", {}).json()["elementList"]
    assert related[0]["relationshipProperties"]["propertyValueMap"]["label"]["primitiveValue"] == "y"
    assert related[0]["versions"]["version"] == 2
    api.post(f"/related-elements/{link}/delete", {})
    assert api.post(f"/related-elements/{a}/any-type", {}).json()["elementList"] == []


def test_delete_removes_the_element_and_its_relationships(api: Api):
    folder = api.create("FileFolder", {"qualifiedName": "dir"})
    file = api.create("DataFile", {"qualifiedName": "dir/f"})
    api.relate("NestedFile", folder, file)
    answer = api.post(f"/metadata-elements/{file}/delete", {"class": "OpenMetadataDeleteRequestBody"})
    assert answer.json()["class"] == "VoidResponse"
    assert api.get(f"/metadata-elements/{file}").status_code == 404
    assert api.post(f"/related-elements/{folder}/any-type", {}).json()["elementList"] == []


def test_health_answers_without_a_server_name_or_token(api: Api):
    body = api.http.get(f"{api.url}/health", timeout=5).json()
    assert (body["class"], body["relatedHTTPCode"], body["status"]) == ("HealthResponse", 200, "UP")
