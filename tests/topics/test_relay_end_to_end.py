"""The whole loop on Kafka: a connector publishes to the In Topic, the embedded metadata server applies
it and relays the change to the Out Topic, and an outbound connector receives it."""

from __future__ import annotations

import uuid

from daemon.app import Daemon
from daemon.config import parse_config
from daemon.metadata import MetadataClient
from daemon.topics.names import in_topic, out_topic
from tests.broker import FAST_CONSUMER
from tests.conftest import wait_until
from tests.topics.connectors import RECEIVED


def test_an_in_topic_event_is_applied_relayed_and_delivered_to_listeners_but_not_echoed(kafka_broker, tmp_path):
    RECEIVED.clear()
    name = f"pushed-{uuid.uuid4().hex[:6]}"
    root = f"r{uuid.uuid4().hex[:8]}"
    for topic in (out_topic(root, "loop-mds", "asset-manager"), in_topic(root, "loop-mds", "asset-manager")):
        kafka_broker.create_topic(topic)  # as an operator would; consumers then see them at once
    document = {
        "server_name": "loop-daemon",
        "admin": {"port": 0},
        "metadata_server": {"database": str(tmp_path / "m.db"), "server_name": "loop-mds", "token": "loop"},
        "event_bus": {"type": "kafka", "bootstrap_servers": kafka_broker.bootstrap,
                      "topic_root": root, "consumer": FAST_CONSUMER, "poll_interval": "50ms"},
        "services": [{"url_marker": "catalog-integrator", "connectors": [
            {"name": "publisher", "connector": "tests.topics.connectors:Publishing", "refresh": 0,
             "metadata_source": "publisher-source", "configuration_properties": {"qualified_name": name}},
            {"name": "watcher", "connector": "tests.topics.connectors:Listening", "refresh": 0,
             "configuration_properties": {"type_names": ["DataFile"]}},
            {"name": "self-watcher", "connector": "tests.topics.connectors:Listening", "refresh": 0,
             "metadata_source": "publisher-source", "configuration_properties": {"type_names": ["DataFile"]}},
        ]}],
    }
    daemon = Daemon(parse_config(document, environ={})).start()
    try:
        wait_until(lambda: RECEIVED.calls("publisher") == ["published"], 30, "the In Topic event to be confirmed")
        assert wait_until(lambda: RECEIVED.calls("watcher"), 60, "the relayed Out Topic event") == [name]
        with MetadataClient(daemon.metadata_url, "loop-mds", "checker", token="loop") as client:
            element = client.get_by_unique_name(name)
        assert element is not None and element.properties["description"] == "pushed in"
        assert element.origin.collection_name == "publisher-source"
        # Routing decides for every listener at once: once watcher had it, self-watcher was passed over.
        delivered = {c.connector: c.delivered for c in daemon.event_statistics().connectors}
        assert delivered.get("watcher", 0) >= 1 and delivered.get("self-watcher", 0) == 0
        assert RECEIVED.calls("self-watcher") == []  # the same metadata source: its own write, not echoed
    finally:
        daemon.stop()
