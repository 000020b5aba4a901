"""The embedded event source: durable offsets, and offsets that outlived their event log."""

from __future__ import annotations

import json

from daemon.metadata import EventLogReader, MetadataClient
from daemon.metadata_server import MetadataServer
from daemon.topics.sources import EmbeddedSource


def server_with_events(tmp_path, count: int) -> MetadataServer:
    server = MetadataServer(tmp_path / "log.db", server_name="log-mds", tokens={})
    server.start()
    with MetadataClient(server.url, "log-mds", "writer") as client:
        for i in range(count):
            client.create_element("DataFile", {"qualifiedName": f"e-{i}"})
    return server


def test_committed_offsets_survive_a_new_source(tmp_path):
    server = server_with_events(tmp_path, 5)
    try:
        offsets = tmp_path / "offsets.json"
        first = EmbeddedSource(EventLogReader(server.url, "log-mds"), offsets, on_assign=lambda p: None)
        records = first.poll(3, 0)
        first.commit({0: records[-1].offset + 1})
        second = EmbeddedSource(EventLogReader(server.url, "log-mds"), offsets, on_assign=lambda p: None)
        assert [r.offset for r in second.poll(10, 0)] == [4, 5]
        assert json.loads(offsets.read_text()) == {"next": 4}
    finally:
        server.stop()


def test_offsets_past_the_end_of_a_replaced_log_start_over_instead_of_skipping(tmp_path):
    server = server_with_events(tmp_path, 3)
    try:
        offsets = tmp_path / "offsets.json"
        offsets.write_text(json.dumps({"next": 51}))  # left by a daemon that read another, longer log
        source = EmbeddedSource(EventLogReader(server.url, "log-mds"), offsets, on_assign=lambda p: None)
        assert [r.offset for r in source.poll(10, 0)] == [1, 2, 3]
    finally:
        server.stop()


def test_a_new_reader_asking_for_latest_skips_what_the_log_holds_and_keeps_that_choice(tmp_path):
    server = server_with_events(tmp_path, 4)
    try:
        offsets = tmp_path / "offsets.json"
        latest = EmbeddedSource(EventLogReader(server.url, "log-mds"), offsets, on_assign=lambda p: None,
                                start_position="latest")
        assert latest.poll(10, 0) == []
        with MetadataClient(server.url, "log-mds", "writer") as client:
            client.create_element("DataFile", {"qualifiedName": "after-start"})
        assert [r.offset for r in latest.poll(10, 0)] == [5]
        again = EmbeddedSource(EventLogReader(server.url, "log-mds"), offsets, on_assign=lambda p: None,
                               start_position="latest")
        assert [r.offset for r in again.poll(10, 0)] == [5]  # a restart resumes; it does not jump again
    finally:
        server.stop()
