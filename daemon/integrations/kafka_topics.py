"""The Kafka topic monitor: catalogues the topics of a Kafka cluster.

Passive, ``topic-integrator``, FROM_THIRD_PARTY (it only reads the cluster). Config::

    - name: prod-topics
      connector: kafka-topics           # or daemon.integrations.kafka_topics:KafkaTopicConnector
      endpoint: broker1:9092,broker2:9092   # bootstrap servers (a kafka:// prefix is accepted)
      metadata_source: prod-kafka       # owns what it creates (recommended)
      refresh: 5m
      configuration_properties:
        include_topics: []              # glob patterns; none = every topic
        exclude_topics: ["__*", "_confluent*", "_schemas"]   # the default: internal topics
        config_of_interest: [retention.ms, retention.bytes, cleanup.policy, min.insync.replicas,
                             max.message.bytes, compression.type]   # the default
        cluster_name: ""                # qualifiedName part; default the cluster id, else the endpoint
        request_timeout: 10s            # every admin call
        client_properties: {}           # more librdkafka settings (security.protocol, sasl.*, ...)
        max_stale_share: 0.2            # stale-removal fail-safe (daemon.integrations.stale)
        stale_allowance: 1
        override_stale_limit: false
        full_check_every: 10

Each refresh lists the cluster's topics (``AdminClient.list_topics``) and their config
(``describe_configs``) and brings open metadata in step through ``context.topics``
(``daemon.connectors.helpers.topics``): the cluster is a ``KafkaCluster``
(``kafka::{cluster}``), each topic a ``KafkaTopic`` (``kafka::{cluster}::{topic}``) with the
partition count, replication factor and config of interest in ``additionalProperties``,
linked from the cluster by ``DataSetContent``. Unchanged topics cost no write; topics
that were deleted are archived at the end of a complete refresh, within the fail-safe and
only among topics the include/exclude lists let it see. A cluster that does not answer
within ``request_timeout`` ends the refresh with a ``ConnectorError`` before anything is
archived.
"""

from __future__ import annotations

from typing import Any, cast

from attrs import field, frozen
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, TopicMetadata

from daemon.connectors import Connector, ConnectorContext
from daemon.connectors.helpers import Catalogued, TopicHelper
from daemon.errors import ConnectorConfigError, ConnectorError
from daemon.integrations._options import Filter, patterns, seconds
from daemon.integrations.stale import CataloguingConfig, StaleSweep
from daemon.model.element import Element

__all__ = ["KafkaTopicConfig", "KafkaTopicConnector"]

DEFAULT_CONFIG_OF_INTEREST = (
    "retention.ms", "retention.bytes", "cleanup.policy", "min.insync.replicas", "max.message.bytes", "compression.type",
)


@frozen(kw_only=True)
class KafkaTopicConfig(CataloguingConfig):
    include_topics: Any = field(default=(), converter=patterns)
    exclude_topics: Any = field(default=("__*", "_confluent*", "_schemas"), converter=patterns)
    config_of_interest: Any = field(default=DEFAULT_CONFIG_OF_INTEREST, converter=patterns)
    cluster_name: str = ""
    request_timeout: Any = field(default=10.0, converter=seconds)
    client_properties: dict[str, str] = field(factory=dict)


def bootstrap_servers(endpoint: str) -> str:
    """Bootstrap servers from ``host:port[,host:port]``, accepting a ``kafka://`` (or similar) prefix per server."""
    servers = [server.strip().rpartition("://")[2].rstrip("/") for server in endpoint.split(",")]
    return ",".join(server for server in servers if server)


