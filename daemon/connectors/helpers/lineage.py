"""Processes, data sets and the lineage between them (``lineage-integrator``).

A job or pipeline is a ``Process`` (or a subtype such as ``DeployedSoftwareComponent``);
its inputs and outputs are data sets (``DataSet`` or any ``DataAsset`` subtype). Lineage is
drawn with Egeria's relationships (model 0750/0770):

* ``DataFlow`` supplier → consumer (input data set → process → output data set);
* ``LineageMapping`` source → target (finer grained, e.g. column to column);
* ``ProcessHierarchy`` parent process → child process (a run inside a job, a step in a pipeline).

qualifiedNames for OpenLineage (``openlineage_name``)::

    job       openlineage::{namespace}::{job name}
    data set  openlineage::{namespace}::{data set name}

A data set that already exists under the name but belongs to another metadata source (a
table catalogued by a database connector, say) is linked as it is, not changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from daemon.connectors.helpers._sync import Catalogued, IndexedHelper, Links
from daemon.connectors.store import OpenMetadataStore

__all__ = ["LineageHelper"]


def _guid(end: str | Catalogued) -> str:
    return end.guid if isinstance(end, Catalogued) else end


class LineageHelper(IndexedHelper):
    """Catalogue processes, data sets and lineage relationships through the connector's store."""

    def __init__(self, store: OpenMetadataStore) -> None:
        super().__init__(store, ("Process", "DataAsset"))
        self._links = {name: Links(store, name) for name in ("DataFlow", "LineageMapping", "ProcessHierarchy")}

    @staticmethod
    def openlineage_name(namespace: str, name: str) -> str:
        """The qualifiedName of an OpenLineage job or data set."""
        return f"openlineage::{namespace}::{name}"

    def invalidate(self) -> None:
        """After a failed write: read elements and relationships again when next needed."""
        super().invalidate()
        for links in self._links.values():
            links.clear()

    def process(
        self,
        qualified_name: str,
        *,
        name: str,
        description: str | None = None,
        type_name: str = "Process",
        properties: Mapping[str, Any] | None = None,
    ) -> Catalogued:
        """A process (job, pipeline, run) with Egeria ``Process`` properties (``formula``, ``startTime``, ...)."""
        return self._element(type_name, qualified_name, name, description, properties)

    def data_set(
        self,
        qualified_name: str,
        *,
        name: str,
        description: str | None = None,
        type_name: str = "DataSet",
        properties: Mapping[str, Any] | None = None,
    ) -> Catalogued:
        """A data set read or written by a process; one owned by another metadata source is used as is."""
        existing = self.known.get(qualified_name)
        if existing is not None and self.store.metadata_source is not None and not self.store.owns(existing):
            return Catalogued(existing.guid, qualified_name, existing.type.type_name, "skipped")
        return self._element(type_name, qualified_name, name, description, properties)

    def data_flow(self, supplier: str | Catalogued, consumer: str | Catalogued, **properties: Any) -> str:
        """``DataFlow`` supplier → consumer (properties: ``label``, ``description``, ``formula``, ...)."""
        return self._links["DataFlow"].ensure(_guid(supplier), _guid(consumer), properties)

    def lineage_mapping(self, source: str | Catalogued, target: str | Catalogued, **properties: Any) -> str:
        """``LineageMapping`` source → target."""
        return self._links["LineageMapping"].ensure(_guid(source), _guid(target), properties)

    def process_hierarchy(self, parent: str | Catalogued, child: str | Catalogued, **properties: Any) -> str:
        """``ProcessHierarchy`` parent → child (properties: ``containmentType``)."""
        return self._links["ProcessHierarchy"].ensure(_guid(parent), _guid(child), properties)

    def _element(
        self, type_name: str, qualified_name: str, name: str, description: str | None, extra: Mapping[str, Any] | None
    ) -> Catalogued:
        properties = {**(extra or {}), "qualifiedName": qualified_name, "displayName": name, "description": description}
        result = self._sync.sync(type_name, properties)
        if result.action == "created":
            for links in self._links.values():
                links.mark_new(result.guid)
        return result
