"""The metadata server as its own process: serves until SIGTERM, then exits 0; 1 if it stops serving on its own."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import requests

from daemon.config import StandaloneMetadataServerConfig
from daemon.metadata_server import MetadataServer
from daemon.metadata_server.process import _serve_until_stopped, run_metadata_server
from daemon.signals import SignalInbox
from tests.conftest import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import logging, sys
    from daemon.config import StandaloneMetadataServerConfig
    from daemon.config.model import TokenGrant
    from daemon.config.types import Secret
    from daemon.metadata_server.process import run_metadata_server

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    config = StandaloneMetadataServerConfig(
        server_name="mds1", port=0, database=sys.argv[1], tokens=(TokenGrant(Secret("t"), ("*",)),)
    )
    sys.exit(run_metadata_server(config))
    """
)


def test_the_standalone_server_serves_until_sigterm_and_exits_zero(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "db" / "m.db")],
        stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        url = None
        assert process.stderr is not None
        for line in process.stderr:  # the log line announcing the address is the readiness signal
            found = re.search(r"listening on (http://\S+)", line)
            if found:
                url = found.group(1)
                break
        assert url, "the server never said where it listens"
        base = f"{url}/servers/mds1/open-metadata/access-services/open-metadata-store/users/u"
        answer = requests.post(f"{base}/metadata-elements/by-search-conditions", json={},
                               headers={"Authorization": "Bearer t"}, timeout=5)
        assert answer.json()["class"] == "OpenMetadataElementsResponse"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert "stopped" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


def test_a_sigterm_the_kernel_hands_to_another_thread_still_stops_the_server_cleanly(tmp_path):
    port = free_port()
    config = StandaloneMetadataServerConfig(server_name="mds1", port=port, database=str(tmp_path / "m.db"))
    health: list[int] = []
    handler = signal.getsignal(signal.SIGTERM)

    def request_stop() -> None:
        health.append(wait_until(lambda: _health(port), 10, "the server answering").status_code)
        signal.pthread_kill(threading.get_ident(), signal.SIGTERM)  # handled here, not on the main thread

    stopper = threading.Thread(target=request_stop)
    stopper.start()
    try:
        assert run_metadata_server(config) == 0
    finally:
        stopper.join(10)
    assert health == [200]
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    assert signal.getsignal(signal.SIGTERM) is handler


def test_a_serving_loop_that_ends_without_a_signal_ends_the_process_with_1(tmp_path):
    server = MetadataServer(tmp_path / "m.db", server_name="mds1").start()
    with SignalInbox({signal.SIGUSR1}) as inbox:
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        try:
            assert _serve_until_stopped(server, inbox, "mds1") == 1
        finally:
            stopper.join(10)
    assert not server.serving


def _health(port: int) -> requests.Response | None:
    try:
        return requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
    except requests.ConnectionError:
        return None