class KafkaTopicConnector(Connector):
    """Catalogues the topics of one Kafka cluster through the admin API."""

    config_class = KafkaTopicConfig

    @property
    def config(self) -> KafkaTopicConfig:
        """The structured configuration properties."""
        return cast(KafkaTopicConfig, self.context.config)

    def start(self, context: ConnectorContext) -> None:
        super().start(context)
        config = cast(KafkaTopicConfig, context.config)
        self._bootstrap = bootstrap_servers(context.endpoint or "")
        if not self._bootstrap:
            raise ConnectorConfigError("no endpoint: set endpoint to the cluster's bootstrap servers", context.name)
        self._timeout = float(config.request_timeout)
        self._topics = Filter(config.include_topics, config.exclude_topics)
        timeout_ms = str(max(1, int(self._timeout * 1000)))
        self._admin = AdminClient(
            {
                "bootstrap.servers": self._bootstrap,
                "client.id": f"integration-daemon:{context.name}",
                "socket.timeout.ms": timeout_ms,
                "socket.connection.setup.timeout.ms": timeout_ms,
                **config.client_properties,
            }
        )

    def refresh(self) -> None:
        config = self.config
        helper: TopicHelper = self.context.topics
        metadata = self._call("list the topics", lambda: self._admin.list_topics(timeout=self._timeout))
        cluster = config.cluster_name or metadata.cluster_id or self._bootstrap
        broker_name = helper.broker_name(cluster)
        helper.begin_refresh(broker_name, full_check_every=config.full_check_every)
        in_scope = _TopicScope(broker_name, self._topics)
        with StaleSweep(self.context, helper, config.stale_policy, in_scope=in_scope) as sweep:
            broker: Catalogued | None = None
            with sweep.guard(f"cluster {cluster}"):
                extra = {"bootstrapServers": self._bootstrap, "clusterId": metadata.cluster_id}
                broker = helper.broker(broker_name, display_name=cluster, extra=extra)
            if broker is None:
                return
            topics = {name: topic for name, topic in metadata.topics.items() if self._topics(name)}
            configs = self._configs(sorted(topics), sweep)
            for name in sorted(topics):
                topic = topics[name]
                if topic.error is not None or name not in configs:
                    sweep.saw(f"{broker_name}::{name}")  # it exists; what it is could not be read
                    if topic.error is not None:
                        sweep.failed(f"topic {name}: {topic.error}")
                    continue
                with sweep.guard(f"topic {name}"):
                    helper.topic(
                        broker, name, partitions=len(topic.partitions),
                        replication_factor=_replication_factor(topic), config=configs[name],
                    )

    def disconnect(self) -> None:
        self.__dict__.pop("_admin", None)  # the client closes when garbage collected

    def _configs(self, names: list[str], sweep: StaleSweep) -> dict[str, dict[str, str]]:
        """The config of interest of each topic; a topic whose config cannot be read is left out (refresh incomplete)."""
        if not names:
            return {}
        wanted = set(self.config.config_of_interest)
        resources = [ConfigResource(ConfigResource.Type.TOPIC, name) for name in names]
        futures = self._call(
            "describe the topics' config", lambda: self._admin.describe_configs(resources, request_timeout=self._timeout)
        )
        configs: dict[str, dict[str, str]] = {}
        for resource, future in futures.items():
            try:
                entries = future.result(timeout=self._timeout)
            except Exception as exc:  # KafkaException or a timeout: this topic only
                sweep.failed(f"topic {resource.name}: config not readable: {exc}")
                continue
            configs[resource.name] = {key: entry.value for key, entry in entries.items() if key in wanted}
        return configs

    def _call(self, what: str, call: Any) -> Any:
        try:
            return call()
        except KafkaException as exc:
            raise ConnectorError(f"cannot {what} of {self._bootstrap}: {exc}", self.context.name) from exc


def _replication_factor(topic: TopicMetadata) -> int | None:
    partitions = list(topic.partitions.values())
    return len(partitions[0].replicas) if partitions else None


class _TopicScope:
    """Which owned elements the include/exclude lists let this refresh see (and so archive)."""

    def __init__(self, broker_name: str, topics: Filter) -> None:
        self._head = broker_name + "::"
        self._broker_name = broker_name
        self._topics = topics

    def __call__(self, element: Element) -> bool:
        name = element.qualified_name or ""
        if name == self._broker_name:
            return True
        return name.startswith(self._head) and self._topics(name[len(self._head):])
