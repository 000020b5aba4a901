"""Signals reach the main thread as numbers: no work in handlers, no lost wake-ups, no deadlocks."""

from __future__ import annotations

import os
import queue
import signal
import socket
import sys
import threading

import pytest

from daemon.signals import SignalInbox
from tests.conftest import wait_until

pytestmark = pytest.mark.timeout(60)

OURS = (signal.SIGHUP, signal.SIGUSR1)


def deliver_to_main(signum: int) -> None:
    """Raise ``signum`` on the main thread; its C handler has run when this returns."""
    signal.pthread_kill(threading.main_thread().ident, signum)


def waiting_in_inbox(thread_id: int) -> bool:
    """The thread's innermost Python frame is ``SignalInbox.wait`` (it is in, or entering, select)."""
    frame = sys._current_frames().get(thread_id)
    return frame is not None and frame.f_code is SignalInbox.wait.__code__


def test_every_signal_arrives_and_a_burst_is_one_answer():
    with SignalInbox(OURS) as inbox:
        for _ in range(3):
            deliver_to_main(signal.SIGHUP)
        deliver_to_main(signal.SIGUSR1)
        assert inbox.wait(timeout=5) == {signal.SIGHUP, signal.SIGUSR1}
        assert inbox.wait(timeout=0.05) == frozenset()  # all of them were answered at once


def test_a_signal_the_kernel_hands_to_another_thread_wakes_the_waiting_main_thread():
    main = threading.get_ident()
    with SignalInbox(OURS) as inbox:
        def elsewhere() -> None:
            wait_until(lambda: waiting_in_inbox(main), 10, "the main thread waiting")
            signal.pthread_kill(threading.get_ident(), signal.SIGHUP)  # its C handler runs on this thread

        sender = threading.Thread(target=elsewhere)
        sender.start()
        try:
            assert inbox.wait(timeout=10) == {signal.SIGHUP}
        finally:
            sender.join(10)


def test_a_signal_at_any_moment_of_the_loop_is_answered_by_the_next_wait():
    # the moment right after the main thread says it is about to wait is where a handler that
    # takes the waiting primitive's lock deadlocks, and where a wake-up sent before blocking is lost
    rounds = 5_000
    about_to_wait: queue.SimpleQueue[int] = queue.SimpleQueue()

    def sender() -> None:
        for _ in range(rounds):
            try:
                about_to_wait.get(timeout=10)
            except queue.Empty:
                return
            deliver_to_main(signal.SIGHUP)

    with SignalInbox(OURS) as inbox:
        thread = threading.Thread(target=sender)
        thread.start()
        try:
            answered = 0
            for n in range(rounds):
                about_to_wait.put(n)
                answered += inbox.wait(timeout=10) == {signal.SIGHUP}
            assert answered == rounds
        finally:
            thread.join(10)


def test_signals_that_are_not_ours_do_not_wake_the_wait():
    seen: list[int] = []
    previous = signal.signal(signal.SIGUSR2, lambda signum, frame: seen.append(signum))
    try:
        with SignalInbox(OURS) as inbox:
            deliver_to_main(signal.SIGUSR2)
            assert inbox.wait(timeout=0.2) == frozenset()
            assert seen == [signal.SIGUSR2]  # its own handler still ran
    finally:
        signal.signal(signal.SIGUSR2, previous)


def test_closing_puts_back_the_handlers_and_wakeup_descriptor_found_at_install():
    def before(signum, frame):  # pragma: no cover - never called
        pass

    previous = signal.signal(signal.SIGHUP, before)
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    previous_fd = signal.set_wakeup_fd(writer.fileno())
    try:
        inbox = SignalInbox(OURS).install()
        assert signal.getsignal(signal.SIGHUP) is not before
        inbox.close()
        inbox.close()  # idempotent
        assert signal.getsignal(signal.SIGHUP) is before
        assert signal.set_wakeup_fd(writer.fileno()) == writer.fileno()
        with pytest.raises(RuntimeError, match="not installed"):
            inbox.wait(timeout=0)
    finally:
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGHUP, previous)
        reader.close()
        writer.close()


def test_installing_off_the_main_thread_is_refused_and_changes_nothing():
    handler = signal.getsignal(signal.SIGHUP)
    errors: list[BaseException] = []

    def install() -> None:
        try:
            SignalInbox(OURS).install()
        except ValueError as exc:
            errors.append(exc)

    thread = threading.Thread(target=install)
    thread.start()
    thread.join(10)
    assert len(errors) == 1
    assert signal.getsignal(signal.SIGHUP) is handler


def test_an_inbox_installed_in_a_process_with_many_descriptors_still_waits():
    held = [os.open(os.devnull, os.O_RDONLY)]  # every free number up to 1100 taken: the inbox's come after
    try:
        while held[-1] < 1100:
            held.append(os.dup(held[0]))
        with SignalInbox(OURS) as inbox:
            deliver_to_main(signal.SIGHUP)
            assert inbox.wait(timeout=5) == {signal.SIGHUP}
            assert inbox.wait(timeout=0.01) == frozenset()
    finally:
        for fd in held:
            os.close(fd)
