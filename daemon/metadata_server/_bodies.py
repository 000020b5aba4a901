"""Request bodies of the open metadata store's write operations, structured once at the edge.

Each ``parse_*`` function reads a ``Fields`` and returns a frozen request; problems are
collected on the ``Fields`` for one report. Field names and defaults follow Egeria 6
(reference §2) and accept the older ``replaceProperties``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from attrs import field, frozen

from daemon.metadata_server._fields import Fields
from daemon.model import parse_time

__all__ = [
    "ArchiveRequest",
    "Caller",
    "ExternalSource",
    "NewElementRequest",
    "NewRelationshipRequest",
    "UpdateRequest",
    "parse_archive",
    "parse_caller",
    "parse_new_element",
    "parse_new_relationship",
    "parse_update",
]


# ---------------------------------------------------------------- caller and provenance


@frozen
class ExternalSource:
    """The metadata source a request acts for (a SoftwareCapability's guid and qualifiedName)."""

    guid: str
    name: str


@frozen
class Caller:
    """Who asks: the path's user id, the external source (if any) and whether archived elements count."""

    user_id: str
    source: ExternalSource | None = None
    for_lineage: bool = False


def parse_caller(fields: Fields, user_id: str) -> Caller:
    """The caller from the metadata-source and lineage fields of any request body."""
    guid = fields.text("externalSourceGUID")
    name = fields.text("externalSourceName")
    if name and not guid:
        fields.problem(fields.where("externalSourceGUID"), "is required when externalSourceName is set")
    source = ExternalSource(guid, name or "") if guid else None
    return Caller(user_id, source, fields.flag("forLineage", False))


# ---------------------------------------------------------------- writes


@frozen
class NewElementRequest:
    """``NewOpenMetadataElementRequestBody``."""

    type_name: str
    properties: dict[str, Any]
    classifications: dict[str, dict[str, Any]] = field(factory=dict)
    parent_guid: str | None = None
    parent_relationship_type: str | None = None
    parent_at_end1: bool = True
    parent_relationship_properties: dict[str, Any] = field(factory=dict)
    anchor_guid: str | None = None
    is_own_anchor: bool = False


def parse_new_element(fields: Fields) -> NewElementRequest:
    """Read a create-element body."""
    request = NewElementRequest(
        type_name=fields.text("typeName", required=True) or "",
        properties=fields.properties("properties"),
        classifications=_classification_map(fields, "initialClassifications"),
        parent_guid=fields.text("parentGUID"),
        parent_relationship_type=fields.text("parentRelationshipTypeName"),
        parent_at_end1=fields.flag("parentAtEnd1", True),
        parent_relationship_properties=fields.properties("parentRelationshipProperties"),
        anchor_guid=fields.text("anchorGUID"),
        is_own_anchor=fields.flag("isOwnAnchor", False),
    )
    if request.parent_guid and not request.parent_relationship_type:
        fields.problem(fields.where("parentRelationshipTypeName"), "is required when parentGUID is set")
    return request


def _classification_map(fields: Fields, key: str) -> dict[str, dict[str, Any]]:
    value = fields.data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        fields.problem(fields.where(key), "must be an object of classification name -> properties")
        return {}
    holder = Fields(value, fields.where(key), fields.problems)
    return {str(name): holder.properties(str(name)) for name in value}


@frozen
class UpdateRequest:
    """``UpdatePropertiesRequestBody``: new properties, merged into (or replacing) the old ones."""

    properties: dict[str, Any]
    merge: bool = True


def parse_update(fields: Fields) -> UpdateRequest:
    """Read an update-properties body (``mergeUpdate``, or the older ``replaceProperties``)."""
    if "mergeUpdate" in fields.data or "replaceProperties" not in fields.data:
        merge = fields.flag("mergeUpdate", True)
    else:
        merge = not fields.flag("replaceProperties", False)
    return UpdateRequest(fields.properties("properties"), merge)


@frozen
class ArchiveRequest:
    """Archive options: when, by which process, with what extra properties."""

    archive_date: datetime | None = None
    archive_process: str | None = None
    archive_properties: dict[str, Any] = field(factory=dict)


def parse_archive(fields: Fields) -> ArchiveRequest:
    """Read an archive body (all fields optional)."""
    try:
        date = parse_time(fields.data.get("archiveDate"), fields.where("archiveDate"))
    except ValueError as exc:
        fields.problem(fields.where("archiveDate"), str(exc).split(": ", 1)[-1])
        date = None
    extra = fields.data.get("archiveProperties") or {}
    if not isinstance(extra, Mapping):
        fields.problem(fields.where("archiveProperties"), "must be an object of strings")
        extra = {}
    return ArchiveRequest(date, fields.text("archiveProcess"), dict(extra))


@frozen
class NewRelationshipRequest:
    """``NewRelatedElementsRequestBody``."""

    type_name: str
    end1_guid: str
    end2_guid: str
    properties: dict[str, Any]


def parse_new_relationship(fields: Fields) -> NewRelationshipRequest:
    """Read a create-relationship body."""
    return NewRelationshipRequest(
        type_name=fields.text("typeName", required=True) or "",
        end1_guid=fields.text("metadataElement1GUID", required=True) or "",
        end2_guid=fields.text("metadataElement2GUID", required=True) or "",
        properties=fields.properties("properties"),
    )
