"""Who gets which event: filters, echo suppression, and the remembered answers staying right."""

from __future__ import annotations

from datetime import datetime, timezone

from daemon.model import ElementHeader, ElementOrigin, ElementType, ElementVersions, EventType, OpenMetadataOutTopicEvent
from daemon.topics.routing import EchoIdentity, ListenerFilter, Route, RoutingTable

WHEN = datetime(2024, 5, 1, tzinfo=timezone.utc)


def event(type_name: str, supers: tuple[str, ...], *, source: str = "", user: str = "") -> OpenMetadataOutTopicEvent:
    header = ElementHeader("g", ElementType(type_name, supers), ElementOrigin("EXTERNAL_SOURCE", "", source),
                           ElementVersions(user, user))
    built = OpenMetadataOutTopicEvent(EventType.NEW_ELEMENT_CREATED, WHEN, element_header=header)
    return OpenMetadataOutTopicEvent.from_json(built.to_json())  # as the consumer sees it


def route(name: str, *types: str, source: str | None = None, user: str | None = None) -> Route:
    return Route(name, 1, None, (ListenerFilter(types),) if types else (), EchoIdentity(source, user))


def test_a_listener_for_a_supertype_gets_its_subtypes_and_no_one_else_does():
    table = RoutingTable()
    table.subscribe(route("files", "DataFile"))
    table.subscribe(route("topics", "KafkaTopic"))
    table.subscribe(route("all"))
    csv = event("CSVFile", ("DataFile", "Asset"))
    assert [r.name for r in table.interested(csv)] == ["files", "all"]
    assert table.interested_names(csv)[1] == ["files", "all"]


def test_a_route_subscribed_later_is_asked_too_although_answers_are_remembered():
    table = RoutingTable()
    table.subscribe(route("files", "DataFile"))
    csv = event("CSVFile", ("DataFile",))
    assert [r.name for r in table.interested(csv)] == ["files"]
    table.subscribe(route("late", "CSVFile"))
    assert [r.name for r in table.interested(csv)] == ["files", "late"]
    table.unsubscribe("files")
    assert [r.name for r in table.interested(csv)] == ["late"]


def test_echoes_are_judged_per_event_not_remembered_per_type():
    table = RoutingTable()
    table.subscribe(route("catalog", "DataFile", source="my-source"))
    own = event("CSVFile", ("DataFile",), source="my-source")
    other = event("CSVFile", ("DataFile",), source="someone-else")
    assert table.interested(own) == []
    assert [r.name for r in table.interested(other)] == ["catalog"]
    echoing = RoutingTable(suppress_echo=False)
    echoing.subscribe(route("catalog", "DataFile", source="my-source"))
    assert [r.name for r in echoing.interested(own)] == ["catalog"]


def test_a_connector_with_its_own_user_id_does_not_get_its_own_changes_back():
    table = RoutingTable()
    table.subscribe(route("writer", user="writer-id"))
    assert table.interested(event("CSVFile", (), user="writer-id")) == []
    assert len(table.interested(event("CSVFile", (), user="someone"))) == 1


def test_events_of_one_type_name_with_different_supertypes_are_each_judged_by_their_own():
    table = RoutingTable()
    table.subscribe(route("files", "DataFile"))
    assert table.interested(event("CSVFile", ())) == []  # a producer that left the supertypes out
    assert [r.name for r in table.interested(event("CSVFile", ("DataFile",)))] == ["files"]


def test_interested_each_answers_as_interested_names_and_shares_answers_only_without_echo_checks():
    table = RoutingTable()
    table.subscribe(route("files", "DataFile"))
    table.subscribe(route("all"))
    csv, other_csv, topic = event("CSVFile", ("DataFile",)), event("CSVFile", ("DataFile",)), event("KafkaTopic", ())
    answers = table.interested_each([csv, topic, other_csv])
    assert [names for _, names in answers] == [["files", "all"], ["all"], ["files", "all"]]
    assert answers[0] is answers[2]  # alike events: one shared answer, what lets a batch go out at once
    assert answers == [table.interested_names(e) for e in (csv, topic, other_csv)]
    echoing = RoutingTable()
    echoing.subscribe(route("catalog", "DataFile", source="my-source"))
    own, other = event("CSVFile", ("DataFile",), source="my-source"), event("CSVFile", ("DataFile",), source="x")
    assert [names for _, names in echoing.interested_each([other, own, other])] == [["catalog"], [], ["catalog"]]
