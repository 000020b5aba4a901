"""Configuration: frozen classes, and the one loader that builds them from a document."""

from daemon.config.catalogue import SERVICE_KINDS, IntegrationServiceKind, service_kind
from daemon.config.egeria import egeria_to_document, load_egeria_config, looks_like_egeria, to_yaml
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
from daemon.config.providers import BUILTIN_PROVIDERS, looks_like_java_class, resolve_provider
from daemon.config.types import Duration, PermittedSynchronization, Secret, parse_duration

__all__ = [
    "BUILTIN_PROVIDERS",
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
    "egeria_to_document",
    "load_config",
    "load_egeria_config",
    "load_metadata_server_config",
    "looks_like_egeria",
    "looks_like_java_class",
    "parse_config",
    "parse_duration",
    "resolve_provider",
    "service_kind",
    "structure_properties",
    "to_yaml",
]
