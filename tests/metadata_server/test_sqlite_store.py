"""The SQLite store: a change and its outbox event commit together or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from daemon.metadata_server import SQLiteStore
from daemon.model import Element, ElementType, EventType, OpenMetadataOutTopicEvent

WHEN = datetime(2024, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "store.db")
    yield opened
    opened.close()


def an_element(guid: str = "g-1", name: str = "a") -> Element:
    asset = ElementType("Asset", ("Referenceable", "OpenMetadataRoot"))
    return Element(guid, asset, properties={"qualifiedName": name})


def created(element: Element, event_id: str) -> OpenMetadataOutTopicEvent:
    return OpenMetadataOutTopicEvent(
        EventType.NEW_ELEMENT_CREATED, WHEN, element_header=element.header, event_id=event_id
    )


def test_an_element_and_its_event_commit_together(store: SQLiteStore):
    element = an_element()
    with store.write() as tx:
        tx.insert_element(element)
        assert tx.append_event(created(element, "e-1")) == 1
    with store.read() as session:
        assert session.element("g-1") == element
    [(sequence, event)] = store.events_after(0, 10)
    assert (sequence, event["eventId"], event["sequence"]) == (1, "e-1", 1)
    assert store.last_sequence() == 1


def test_an_exception_inside_a_write_rolls_back_the_change_and_its_event(store: SQLiteStore):
    element = an_element()
    with pytest.raises(RuntimeError, match="boom"):
        with store.write() as tx:
            tx.insert_element(element)
            tx.append_event(created(element, "e-1"))
            raise RuntimeError("boom")
    with store.read() as session:
        assert session.element("g-1") is None
    assert store.events_after(0, 10) == []
    with store.write() as tx:  # the writer is usable again
        tx.insert_element(element)


def test_a_read_sees_one_snapshot_while_a_write_commits(store: SQLiteStore):
    with store.write() as tx:
        tx.insert_element(an_element("g-1", "a"))
    with store.read() as session:
        first = [e.guid for e in session.elements(None, include_archived=False)]
        with store.write() as tx:
            tx.insert_element(an_element("g-2", "b"))
        again = [e.guid for e in session.elements(None, include_archived=False)]
    assert first == again == ["g-1"]
    with store.read() as session:
        assert [e.guid for e in session.elements(None, include_archived=False)] == ["g-1", "g-2"]


def test_events_after_pages_in_sequence_order(store: SQLiteStore):
    with store.write() as tx:
        for n in range(5):
            tx.append_event(created(an_element(f"g-{n}"), f"e-{n}"))
    assert [seq for seq, _ in store.events_after(1, 2)] == [2, 3]
    assert [seq for seq, _ in store.events_after(4, 10)] == [5]


def test_a_closed_store_refuses_further_use(store: SQLiteStore):
    store.close()
    with pytest.raises(RuntimeError, match="closed"):
        with store.read():
            pass
    store.close()
