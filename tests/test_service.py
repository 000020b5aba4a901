"""The daemon as a system service, in a real process: notify protocol order, watchdog, reload, stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
RECORDING = "tests.actors.connectors:Recording"


def config_document(tmp_path: Path, refresh: str = "1h") -> dict:
    return {
        "server_name": "service-daemon",
        "admin": {"port": free_port()},
        "metadata_server": {"database": str(tmp_path / "m.db"), "server_name": "service-mds"},
        "state_directory": str(tmp_path / "state"),
        "services": [{"url_marker": "files-integrator", "connectors": [
            {"name": "steady", "connector": RECORDING, "refresh": "1h"},
            {"name": "tuned", "connector": RECORDING, "refresh": refresh},
        ]}],
    }


class Datagrams:
    """The test's end of NOTIFY_SOCKET: receives what the daemon tells systemd."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(str(path))
        self.received: list[str] = []

    def until(self, predicate, timeout: float) -> list[str]:
        """Receive until a message satisfies ``predicate``; every message received is kept."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.socket.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                message = self.socket.recv(4096).decode()
            except TimeoutError:
                break
            self.received.append(message)
            if predicate(message):
                return self.received
        raise AssertionError(f"no matching notification within {timeout}s; got {self.received}")

    def close(self) -> None:
        self.socket.close()


def test_the_daemon_speaks_the_notify_protocol_in_order_and_reloads_only_what_changed(tmp_path):
    config = tmp_path / "daemon.yaml"
    config.write_text(yaml.safe_dump(config_document(tmp_path)))
    notify = Datagrams(tmp_path / "notify.sock")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "400000"}
    log = tmp_path / "daemon.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "daemon", "run", str(config)], cwd=tmp_path, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        notify.until(lambda m: "READY=1" in m, 30)
        assert any("STATUS=2 connectors" in m for m in notify.received if "READY=1" in m)
        start = len(notify.received)
        window = time.monotonic()
        notify.until(lambda m: sum("WATCHDOG=1" in x for x in notify.received[start:]) >= 4, 5)
        pings = sum("WATCHDOG=1" in m for m in notify.received[start:])
        assert time.monotonic() - window < 1.5, f"{pings} pings took {time.monotonic() - window:.2f}s (every 0.2s)"

        config.write_text(yaml.safe_dump(config_document(tmp_path, refresh="30m")))
        process.send_signal(signal.SIGHUP)
        notify.until(lambda m: "RELOADING=1" in m, 10)
        assert any("MONOTONIC_USEC=" in m for m in notify.received if "RELOADING=1" in m)
        notify.until(lambda m: "READY=1" in m, 10)

        config.write_text("server_name: [unclosed\n")
        process.send_signal(signal.SIGHUP)
        notify.until(lambda m: "RELOADING=1" in m, 10)
        notify.until(lambda m: "READY=1" in m and "reload rejected" in m, 10)
        assert process.poll() is None

        process.send_signal(signal.SIGTERM)
        notify.until(lambda m: "STOPPING=1" in m, 10)
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
        notify.close()
    text = log.read_text()
    assert "configuration reloaded: 0 added, 0 removed, 1 changed, 1 unchanged" in text
    assert "reload rejected, the running configuration stays" in text
    order = [m.split("\n")[0] for m in notify.received if not m.startswith(("WATCHDOG", "STATUS"))]
    assert order[0].startswith("READY=1") and order[-1].startswith("STOPPING=1")


def test_sigterm_exits_0_within_the_shutdown_budget_even_with_a_hung_connector(tmp_path):
    document = config_document(tmp_path)
    document["shutdown_timeout"] = "2s"
    document["services"][0]["connectors"].append(
        {"name": "stuck", "connector": RECORDING, "refresh": "1h", "configuration_properties": {"block_refresh": True}}
    )
    config = tmp_path / "daemon.yaml"
    config.write_text(yaml.safe_dump(document))
    notify = Datagrams(tmp_path / "notify.sock")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NOTIFY_SOCKET": str(notify.path)}
    process = subprocess.Popen([sys.executable, "-m", "daemon", "run", str(config)], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        notify.until(lambda m: "READY=1" in m, 30)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0
        elapsed = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
        notify.close()
    print(f"SIGTERM with a connector hung in refresh: exit 0 after {elapsed:.2f}s (budget 2s)")
    assert elapsed < 2.0 + 3.0
