"""What a topic consumer keeps per connector (its lane), what it tells from the lanes (whether to read
more), and what it reports (its statistics)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

from attrs import define, frozen

from daemon.config import EventBusConfig
from daemon.messages import Delivery
from daemon.topics.routing import Route

__all__ = ["ConnectorCounts", "ConsumerStats", "Lane", "awaiting_room", "far_enough_ahead"]


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


def far_enough_ahead(routes: Iterable[Route], lanes: Mapping[str, Lane], unfinished: int, settings: EventBusConfig) -> bool:
    """Whether reading more can wait: a window and a poll's worth of records are read ahead
    (``unfinished``), and every connector not on hold has a poll's worth queued behind its
    window. Reading on would only lengthen the queues until ``max_buffered`` pauses the
    partitions, and each resume drops what the client had fetched ahead."""
    if unfinished < min(settings.max_buffered, settings.max_in_flight_per_connector + settings.batch_size):
        return False
    for route in routes:
        lane = lanes.get(route.name)
        if not route.held and (lane is None or len(lane.queued) < settings.batch_size):
            return False
    return True


def awaiting_room(routes: Iterable[Route], lanes: Mapping[str, Lane], window: int) -> bool:
    """Whether some connector not on hold has records queued behind a full window sent to it."""
    for route in routes:
        lane = lanes.get(route.name)
        if lane is not None and lane.queued and not route.held and len(lane.sent) >= window:
            return True
    return False
