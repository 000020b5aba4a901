"""Commit points: only a contiguous prefix of records every interested connector finished."""

from daemon.topics.tracking import AckTracker


def test_a_record_nobody_wants_is_finished_at_once():
    tracker = AckTracker()
    tracker.handed_out(0, 10, set())
    assert tracker.committable() == {0: 11}


def test_the_commit_point_stops_at_the_first_unfinished_record():
    tracker = AckTracker()
    for offset in (5, 6, 7):
        tracker.handed_out(0, offset, {"a", "b"})
    tracker.done(0, 6, "a")
    tracker.done(0, 6, "b")
    tracker.done(0, 7, "a")
    tracker.done(0, 7, "b")
    assert tracker.committable() == {0: 5}
    tracker.done(0, 5, "a")
    assert tracker.committable() == {0: 5}
    tracker.done(0, 5, "b")
    assert tracker.committable() == {0: 8}
    assert tracker.unfinished() == 0


def test_partitions_advance_independently():
    tracker = AckTracker()
    tracker.handed_out(0, 0, {"a"})
    tracker.handed_out(1, 0, {"a"})
    tracker.done(1, 0, "a")
    assert tracker.committable() == {0: 0, 1: 1}


def test_acknowledging_twice_or_for_unknown_offsets_changes_nothing():
    tracker = AckTracker()
    tracker.handed_out(0, 0, {"a", "b"})
    tracker.done(0, 0, "a")
    tracker.done(0, 0, "a")
    tracker.done(0, 99, "a")
    tracker.done(3, 0, "a")
    assert tracker.committable() == {0: 0}


def test_a_connector_removed_for_good_no_longer_holds_the_commit_point():
    tracker = AckTracker()
    tracker.handed_out(0, 0, {"gone", "here"})
    tracker.done(0, 0, "here")
    tracker.forget_connector("gone")
    assert tracker.committable() == {0: 1}


def test_revoking_a_partition_returns_its_commit_point_and_forgets_it():
    tracker = AckTracker()
    tracker.handed_out(2, 40, {"a"})
    tracker.done(2, 40, "a")
    assert tracker.revoke(2) == 41
    assert tracker.committable() == {}
    assert tracker.revoke(2) is None


def test_the_next_offset_to_hand_out_is_known_for_seeking_after_a_resume():
    tracker = AckTracker()
    tracker.handed_out(0, 7, {"a"})
    tracker.handed_out(0, 8, {"a"})
    assert tracker.next_offset(0) == 9
    assert tracker.next_offset(1) is None


def test_done_many_finishes_in_order_and_across_partitions_like_done():
    one, many = AckTracker(), AckTracker()
    keys = [(0, 1), (1, 5), (0, 2), (0, 3), (1, 6)]
    for tracker in (one, many):
        for partition, offset in keys:
            tracker.handed_out(partition, offset, ["a"])
    for partition, offset in [(0, 2), (1, 5), (0, 3)]:
        one.done(partition, offset, "a")
    many.done_many("a", [(0, 2), (1, 5), (0, 3), (7, 1)])
    assert one.committable() == many.committable() == {0: 1, 1: 6}
    many.done_many("a", [(0, 1), (1, 6)])
    assert many.committable() == {0: 4, 1: 7}
    assert many.unfinished() == 0


def test_handing_out_a_run_at_once_tracks_like_one_at_a_time():
    one, many = AckTracker(), AckTracker()
    runs = [(0, [3, 4, 5], ("a", "b")), (0, [6], ()), (1, [9, 10], ("a",)), (0, [7, 8], ("b",)), (0, [], ("a",))]
    for partition, offsets, connectors in runs:
        for offset in offsets:
            one.handed_out(partition, offset, connectors)
        many.handed_out_many(partition, offsets, connectors)
    assert many.committable() == one.committable() == {0: 3, 1: 9}
    assert many.unfinished() == one.unfinished() == 7
    for tracker in (one, many):
        tracker.done_many("a", [(0, 3), (0, 4), (0, 5), (1, 9)])
        tracker.done_many("b", [(0, 3), (0, 4), (0, 5), (0, 7)])
    assert many.committable() == one.committable() == {0: 8, 1: 10}
    assert many.next_offset(0) == one.next_offset(0) == 9
