"""Outbound and active test connectors that record what they receive (for delivery tests)."""

from __future__ import annotations

import os
import threading
import time

from attrs import frozen

from daemon import Connector
from tests.actors.connectors import Journal

RECEIVED = Journal()
GATES: dict[str, threading.Event] = {}  # connector name -> set when it may proceed (slow connectors)
BROKEN: dict[str, threading.Event] = {}  # connector name -> set while it fails on every event
FAILED_AT: dict[str, list[float]] = {}  # connector name -> time.monotonic() of each failed attempt


@frozen
class ListenConfig:
    type_names: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    fail_on: str = ""  # raise for events whose qualifiedName contains this
    record_file: str = ""  # also append each qualifiedName to this file (for process tests)
    write_source: bool = False  # create an element itself (echo suppression test)
    work_ms: int = 0  # time each event takes to handle, like real outbound work
    listen: bool = True  # False: register no listener at all


class Listening(Connector):
    config_class = ListenConfig

    def start(self, context) -> None:
        super().start(context)
        config = context.config
        if config.listen:
            context.register_listener(type_names=config.type_names, event_types=config.event_types)
        self._file = open(config.record_file, "a", buffering=1) if config.record_file else None  # noqa: SIM115

    def refresh(self) -> None:
        if self.context.config.write_source:
            self.context.metadata.upsert("DataFile", {"qualifiedName": f"own::{self.context.name}"})

    def on_event(self, event) -> None:
        name = (event.element_properties or {}).get("qualifiedName", "")
        if self.context.config.work_ms:
            threading.Event().wait(self.context.config.work_ms / 1000)  # the handler's own work
        gate = GATES.get(self.context.name)
        if gate is not None:
            gate.wait(30)
        broken = BROKEN.get(self.context.name)
        if self.context.config.fail_on and self.context.config.fail_on in name and (broken is None or broken.is_set()):
            FAILED_AT.setdefault(self.context.name, []).append(time.monotonic())
            raise ValueError(f"cannot handle {name}")
        if self._file is not None:
            self._file.write(name + "\n")
            self._file.flush()
            os.fsync(self._file.fileno())
        RECEIVED.record(self.context.name, name)

    def disconnect(self) -> None:
        if self._file is not None:
            self._file.close()


@frozen
class TopicConfig:
    topic: str = ""
    bootstrap: str = ""


class Active(Connector):
    """Listens on a technology topic; records message values."""

    config_class = TopicConfig

    def start(self, context) -> None:
        super().start(context)
        context.subscribe(context.config.topic, bootstrap_servers=context.config.bootstrap or None)

    def on_technology_message(self, message) -> None:
        RECEIVED.record(self.context.name, message.text())


@frozen
class PublishConfig:
    qualified_name: str = ""


class Publishing(Connector):
    """Pushes one element through the In Topic at each refresh."""

    config_class = PublishConfig

    def refresh(self) -> None:
        name = self.context.config.qualified_name
        self.context.publish({"eventType": "NEW_ELEMENT_CREATED", "typeName": "DataFile", "qualifiedName": name,
                              "properties": {"qualifiedName": name, "description": "pushed in"}})
        RECEIVED.record(self.context.name, "published")
