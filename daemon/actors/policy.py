"""Restart decisions, as plain logic the supervisor actor delegates to (tested without threads)."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable

from attrs import frozen

from daemon.config import RestartPolicy

__all__ = ["GiveUp", "Restart", "RestartTracker"]


@frozen
class Restart:
    delay: float


@frozen
class GiveUp:
    reason: str


class RestartTracker:
    """Counts one connector's failures and says whether, and when, to restart it.

    Backoff grows by ``multiplier`` from ``initial_backoff`` up to ``max_backoff`` with each
    consecutive failure, then jitter of ±``jitter`` (a fraction) is applied. Restarts within
    the last ``window`` seconds count against ``max_restarts``; past that the answer is GiveUp.
    Failures to reach the metadata access point are retried with backoff but never give up.
    """

    def __init__(self, policy: RestartPolicy, rng: Callable[[], float] = random.random) -> None:
        self.policy = policy
        self._rng = rng
        self._restarts: deque[float] = deque()
        self.consecutive_failures = 0
        self.restart_count = 0

    def backoff(self) -> float:
        p = self.policy
        exponent = max(0, self.consecutive_failures - 1)
        base = min(p.max_backoff, p.initial_backoff * (p.multiplier**exponent))
        spread = base * p.jitter * (2 * self._rng() - 1)
        return max(0.0, min(p.max_backoff * (1 + p.jitter), base + spread))

    def on_failure(self, now: float, *, counts_against_budget: bool = True) -> Restart | GiveUp:
        self.consecutive_failures += 1
        if counts_against_budget:
            while self._restarts and now - self._restarts[0] > self.policy.window:
                self._restarts.popleft()
            if len(self._restarts) >= self.policy.max_restarts:
                return GiveUp(
                    f"{len(self._restarts)} restarts within {self.policy.window:g}s "
                    f"(budget {self.policy.max_restarts}); restart it by hand when fixed"
                )
            self._restarts.append(now)
        self.restart_count += 1
        return Restart(self.backoff())

    def on_success(self) -> None:
        """The connector did useful work again: the next failure starts from the initial backoff."""
        self.consecutive_failures = 0

    def reset(self) -> None:
        """An operator restart: forget the budget used so far."""
        self._restarts.clear()
        self.consecutive_failures = 0
