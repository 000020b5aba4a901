"""Event brokers and topics (``topic-integrator``).

A broker (cluster) is a ``KafkaCluster`` (an ``EventBroker``, a ``SoftwareServer``) or
another ``EventBroker`` subtype; each topic is a ``KafkaTopic`` (or another ``Topic``
subtype) with ``topicName`` and ``topicType``, linked from its broker by ``DataSetContent``
(the broker holds the topic's data). Partition count, replication factor and the topic
config of interest (``retention.ms``, ``cleanup.policy``, ...) are kept as strings in
``additionalProperties``.

qualifiedNames::

    broker   {technology}::{cluster}          e.g. kafka::prod-cluster
    topic    {technology}::{cluster}::{topic} e.g. kafka::prod-cluster::orders
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from daemon.connectors.helpers._sync import Catalogued, IndexedHelper, scope_under
from daemon.connectors.store import OpenMetadataStore

__all__ = ["TopicHelper"]


def _strings(values: Mapping[str, Any]) -> dict[str, str] | None:
    cleaned = {key: str(value) for key, value in values.items() if value is not None}
    return cleaned or None


class TopicHelper(IndexedHelper):
    """Catalogue event brokers and their topics through the connector's open metadata store."""

    def __init__(self, store: OpenMetadataStore) -> None:
        super().__init__(store, ("EventBroker", "Topic"))

    @staticmethod
    def broker_name(cluster: str, technology: str = "kafka") -> str:
        """The qualifiedName of a broker, e.g. ``kafka::prod-cluster``."""
        return f"{technology}::{cluster}"

    def begin_refresh(self, broker_name: str, *, full_check_every: int = 10) -> None:
        """Start a refresh of one broker: read what the connector owns under it unless warm."""
        self.known.begin_refresh(scope_under(broker_name), full_check_every=full_check_every)

    def broker(
        self,
        broker_name: str,
        *,
        display_name: str | None = None,
        type_name: str = "KafkaCluster",
        implementation_type: str | None = "Apache Kafka Server",
        description: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Catalogued:
        """The broker (or cluster) whose qualifiedName is ``broker_name`` (see ``broker_name()``)."""
        return self._sync.sync(
            type_name,
            {
                "qualifiedName": broker_name,
                "displayName": display_name or broker_name.rpartition("::")[2],
                "description": description,
                "deployedImplementationType": implementation_type,
                "additionalProperties": _strings(extra or {}),
            },
        )

    def topic(
        self,
        broker: Catalogued,
        name: str,
        *,
        partitions: int | None = None,
        replication_factor: int | None = None,
        config: Mapping[str, Any] | None = None,
        description: str | None = None,
        type_name: str = "KafkaTopic",
        topic_type: str = "Kafka",
    ) -> Catalogued:
        """A topic called ``name`` on ``broker``, with its partitions and config of interest."""
        extra = {"partitions": partitions, "replicationFactor": replication_factor, **(config or {})}
        return self._sync.sync(
            type_name,
            {
                "qualifiedName": f"{broker.qualified_name}::{name}",
                "displayName": name,
                "topicName": name,
                "topicType": topic_type,
                "description": description,
                "additionalProperties": _strings(extra),
            },
            parent=(broker.guid, "DataSetContent", True),
        )
