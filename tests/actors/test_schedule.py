"""The refresh schedule: due at start, interval from the end of a refresh, never overlapping."""

from daemon.actors.schedule import Entry, RefreshSchedule


def kinds(actions):
    return [(a.kind, a.name) for a in actions]


def schedule_with(*entries, now=0.0):
    schedule = RefreshSchedule()
    for entry in entries:
        schedule.add(entry, now)
    return schedule


def test_a_new_connector_is_refreshed_at_once():
    schedule = schedule_with(Entry("a", 1, "ref-a", interval=10, timeout=0))
    assert schedule.next_deadline() == 0.0
    assert kinds(schedule.pop_due(0.0)) == [("refresh", "a")]


def test_the_interval_counts_from_the_end_of_the_previous_refresh():
    schedule = schedule_with(Entry("a", 1, "ref-a", interval=10, timeout=0))
    schedule.pop_due(0.0)
    schedule.finished("a", 1, now=4.0)
    assert schedule.next_deadline() == 14.0
    assert schedule.pop_due(13.9) == []
    assert kinds(schedule.pop_due(14.0)) == [("refresh", "a")]


def test_no_second_refresh_starts_while_one_runs():
    schedule = schedule_with(Entry("a", 1, "ref-a", interval=1, timeout=0))
    schedule.pop_due(0.0)
    assert schedule.request("a", 0.5) is False
    assert schedule.pop_due(100.0) == []


def test_a_request_makes_an_idle_connector_due_now_and_replaces_its_planned_refresh():
    schedule = schedule_with(Entry("a", 1, "ref-a", interval=60, timeout=0))
    schedule.pop_due(0.0)
    schedule.finished("a", 1, 1.0)
    assert schedule.request("a", 5.0) is True
    assert kinds(schedule.pop_due(5.0)) == [("refresh", "a")]
    schedule.finished("a", 1, 6.0)
    assert schedule.pop_due(61.0) == []  # the refresh planned for 61 was replaced
    assert kinds(schedule.pop_due(66.0)) == [("refresh", "a")]


def test_interval_zero_means_at_start_and_on_request_only():
    schedule = schedule_with(Entry("a", 1, "ref-a", interval=0, timeout=0))
    schedule.pop_due(0.0)
    schedule.finished("a", 1, 1.0)
    assert schedule.next_deadline() is None
    assert schedule.request("a", 2.0)
    assert kinds(schedule.pop_due(2.0)) == [("refresh", "a")]


def test_a_refresh_running_past_its_timeout_is_reported_once():
    schedule = schedule_with(Entry("a", 1, "ref-a", interval=5, timeout=30))
    schedule.pop_due(0.0)
    assert schedule.pop_due(29.0) == []
    assert kinds(schedule.pop_due(30.0)) == [("overdue", "a")]
    assert schedule.pop_due(1000.0) == []


def test_a_refresh_finishing_in_time_is_not_reported_overdue():
    schedule = schedule_with(Entry("a", 1, "ref-a", interval=100, timeout=30))
    schedule.pop_due(0.0)
    schedule.finished("a", 1, 10.0)
    assert schedule.pop_due(40.0) == []


def test_reports_from_an_older_generation_are_ignored():
    schedule = schedule_with(Entry("a", 1, "old", interval=5, timeout=0))
    schedule.pop_due(0.0)
    schedule.add(Entry("a", 2, "new", interval=5, timeout=0), now=1.0)
    schedule.finished("a", 1, 2.0)
    actions = schedule.pop_due(1.0)
    assert [(a.kind, a.target) for a in actions] == [("refresh", "new")]


def test_removed_connectors_are_never_refreshed_again():
    schedule = schedule_with(Entry("a", 1, "ref-a", interval=5, timeout=0))
    schedule.remove("a")
    assert schedule.pop_due(100.0) == [] and schedule.next_deadline() is None


def test_delayed_calls_fire_at_their_time_in_order():
    schedule = RefreshSchedule()
    schedule.call_at(5.0, "sup", "second")
    schedule.call_at(2.0, "sup", "first")
    assert [a.message for a in schedule.pop_due(1.0)] == []
    assert [a.message for a in schedule.pop_due(10.0)] == ["first", "second"]


def test_a_thousand_connectors_each_fire_once_per_interval():
    schedule = schedule_with(*[Entry(f"c{i}", 1, i, interval=1, timeout=0) for i in range(1000)])
    assert len(schedule.pop_due(0.0)) == 1000
    for i in range(1000):
        schedule.finished(f"c{i}", 1, 0.01)
    assert len(schedule.pop_due(1.0)) == 0
    assert len(schedule.pop_due(1.01)) == 1000
