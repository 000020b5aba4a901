"""Configuration: frozen classes, and the one loader that builds them from a document."""

from daemon.config.catalogue import SERVICE_KINDS, IntegrationServiceKind, service_kind
from daemon.config.loader import load_config, load_metadata_server_config, parse_config, structure_properties, unstructure_config
from daemon.config.model import (
    AdminConfig,
    ConnectorConfig,
    DaemonConfig,
    EventBusConfig,
    LoggingConfig,
    MetadataServerConfig,
    RestartPolicy,
    RestartPolicyOverride,
    ServiceConfig,
    StandaloneMetadataServerConfig,
    TokenGrant,
)
from daemon.config.types import Duration, PermittedSynchronization, Secret, parse_duration

__all__ = [
    "SERVICE_KINDS",
    "AdminConfig",
    "ConnectorConfig",
    "DaemonConfig",
    "Duration",
    "EventBusConfig",
    "IntegrationServiceKind",
    "LoggingConfig",
    "MetadataServerConfig",
    "PermittedSynchronization",
    "RestartPolicy",
    "RestartPolicyOverride",
    "Secret",
    "ServiceConfig",
    "StandaloneMetadataServerConfig",
    "TokenGrant",
    "load_config",
    "load_metadata_server_config",
    "parse_config",
    "parse_duration",
    "service_kind",
    "structure_properties",
]
