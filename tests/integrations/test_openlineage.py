"""The OpenLineage receiver: real run events on a real broker topic, a real daemon, the session's metadata server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka import Producer

from daemon.app import Daemon
from daemon.config import parse_config
from daemon.integrations.openlineage import parse_run_event
from daemon.metadata import EventLogReader, MetadataClient
from daemon.model.events import OpenMetadataOutTopicEvent
from daemon.topics.dead_letter import KafkaDeadLetters
from tests.broker import FAST_CONSUMER
from tests.conftest import wait_until

RECEIVER = "daemon.integrations.openlineage:OpenLineageReceiver"
PRODUCER = "https://github.com/OpenLineage/OpenLineage/tree/1.9.1/integration/airflow"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def run_event(event_type: str, run_id: str, job: tuple[str, str], inputs: list[tuple[str, str]],
              outputs: list[tuple[str, str]], **job_facets: Any) -> bytes:
    """A run event shaped as the Airflow integration emits it."""
    def data_set(namespace: str, name: str) -> dict[str, Any]:
        return {"namespace": namespace, "name": name, "facets": {}}

    return json.dumps({
        "eventType": event_type,
        "eventTime": "2024-05-01T10:00:00.000Z" if event_type == "START" else "2024-05-01T10:05:42.123Z",
        "run": {"runId": run_id, "facets": {"nominalTime": {"_producer": PRODUCER, "_schemaURL": SCHEMA_URL,
                                                            "nominalStartTime": "2024-05-01T10:00:00Z"}}},
        "job": {"namespace": job[0], "name": job[1], "facets": job_facets},
        "inputs": [data_set(*i) for i in inputs],
        "outputs": [data_set(*o) for o in outputs],
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
    }).encode()


def last_sequence(events: EventLogReader) -> int:
    sequence = 0
    while batch := events.events_after(sequence, 1000):
        sequence = batch[-1][0]
    return sequence


def guids_touched(events: EventLogReader, after: int) -> set[str]:
    """Every element or relationship guid (and relationship end) named by events after ``after``."""
    touched: set[str] = set()
    while batch := events.events_after(after, 1000):
        for after, raw in batch:
            event = OpenMetadataOutTopicEvent.from_json(raw)
            for header in (event.element_header, event.end_one_element_header, event.end_two_element_header):
                if header is not None:
                    touched.add(header.guid)
    return touched


class Lineage:
    """A daemon with one OpenLineage receiver on a fresh topic, and a producer writing to it."""

    def __init__(self, broker: Any, metadata_server: Any, tmp_path: Any) -> None:
        tag = uuid.uuid4().hex[:8]
        self.topic, self.dead_letter_topic, self.name = f"ol-{tag}", f"ol-dlq-{tag}", f"openlineage-{tag}"
        self.namespace = f"airflow-{tag}"  # keeps qualifiedNames unique across test runs on one server
        broker.create_topic(self.topic)
        self.broker = broker
        self.producer = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True})
        document = {
            "server_name": f"ol-daemon-{tag}",
            "admin": {"port": 0},
            "metadata_server": {"url": metadata_server.url, "server_name": "test-mds"},
            "event_bus": {"type": "embedded", "consumer": FAST_CONSUMER, "handler_attempts": 2,
                          "retry_backoff": "20ms", "dead_letter_topic": self.dead_letter_topic},
            "state_directory": str(tmp_path / "state"),
            "services": [{"url_marker": "lineage-integrator", "connectors": [{
                "name": self.name, "connector": RECEIVER, "refresh": 0, "metadata_source": self.name,
                "configuration_properties": {"topic": self.topic, "bootstrap_servers": broker.bootstrap},
            }]}],
        }
        self.daemon = Daemon(parse_config(document, environ={})).start()
        self.client = MetadataClient(metadata_server.url, "test-mds", "ol-checker", timeout=(2.0, 20.0))
        self.events = EventLogReader(metadata_server.url, "test-mds")

    def send(self, *values: bytes) -> None:
        for value in values:
            self.producer.produce(self.topic, key=b"jobs", value=value)
        assert self.producer.flush(10) == 0

    def qualified_name(self, namespace: str, name: str) -> str:
        return f"openlineage::{namespace}::{name}"

    def element(self, namespace: str, name: str, timeout: float = 30.0) -> Any:
        qualified_name = self.qualified_name(namespace, name)
        return wait_until(lambda: self.client.get_by_unique_name(qualified_name), timeout, f"{qualified_name}")

    def flows(self, guid: str) -> tuple[set[str], set[str]]:
        """(suppliers, consumers) of ``guid`` through ``DataFlow``, by qualifiedName."""
        related = self.client.get_related(guid, "DataFlow")
        suppliers = {r.element.qualified_name for r in related if r.relationship.end2_guid == guid}
        consumers = {r.element.qualified_name for r in related if r.relationship.end1_guid == guid}
        return suppliers, consumers  # type: ignore[return-value]

    def close(self) -> None:
        self.daemon.stop()
        self.client.close()
        self.producer.flush(10)


@pytest.fixture
def lineage(kafka_broker, metadata_server, tmp_path) -> Iterator[Lineage]:
    running = Lineage(kafka_broker, metadata_server, tmp_path)
    yield running
    running.close()


def test_start_and_complete_events_catalogue_the_job_its_data_sets_and_the_data_flow_between_them(lineage):
    job, warehouse, lake = (lineage.namespace, "etl.orders_daily"), "postgres://db1:5432", "s3://lake"
    inputs = [(warehouse, "sales.public.orders"), (warehouse, "sales.public.customers")]
    outputs = [(lake, "curated/orders_daily")]
    sql_facet = {"_producer": PRODUCER, "_schemaURL": SCHEMA_URL, "query": "INSERT INTO orders_daily SELECT ..."}
    documentation = {"_producer": PRODUCER, "_schemaURL": SCHEMA_URL, "description": "Daily order totals"}
    run = str(uuid.uuid4())
    lineage.send(run_event("START", run, job, inputs, outputs),
                 run_event("COMPLETE", run, job, inputs, outputs, sql=sql_facet, documentation=documentation))
    process = wait_until(lambda: (p := lineage.element(*job)).properties.get("formula") and p, 30, "the COMPLETE event")
    assert process.type.type_name == "Process" and process.origin.collection_name == lineage.name
    assert process.properties["displayName"] == "etl.orders_daily"
    assert process.properties["description"] == "Daily order totals"
    data_sets = {name: lineage.element(namespace, name) for namespace, name in inputs + outputs}
    assert {d.type.type_name for d in data_sets.values()} == {"DataSet"}
    suppliers, consumers = wait_until(lambda: (f := lineage.flows(process.guid))[1] and f, 30, "the output's DataFlow")
    assert suppliers == {lineage.qualified_name(*i) for i in inputs}
    assert consumers == {lineage.qualified_name(*o) for o in outputs}
    assert lineage.flows(data_sets["sales.public.orders"].guid) == (set(), {process.qualified_name})

    # The same events again (a replayed run), and a later run of another job as a marker behind them.
    baseline = last_sequence(lineage.events)
    lineage.send(run_event("START", run, job, inputs, outputs),
                 run_event("COMPLETE", run, job, inputs, outputs, sql=sql_facet, documentation=documentation))
    report_job, report = (lineage.namespace, "report.weekly"), (lake, "reports/weekly")
    lineage.send(run_event("COMPLETE", str(uuid.uuid4()), report_job, outputs, [report]))
    marker = lineage.element(*report_job)
    assert wait_until(lambda: lineage.flows(marker.guid)[1], 30, "the marker's lineage") == {
        lineage.qualified_name(*report)}
    touched = guids_touched(lineage.events, baseline)
    assert not touched & ({process.guid} | {data_sets[name].guid for _, name in inputs})  # nothing new for them
    for element in (process, data_sets["curated/orders_daily"]):  # the output only gained the marker's flow
        assert lineage.client.get_element(element.guid).versions == element.versions
    assert lineage.flows(data_sets["curated/orders_daily"].guid) == (
        {process.qualified_name}, {marker.qualified_name})


def test_a_malformed_event_is_dead_lettered_and_later_events_are_still_catalogued(lineage):
    job = (lineage.namespace, "etl.after_garbage")
    no_job = json.dumps({"eventType": "START", "eventTime": "2024-05-01T10:00:00Z",
                         "run": {"runId": str(uuid.uuid4())}, "inputs": [], "outputs": []}).encode()
    lineage.send(b"this is not json", no_job,
                 run_event("COMPLETE", str(uuid.uuid4()), job, [("s3://lake", "raw/x")], [("s3://lake", "clean/x")]))
    process = lineage.element(*job)
    assert wait_until(lambda: lineage.flows(process.guid)[1], 30, "the lineage of the later event") == {
        "openlineage::s3://lake::clean/x"}
    sink = KafkaDeadLetters(lineage.dead_letter_topic, lineage.broker.bootstrap)
    try:
        letters = wait_until(lambda: len(found := sink.replay(lineage.name, timeout=5)) >= 2 and found, 30,
                             "two dead letters")
    finally:
        sink.close()
    assert [letter.value for letter in letters] == [b"this is not json", no_job]
    assert all(letter.attempts == 2 and letter.topic == lineage.topic for letter in letters)
    assert "not JSON" in letters[0].error and "event.job must be an object" in letters[1].error
    assert lineage.daemon.control.report(lineage.name).status.name in {"WAITING", "RUNNING"}  # never restarted


@pytest.mark.parametrize("payload, complaint", [
    (b"", "empty"),
    (b"[1, 2]", "JSON object"),
    (b'{"eventType": "DONE", "eventTime": "t", "run": {"runId": "r"}, "job": {"namespace": "n", "name": "j"}}',
     "eventType"),
    (b'{"eventTime": "t", "run": {}, "job": {"namespace": "n", "name": "j"}}', "run.runId"),
    (b'{"eventTime": "t", "run": {"runId": "r"}, "job": {"namespace": "n", "name": "j"}, "inputs": [{"name": "x"}]}',
     "inputs[0].namespace"),
])
def test_what_is_wrong_with_a_malformed_event_is_said_in_the_error(payload, complaint):
    with pytest.raises(ValueError, match="not an OpenLineage run event") as caught:
        parse_run_event(payload)
    assert complaint in str(caught.value)
