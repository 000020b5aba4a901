"""kill -9 and SIGTERM of a daemon process while it consumes sequenced events: nothing is
lost, duplicates stay within the in-flight limit per kill, a clean stop duplicates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 5000
KILLS = 3
IN_FLIGHT = 100  # per connector; also the commit cadence
BUFFERED = 400


def write_config(tmp_path: Path, bus, record_file: Path, work_ms: int = 0) -> Path:
    settings = bus.settings()
    settings["event_bus"].update(max_in_flight_per_connector=IN_FLIGHT, max_buffered=BUFFERED, commit_interval="200ms")
    document = {
        "server_name": "crash-daemon",
        "admin": {"port": 0},
        "logging": {"level": "WARNING"},
        "shutdown_timeout": "10s",
        **settings,
        "services": [{"url_marker": "catalog-integrator", "connectors": [{
            "name": "recorder",
            "connector": "tests.topics.connectors:Listening",
            "refresh": 0,
            "configuration_properties": {"record_file": str(record_file), "type_names": ["DataFile"],
                                         "work_ms": work_ms},
        }]}],
    }
    path = tmp_path / "daemon.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def start(config: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "daemon", "run", str(config)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_kill_minus_9_loses_nothing_and_duplicates_stay_bounded(bus, tmp_path):
    record = tmp_path / "received.txt"
    config = write_config(tmp_path, bus, record, work_ms=1)  # ~5 s of work: every kill lands mid-stream
    expected = [f"seq-{i:05d}" for i in range(EVENTS)]
    for name in expected:
        bus.emit("DataFile", name)
    if hasattr(bus, "flush"):
        bus.flush()
    for kill in range(KILLS):
        process = start(config, tmp_path / "daemon.log")
        seen = len(lines(record))
        wait_until(lambda: len(lines(record)) >= seen + 300 or process.poll() is not None, 60,
                   f"progress before kill {kill + 1}")
        assert process.poll() is None, (tmp_path / "daemon.log").read_text()[-3000:]
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    process = start(config, tmp_path / "daemon.log")
    try:
        wait_until(lambda: set(lines(record)) >= set(expected), 120, "every event after the kills")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    got = lines(record)
    missing = set(expected) - set(got)
    duplicates = len(got) - len(set(got))
    print(f"{bus.kind}: {len(got)} deliveries of {EVENTS} events after {KILLS} kills: "
          f"{len(missing)} missing, {duplicates} duplicates (bound {BUFFERED * KILLS})")
    assert not missing
    assert duplicates <= BUFFERED * KILLS
    positions = [got.index(name) for name in expected[:50]]
    assert positions == sorted(positions)  # the first run delivered in order


def test_sigterm_under_load_exits_0_and_a_restart_duplicates_nothing(bus, tmp_path):
    record = tmp_path / "received.txt"
    config = write_config(tmp_path, bus, record, work_ms=2)  # each event takes a moment: a stop finds work
    expected = [f"seq-{i:05d}" for i in range(3000)]
    for name in expected:
        bus.emit("DataFile", name)
    if hasattr(bus, "flush"):
        bus.flush()
    process = start(config, tmp_path / "daemon.log")
    wait_until(lambda: len(lines(record)) >= 300 or process.poll() is not None, 60, "progress before SIGTERM")
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    stopped_at = len(lines(record))
    assert stopped_at < len(expected), "stopped after everything was consumed: no load at the time of the stop"
    process = start(config, tmp_path / "daemon.log")
    try:
        wait_until(lambda: len(set(lines(record))) >= len(expected), 120, "every event after the restart")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    got = lines(record)
    assert set(got) == set(expected)
    assert len(got) == len(expected), f"{len(got) - len(set(got))} duplicates after a clean stop"
