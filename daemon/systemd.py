"""Tell systemd how the daemon is doing: the ``sd_notify`` datagram protocol, standard library only.

Under ``Type=notify``/``notify-reload`` systemd passes ``$NOTIFY_SOCKET``, a datagram socket
(``/path`` in the file system, or ``@name`` in Linux's abstract namespace). Each notification is
one datagram of newline-separated ``KEY=value`` assignments (man sd_notify(3)); the protocol is
stable (systemd's ``man/notify-selfcontained-example.py``). Without the variable, every call
is a no-op, so the same daemon runs unchanged outside systemd.

Notifications are advice to the service manager: nothing here raises into the daemon. A send
that fails, or that cannot be delivered within ``timeout`` seconds, is logged and reported
as ``False``.

``Watchdog`` is a thread owned by whoever starts it. Every half watchdog interval it runs a
health check (on a helper thread, bounded by ``check_timeout``) and sends ``WATCHDOG=1``
only if the check said yes in time, so a hung actor system stops pinging and systemd restarts
it. It also keeps ``STATUS=`` up to date with a one-line summary (``summarize``).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType

from loguru import logger

from daemon.states import ConnectorReport, ConnectorStatus

__all__ = ["Notifier", "Watchdog", "summarize"]

_log = logger.bind(service="systemd", connector="-")

#: Longest STATUS= text sent; systemd shows one line, and a notification must fit one datagram.
MAX_STATUS_CHARS = 1024


class Notifier:
    """Sends notifications to the service manager at ``address`` (``None``: every call is a no-op).

    Thread-safe: each notification uses a fresh socket, as systemd's reference implementation
    does, so a restarted service manager (``systemctl daemon-reexec``) is picked up.
    """

    def __init__(self, address: str | None, *, watchdog_interval: float | None = None, timeout: float = 1.0) -> None:
        self._target = _socket_address(address) if address else None
        self._address = address
        self._watchdog_interval = watchdog_interval
        self._timeout = timeout
        self._failing = False
        #: The text of the last ``STATUS=`` sent successfully (from any thread), or None.
        self.last_status: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, *, timeout: float = 1.0) -> Notifier:
        """Read ``NOTIFY_SOCKET``, ``WATCHDOG_USEC`` and ``WATCHDOG_PID`` (from ``os.environ`` by default)."""
        env = os.environ if environ is None else environ
        return cls(env.get("NOTIFY_SOCKET") or None, watchdog_interval=_watchdog_interval(env), timeout=timeout)

    @property
    def enabled(self) -> bool:
        """Whether notifications go anywhere (``NOTIFY_SOCKET`` was set to a usable address)."""
        return self._target is not None

    def watchdog_interval(self) -> float | None:
        """systemd's ``WatchdogSec=`` in seconds if it applies to this process, else ``None``.

        Send ``WATCHDOG=1`` at least every half of it (sd_watchdog_enabled(3)); ``Watchdog`` does.
        """
        return self._watchdog_interval if self.enabled else None

    # --- the notifications -------------------------------------------------------------------

    def ready(self, status: str | None = None) -> bool:
        """``READY=1``: start-up (or a reload) is complete. Optionally with a ``STATUS=`` line."""
        return self.notify("READY=1", *_status_assignment(status))

    def reloading(self, status: str | None = None) -> bool:
        """``RELOADING=1`` with ``MONOTONIC_USEC=`` (which ``Type=notify-reload`` requires); send ``ready()`` after."""
        usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        return self.notify("RELOADING=1", f"MONOTONIC_USEC={usec}", *_status_assignment(status))

    def stopping(self, status: str | None = None) -> bool:
        """``STOPPING=1``: shutdown has begun (final: systemd expects the process to exit)."""
        return self.notify("STOPPING=1", *_status_assignment(status))

    def status(self, text: str) -> bool:
        """``STATUS=``: one line shown by ``systemctl status`` (newlines become spaces)."""
        return self.notify(*_status_assignment(text))

    def watchdog(self) -> bool:
        """``WATCHDOG=1``: a keep-alive. Prefer ``Watchdog``, which sends it only while healthy."""
        return self.notify("WATCHDOG=1")

    def extend_timeout(self, seconds: float) -> bool:
        """``EXTEND_TIMEOUT_USEC=``: the current start, reload or stop may take ``seconds`` more from now."""
        return self.notify(f"EXTEND_TIMEOUT_USEC={max(0, int(seconds * 1_000_000))}")

    def notify(self, *assignments: str) -> bool:
        """Send ``KEY=value`` assignments as one datagram. True if sent; False if disabled or failed."""
        if self._target is None or not assignments:
            return False
        payload = "\n".join(assignments).encode("utf-8", "replace")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.settimeout(self._timeout)  # a full receive queue must not block the caller
                sock.connect(self._target)
                sock.sendall(payload)
        except Exception as exc:  # noqa: BLE001 -- advisory: nothing here may take the daemon down
            self._on_failure(exc, assignments)
            return False
        for assignment in assignments:
            if assignment.startswith("STATUS="):
                self.last_status = assignment[len("STATUS="):]
        if self._failing:
            self._failing = False
            _log.info("notifications to systemd at {} work again", self._address)
        _log.debug("notified systemd: {}", " ".join(assignments))
        return True

    def _on_failure(self, exc: Exception, assignments: tuple[str, ...]) -> None:
        what = assignments[0].partition("=")[0]
        if self._failing:
            _log.debug("cannot notify systemd at {} ({}): {!r}", self._address, what, exc)
            return
        self._failing = True
        _log.warning(
            "cannot notify systemd at {} ({}): {!r}; further failures are logged at DEBUG until one succeeds",
            self._address, what, exc,
        )

    def __repr__(self) -> str:
        return f"Notifier({self._address!r}, watchdog_interval={self._watchdog_interval!r})"


def _socket_address(address: str) -> str | None:
    """``/path`` as is, ``@name`` as an abstract address (leading NUL); anything else is unsupported."""
    if address.startswith("/"):
        return address
    if address.startswith("@"):
        return "\0" + address[1:]
    _log.warning("NOTIFY_SOCKET={!r} is not a path or an @abstract address: systemd notifications are off", address)
    return None


def _watchdog_interval(env: Mapping[str, str]) -> float | None:
    usec, pid = env.get("WATCHDOG_USEC"), env.get("WATCHDOG_PID")
    if not usec:
        return None
    try:
        if pid and int(pid) != os.getpid():
            return None  # the watchdog is another process's (e.g. our parent's)
        seconds = int(usec) / 1_000_000
    except ValueError:
        _log.warning("ignoring WATCHDOG_USEC={!r} / WATCHDOG_PID={!r}: not integers", usec, pid)
        return None
    return seconds if seconds > 0 else None


def _status_assignment(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    line = " ".join(text.splitlines()).strip()
    return (f"STATUS={line[:MAX_STATUS_CHARS]}",)


class _Check:
    """One run of the health check on its own thread; the fields are written once, under the lock."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.done = False
        self.healthy = False
        self.reason = ""
        self.status: str | None = None


