"""The integration services the daemon knows, with Egeria's names and defaults."""

from __future__ import annotations

from attrs import frozen

from daemon.config.types import PermittedSynchronization

__all__ = ["IntegrationServiceKind", "SERVICE_KINDS", "service_kind"]


@frozen
class IntegrationServiceKind:
    """Static facts about one integration service (OMIS)."""

    url_marker: str
    full_name: str
    partner_access_service: str
    partner_url_marker: str
    default_permitted_synchronization: PermittedSynchronization
    description: str


_FROM = PermittedSynchronization.FROM_THIRD_PARTY
_BOTH = PermittedSynchronization.BOTH_DIRECTIONS

SERVICE_KINDS: dict[str, IntegrationServiceKind] = {
    kind.url_marker: kind
    for kind in (
        IntegrationServiceKind(
            "files-integrator", "Files Integrator OMIS", "Data Manager OMAS", "data-manager", _FROM,
            "Catalogues files and folders from file systems.",
        ),
        IntegrationServiceKind(
            "database-integrator", "Database Integrator OMIS", "Data Manager OMAS", "data-manager", _FROM,
            "Catalogues databases, schemas, tables and columns.",
        ),
        IntegrationServiceKind(
            "topic-integrator", "Topic Integrator OMIS", "Data Manager OMAS", "data-manager", _FROM,
            "Catalogues event brokers and their topics.",
        ),
        IntegrationServiceKind(
            "lineage-integrator", "Lineage Integrator OMIS", "Asset Manager OMAS", "asset-manager", _FROM,
            "Catalogues processes and the lineage between data sets.",
        ),
        IntegrationServiceKind(
            "catalog-integrator", "Catalog Integrator OMIS", "Asset Manager OMAS", "asset-manager", _BOTH,
            "Exchanges assets and glossary terms with third-party catalogs.",
        ),
    )
}


def service_kind(url_marker: str) -> IntegrationServiceKind:
    """The kind for a URL marker; KeyError if the daemon does not know it."""
    return SERVICE_KINDS[url_marker]
