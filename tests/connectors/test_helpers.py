"""The typed helpers over a real metadata server: unchanged-skip, classifications, relationships, the index."""

from __future__ import annotations

import pytest

from daemon.connectors.helpers import (
    CatalogHelper,
    DatabaseHelper,
    FilesHelper,
    ForeignKey,
    LineageHelper,
    TopicHelper,
)
from daemon.errors import MetadataUnreachable
from daemon.metadata_server import MetadataServer
from tests.integrations.conftest import connected_context, unique


@pytest.fixture
def context(metadata_server):
    return connected_context(metadata_server, unique("helpers"))


def activity(context) -> dict[str, dict[str, int]]:
    return context.take_activity().by_type


def test_an_unchanged_element_is_skipped_and_a_changed_one_replaced(context):
    catalog = CatalogHelper(context.metadata)
    name = unique("asset")
    created = catalog.asset("DataSet", name, name="a", description="first", properties={"formula": "x"})
    first = context.metadata.get(created.guid).versions.version
    assert catalog.asset("DataSet", name, name="a", description="first", properties={"formula": "x"}).action == "skipped"
    assert context.metadata.get(created.guid).versions.version == first  # no write
    assert catalog.asset("DataSet", name, name="a", description="second", properties={"formula": "x"}).action == "updated"
    assert catalog.asset("DataSet", name, name="a", properties={"formula": "x"}).action == "updated"  # description dropped
    assert activity(context) == {"DataSet": {"created": 1, "skipped": 1, "updated": 2}}

    stored = context.metadata.get(created.guid)
    assert stored.properties == {"qualifiedName": name, "displayName": "a", "formula": "x"}
    assert stored.versions.version == first + 2


def test_managed_classifications_are_added_changed_and_removed(context):
    catalog = CatalogHelper(context.metadata)
    name = unique("asset")
    guid = catalog.asset("DataSet", name, name="a", classifications={"Confidentiality": None}).guid
    assert catalog.asset("DataSet", name, name="a", classifications={"Confidentiality": {"level": 2}}).action == "updated"
    assert context.metadata.get(guid).classification("Confidentiality").properties == {"level": 2}
    assert catalog.asset("DataSet", name, name="a", classifications={"Confidentiality": {"level": 2}}).action == "skipped"
    catalog.asset("DataSet", name, name="a", classifications={"Confidentiality": {"level": 3}})
    assert context.metadata.get(guid).classification("Confidentiality").properties == {"level": 3}
    catalog.asset("DataSet", name, name="a", classifications={"Confidentiality": None})
    assert context.metadata.get(guid).classification("Confidentiality") is None


def test_an_element_whose_type_changed_is_replaced_by_one_of_the_new_type(context, tmp_path):
    catalog = CatalogHelper(context.metadata)
    name = unique("asset")
    old = catalog.asset("DataSet", name, name="a")
    new = catalog.asset("TableDataSet", name, name="a")
    assert new.action == "created" and new.guid != old.guid
    assert context.metadata.get_by_qualified_name(name).type.type_name == "TableDataSet"


def test_a_warm_index_brings_an_unchanged_catalogue_in_step_without_the_metadata_server(tmp_path):
    server = MetadataServer(tmp_path / "own.db", server_name="test-mds", tokens={})
    server.start()
    context = connected_context(server, "warm-source", service="topic-integrator")
    topics = TopicHelper(context.metadata)

    def refresh() -> set[str]:
        topics.begin_refresh("kafka::warm")
        broker = topics.broker("kafka::warm")
        return {topics.topic(broker, f"t{i}", partitions=i + 1).action for i in range(3)}

    assert refresh() == {"created"}
    assert refresh() == {"skipped"} and topics.known.loads == 1
    server.stop()
    assert refresh() == {"skipped"}  # warm: no read, no write
    with pytest.raises(MetadataUnreachable):
        topics.begin_refresh("kafka::warm", full_check_every=1)  # a full check must read


def test_without_a_metadata_source_the_index_is_read_on_every_refresh(metadata_server, tmp_path):
    context = connected_context(metadata_server, None)
    files = FilesHelper(context.metadata)
    (tmp_path / "a.csv").write_text("x")
    for _ in range(3):
        files.begin_refresh(tmp_path)
        files.file(tmp_path / "a.csv", files.folder(tmp_path))
    assert files.known.loads == 3
    assert set(files.owned()) == {str(tmp_path), str(tmp_path / "a.csv")}
    assert context.metadata.get_by_qualified_name(str(tmp_path / "a.csv")).type.type_name == "CSVFile"


