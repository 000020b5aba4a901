"""Which consumed records are finished, and how far a partition's offset may be committed.

Plain logic the topic consumer actor delegates to (tested without threads or Kafka).

A record handed out to K interested connectors is finished when all K said they are
done with it (handled, or dead-lettered). A partition's committable offset is the first
offset that is not finished — a *contiguous* prefix, because Kafka commits a position,
not a set: committing past an unfinished record would lose it after a crash.

Each connector finishes its records in the order it got them, so the tracker keeps, per
partition and connector, the queue of offsets it has not finished: finishing the oldest
is a pop, and the commit point is the oldest offset at the head of any queue. An offset
finished out of order (allowed, not expected) waits in a set until it reaches the head.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Sequence

__all__ = ["AckTracker"]


class _Partition:
    __slots__ = ("waiting", "early", "held", "next_offset")

    def __init__(self, start: int) -> None:
        self.waiting: dict[str, deque[int]] = {}  # connector -> offsets handed to it, not finished, in order
        self.early: dict[str, set[int]] = {}  # connector -> offsets finished ahead of older ones
        self.held: deque[int] = deque()  # offsets with at least one interested connector, not yet committable
        self.next_offset = start  # first offset not yet handed out

    def commit_point(self) -> int:
        """The first offset not finished by every connector it was handed to."""
        point = self.next_offset
        for connector, offsets in self.waiting.items():
            early = self.early.get(connector)
            while offsets and early and offsets[0] in early:
                early.discard(offsets.popleft())
            if offsets and offsets[0] < point:
                point = offsets[0]
        held = self.held
        while held and held[0] < point:
            held.popleft()
        return point


class AckTracker:
    """Per-partition bookkeeping of handed-out records and the connectors still working on them."""

    def __init__(self) -> None:
        self._partitions: dict[int, _Partition] = {}

    def assign(self, partition: int, start: int) -> None:
        """Start tracking ``partition`` from offset ``start`` (where consumption resumes)."""
        self._partitions[partition] = _Partition(start)

    def revoke(self, partition: int) -> int | None:
        """Stop tracking; returns the offset that may be committed for it (None if unknown)."""
        state = self._partitions.pop(partition, None)
        return None if state is None else state.commit_point()

    def partitions(self) -> list[int]:
        return list(self._partitions)

    def handed_out(self, partition: int, offset: int, connectors: Collection[str]) -> None:
        """Record ``offset`` as handed to ``connectors`` (empty: nobody is interested, finished at once)."""
        self.handed_out_many(partition, [offset], connectors)

    def handed_out_many(self, partition: int, offsets: list[int], connectors: Collection[str]) -> None:
        """``handed_out`` for several offsets of one partition, in the order consumed, all handed to
        the same ``connectors`` (the routing hot path: one call per run of alike records)."""
        if not offsets:
            return
        state = self._partitions.get(partition)
        if state is None:
            state = self._partitions[partition] = _Partition(offsets[0])
        highest = max(offsets)
        if highest >= state.next_offset:
            state.next_offset = highest + 1
        if connectors:
            state.held.extend(offsets)
            waiting = state.waiting
            for connector in connectors:
                queue = waiting.get(connector)
                if queue is None:
                    queue = waiting[connector] = deque()
                queue.extend(offsets)

    def done(self, partition: int, offset: int, connector: str) -> None:
        """``connector`` finished ``offset`` (idempotent; unknown partitions and offsets are ignored)."""
        state = self._partitions.get(partition)
        if state is None:
            return
        offsets = state.waiting.get(connector)
        if not offsets:
            return
        if offsets[0] == offset:
            offsets.popleft()
        elif offsets[0] < offset <= offsets[-1]:
            state.early.setdefault(connector, set()).add(offset)

    def done_many(self, connector: str, keys: Sequence[tuple[int, int]]) -> None:
        """``done`` for each (partition, offset) in ``keys``, in one call (the acknowledgement hot path)."""
        partition, offsets, early = None, None, None
        for key in keys:
            if key[0] != partition:
                partition = key[0]
                state = self._partitions.get(partition)
                offsets = state.waiting.get(connector) if state is not None else None
                early = state.early if state is not None else None
            if not offsets:
                continue
            if offsets[0] == key[1]:
                offsets.popleft()
            elif early is not None and offsets[0] < key[1] <= offsets[-1]:
                early.setdefault(connector, set()).add(key[1])

    def forget_connector(self, connector: str) -> None:
        """The connector is gone for good: nothing waits for it any more."""
        for state in self._partitions.values():
            state.waiting.pop(connector, None)
            state.early.pop(connector, None)

    def committable(self) -> dict[int, int]:
        """Per partition, the offset to commit (the first one not finished)."""
        return {partition: state.commit_point() for partition, state in self._partitions.items()}

    def next_offset(self, partition: int) -> int | None:
        """The first offset not yet handed out (where to seek after a resume)."""
        state = self._partitions.get(partition)
        return None if state is None else state.next_offset

    def unfinished(self) -> int:
        """How many handed-out records are held back: at or after a partition's commit point and
        wanted by some connector, finished or not (across partitions)."""
        total = 0
        for state in self._partitions.values():
            state.commit_point()
            total += len(state.held)
        return total
