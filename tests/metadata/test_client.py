"""The metadata client end to end against the bundled server."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from daemon.errors import InvalidParameterError, UserNotAuthorizedError
from daemon.metadata import MetadataClient
from daemon.metadata_server import MetadataServer
from tests.metadata.conftest import SERVER

CREATED = datetime(2024, 3, 4, 5, 6, 7, 890000, tzinfo=timezone.utc)


def test_ping_succeeds_against_a_running_server(client: MetadataClient):
    client.ping()


def test_an_element_created_with_every_kind_of_value_reads_back_equal(client: MetadataClient):
    values = {
        "qualifiedName": "file::/data/orders.csv",
        "fileSize": 2**40,
        "delimiterCharacter": ",",
        "compressed": False,
        "ratio": 0.5,
        "storeCreateTime": CREATED,
        "aliases": ["orders", "sales"],
        "additionalProperties": {"owner": "ops"},
    }
    guid = client.create_element("CSVFile", values)
    element = client.get_element(guid)
    assert element.guid == guid
    assert element.type.type_name == "CSVFile" and element.type.is_a("DataFile")
    assert dict(element.properties) == values
    assert element.versions.created_by == "daemon" and element.versions.version == 1
    assert element.origin.category == "LOCAL_COHORT"


def test_create_can_classify_anchor_and_link_to_a_parent(client: MetadataClient):
    folder = client.create_element("FileFolder", {"qualifiedName": "dir"})
    file = client.create_element(
        "DataFile", {"qualifiedName": "dir/f"},
        classifications={"Confidentiality": {"level": 2}, "Template": None},
        parent_guid=folder, parent_relationship_type="NestedFile", anchor_guid=folder,
    )
    element = client.get_element(file)
    assert element.classification("Confidentiality").properties == {"level": 2}
    assert element.classification("Anchors").properties["anchorGUID"] == folder
    [related] = client.get_related(folder, "NestedFile")
    assert related.element.guid == file and not related.element_at_end1
    assert (related.relationship.end1_guid, related.relationship.end2_guid) == (folder, file)


def test_get_element_of_an_unknown_guid_raises_invalid_parameter_with_404(client: MetadataClient):
    with pytest.raises(InvalidParameterError) as caught:
        client.get_element("no-such-guid")
    assert caught.value.related_http_code == 404
    assert "no-such-guid" in str(caught.value)


def test_get_by_unique_name_returns_the_element_or_none(client: MetadataClient):
    guid = client.create_element("Asset", {"qualifiedName": "asset-1", "name": "orders"})
    assert client.get_by_unique_name("asset-1").guid == guid
    assert client.get_by_unique_name("orders", "name").guid == guid
    assert client.get_by_unique_name("missing") is None


def test_find_elements_filters_by_type_and_condition_tuples(client: MetadataClient):
    guids = [client.create_element("CSVFile", {"qualifiedName": f"f{n}", "rank": n}) for n in range(4)]
    client.create_element("FileFolder", {"qualifiedName": "dir", "rank": 1})
    assert [e.guid for e in client.find_elements("DataFile")] == guids
    assert [e.guid for e in client.find_elements("DataFile", [("rank", "GTE", 2)])] == guids[2:]
    folder = client.get_by_unique_name("dir").guid
    assert [e.guid for e in client.find_elements(None, [("rank", "EQ", 1)])] == [guids[1], folder]
    either = [("rank", "EQ", 0), ("rank", "EQ", 3)]
    assert [e.guid for e in client.find_elements("Asset", either, "ANY")] == [guids[0], guids[3]]
    assert [e.guid for e in client.find_elements("Asset", [("qualifiedName", "LIKE", "f[12]")])] == guids[1:3]
    assert [e.guid for e in client.find_elements("Asset", [("rank", "IN", [0, 2])])] == [guids[0], guids[2]]
    assert [e.guid for e in client.find_elements("DataFile", start=1, page_size=2)] == guids[1:3]


def test_find_all_pages_through_everything(client: MetadataClient):
    guids = [client.create_element("Asset", {"qualifiedName": f"a{n}"}) for n in range(7)]
    assert [e.guid for e in client.find_all("Asset", page_size=3)] == guids
    assert [e.guid for e in client.find_all("Asset", page_size=7)] == guids


def test_search_finds_elements_by_a_regular_expression(client: MetadataClient):
    orders = client.create_element("Asset", {"qualifiedName": "db.ORDERS"})
    client.create_element("Asset", {"qualifiedName": "db.customers"})
    topic = client.create_element("KafkaTopic", {"qualifiedName": "orders.events"})
    assert [e.guid for e in client.search("orders")] == [orders, topic]
    assert [e.guid for e in client.search("orders", "Topic")] == [topic]
    assert [e.guid for e in client.search("ord.rs", page_size=1, start=1)] == [topic]


def test_update_element_merges_or_replaces_and_says_whether_it_changed(client: MetadataClient):
    guid = client.create_element("Asset", {"qualifiedName": "a", "owner": "x"})
    assert client.update_element(guid, {"owner": "y"}) is True
    assert client.update_element(guid, {"owner": "y"}) is False
    assert dict(client.get_element(guid).properties) == {"qualifiedName": "a", "owner": "y"}
    client.update_element(guid, {"qualifiedName": "a"}, merge=False)
    element = client.get_element(guid)
    assert dict(element.properties) == {"qualifiedName": "a"} and element.versions.version == 3


def test_delete_element_removes_it(client: MetadataClient):
    guid = client.create_element("Asset", {"qualifiedName": "a"})
    client.delete_element(guid)
    with pytest.raises(InvalidParameterError):
        client.get_element(guid)


def test_an_archived_element_is_only_seen_for_lineage(client: MetadataClient):
    guid = client.create_element("Asset", {"qualifiedName": "a"})
    client.archive_element(guid)
    assert client.find_elements("Asset") == []
    assert client.get_element(guid, for_lineage=True).is_archived
    assert [e.guid for e in client.find_elements("Asset", for_lineage=True)] == [guid]
    with pytest.raises(InvalidParameterError):
        client.get_element(guid)


def test_classifications_can_be_added_changed_and_removed(client: MetadataClient):
    guid = client.create_element("Asset", {"qualifiedName": "a"})
    client.classify(guid, "Retention", {"days": 30})
    client.reclassify(guid, "Retention", {"basis": "law"})
    assert client.get_element(guid).classification("Retention").properties == {"days": 30, "basis": "law"}
    client.reclassify(guid, "Retention", {"days": 7}, merge=False)
    assert client.get_element(guid).classification("Retention").properties == {"days": 7}
    client.declassify(guid, "Retention")
    assert client.get_element(guid).classification("Retention") is None


def test_relationships_can_be_created_read_updated_and_deleted(client: MetadataClient):
    source = client.create_element("Process", {"qualifiedName": "p1"})
    target = client.create_element("Process", {"qualifiedName": "p2"})
    term = client.create_element("GlossaryTerm", {"qualifiedName": "t"})
    flow = client.create_relationship("DataFlow", source, target, {"label": "x"})
    meaning = client.create_relationship("SemanticAssignment", source, term)
    assert {r.relationship.guid for r in client.get_related(source)} == {flow, meaning}
    [related] = client.get_related(source, "DataFlow")
    assert related.element.guid == target and related.relationship.properties == {"label": "x"}
    assert related.relationship.type.type_name == "DataFlow"
    assert [r.relationship.guid for r in client.get_related(source, start=1, page_size=1)] == [meaning]
    client.update_relationship(flow, {"label": "y"})
    assert client.get_related(source, "DataFlow")[0].relationship.properties == {"label": "y"}
    client.delete_relationship(flow)
    assert client.get_related(source, "DataFlow") == []


def test_ensure_metadata_source_finds_or_creates_a_locally_owned_software_capability(client: MetadataClient):
    owned_client = client.with_external_source("some-guid", "some-name")
    guid = owned_client.ensure_metadata_source("files-connector-source")
    assert client.ensure_metadata_source("files-connector-source") == guid
    capability = client.get_element(guid)
    assert capability.type.type_name == "SoftwareCapability"
    assert capability.origin.category == "LOCAL_COHORT"
    client.create_element("Asset", {"qualifiedName": "not-a-capability"})
    with pytest.raises(InvalidParameterError, match="SoftwareCapability"):
        client.ensure_metadata_source("not-a-capability")


def test_writes_through_an_external_source_client_are_owned_by_that_source(client: MetadataClient):
    source_guid = client.ensure_metadata_source("files")
    owner = client.with_external_source(source_guid, "files")
    assert owner._transport.session is client._transport.session
    guid = owner.create_element("DataFile", {"qualifiedName": "f"})
    origin = client.get_element(guid).origin
    assert (origin.category, origin.collection_id, origin.collection_name) == ("EXTERNAL_SOURCE", source_guid, "files")
    with pytest.raises(UserNotAuthorizedError) as caught:
        client.update_element(guid, {"owner": "me"})
    assert caught.value.related_http_code == 400 and caught.value.http_status == 403
    with pytest.raises(UserNotAuthorizedError):
        client.with_external_source("other", "other").delete_element(guid)
    assert owner.update_element(guid, {"owner": "me"}) is True
    owner.classify(guid, "Template")
    owner.archive_element(guid)


def test_with_user_acts_as_another_user_id(client: MetadataClient):
    guid = client.with_user("npa").create_element("Asset", {"qualifiedName": "a"})
    client.update_element(guid, {"owner": "x"})
    versions = client.get_element(guid).versions
    assert (versions.created_by, versions.updated_by) == ("npa", "daemon")


def test_a_duplicate_qualified_name_raises_invalid_parameter_with_409(client: MetadataClient):
    client.create_element("Asset", {"qualifiedName": "same"})
    with pytest.raises(InvalidParameterError) as caught:
        client.create_element("Asset", {"qualifiedName": "same"})
    assert caught.value.related_http_code == 409 and "same" in str(caught.value)


def test_a_value_that_cannot_be_encoded_is_refused_before_anything_is_sent(client: MetadataClient):
    with pytest.raises(InvalidParameterError, match=r"properties\.blob"):
        client.create_element("Asset", {"qualifiedName": "a", "blob": object()})
    assert client.find_elements() == []


def test_the_client_sends_its_bearer_token(tmp_path):
    tokens = {"secret": frozenset({"daemon"})}
    with MetadataServer(tmp_path / "secured.db", server_name=SERVER, tokens=tokens) as server:
        with MetadataClient(server.url, SERVER, "daemon", token="secret") as allowed:
            allowed.ping()
            assert allowed.create_element("Asset", {"qualifiedName": "a"})
        with MetadataClient(server.url, SERVER, "daemon") as anonymous:
            with pytest.raises(UserNotAuthorizedError) as caught:
                anonymous.ping()
            assert caught.value.related_http_code == 401
        with MetadataClient(server.url, SERVER, "intruder", token="secret") as wrong_user:
            with pytest.raises(UserNotAuthorizedError) as caught:
                wrong_user.ping()
            assert caught.value.related_http_code == 403


def test_a_wrong_server_name_is_reported_by_ping(server: MetadataServer):
    with MetadataClient(server.url, "not-this-one", "daemon") as misconfigured:
        with pytest.raises(InvalidParameterError, match="not-this-one"):
            misconfigured.ping()
