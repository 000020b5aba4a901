"""Process signals for the daemon and the standalone metadata server, without deadlocks or lost wake-ups.

A Python signal handler runs on the main thread between two bytecodes, possibly while that
thread holds a lock the handler would take: an ``Event``'s (``set()`` from a handler that
interrupted ``wait()`` deadlocks on the Event's own lock), a logging handler's, a server's.
And a main thread blocked on a lock without a timeout misses a signal that lands just before
it blocks, or that the kernel hands to another thread: its Python handler runs only once the
main thread executes bytecode again.

So ``SignalInbox`` does no work in a handler at all. It registers Python's wake-up file
descriptor (``signal.set_wakeup_fd``): the interpreter's C-level handler writes each signal's
number to a socket, on whatever thread the kernel chose and whatever the main thread holds.
The main thread waits on that socket with ``poll`` and gets every signal number. The Python
handlers it installs do nothing; they only keep the C handler in place.

``SignalInbox`` must be installed, used and closed on the main thread; one per process at a time.
"""

from __future__ import annotations

import math
import select
import signal
import socket
import time
from collections.abc import Iterable
from types import FrameType, TracebackType
from typing import Any

__all__ = ["STOP_SIGNALS", "SignalInbox"]

#: The signals that ask a process to stop cleanly.
STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT})


def _noted(signum: int, frame: FrameType | None) -> None:
    """The Python-level handler: nothing to do, the C handler has written the number already."""


class SignalInbox:
    """Receive ``signals`` as numbers on the main thread; ``with SignalInbox(...) as inbox``.

    ``wait()`` blocks until at least one of them arrived and returns every one received
    since the last call, so a burst of SIGHUPs is one reload and a stop is never missed.
    """

    def __init__(self, signals: Iterable[int]) -> None:
        self.signals = frozenset(signals)
        self._reader: socket.socket | None = None
        self._writer: socket.socket | None = None
        self._previous_fd = -1
        self._previous: dict[int, Any] = {}

    def install(self) -> SignalInbox:
        """Route the signals here (the main thread only: ``ValueError`` elsewhere)."""
        reader, writer = socket.socketpair()
        reader.setblocking(False)
        writer.setblocking(False)
        try:
            self._previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        except ValueError:
            reader.close()
            writer.close()
            raise
        self._reader, self._writer = reader, writer
        for signum in self.signals:
            self._previous[signum] = signal.signal(signum, _noted)
        return self

    def close(self) -> None:
        """Put back the handlers and wake-up descriptor found at install; idempotent."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
        if self._writer is not None:
            signal.set_wakeup_fd(self._previous_fd)
        for end in (self._reader, self._writer):
            if end is not None:
                end.close()
        self._reader = self._writer = None

    def wait(self, timeout: float | None = None) -> frozenset[int]:
        """Every signal received since the last call; blocks until one arrives or ``timeout`` passes.

        Returns an empty set on timeout. Signals that other code routed through Python
        handlers also wake the descriptor; they are not ours and are left out.
        """
        reader = self._reader
        if reader is None:
            raise RuntimeError("the signal inbox is not installed")
        poller = select.poll()  # not select(): that refuses descriptors numbered 1024 and above
        poller.register(reader, select.POLLIN)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0, math.ceil((deadline - time.monotonic()) * 1000))
            if not poller.poll(left):
                return frozenset()
            received = frozenset(self._drain(reader)) & self.signals
            if received:
                return received

    @staticmethod
    def _drain(reader: socket.socket) -> bytes:
        chunks = []
        while True:
            try:
                chunk = reader.recv(4096)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)

    def __enter__(self) -> SignalInbox:
        return self.install()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
