"""The OpenLineage receiver: jobs, their data sets and the data flow between them, from run events.

Active, ``lineage-integrator``, FROM_THIRD_PARTY (it only reads the technology's topic). Config::

    - name: pipelines-lineage
      connector: openlineage-receiver   # or daemon.integrations.openlineage:OpenLineageReceiver
      metadata_source: pipelines-ol     # owns what it creates (recommended)
      configuration_properties:
        topic: openlineage.events        # required: where the emitters write their run events
        bootstrap_servers: ""            # optional: another Kafka cluster; default the daemon's event bus
        group_id: ""                     # optional consumer group; default "<daemon>.<connector>"

Each message is one OpenLineage run event (``RunEvent`` JSON, spec 2-0-x)::

    {"eventType": "COMPLETE", "eventTime": "2024-05-01T10:00:00Z",
     "run": {"runId": "…"}, "job": {"namespace": "airflow", "name": "etl.orders"},
     "inputs": [{"namespace": "postgres://db1:5432", "name": "sales.public.orders"}],
     "outputs": [{"namespace": "s3://lake", "name": "orders_daily"}],
     "producer": "…", "schemaURL": "…"}

Through ``context.lineage`` (``daemon.connectors.helpers.lineage``) it catalogues the job as
a ``Process`` (qualifiedName ``openlineage::{job namespace}::{job name}``; the job's
``documentation`` facet becomes ``description``, its ``sql`` facet ``formula``), each input
and output as a ``DataSet`` (``openlineage::{namespace}::{name}``, ``documentation`` facet as
``description``; one that already exists under another metadata source is linked, not
changed) and ``DataFlow`` relationships input → process → output. A facet an event leaves
out keeps what an earlier event catalogued. Every event type
(``START``, ``RUNNING``, ``COMPLETE``, ``FAIL``, ``ABORT``, ``OTHER``) declares the same graph,
and run-specific values (run id, event time, state) are not catalogued, so a repeated or
later event of the same job writes nothing new; a data set a later event adds is linked too.
Lineage is only ever added: a data set a job stops declaring keeps its ``DataFlow``.

A message that is not a run event (not JSON, no ``run.runId``, no ``job.namespace`` /
``job.name``, an unknown ``eventType``, an input without ``namespace`` / ``name``) raises
``ValueError`` naming what is wrong: the daemon retries it ``event_bus.handler_attempts``
times, then sends it to the dead-letter topic with the error and goes on with the next one.
A failed write to the metadata server raises too (and is retried the same way).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from attrs import field, frozen

from daemon.connectors import Connector, ConnectorContext
from daemon.connectors.events import TechnologyMessage
from daemon.connectors.helpers import Catalogued, LineageHelper
from daemon.errors import ConnectorConfigError

__all__ = ["EVENT_TYPES", "DataSetRef", "OpenLineageConfig", "OpenLineageReceiver", "RunEvent", "parse_run_event"]

#: OpenLineage ``eventType`` values (spec 2-0-2).
EVENT_TYPES = frozenset({"START", "RUNNING", "COMPLETE", "FAIL", "ABORT", "OTHER"})


@frozen(kw_only=True)
class OpenLineageConfig:
    """The receiver's ``configuration_properties``."""

    topic: str = ""
    bootstrap_servers: str = ""
    group_id: str = ""


@frozen
class DataSetRef:
    """An input or output of a run: its OpenLineage namespace and name, and its documentation, if any."""

    namespace: str
    name: str
    description: str | None = None


@frozen
class RunEvent:
    """The parts of an OpenLineage run event that the receiver catalogues."""

    event_type: str
    event_time: str
    run_id: str
    job_namespace: str
    job_name: str
    job_description: str | None = None
    job_sql: str | None = None
    inputs: tuple[DataSetRef, ...] = field(default=())
    outputs: tuple[DataSetRef, ...] = field(default=())


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not an OpenLineage run event: {where}.{key} must be a non-empty string, got {value!r}")
    return value