def catalogue_keys(helper: DatabaseHelper, server: str, keys: bool) -> list[ForeignKey]:
    helper.begin_refresh(server)
    database = helper.database(server, "db")
    schema = helper.schema(database, "s")
    parent = helper.table(schema, "parent")
    parent_id = helper.column(parent, "id", data_type="integer", is_nullable=False, position=1, primary_key="parent_pkey")
    child_name = helper.qualified_name(server, "db", "s", "child")
    wanted = [ForeignKey("child_parent_fkey", f"{child_name}::parent_id", parent_id.qualified_name)] if keys else []
    child = helper.table(schema, "child", foreign_keys=wanted)
    child_columns = [helper.column(child, "parent_id", data_type="integer", is_nullable=True, position=1)]
    helper.foreign_keys(parent, [parent_id], [])
    helper.foreign_keys(child, child_columns, wanted)
    return wanted


def test_foreign_keys_are_kept_in_step_and_never_duplicated_by_a_restarted_connector(context):
    server = unique("db-server")
    (key,) = catalogue_keys(DatabaseHelper(context.metadata), server, keys=True)
    column = context.metadata.get_by_qualified_name(key.column)
    assert [r.relationship.properties for r in context.metadata.related(column.guid, "ForeignKey")] == [
        {"name": "child_parent_fkey"}
    ]
    context.take_activity()

    restarted = DatabaseHelper(context.metadata)  # a fresh instance: its index is cold
    catalogue_keys(restarted, server, keys=True)
    assert len(context.metadata.related(column.guid, "ForeignKey")) == 1
    assert activity(context)["ForeignKey"] == {"skipped": 1}

    catalogue_keys(DatabaseHelper(context.metadata), server, keys=False)  # dropped while the connector was down
    assert context.metadata.related(column.guid, "ForeignKey") == []


def test_lineage_links_are_made_once_and_data_sets_of_other_sources_are_used_as_they_are(metadata_server):
    other = connected_context(metadata_server, unique("warehouse"))
    table_name = unique("warehouse-table")
    table_guid = CatalogHelper(other.metadata).asset("TableDataSet", table_name, name="orders").guid

    context = connected_context(metadata_server, unique("openlineage"), service="lineage-integrator")
    lineage = LineageHelper(context.metadata)
    job = lineage.process(lineage.openlineage_name("etl", unique("job")), name="load orders")
    source = lineage.data_set(table_name, name="orders")
    target = lineage.data_set(lineage.openlineage_name("s3", unique("out")), name="out")
    assert source.guid == table_guid and source.action == "skipped"  # someone else's: linked, not changed
    assert [lineage.data_flow(source, job), lineage.data_flow(job, target)] == ["created", "created"]

    again = LineageHelper(context.metadata)  # cold: reads the relationships once
    assert again.data_flow(source, again.process(job.qualified_name, name="load orders")) == "skipped"
    flows = context.metadata.related(job.guid, "DataFlow")
    assert {(r.relationship.end1_guid, r.relationship.end2_guid) for r in flows} == {
        (table_guid, job.guid), (job.guid, target.guid),
    }


def test_glossary_terms_are_anchored_and_assigned_once(context):
    catalog = CatalogHelper(context.metadata)
    glossary = catalog.glossary(catalog.catalog_name("acme", "glossary", unique("g")), name="Sales")
    term = catalog.term(glossary, catalog.catalog_name("acme", "term", unique("customer")), name="Customer",
                        summary="who buys", aliases=["client"])
    asset = catalog.asset("DataSet", unique("asset"), name="customers")
    assert [catalog.assign_term(asset, term), catalog.assign_term(asset, term)] == ["created", "skipped"]
    assert [r.element.guid for r in context.metadata.related(glossary.guid, "TermAnchor")] == [term.guid]
    assert context.metadata.get(term.guid).properties["aliases"] == ["client"]
    catalog.unassign_term(asset, term)
    assert context.metadata.related(asset.guid, "SemanticAssignment") == []
