"""Restart decisions: exponential backoff with jitter under a budget."""

import pytest

from daemon.actors.policy import GiveUp, Restart, RestartTracker
from daemon.config import RestartPolicy

POLICY = RestartPolicy(initial_backoff=1, max_backoff=8, multiplier=2, jitter=0, max_restarts=3, window=60)


def test_backoff_doubles_from_the_initial_delay_up_to_the_maximum():
    tracker = RestartTracker(RestartPolicy(initial_backoff=1, max_backoff=8, jitter=0, max_restarts=100))
    delays = [tracker.on_failure(now=float(i)).delay for i in range(6)]
    assert delays == [1, 2, 4, 8, 8, 8]


def test_jitter_stays_within_its_fraction_of_the_delay():
    policy = RestartPolicy(initial_backoff=10, max_backoff=10, jitter=0.2, max_restarts=100)
    low = RestartTracker(policy, rng=lambda: 0.0).on_failure(0).delay
    high = RestartTracker(policy, rng=lambda: 0.999999).on_failure(0).delay
    assert low == pytest.approx(8.0) and high == pytest.approx(12.0, rel=1e-4)


def test_the_budget_gives_up_on_the_failure_after_max_restarts_within_the_window():
    tracker = RestartTracker(POLICY)
    assert [type(tracker.on_failure(t)) for t in (0, 1, 2)] == [Restart, Restart, Restart]
    verdict = tracker.on_failure(3)
    assert isinstance(verdict, GiveUp) and "3 restarts within 60s" in verdict.reason


def test_restarts_older_than_the_window_no_longer_count():
    tracker = RestartTracker(POLICY)
    for t in (0, 1, 2):
        tracker.on_failure(t)
    assert isinstance(tracker.on_failure(63), Restart)


def test_an_unreachable_metadata_server_is_retried_forever_without_using_the_budget():
    tracker = RestartTracker(POLICY)
    for t in range(50):
        assert isinstance(tracker.on_failure(t, counts_against_budget=False), Restart)
    assert tracker.on_failure(50, counts_against_budget=False).delay == 8
    assert isinstance(tracker.on_failure(51), Restart)


def test_success_resets_the_backoff_but_not_the_budget():
    tracker = RestartTracker(POLICY)
    tracker.on_failure(0)
    tracker.on_failure(1)
    tracker.on_success()
    assert tracker.on_failure(2).delay == 1
    assert isinstance(tracker.on_failure(3), GiveUp)


def test_an_operator_reset_restores_the_budget():
    tracker = RestartTracker(POLICY)
    for t in range(3):
        tracker.on_failure(t)
    tracker.reset()
    assert isinstance(tracker.on_failure(4), Restart)
