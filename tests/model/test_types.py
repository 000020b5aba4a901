"""The open metadata type table."""

from __future__ import annotations

import pytest

from daemon.model import TypeTable

TYPES = TypeTable.default()


def test_super_types_run_from_the_nearest_up_to_the_root():
    assert TYPES.super_types("CSVFile") == (
        "DataFile", "DataStore", "DataAsset", "Asset", "Referenceable", "OpenMetadataRoot"
    )
    assert TYPES.super_types("OpenMetadataRoot") == ()


@pytest.mark.parametrize(
    ("name", "of"),
    [
        ("CSVFile", "DataFile"),
        ("CSVFile", "Asset"),
        ("DataFolder", "FileFolder"),
        ("KafkaTopic", "DataSet"),
        ("RelationalDatabase", "DataStore"),
        ("DeployedDatabaseSchema", "DataSet"),
        ("RelationalColumn", "TabularColumn"),
        ("RelationalTable", "SchemaAttribute"),
        ("RelationalTableType", "ComplexSchemaType"),
        ("DeployedSoftwareComponent", "Process"),
        ("KafkaCluster", "SoftwareServer"),
        ("SoftwareServer", "Asset"),
        ("GlossaryTerm", "Referenceable"),
        ("CSVFile", "CSVFile"),
    ],
)
def test_a_type_is_a_subtype_of_each_of_its_ancestors_and_itself(name, of):
    assert TYPES.is_subtype(name, of)


def test_a_type_is_not_a_subtype_of_its_siblings_or_descendants_or_unknown_types():
    assert not TYPES.is_subtype("CSVFile", "FileFolder")
    assert not TYPES.is_subtype("DataFile", "CSVFile")
    assert not TYPES.is_subtype("Nonsense", "Asset")


def test_subtypes_lists_every_descendant_but_not_the_type_itself():
    assert TYPES.subtypes("Topic") == {"KafkaTopic"}
    assert {"CSVFile", "DataFile", "DataFolder", "FileFolder", "RelationalDatabase"} <= TYPES.subtypes("DataStore")
    assert "DataStore" not in TYPES.subtypes("DataStore")
    assert TYPES.type_family("Topic") == {"Topic", "KafkaTopic"}


def test_entity_relationship_and_classification_names_are_all_known():
    for name in ("Asset", "NestedFile", "DataSetContent", "SemanticAssignment", "Memento", "Anchors", "PrimaryKey"):
        assert TYPES.is_known(name)
    assert not TYPES.is_known("NoSuchType")
    assert TYPES.is_relationship("NestedFile") and not TYPES.is_entity("NestedFile")
    assert TYPES.is_classification("Memento") and not TYPES.is_relationship("Memento")


def test_older_relationship_names_are_aliases_of_the_current_ones():
    assert TYPES.is_relationship("DataContentForDataSet")
    assert TYPES.canonical("DataContentForDataSet") == "DataSetContent"
    assert TYPES.relationship_ends("ServerAssetUse") == ("SoftwareCapability", "Asset")


def test_relationships_know_their_end_types():
    assert TYPES.relationship_ends("NestedFile") == ("FileFolder", "DataFile")
    assert TYPES.relationship_ends("AssetSchemaType") == ("Asset", "SchemaType")


def test_super_types_of_an_unknown_type_raise_key_error_naming_it():
    with pytest.raises(KeyError, match="Nonsense"):
        TYPES.super_types("Nonsense")


def test_the_table_can_be_extended_without_changing_the_original():
    bigger = TYPES.extended(
        entities={"DeltaTable": "TableDataSet"},
        relationships={"DeltaLink": ("DeltaTable", "Asset")},
        classifications={"Golden"},
    )
    assert bigger.is_subtype("DeltaTable", "DataSet")
    assert "DeltaTable" in bigger.subtypes("DataSet")
    assert bigger.is_relationship("DeltaLink") and bigger.is_classification("Golden")
    assert not TYPES.is_known("DeltaTable")


def test_a_supertype_that_does_not_exist_is_refused_when_the_table_is_built():
    with pytest.raises(ValueError, match="Missing"):
        TYPES.extended(entities={"Orphan": "Missing"})
    with pytest.raises(ValueError, match="cycle"):
        TypeTable({"A": "B", "B": "A"}, {}, ())
