"""What a topic consumer keeps per connector (its lane) and reports (its statistics)."""

from __future__ import annotations

from collections import deque

from attrs import define, frozen

from daemon.messages import Delivery

__all__ = ["ConnectorCounts", "ConsumerStats", "Lane"]


@frozen
class ConnectorCounts:
    delivered: int = 0
    failed: int = 0  # failed handler attempts
    dead_lettered: int = 0


@frozen
class ConsumerStats:
    name: str
    topic: str
    delivered: int
    handled: int
    dead_lettered: int
    undecodable: int
    unfinished: int
    paused: bool
    committed: dict[int, int]
    per_connector: dict[str, ConnectorCounts]
    lags: dict[int, int]  # partition -> records behind the end of the log (Kafka; empty if unknown)


@define
class Lane:
    """One connector's records, in order: queued (not sent yet) and sent (not finished yet).

    The connector host finishes them in the order they were sent, so a finished key is
    normally the head of ``sent``."""

    queued: deque[Delivery]
    sent: deque[Delivery]

    def take_sent(self, key: tuple[int, int]) -> Delivery | None:
        """Remove the sent delivery with ``key`` (the head, unless acknowledgements crossed)."""
        sent = self.sent
        if sent and sent[0].key == key:
            return sent.popleft()
        for delivery in sent:
            if delivery.key == key:
                sent.remove(delivery)
                return delivery
        return None
