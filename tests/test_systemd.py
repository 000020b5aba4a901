"""sd_notify and the watchdog, against a real datagram socket standing in for systemd's NOTIFY_SOCKET.

Every test synchronises by receiving datagrams with socket timeouts; windows in which nothing
may arrive are bounded receives too.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

import pytest
from loguru import logger

from daemon.states import ConnectorReport, ConnectorStatus
from daemon.systemd import Notifier, Watchdog, summarize

Message = dict[str, str]


class Receiver:
    """The service manager's end: a bound AF_UNIX datagram socket; parses each datagram into assignments."""

    def __init__(self, sock: socket.socket, address: str) -> None:
        self.sock = sock
        self.address = address  # as NOTIFY_SOCKET spells it

    def env(self, watchdog_usec: int | None = None) -> dict[str, str]:
        env = {"NOTIFY_SOCKET": self.address}
        if watchdog_usec is not None:
            env.update(WATCHDOG_USEC=str(watchdog_usec), WATCHDOG_PID=str(os.getpid()))
        return env

    def next(self, timeout: float = 2.0) -> Message:
        self.sock.settimeout(timeout)
        data = self.sock.recv(65536)
        return dict(line.split("=", 1) for line in data.decode().split("\n"))

    def until(self, predicate: Callable[[Message], bool], timeout: float = 3.0) -> tuple[Message, list[Message]]:
        """Receive until a message matches; returns it and the ones before it."""
        deadline = time.monotonic() + timeout
        before: list[Message] = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.next(left)
            except TimeoutError:
                break
            if predicate(message):
                return message, before
            before.append(message)
        raise AssertionError(f"no matching notification within {timeout}s; got {before}")

    def during(self, seconds: float) -> list[tuple[float, Message]]:
        """Every message received in the next ``seconds``, with its arrival time."""
        deadline = time.monotonic() + seconds
        received = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.next(left)
            except TimeoutError:
                break
            received.append((time.monotonic(), message))
        return received


