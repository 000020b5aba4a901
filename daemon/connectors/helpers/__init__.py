"""Typed helpers of the integration services, over a connector's ``OpenMetadataStore``.

A connector reaches them through its context (``context.files``, ``context.databases``,
``context.topics``, ``context.lineage``, ``context.catalog``). Each builds Egeria-shaped
elements with documented qualifiedName conventions, links them with Egeria's relationship
types, and skips unchanged elements without a write. Each keeps an index of what the
connector owns (read in bulk when cold, kept in step by its own writes), so an unchanged
refresh costs no writes and, while warm, no reads of the metadata server either.

==================  ====================  ============================================================
helper              service               catalogues
==================  ====================  ============================================================
``FilesHelper``     files-integrator      ``FileFolder``, ``DataFile`` and subtypes
``DatabaseHelper``  database-integrator   ``Database`` → ``DeployedDatabaseSchema`` → ``RelationalTable``
                                          → ``RelationalColumn``, ``PrimaryKey``, ``ForeignKey``
``TopicHelper``     topic-integrator      ``KafkaCluster`` / ``EventBroker`` and ``KafkaTopic`` / ``Topic``
``LineageHelper``   lineage-integrator    ``Process``, data sets, ``DataFlow``, ``LineageMapping``,
                                          ``ProcessHierarchy``
``CatalogHelper``   catalog-integrator    any ``Asset``, ``Glossary``, ``GlossaryTerm``, ``SemanticAssignment``
==================  ====================  ============================================================
"""

from daemon.connectors.helpers._sync import Catalogued, KnownElements, Links, scope_under
from daemon.connectors.helpers.catalog import CatalogHelper
from daemon.connectors.helpers.databases import DatabaseHelper, ForeignKey, RelationalPath
from daemon.connectors.helpers.files import FilesHelper, file_type_for
from daemon.connectors.helpers.lineage import LineageHelper
from daemon.connectors.helpers.topics import TopicHelper

__all__ = [
    "CatalogHelper",
    "Catalogued",
    "DatabaseHelper",
    "FilesHelper",
    "ForeignKey",
    "KnownElements",
    "LineageHelper",
    "Links",
    "RelationalPath",
    "TopicHelper",
    "file_type_for",
    "scope_under",
]
