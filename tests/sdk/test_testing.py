"""daemon.testing: the harness builds connectors as the daemon does, calls hooks on the test's thread,
and its catalogue assertions fail when the catalogue is not as claimed."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen

from daemon import Connector, ConnectorContext, PermittedSynchronization, SynchronizationRefused
from daemon.errors import ConnectorConfigError, ConnectorLoadError
from daemon.model import EventType, OpenMetadataOutTopicEvent
from daemon.testing import ConnectorHarness, ManualClock, TechnologyMessage, make_event, make_header, make_message


@frozen
class ShelfConfig:
    prefix: str = "shelf"
    books: tuple[str, ...] = ()


class Shelf(Connector):
    """Catalogues one DataSet per configured book; records which thread ran each hook."""

    config_class = ShelfConfig
    instances: list[Shelf] = []

    def __init__(self) -> None:
        self.threads: dict[str, int] = {}
        self.received: list[Any] = []
        self.disconnected = False
        Shelf.instances.append(self)

    def start(self, context: ConnectorContext) -> None:
        super().start(context)
        self.threads["start"] = threading.get_ident()
        if context.permitted_synchronization.may_write_third_party:
            context.register_listener(type_names=["DataFile"])

    def refresh(self) -> None:
        self.threads["refresh"] = threading.get_ident()
        config: ShelfConfig = self.context.config
        for book in config.books:
            self.context.metadata.upsert("DataSet", {"qualifiedName": f"{config.prefix}::{book}", "displayName": book})
        if "boom" in config.books:
            raise RuntimeError("the shelf fell over")
        self.context.logger.warning("shelved {} book(s) at {}", len(config.books), self.context.clock.now())

    def on_event(self, event: Any) -> None:
        self.threads["on_event"] = threading.get_ident()
        self.received.append(event)

    def on_technology_message(self, message: Any) -> None:
        self.received.append(message)

    def disconnect(self) -> None:
        self.disconnected = True


def shelf(*books: str, **options: Any) -> ConnectorHarness:
    return ConnectorHarness(Shelf, configuration_properties={"books": list(books)}, **options)


# ---------------------------------------------------------------- building and calling


def test_the_context_is_built_from_the_arguments_as_the_daemon_builds_it_from_config() -> None:
    with shelf("dune", name="library", metadata_source="library-src", endpoint="/shelves/1") as h:
        connector = h.start()
        context = connector.context
        assert (context.name, context.service, context.user_id) == ("library", "catalog-integrator", "connector-npa")
        assert (context.metadata_source, context.endpoint) == ("library-src", "/shelves/1")
        assert context.config == ShelfConfig(books=("dune",))  # structured into the config_class
        assert context.permitted_synchronization is PermittedSynchronization.BOTH_DIRECTIONS  # the service's default
        assert isinstance(context.clock, ManualClock)


def test_the_permitted_synchronization_defaults_to_the_service_s_and_may_be_given_by_name() -> None:
    with ConnectorHarness(Shelf, service="files-integrator") as h:
        assert h.start().context.permitted_synchronization is PermittedSynchronization.FROM_THIRD_PARTY
    with ConnectorHarness(Shelf, service="files-integrator", permitted_synchronization="TO_THIRD_PARTY") as h:
        assert h.start().context.permitted_synchronization is PermittedSynchronization.TO_THIRD_PARTY


def test_hooks_run_synchronously_on_the_calling_thread() -> None:
    with shelf("dune") as h:
        h.start()
        h.refresh()
        h.deliver(make_event("NEW_ELEMENT_CREATED", "CSVFile", {"qualifiedName": "/x.csv"}))
        here = threading.get_ident()
        assert Shelf.instances[-1].threads == {"start": here, "refresh": here, "on_event": here}


def test_invalid_configuration_properties_raise_the_daemon_s_config_error_with_the_path() -> None:
    with ConnectorHarness(Shelf, configuration_properties={"bookz": ["dune"]}) as h:
        with pytest.raises(ConnectorConfigError, match="bookz"):
            h.start()


def test_a_connector_named_by_entry_point_is_loaded_as_the_daemon_loads_it(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text("id\n1\n")
    with ConnectorHarness("folder", service="files-integrator", endpoint=str(tmp_path), metadata_source="landing") as h:
        h.start()
        assert h.refresh().created == 2
        h.assert_catalogued(str(tmp_path / "orders.csv"), "CSVFile", {"fileName": "orders.csv"}, metadata_source="landing")
    with ConnectorHarness("no-such-connector") as h:
        with pytest.raises(ConnectorLoadError, match="no connector named 'no-such-connector'"):
            h.start()


def test_refresh_reports_what_it_changed_and_activity_adds_up() -> None:
    with shelf("dune", "emma") as h:
        h.start()
        first = h.refresh()
        assert (first.created, first.by_type) == (2, {"DataSet": {"created": 2}})
        assert h.refresh().skipped == 2
        h.steward.create("DataSet", {"qualifiedName": "by-hand"})  # not the connector's activity
        assert (h.activity.created, h.activity.skipped) == (2, 2)


def test_a_hook_s_exception_reaches_the_test_and_restart_builds_a_fresh_instance() -> None:
    with shelf("dune", "boom") as h:
        first = h.start()
        with pytest.raises(RuntimeError, match="the shelf fell over"):
            h.refresh()
        assert h.last_activity.created == 2  # what it wrote before failing still counts
        second = h.restart()
        assert second is not first and first.disconnected  # type: ignore[attr-defined]
        h.assert_catalogued("shelf::dune")  # state lives in open metadata, not in the instance


def test_closing_disconnects_the_connector_and_removes_the_server_s_directory() -> None:
    h = shelf("dune").open()
    directory = h.directory
    assert (directory / "metadata.db").exists()
    connector = h.start()
    h.close()
    assert connector.disconnected  # type: ignore[attr-defined]
    assert not directory.exists()
    with pytest.raises(RuntimeError, match="not open"):
        h.refresh()


def test_the_connector_s_log_lines_are_captured_with_the_manual_clock_s_time() -> None:
    clock = ManualClock()
    with shelf("dune", clock=clock) as h:
        h.start()
        clock.advance(90)
        h.refresh()
        expected = (clock.now()).isoformat(sep=" ")
        assert h.logs == [("WARNING", f"shelved 1 book(s) at {expected}")]
        assert clock.now() - ManualClock().now() == timedelta(seconds=90)


# ---------------------------------------------------------------- events and messages


def test_new_events_reach_a_listening_connector_filtered_and_without_its_own_writes() -> None:
    with shelf("dune", metadata_source="shelf-src") as h:
        h.steward.create("DataFile", {"qualifiedName": "/before-start.txt"})  # logged before start: not delivered
        h.start()
        h.refresh()  # its own DataSet writes: never delivered back
        h.steward.create("CSVFile", {"qualifiedName": "/a.csv"})  # a DataFile subtype: wanted
        h.steward.create("DataSet", {"qualifiedName": "elsewhere"})  # not a DataFile: filtered out
        delivered = h.deliver_new_events()
        assert [e.element_properties["qualifiedName"] for e in delivered if e.element_properties] == ["/a.csv"]
        assert Shelf.instances[-1].received == delivered
        assert h.deliver_new_events() == []  # each event is delivered once


def test_a_connector_without_a_listener_gets_no_events() -> None:
    with shelf(service="files-integrator") as h:  # FROM_THIRD_PARTY: Shelf registers no listener
        h.start()
        h.steward.create("DataFile", {"qualifiedName": "/a.txt"})
        assert h.listeners == [] and h.deliver_new_events() == []


def test_publishing_is_recorded_and_refused_against_the_permitted_synchronization() -> None:
    with shelf() as h:
        context = h.start().context
        context.publish({"eventType": "NEW_ELEMENT_CREATED"})
        [published] = h.published
        assert published["eventType"] == "NEW_ELEMENT_CREATED"
        assert published["userId"] == context.user_id and published["eventId"]  # filled in by the context
    with shelf(permitted_synchronization="TO_THIRD_PARTY") as h:
        with pytest.raises(SynchronizationRefused):
            h.start().context.publish({"eventType": "NEW_ELEMENT_CREATED"})


def test_made_events_carry_supertypes_so_listeners_for_a_supertype_match() -> None:
    event = make_event(
        EventType.ELEMENT_UPDATED, "CSVFile", {"qualifiedName": "/a.csv"}, previous_properties={"qualifiedName": "/b"},
        metadata_source="landing", version=3,
    )
    assert event.matches(["DataFile"], [EventType.ELEMENT_UPDATED]) and not event.matches(["FileFolder"])
    assert event.element_header is not None and event.previous_element_header is not None
    assert event.element_header.origin.collection_name == "landing"
    assert (event.element_header.versions.version, event.previous_element_header.versions.version) == (3, 2)
    assert OpenMetadataOutTopicEvent.from_json(event.to_json()) == event
    with pytest.raises(KeyError, match="NoSuchType"):
        make_event("NEW_ELEMENT_CREATED", "NoSuchType")


def test_made_relationship_events_carry_both_end_headers() -> None:
    folder, file = make_header("FileFolder"), make_header("CSVFile")
    event = make_event("NEW_RELATIONSHIP", "NestedFile", end_one=folder, end_two=file)
    assert event.event_type.is_relationship_event
    assert (event.end_one_element_header, event.end_two_element_header) == (folder, file)


def test_made_messages_encode_their_value_and_reach_on_technology_message() -> None:
    message = make_message({"table": "orders"}, topic="cdc", key="orders", headers={"op": "c"}, offset=7)
    assert message == TechnologyMessage("cdc", 0, 7, b"orders", b'{"table": "orders"}', (("op", b"c"),))
    assert message.text() == '{"table": "orders"}'
    with shelf() as h:
        h.start()
        h.deliver_message(message)
        assert Shelf.instances[-1].received == [message]


# ---------------------------------------------------------------- catalogue assertions


def test_assert_catalogued_fails_for_a_missing_element_naming_what_is_there() -> None:
    with shelf("dune") as h:
        h.start()
        h.refresh()
        with pytest.raises(AssertionError, match=r"'shelf::emma' is not catalogued: there is no such element.*'shelf::dune'"):
            h.assert_catalogued("shelf::emma", "DataSet")


def test_assert_catalogued_lists_every_difference() -> None:
    with shelf("dune", metadata_source="shelf-src") as h:
        h.start()
        h.refresh()
        with pytest.raises(AssertionError) as failure:
            h.assert_catalogued(
                "shelf::dune", "Asset", {"displayName": "Dune", "description": "sand"},
                classifications=["Confidentiality"], metadata_source="other-src",
            )
        message = str(failure.value)
        for problem in ("type: expected Asset, found DataSet", "displayName: expected 'Dune', found 'dune'",
                        "description: expected 'sand', the property is not set", "classification Confidentiality",
                        "expected metadata source 'other-src', found shelf-src"):
            assert problem in message
        element = h.assert_catalogued("shelf::dune", "DataSet", {"displayName": "dune"}, metadata_source="shelf-src")
        assert element.type.type_name == "DataSet"


def test_assert_archived_and_assert_not_catalogued_tell_active_from_archived() -> None:
    with shelf("dune") as h:
        h.start()
        h.refresh()
        with pytest.raises(AssertionError, match="still active"):
            h.assert_archived("shelf::dune")
        with pytest.raises(AssertionError, match="is catalogued as DataSet"):
            h.assert_not_catalogued("shelf::dune")
        with pytest.raises(AssertionError, match="no such element"):
            h.assert_archived("shelf::emma")
        element = h.element("shelf::dune")
        assert element is not None
        h.steward.archive(element.guid)
        h.assert_archived("shelf::dune")
        h.assert_not_catalogued("shelf::dune")
        with pytest.raises(AssertionError, match="it is archived"):
            h.assert_catalogued("shelf::dune")


def test_assert_not_written_since_fails_listing_the_writes_and_versions_count_them() -> None:
    with shelf("dune") as h:
        h.start()
        h.refresh()
        mark = h.mark()
        h.refresh()
        h.assert_not_written_since(mark)  # unchanged: upsert skipped the write
        h.assert_version("shelf::dune", 1)
        element = h.element("shelf::dune")
        assert element is not None
        h.steward.update(element.guid, {"displayName": "Dune"})
        with pytest.raises(AssertionError, match=r"(?s)'shelf::dune' was written 1 time\(s\) since mark .*ELEMENT_UPDATED DataSet shelf::dune"):
            h.assert_not_written_since(mark, "shelf::dune")
        h.assert_not_written_since(mark, "shelf::other")
        with pytest.raises(AssertionError, match="at version 2, expected 1"):
            h.assert_version("shelf::dune", 1)
        assert [e.event_type for e in h.events(mark)] == [EventType.ELEMENT_UPDATED]
        assert {e.qualified_name for e in h.catalogue("DataSet")} == {"shelf::dune"}