def pings(messages: list[tuple[float, Message]]) -> list[float]:
    return [at for at, message in messages if message.get("WATCHDOG") == "1"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    directory = tempfile.mkdtemp(prefix="sdnotify")  # short: AF_UNIX paths are limited to 108 bytes
    path = os.path.join(directory, "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        yield Receiver(sock, path)
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(m.record["message"]), level="WARNING", format="{message}")
    yield lines
    logger.remove(sink)


# --- Notifier -------------------------------------------------------------------------------------


def test_ready_status_reloading_and_stopping_arrive_as_datagrams_in_order(receiver):
    notifier = Notifier.from_environment(receiver.env())
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    assert notifier.ready(status="2 connectors: 2 waiting")
    assert notifier.status("reloading\n/etc/integration-daemon/daemon.yaml")
    assert notifier.reloading()
    after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    assert notifier.ready()
    assert notifier.watchdog()
    assert notifier.stopping()

    assert receiver.next() == {"READY": "1", "STATUS": "2 connectors: 2 waiting"}
    assert receiver.next() == {"STATUS": "reloading /etc/integration-daemon/daemon.yaml"}
    reloading = receiver.next()
    assert reloading["RELOADING"] == "1" and before <= int(reloading["MONOTONIC_USEC"]) <= after
    assert [receiver.next() for _ in range(3)] == [{"READY": "1"}, {"WATCHDOG": "1"}, {"STOPPING": "1"}]


def test_an_abstract_namespace_address_receives_notifications():
    name = f"integration-daemon-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        abstract = Receiver(sock, "@" + name)
        assert Notifier.from_environment(abstract.env()).ready()
        assert abstract.next() == {"READY": "1"}


def test_extend_timeout_is_sent_in_microseconds(receiver):
    Notifier.from_environment(receiver.env()).extend_timeout(12.5)
    assert receiver.next() == {"EXTEND_TIMEOUT_USEC": "12500000"}


def test_without_notify_socket_every_call_is_a_no_op_and_no_thread_starts():
    notifier = Notifier.from_environment({"WATCHDOG_USEC": "200000"})
    assert not notifier.enabled and notifier.watchdog_interval() is None
    sent = [notifier.ready(), notifier.status("x"), notifier.reloading(), notifier.stopping(), notifier.watchdog()]
    assert sent == [False] * 5
    watchdog = Watchdog(notifier, lambda: True, status=lambda: "x").start()
    assert not watchdog.running
    watchdog.stop()


def test_the_watchdog_interval_comes_from_watchdog_usec_and_only_for_this_process(receiver):
    assert Notifier.from_environment(receiver.env(watchdog_usec=30_000_000)).watchdog_interval() == 30.0
    assert Notifier.from_environment(receiver.env()).watchdog_interval() is None
    other_pid = {**receiver.env(watchdog_usec=30_000_000), "WATCHDOG_PID": str(os.getpid() + 1)}
    assert Notifier.from_environment(other_pid).watchdog_interval() is None
    assert Notifier.from_environment({**receiver.env(), "WATCHDOG_USEC": "soon"}).watchdog_interval() is None


def test_an_unreachable_socket_is_reported_and_logged_once_never_raised(warnings):
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": "/nonexistent/integration-daemon/notify"})
    assert notifier.enabled
    assert [notifier.ready(), notifier.watchdog(), notifier.stopping()] == [False, False, False]
    assert len([line for line in warnings if "cannot notify systemd" in line]) == 1


def test_an_unsupported_address_turns_notifications_off(warnings):
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": "vsock:2:1234"})
    assert not notifier.enabled and not notifier.ready()
    assert any("vsock:2:1234" in line for line in warnings)


def test_a_full_notify_socket_makes_a_send_give_up_after_its_timeout(receiver):
    notifier = Notifier.from_environment(receiver.env(), timeout=0.05)
    started = time.monotonic()
    results = [notifier.watchdog() for _ in range(30)]  # nobody reads: the receive queue fills up
    assert False in results, "the receive queue never filled"
    assert time.monotonic() - started < 30 * 0.05 + 2.0


# --- Watchdog -------------------------------------------------------------------------------------


def test_the_watchdog_pings_at_half_the_interval_while_healthy(receiver):
    notifier = Notifier.from_environment(receiver.env(watchdog_usec=200_000))
    with Watchdog(notifier, lambda: True) as watchdog:
        assert watchdog.pinging and watchdog.period == pytest.approx(0.1)
        receiver.until(lambda m: m.get("WATCHDOG") == "1")
        times = pings(receiver.during(1.0))
    assert 7 <= len(times) <= 13, f"{len(times)} pings in 1 s at a 0.1 s period"
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert max(gaps) < 0.2, f"two pings {max(gaps):.3f}s apart: longer than the 0.2 s watchdog interval"


def test_the_watchdog_stops_pinging_while_the_health_check_fails_and_resumes_when_it_passes(receiver):
    healthy = threading.Event()
    healthy.set()
    notifier = Notifier.from_environment(receiver.env(watchdog_usec=200_000))
    with Watchdog(notifier, healthy.is_set, status=lambda: "1 connector: 1 waiting"):
        assert receiver.until(lambda m: "STATUS" in m)[0] == {"STATUS": "1 connector: 1 waiting"}
        healthy.clear()
        unhealthy, _ = receiver.until(lambda m: m.get("STATUS", "").startswith("unhealthy"))
        assert unhealthy["STATUS"] == "unhealthy: health check answered no"
        assert pings(receiver.during(0.6)) == [], "pinged while the health check failed"
        healthy.set()
        _, before = receiver.until(lambda m: m.get("WATCHDOG") == "1", timeout=1.0)
        assert before == [] or all("STATUS" in m for m in before)
        assert receiver.until(lambda m: "STATUS" in m)[0] == {"STATUS": "1 connector: 1 waiting"}
        assert len(pings(receiver.during(0.5))) >= 3


def test_a_hung_health_check_stops_the_pings_and_does_not_delay_stop(receiver):
    release = threading.Event()
    calls = []

    def hangs() -> bool:
        calls.append(1)
        release.wait(10)
        return True

    notifier = Notifier.from_environment(receiver.env(watchdog_usec=200_000))
    watchdog = Watchdog(notifier, hangs).start()
    try:
        unhealthy, before = receiver.until(lambda m: "STATUS" in m)
        assert unhealthy["STATUS"] == "unhealthy: health check did not answer within 0.075s"
        assert pings([(0.0, m) for m in before]) + pings(receiver.during(0.5)) == []
        started = time.monotonic()
        watchdog.stop()
        assert time.monotonic() - started < 0.5 and not watchdog.running
        assert len(calls) == 1, "a second check was started while the first was hung"
        release.set()
        assert pings(receiver.during(0.3)) == [], "pinged after stop()"
    finally:
        release.set()
        watchdog.stop()


def test_an_exception_from_the_health_check_is_reported_in_the_status(receiver):
    def raises() -> bool:
        raise TimeoutError("supervisor did not answer within 5s")

    notifier = Notifier.from_environment(receiver.env(watchdog_usec=200_000))
    with Watchdog(notifier, raises):
        message, before = receiver.until(lambda m: "STATUS" in m)
    assert message["STATUS"] == "unhealthy: health check failed: TimeoutError: supervisor did not answer within 5s"
    assert pings([(0.0, m) for m in before]) == []


def test_the_status_is_sent_when_the_summary_changes_not_on_every_tick(receiver):
    summary = ["3 connectors: 3 waiting"]
    notifier = Notifier.from_environment(receiver.env(watchdog_usec=200_000))
    notifier.ready(status="3 connectors: 3 waiting")
    assert receiver.next() == {"READY": "1", "STATUS": "3 connectors: 3 waiting"}
    with Watchdog(notifier, lambda: True, status=lambda: summary[0]):
        receiver.until(lambda m: m.get("WATCHDOG") == "1")
        assert [m for _, m in receiver.during(0.5) if "STATUS" in m] == [], "repeated an unchanged status"
        notifier.status("reloading")
        assert receiver.until(lambda m: "STATUS" in m)[0]["STATUS"] == "reloading"
        assert receiver.until(lambda m: "STATUS" in m)[0]["STATUS"] == "3 connectors: 3 waiting"
        summary[0] = "3 connectors: 2 waiting, 1 failed"
        assert receiver.until(lambda m: "STATUS" in m)[0]["STATUS"] == "3 connectors: 2 waiting, 1 failed"


def test_without_a_watchdog_interval_the_thread_only_keeps_the_status_current(receiver):
    summary = ["1 connector: 1 waiting"]
    notifier = Notifier.from_environment(receiver.env())
    with Watchdog(notifier, lambda: True, status=lambda: summary[0], status_period=0.05) as watchdog:
        assert not watchdog.pinging
        summary[0] = "1 connector: 1 refreshing"
        message, before = receiver.until(lambda m: m.get("STATUS") == "1 connector: 1 refreshing")
    assert all("WATCHDOG" not in m for m in [*before, message])


def test_stop_returns_promptly_in_the_middle_of_a_long_interval(receiver):
    notifier = Notifier.from_environment(receiver.env(watchdog_usec=60_000_000))
    watchdog = Watchdog(notifier, lambda: True).start()
    receiver.until(lambda m: m.get("WATCHDOG") == "1")
    started = time.monotonic()
    watchdog.stop()
    assert time.monotonic() - started < 0.5 and not watchdog.running


# --- summarize ------------------------------------------------------------------------------------


def report(name: str, status: ConnectorStatus) -> ConnectorReport:
    return ConnectorReport(
        service="files-integrator", name=name, connector_id=name, instance_id="i", status=status,
        last_status_change=datetime.now(timezone.utc), refresh_interval=60.0,
    )


def test_summarize_counts_connectors_by_state_most_common_first():
    reports = [report(f"c{i}", ConnectorStatus.WAITING) for i in range(11)] + [report("bad", ConnectorStatus.FAILED)]
    assert summarize(reports) == "12 connectors: 11 waiting, 1 failed"


def test_summarize_breaks_ties_in_state_order_and_keeps_egeria_names():
    states = [ConnectorStatus.CONFIG_FAILED, ConnectorStatus.REFRESHING, ConnectorStatus.WAITING]
    assert summarize(report(s.name, s) for s in states) == "3 connectors: 1 waiting, 1 refreshing, 1 config_failed"


def test_summarize_says_connector_in_the_singular_and_no_connectors_when_empty():
    assert summarize([report("only", ConnectorStatus.PAUSED)]) == "1 connector: 1 paused"
    assert summarize([]) == "no connectors"