class Watchdog:
    """Pings ``WATCHDOG=1`` every half watchdog interval while ``healthy()`` says so; keeps ``STATUS=`` current.

    ``healthy`` and ``status`` run on a helper thread (``<name>-check``), one call at a time, so
    they may block, but should be bounded (``ask`` with a timeout). The daemon counts as healthy
    only if ``healthy()`` returns True within ``check_timeout`` (default 3/4 of the period, so
    that two pings are never further apart than the interval); while a call hangs, no other
    is started and every tick is unhealthy. ``status`` (optional) gives the one-line ``STATUS=``
    text after a healthy check; it is sent when it differs from the last ``STATUS=`` the
    notifier sent (from any thread). An unhealthy tick sends ``STATUS=unhealthy: <reason>``; the
    change to unhealthy is logged as a warning, the recovery at INFO.

    Without ``WATCHDOG_USEC`` there are no pings; with a ``status`` callable the thread still
    refreshes ``STATUS=`` every ``status_period`` seconds. Without either, ``start()`` does nothing.
    ``stop()`` returns within the notifier's send timeout plus ``timeout``; after it returns the
    watchdog sends nothing more, even if a health check is still hung.
    """

    def __init__(
        self,
        notifier: Notifier,
        healthy: Callable[[], bool],
        *,
        status: Callable[[], str] | None = None,
        check_timeout: float | None = None,
        status_period: float = 10.0,
        name: str = "systemd-watchdog",
    ) -> None:
        interval = notifier.watchdog_interval()
        self._notifier = notifier
        self._healthy = healthy
        self._status = status
        self.pinging = interval is not None
        self.period = interval / 2 if interval is not None else status_period
        self.check_timeout = check_timeout if check_timeout is not None else 0.75 * self.period
        self._name = name
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._stopping = False
        self._check: _Check | None = None
        self._was_healthy = True
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Watchdog:
        """Start the thread (a no-op when there is nothing to send). Returns ``self``."""
        if not self._notifier.enabled or not (self.pinging or self._status is not None):
            return self
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        _log.info(
            "systemd watchdog: health check every {:.3g}s (answer within {:.3g}s){}",
            self.period, self.check_timeout, ", WATCHDOG=1 while healthy" if self.pinging else ", STATUS= only",
        )
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop pinging now and join the thread for at most ``timeout`` seconds."""
        with self._lock:
            self._stopping = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                _log.warning("systemd watchdog thread did not stop within {}s; it will send nothing more", timeout)

    def __enter__(self) -> Watchdog:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # --- the watchdog thread -------------------------------------------------------------------

    def _run(self) -> None:
        next_tick = time.monotonic()
        while True:
            check = self._probe()
            with self._lock:
                if self._stopping:
                    return
                self._publish(check)  # under the lock: once stop() has returned, nothing more is sent
                next_tick = max(next_tick + self.period, time.monotonic())
                if self._wake.wait_for(lambda: self._stopping, timeout=next_tick - time.monotonic()):
                    return

    def _probe(self) -> _Check:
        """Run the health check on a helper thread and wait for it, for a stop, or for ``check_timeout``."""
        with self._lock:
            now = time.monotonic()
            previous = self._check
            if previous is not None and not previous.done:
                hung = _Check(now)
                hung.reason = f"health check has not answered for {now - previous.started:.1f}s"
                return hung
            check = self._check = _Check(now)
            threading.Thread(target=self._run_check, args=(check,), name=f"{self._name}-check", daemon=True).start()
            self._wake.wait_for(lambda: self._stopping or check.done, timeout=self.check_timeout)
            if not check.done:
                timed_out = _Check(now)
                timed_out.reason = f"health check did not answer within {self.check_timeout:.3g}s"
                return timed_out
            return check

    def _run_check(self, check: _Check) -> None:
        try:
            healthy, reason = bool(self._healthy()), "health check answered no"
        except Exception as exc:  # noqa: BLE001 -- a failing check is the finding, not a crash
            healthy, reason = False, f"health check failed: {type(exc).__name__}: {exc}".rstrip(": ")
        status = None
        if healthy and self._status is not None:
            try:
                status = self._status()
            except Exception as exc:  # noqa: BLE001
                _log.debug("status summary failed: {!r}", exc)
        with self._lock:
            check.healthy, check.reason, check.status, check.done = healthy, reason, status, True
            self._wake.notify_all()

    def _publish(self, check: _Check) -> None:
        if check.healthy:
            if self.pinging:
                self._notifier.watchdog()
            if not self._was_healthy:
                _log.info("health check passes again{}", "; pinging the watchdog" if self.pinging else "")
            text = check.status if check.status is not None else (None if self._was_healthy else "healthy")
        else:
            if self._was_healthy:
                _log.warning("{}{}", check.reason, "; not pinging the systemd watchdog" if self.pinging else "")
            text = f"unhealthy: {check.reason}"
        self._was_healthy = check.healthy
        if text is not None and text != self._notifier.last_status:
            self._notifier.status(text)


def summarize(reports: Iterable[ConnectorReport]) -> str:
    """One line for ``STATUS=``: ``12 connectors: 11 waiting, 1 failed`` (most common state first)."""
    counts = Counter(report.status for report in reports)
    total = sum(counts.values())
    if total == 0:
        return "no connectors"
    order = list(ConnectorStatus)
    states = sorted(counts, key=lambda state: (-counts[state], order.index(state)))
    noun = "connector" if total == 1 else "connectors"
    return f"{total} {noun}: " + ", ".join(f"{counts[state]} {state.name.lower()}" for state in states)