def _object(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise ValueError(f"not an OpenLineage run event: {where}.{key} must be an object, got {value!r}")
    return value


def _facet_text(node: Mapping[str, Any], facet: str, key: str) -> str | None:
    """``node.facets.<facet>.<key>`` when it is a non-empty string (facets are optional and free-form)."""
    facets = node.get("facets")
    value = facets.get(facet) if isinstance(facets, Mapping) else None
    text = value.get(key) if isinstance(value, Mapping) else None
    return text if isinstance(text, str) and text.strip() else None


def _data_sets(event: Mapping[str, Any], key: str) -> tuple[DataSetRef, ...]:
    items = event.get(key)
    if items is None:
        return ()
    if not isinstance(items, list):
        raise ValueError(f"not an OpenLineage run event: {key} must be a list, got {type(items).__name__}")
    refs: list[DataSetRef] = []
    for index, item in enumerate(items):
        where = f"{key}[{index}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"not an OpenLineage run event: {where} must be an object, got {item!r}")
        ref = DataSetRef(_text(item, "namespace", where), _text(item, "name", where),
                         _facet_text(item, "documentation", "description"))
        if ref not in refs:
            refs.append(ref)
    return tuple(refs)


def parse_run_event(payload: bytes | str | None) -> RunEvent:
    """Read one OpenLineage run event; ``ValueError`` saying what is wrong when it is not one."""
    if payload is None or not payload:
        raise ValueError("not an OpenLineage run event: the message is empty")
    try:
        event = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not an OpenLineage run event: not JSON ({exc})") from None
    if not isinstance(event, Mapping):
        raise ValueError(f"not an OpenLineage run event: expected a JSON object, got {type(event).__name__}")
    event_type = event.get("eventType", "OTHER")
    if event_type not in EVENT_TYPES:
        raise ValueError(f"not an OpenLineage run event: eventType {event_type!r} is not one of {sorted(EVENT_TYPES)}")
    job = _object(event, "job", "event")
    return RunEvent(
        event_type=cast(str, event_type),
        event_time=_text(event, "eventTime", "event"),
        run_id=_text(_object(event, "run", "event"), "runId", "run"),
        job_namespace=_text(job, "namespace", "job"),
        job_name=_text(job, "name", "job"),
        job_description=_facet_text(job, "documentation", "description"),
        job_sql=_facet_text(job, "sql", "query"),
        inputs=_data_sets(event, "inputs"),
        outputs=_data_sets(event, "outputs"),
    )


class OpenLineageReceiver(Connector):
    """Catalogues OpenLineage run events from a Kafka topic as processes, data sets and ``DataFlow`` lineage."""

    config_class = OpenLineageConfig

    @property
    def config(self) -> OpenLineageConfig:
        """The structured configuration properties."""
        return cast(OpenLineageConfig, self.context.config)

    def start(self, context: ConnectorContext) -> None:
        super().start(context)
        config = self.config
        if not config.topic.strip():
            raise ConnectorConfigError("no topic: set configuration_properties.topic to the OpenLineage topic",
                                       context.name)
        context.subscribe(
            config.topic.strip(),
            bootstrap_servers=config.bootstrap_servers.strip() or None,
            group_id=config.group_id.strip() or None,
        )

    def on_technology_message(self, message: TechnologyMessage) -> None:
        event = parse_run_event(message.value)
        helper: LineageHelper = self.context.lineage
        try:
            self.catalogue(event)
        except Exception:
            helper.invalidate()  # some writes may have happened: read again on the next attempt
            raise
        self.context.logger.debug(
            "catalogued {} event of job {}::{} (run {}): {} input(s), {} output(s)",
            event.event_type, event.job_namespace, event.job_name, event.run_id, len(event.inputs), len(event.outputs),
        )

    def catalogue(self, event: RunEvent) -> Catalogued:
        """Bring the job's process, its data sets and their ``DataFlow`` lineage in step; returns the process."""
        helper: LineageHelper = self.context.lineage
        name = helper.openlineage_name(event.job_namespace, event.job_name)
        formula = _kept(helper, name, "formula", event.job_sql)
        process = helper.process(
            name,
            name=event.job_name,
            description=_kept(helper, name, "description", event.job_description),
            properties={"formula": formula} if formula else None,
        )
        for ref in event.inputs:
            helper.data_flow(self._data_set(helper, ref), process)
        for ref in event.outputs:
            helper.data_flow(process, self._data_set(helper, ref))
        return process

    @staticmethod
    def _data_set(helper: LineageHelper, ref: DataSetRef) -> Catalogued:
        name = helper.openlineage_name(ref.namespace, ref.name)
        return helper.data_set(name, name=ref.name, description=_kept(helper, name, "description", ref.description))


def _kept(helper: LineageHelper, qualified_name: str, key: str, value: str | None) -> str | None:
    """``value``, or when the event leaves it out (facets are optional) what is catalogued already,
    so that a START without facets and a COMPLETE with them do not rewrite each other."""
    if value is not None:
        return value
    current = helper.known.get(qualified_name)
    kept = None if current is None else current.properties.get(key)
    return kept if isinstance(kept, str) else None
