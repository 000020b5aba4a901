"""The generic open metadata API a connector gets as ``context.metadata``.

It wraps the metadata access client with what every connector needs: the connector's
user id and metadata source on every request, its permitted synchronization enforced,
an activity count of what it changed, and ``upsert`` that skips unchanged elements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from attrs import frozen

from daemon.config import PermittedSynchronization
from daemon.errors import SynchronizationRefused
from daemon.states import ActivityReport

if TYPE_CHECKING:
    from daemon.metadata import MetadataClient
    from daemon.model.element import Element, RelatedElement

__all__ = ["ActivityCounter", "OpenMetadataStore", "UpsertResult"]


class ActivityCounter:
    """Counts created/updated/deleted/archived/skipped per type during one refresh."""

    ACTIONS = ("created", "updated", "deleted", "archived", "skipped", "refused")

    def __init__(self) -> None:
        self._counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def count(self, action: str, type_name: str, n: int = 1) -> None:
        self._counts[type_name][action] += n

    def take(self) -> ActivityReport:
        """The report so far; counting starts again from zero."""
        by_type = {t: dict(actions) for t, actions in self._counts.items()}
        self._counts.clear()
        totals = {a: sum(actions.get(a, 0) for actions in by_type.values()) for a in self.ACTIONS}
        return ActivityReport(by_type=by_type, **totals)


@frozen
class UpsertResult:
    """What ``upsert`` did: the element's guid, and ``action`` "created", "updated" or "skipped" (unchanged)."""

    guid: str
    action: str


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)  # properties travel as epoch millis
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_comparable(v) for v in value]
    return value


def differs(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """True if any wanted property is absent from, or different in, the current properties."""
    return any(_comparable(current.get(key)) != _comparable(value) for key, value in wanted.items())


class OpenMetadataStore:
    """Generic create/read/update/delete of open metadata, on behalf of one connector."""

    def __init__(
        self,
        client: MetadataClient,
        *,
        connector: str,
        permitted_synchronization: PermittedSynchronization,
        metadata_source: str | None,
        activity: ActivityCounter,
    ) -> None:
        self._client = client
        self._connector = connector
        self._sync = permitted_synchronization
        self.metadata_source = metadata_source
        self.source_guid: str | None = None  # the metadata source's SoftwareCapability, once known
        self.activity = activity

    # --- reads ------------------------------------------------------------------------------

    def get(self, guid: str) -> Element:
        return self._client.get_element(guid)

    def get_by_qualified_name(self, qualified_name: str) -> Element | None:
        return self._client.get_by_unique_name(qualified_name)

    def find(self, type_name: str | None = None, conditions: Iterable[tuple[str, str, Any]] = (), **options: Any) -> list[Element]:
        """Every element of ``type_name`` (and its subtypes) matching all ``conditions``, paging through."""
        return self._client.find_all(type_name, list(conditions) or None, **options)

    def search(self, text: str, type_name: str | None = None) -> list[Element]:
        return self._client.search(text, type_name)

    def related(self, guid: str, relationship_type: str | None = None) -> list[RelatedElement]:
        return self._client.get_related(guid, relationship_type)

    def owned(self, type_name: str, conditions: Iterable[tuple[str, str, Any]] = ()) -> list[Element]:
        """Elements of ``type_name`` that this connector's metadata source owns."""
        return [e for e in self.find(type_name, conditions) if self.owns(e)]

    def owns(self, element: Element) -> bool:
        return self.metadata_source is not None and element.origin.collection_name == self.metadata_source

    # --- writes -----------------------------------------------------------------------------

    def create(
        self,
        type_name: str,
        properties: Mapping[str, Any],
        *,
        classifications: Mapping[str, Mapping[str, Any]] | None = None,
        parent_guid: str | None = None,
        parent_relationship: str | None = None,
        parent_at_end1: bool = True,
    ) -> str:
        self._check_may_write("create", type_name)
        guid = self._client.create_element(
            type_name,
            dict(properties),
            classifications={k: dict(v) for k, v in (classifications or {}).items()} or None,
            parent_guid=parent_guid,
            parent_relationship_type=parent_relationship,
            parent_at_end1=parent_at_end1,
        )
        self.activity.count("created", type_name)
        return guid

    def update(self, guid: str, properties: Mapping[str, Any], *, merge: bool = True, type_name: str = "") -> None:
        self._check_may_write("update", type_name or guid)
        self._client.update_element(guid, dict(properties), merge=merge)
        self.activity.count("updated", type_name or "element")

    def delete(self, guid: str, *, type_name: str = "") -> None:
        self._check_may_write("delete", type_name or guid)
        self._client.delete_element(guid)
        self.activity.count("deleted", type_name or "element")

    def archive(self, guid: str, *, type_name: str = "") -> None:
        self._check_may_write("archive", type_name or guid)
        self._client.archive_element(guid)
        self.activity.count("archived", type_name or "element")

    def classify(self, guid: str, classification: str, properties: Mapping[str, Any] | None = None) -> None:
        self._check_may_write("classify", guid)
        self._client.classify(guid, classification, dict(properties or {}))

    def reclassify(self, guid: str, classification: str, properties: Mapping[str, Any], *, merge: bool = True) -> None:
        self._check_may_write("reclassify", guid)
        self._client.reclassify(guid, classification, dict(properties), merge=merge)

    def declassify(self, guid: str, classification: str) -> None:
        self._check_may_write("declassify", guid)
        self._client.declassify(guid, classification)

    def relate(self, type_name: str, end1_guid: str, end2_guid: str, properties: Mapping[str, Any] | None = None) -> str:
        self._check_may_write("relate", type_name)
        guid = self._client.create_relationship(type_name, end1_guid, end2_guid, dict(properties or {}))
        self.activity.count("created", type_name)
        return guid

    def unrelate(self, relationship_guid: str, *, type_name: str = "relationship") -> None:
        self._check_may_write("unrelate", type_name)
        self._client.delete_relationship(relationship_guid)
        self.activity.count("deleted", type_name)

    def upsert(
        self,
        type_name: str,
        properties: Mapping[str, Any],
        *,
        current: Element | None = None,
        **create_options: Any,
    ) -> UpsertResult:
        """Create the element named by ``properties['qualifiedName']``, update it if any property
        differs, or skip it (no write) if nothing changed. Pass ``current`` when already known."""
        qualified_name = properties.get("qualifiedName")
        if not qualified_name:
            raise ValueError("upsert needs properties['qualifiedName']")
        if current is None:
            current = self.get_by_qualified_name(qualified_name)
        if current is None:
            return UpsertResult(self.create(type_name, properties, **create_options), "created")
        if differs(current.properties, properties):
            self.update(current.guid, properties, type_name=type_name)
            return UpsertResult(current.guid, "updated")
        self.activity.count("skipped", type_name)
        return UpsertResult(current.guid, "skipped")

    def _check_may_write(self, action: str, what: str) -> None:
        if not self._sync.may_write_open_metadata:
            self.activity.count("refused", what)
            raise SynchronizationRefused(
                f"may not {action} {what} in open metadata: its permitted synchronization is {self._sync.name}",
                self._connector,
            )
