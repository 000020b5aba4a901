"""The open metadata type table: entity, relationship and classification types.

The metadata server uses it to validate type names, fill ``superTypeNames`` and match
subtypes in finds; the Out Topic filter uses it to match listeners. Types are plain data
(``ENTITY_TYPES``, ``RELATIONSHIP_TYPES``, ``CLASSIFICATION_TYPES``, ``TYPE_ALIASES``) so
that adding one is a one-line change, and ``TypeTable.extended`` adds more at run time::

    table = TypeTable.default().extended(entities={"DeltaTable": "TableDataSet"})
    table.super_types("CSVFile")
    # ('DataFile', 'DataStore', 'DataAsset', 'Asset', 'Referenceable', 'OpenMetadataRoot')

Names follow Egeria 6 (reference §8). Relationship end types are the type each end is
expected to have; older names (``DataContentForDataSet``, ``ServerAssetUse``) are aliases
of their newer names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = [
    "CLASSIFICATION_TYPES",
    "ENTITY_TYPES",
    "RELATIONSHIP_TYPES",
    "TYPE_ALIASES",
    "TypeTable",
]

# entity type -> its direct supertype (None for the root)
ENTITY_TYPES: Mapping[str, str | None] = {
    "OpenMetadataRoot": None,
    "Referenceable": "OpenMetadataRoot",
    "Asset": "Referenceable",
    # data assets (0210, 0220, 0221, 0223, 0224)
    "DataAsset": "Asset",
    "DataStore": "DataAsset",
    "DataFile": "DataStore",
    **dict.fromkeys(
        (
            "CSVFile", "AvroFile", "JSONFile", "ParquetFile", "SpreadsheetFile", "XMLFile", "LogFile",
            "Document", "MediaFile", "ArchiveFile", "ExecutableFile", "ScriptFile", "KeyStoreFile",
            "YAMLFile", "PropertiesFile", "SourceCodeFile",
        ),
        "DataFile",
    ),
    "FileFolder": "DataStore",
    "DataFolder": "FileFolder",
    "Database": "DataStore",
    "RelationalDatabase": "Database",
    "DataSet": "DataAsset",
    "DeployedDatabaseSchema": "DataSet",
    "TableDataSet": "DataSet",
    "Topic": "DataSet",
    "KafkaTopic": "Topic",
    # processes and ports (0215, 0217)
    "Process": "Asset",
    "DeployedSoftwareComponent": "Process",
    "TransientEmbeddedProcess": "Process",
    "DeployedAPI": "Asset",
    "Port": "Referenceable",
    "PortAlias": "Port",
    "PortImplementation": "Port",
    # infrastructure and capabilities (0030-0050)
    "ITInfrastructure": "Asset",
    "Host": "ITInfrastructure",
    "SoftwareServerPlatform": "ITInfrastructure",
    "SoftwareServer": "ITInfrastructure",
    "EventBroker": "SoftwareServer",
    "KafkaCluster": "EventBroker",
    "SoftwareCapability": "Referenceable",
    "SoftwareService": "SoftwareCapability",
    "Application": "SoftwareCapability",
    "Engine": "SoftwareCapability",
    "Catalog": "SoftwareCapability",
    "AssetManager": "SoftwareCapability",
    "APIManager": "SoftwareCapability",
    "DataManager": "SoftwareCapability",
    "DatabaseManager": "DataManager",
    "FileManager": "DataManager",
    "FileSystem": "SoftwareCapability",
    "Endpoint": "Referenceable",
    "Connection": "Referenceable",
    "VirtualConnection": "Connection",
    "ConnectorType": "Referenceable",
    "Collection": "Referenceable",
    # glossary (0310-0330)
    "Glossary": "Referenceable",
    "GlossaryCategory": "Referenceable",
    "GlossaryTerm": "Referenceable",
    # schemas (0501-0534)
    "SchemaElement": "Referenceable",
    "SchemaType": "SchemaElement",
    "ComplexSchemaType": "SchemaType",
    "RootSchemaType": "ComplexSchemaType",
    "StructSchemaType": "ComplexSchemaType",
    "TabularSchemaType": "ComplexSchemaType",
    "DocumentSchemaType": "ComplexSchemaType",
    "EventType": "ComplexSchemaType",
    "RelationalDBSchemaType": "ComplexSchemaType",
    "RelationalTableType": "ComplexSchemaType",
    "APISchemaType": "SchemaType",
    "SchemaTypeChoice": "SchemaType",
    "EventTypeList": "SchemaTypeChoice",
    "SimpleSchemaType": "SchemaType",
    "PrimitiveSchemaType": "SimpleSchemaType",
    "LiteralSchemaType": "SchemaType",
    "SchemaAttribute": "SchemaElement",
    "TabularColumn": "SchemaAttribute",
    "TabularFileColumn": "TabularColumn",
    "RelationalColumn": "TabularColumn",
    "RelationalTable": "SchemaAttribute",
    "DocumentSchemaAttribute": "SchemaAttribute",
    "EventSchemaAttribute": "SchemaAttribute",
}

# relationship type -> (end1 type, end2 type)
RELATIONSHIP_TYPES: Mapping[str, tuple[str, str]] = {
    "NestedFile": ("FileFolder", "DataFile"),
    "FolderHierarchy": ("FileFolder", "FileFolder"),
    "LinkedFile": ("FileFolder", "DataFile"),
    "DataSetContent": ("Asset", "DataSet"),
    "AssetSchemaType": ("Asset", "SchemaType"),
    "AttributeForSchema": ("ComplexSchemaType", "SchemaAttribute"),
    "NestedSchemaAttribute": ("SchemaAttribute", "SchemaAttribute"),
    "SchemaAttributeType": ("SchemaAttribute", "SchemaType"),
    "ForeignKey": ("RelationalColumn", "RelationalColumn"),
    "DataFlow": ("Referenceable", "Referenceable"),
    "ControlFlow": ("Referenceable", "Referenceable"),
    "ProcessCall": ("Referenceable", "Referenceable"),
    "LineageMapping": ("Referenceable", "Referenceable"),
    "DataMapping": ("Referenceable", "Referenceable"),
    "UltimateSource": ("Referenceable", "Referenceable"),
    "UltimateDestination": ("Referenceable", "Referenceable"),
    "ProcessHierarchy": ("Process", "Process"),
    "ProcessPort": ("Process", "Port"),
    "PortDelegation": ("Port", "Port"),
    "SemanticAssignment": ("Referenceable", "GlossaryTerm"),
    "TermAnchor": ("Glossary", "GlossaryTerm"),
    "CategoryAnchor": ("Glossary", "GlossaryCategory"),
    "TermCategorization": ("GlossaryCategory", "GlossaryTerm"),
    "CapabilityAssetUse": ("SoftwareCapability", "Asset"),
    "SupportedSoftwareCapability": ("ITInfrastructure", "SoftwareCapability"),
    "ServerEndpoint": ("ITInfrastructure", "Endpoint"),
    "ConnectionEndpoint": ("Endpoint", "Connection"),
    "ConnectionConnectorType": ("Connection", "ConnectorType"),
    "ConnectionToAsset": ("Connection", "Asset"),
    "TopicSubscribers": ("Topic", "Referenceable"),
    "AssociatedLog": ("Referenceable", "Asset"),
    "ReportOriginator": ("Referenceable", "Referenceable"),
    "ReportSubject": ("Referenceable", "Referenceable"),
    "CollectionMembership": ("Collection", "Referenceable"),
    "ResourceList": ("Referenceable", "Referenceable"),
    "CatalogTarget": ("Referenceable", "Referenceable"),
    "SourcedFrom": ("Referenceable", "Referenceable"),
}

CLASSIFICATION_TYPES: frozenset[str] = frozenset(
    {
        "Anchors", "Memento", "Template", "TemplateSubstitute", "LatestChange",
        "PrimaryKey", "TypeEmbeddedAttribute", "CalculatedValue",
        "Confidentiality", "Confidence", "Criticality", "Impact", "Retention", "SecurityTags",
        "ZoneMembership", "Ownership", "SubjectArea", "DataStoreEncoding", "DigitalResourceOrigin",
        "AuditLogFile", "ExceptionLogFile", "LineageLogFile", "Incomplete", "ProcessingState",
    }
)

# older name -> current name
TYPE_ALIASES: Mapping[str, str] = {
    "DataContentForDataSet": "DataSetContent",
    "ServerAssetUse": "CapabilityAssetUse",
}


class TypeTable:
    """An immutable table of open metadata types with supertype and subtype queries.

    Safe to share between threads: nothing changes after construction.
    """

    def __init__(
        self,
        entities: Mapping[str, str | None],
        relationships: Mapping[str, tuple[str, str]],
        classifications: Iterable[str],
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self._entities = dict(entities)
        self._relationships = dict(relationships)
        self._classifications = frozenset(classifications)
        self._aliases = dict(aliases or {})
        self._supers = {name: self._chain(name) for name in self._entities}
        self._subs = self._invert(self._supers)
        self._check_relationship_ends()

    @classmethod
    def default(cls) -> TypeTable:
        """The built-in Egeria 6 types this project knows."""
        return cls(ENTITY_TYPES, RELATIONSHIP_TYPES, CLASSIFICATION_TYPES, TYPE_ALIASES)

    def extended(
        self,
        *,
        entities: Mapping[str, str | None] | None = None,
        relationships: Mapping[str, tuple[str, str]] | None = None,
        classifications: Iterable[str] = (),
        aliases: Mapping[str, str] | None = None,
    ) -> TypeTable:
        """A new table with more types; existing names may be redefined."""
        return TypeTable(
            {**self._entities, **(entities or {})},
            {**self._relationships, **(relationships or {})},
            self._classifications | frozenset(classifications),
            {**self._aliases, **(aliases or {})},
        )

    # ------------------------------------------------------------ queries

    def canonical(self, name: str) -> str:
        """The current name for ``name`` (an alias maps to its newer name)."""
        return self._aliases.get(name, name)

    def is_known(self, name: str) -> bool:
        """Whether ``name`` is an entity, relationship or classification type (or an alias of one)."""
        name = self.canonical(name)
        return self.is_entity(name) or self.is_relationship(name) or self.is_classification(name)

    def is_entity(self, name: str) -> bool:
        """Whether ``name`` is an entity type."""
        return self.canonical(name) in self._entities

    def is_relationship(self, name: str) -> bool:
        """Whether ``name`` is a relationship type (or an alias of one)."""
        return self.canonical(name) in self._relationships

    def is_classification(self, name: str) -> bool:
        """Whether ``name`` is a classification type."""
        return self.canonical(name) in self._classifications

    def super_types(self, name: str) -> tuple[str, ...]:
        """The supertypes of an entity type, nearest first; ``()`` for relationships and classifications."""
        name = self.canonical(name)
        if name in self._supers:
            return self._supers[name]
        if name in self._relationships or name in self._classifications:
            return ()
        raise KeyError(f"unknown open metadata type {name!r}")

    def is_subtype(self, name: str, of: str) -> bool:
        """Whether ``name`` is ``of`` or one of its subtypes (``False`` for unknown names)."""
        name, of = self.canonical(name), self.canonical(of)
        return name == of or of in self._supers.get(name, ())

    def subtypes(self, name: str) -> frozenset[str]:
        """Every entity type below ``name`` (not ``name`` itself)."""
        return self._subs.get(self.canonical(name), frozenset())

    def type_family(self, name: str) -> frozenset[str]:
        """``name`` and all its subtypes: the type names a find for ``name`` matches."""
        name = self.canonical(name)
        return self.subtypes(name) | {name}

    def relationship_ends(self, name: str) -> tuple[str, str]:
        """The expected (end1, end2) entity types of a relationship type."""
        try:
            return self._relationships[self.canonical(name)]
        except KeyError:
            raise KeyError(f"unknown relationship type {name!r}") from None

    def entity_types(self) -> frozenset[str]:
        """The names of all entity types."""
        return frozenset(self._entities)

    # ------------------------------------------------------------ construction

    def _chain(self, name: str) -> tuple[str, ...]:
        chain: list[str] = []
        parent = self._entities[name]
        while parent is not None:
            if parent == name or parent in chain:
                raise ValueError(f"entity type {name!r} has a supertype cycle through {parent!r}")
            if parent not in self._entities:
                raise ValueError(f"entity type {chain[-1] if chain else name!r} has unknown supertype {parent!r}")
            chain.append(parent)
            parent = self._entities[parent]
        return tuple(chain)

    @staticmethod
    def _invert(supers: Mapping[str, tuple[str, ...]]) -> dict[str, frozenset[str]]:
        subs: dict[str, set[str]] = {}
        for name, chain in supers.items():
            for parent in chain:
                subs.setdefault(parent, set()).add(name)
        return {name: frozenset(children) for name, children in subs.items()}

    def _check_relationship_ends(self) -> None:
        for name, ends in self._relationships.items():
            for end in ends:
                if end not in self._entities:
                    raise ValueError(f"relationship type {name!r} names unknown end type {end!r}")
