"""Which consumed records are finished, and how far a partition's offset may be committed.

Plain logic the topic consumer actor delegates to (tested without threads or Kafka).

A record handed out to K interested connectors is finished when all K said they are
done with it (handled, or dead-lettered). A partition's committable offset is the first
offset that is not finished — a *contiguous* prefix, because Kafka commits a position,
not a set: committing past an unfinished record would lose it after a crash.
"""

from __future__ import annotations

from collections import OrderedDict

__all__ = ["AckTracker"]


class _Partition:
    def __init__(self, start: int) -> None:
        self.pending: OrderedDict[int, set[str]] = OrderedDict()  # offset -> connectors not done yet
        self.done_up_to = start  # first offset not known to be finished
        self.next_offset = start  # first offset not yet handed out


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
        return None if state is None else state.done_up_to

    def partitions(self) -> list[int]:
        return list(self._partitions)

    def handed_out(self, partition: int, offset: int, connectors: set[str]) -> None:
        """Record ``offset`` as handed to ``connectors`` (empty: nobody is interested, finished at once)."""
        state = self._partition(partition, offset)
        state.next_offset = max(state.next_offset, offset + 1)
        if connectors:
            state.pending[offset] = set(connectors)
        else:
            state.pending[offset] = set()
        self._advance(state)

    def done(self, partition: int, offset: int, connector: str) -> None:
        """``connector`` finished ``offset`` (idempotent; unknown partitions and offsets are ignored)."""
        state = self._partitions.get(partition)
        if state is None:
            return
        waiting = state.pending.get(offset)
        if waiting is None:
            return
        waiting.discard(connector)
        self._advance(state)

    def forget_connector(self, connector: str) -> None:
        """The connector is gone for good: nothing waits for it any more."""
        for state in self._partitions.values():
            for waiting in state.pending.values():
                waiting.discard(connector)
            self._advance(state)

    def committable(self) -> dict[int, int]:
        """Per partition, the offset to commit (the first one not finished)."""
        return {partition: state.done_up_to for partition, state in self._partitions.items()}

    def next_offset(self, partition: int) -> int | None:
        """The first offset not yet handed out (where to seek after a resume)."""
        state = self._partitions.get(partition)
        return None if state is None else state.next_offset

    def unfinished(self) -> int:
        """How many handed-out records are not finished (across partitions)."""
        return sum(len(state.pending) for state in self._partitions.values())

    def _partition(self, partition: int, offset: int) -> _Partition:
        state = self._partitions.get(partition)
        if state is None:
            state = self._partitions[partition] = _Partition(offset)
        return state

    @staticmethod
    def _advance(state: _Partition) -> None:
        while state.pending:
            offset, waiting = next(iter(state.pending.items()))
            if waiting:
                return
            state.pending.popitem(last=False)
            state.done_up_to = offset + 1
