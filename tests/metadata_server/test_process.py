"""The metadata server as its own process: serves until SIGTERM, then exits 0."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import requests

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
