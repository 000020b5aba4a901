"""End to end: the quickstart config in a real daemon process catalogues a folder and keeps it in step."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "e2e-token"
STORE = "/servers/quickstart-metadata/open-metadata/access-services/open-metadata-store/users/tester"


@pytest.fixture
def quickstart(tmp_path):
    env = dict(os.environ)
    env.update(
        QUICKSTART_DIR=str(tmp_path / "qs"),
        ADMIN_PORT=str(free_port()),
        METADATA_PORT=str(free_port()),
        METADATA_TOKEN=TOKEN,
        REFRESH="300ms",
        PYTHONPATH=str(ROOT),
    )
    landing = tmp_path / "qs" / "landing"
    landing.mkdir(parents=True)
    (landing / "orders.csv").write_text("id,amount\n1,10\n")
    (landing / "raw").mkdir()
    (landing / "raw" / "events.json").write_text("{}")
    log = open(tmp_path / "daemon.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "daemon", "run", str(ROOT / "conf" / "quickstart.yaml")],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{env['METADATA_PORT']}{STORE}"
    try:
        yield process, landing.resolve(), base, f"http://127.0.0.1:{env['ADMIN_PORT']}"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        log.close()


def call(method: str, url: str, body: dict | None = None) -> dict:
    try:
        response = requests.request(method, url, json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        return response.json()
    except requests.RequestException:
        return {}


def catalogue(base: str, type_name: str, prefix: Path, for_lineage: bool = False) -> dict[str, dict]:
    """Elements of ``type_name`` whose qualifiedName is under ``prefix``, by qualifiedName."""
    body = {
        "class": "FindRequestBody",
        "metadataElementTypeName": type_name,
        "searchProperties": {"conditions": [{
            "property": "qualifiedName", "operator": "LIKE",
            "value": {"class": "PrimitiveTypePropertyValue", "typeName": "string", "primitiveValue": f"{prefix}.*"},
        }]},
        "forLineage": for_lineage,
        "pageSize": 100,
    }
    elements = call("POST", f"{base}/metadata-elements/by-search-conditions", body).get("elements") or []
    return {e["elementProperties"]["propertyValueMap"]["qualifiedName"]["primitiveValue"]: e for e in elements}


def prop(element: dict, name: str):
    return element["elementProperties"]["propertyValueMap"][name]["primitiveValue"]


def test_the_quickstart_catalogues_a_folder_and_keeps_it_in_step(quickstart):
    process, landing, base, admin = quickstart
    orders, events = landing / "orders.csv", landing / "raw" / "events.json"

    files = wait_until(lambda: (f := catalogue(base, "DataFile", landing)) and len(f) == 2 and f, 30, "two files")
    folders = catalogue(base, "FileFolder", landing)
    assert set(folders) == {str(landing), str(landing / "raw")}
    csv = files[str(orders)]
    assert csv["type"]["typeName"] == "CSVFile" and "DataFile" in csv["type"]["superTypeNames"]
    assert (prop(csv, "fileName"), prop(csv, "fileExtension"), prop(csv, "fileType")) == ("orders.csv", "csv", "CSV")
    assert prop(csv, "pathName") == str(orders)
    assert csv["versions"]["createdBy"] == "quickstart-npa"
    assert csv["origin"]["originCategory"] == "EXTERNAL_SOURCE"
    assert csv["origin"]["homeMetadataCollectionName"] == "quickstart-landing-files"
    assert files[str(events)]["type"]["typeName"] == "JSONFile"
    first_version = csv["versions"]["version"]

    # An unchanged file is not written again, however many refreshes pass.
    status_url = f"{admin}/servers/quickstart-daemon/open-metadata/integration-daemon/status"
    def refreshes() -> int:
        summaries = call("GET", status_url).get("integrationDaemonStatus", {}).get("integrationServiceSummaries", [])
        return sum(r.get("refreshCount", 0) for s in summaries for r in s["integrationConnectorReports"])
    seen = refreshes()
    wait_until(lambda: refreshes() >= seen + 3, 30, "three more refreshes")
    assert catalogue(base, "DataFile", landing)[str(orders)]["versions"]["version"] == first_version

    # A modified file is updated; a new file is created; a deleted one is archived.
    orders.write_text("id,amount\n1,10\n2,20\n")
    os.utime(orders, (time.time() + 5, time.time() + 5))
    (landing / "raw" / "more.parquet").write_bytes(b"PAR1")
    events.unlink()
    def settled():
        now = catalogue(base, "DataFile", landing)
        return (
            str(events) not in now and str(landing / "raw" / "more.parquet") in now
            and now[str(orders)]["versions"]["version"] > first_version and now
        )
    now = wait_until(settled, 30, "the catalogue to follow the changes")
    assert now[str(orders)]["elementProperties"]["propertyValueMap"]["additionalProperties"]
    assert now[str(landing / "raw" / "more.parquet")]["type"]["typeName"] == "ParquetFile"
    archived = catalogue(base, "DataFile", landing, for_lineage=True)
    assert str(events) in archived
    assert any(c["classificationName"] == "Memento" for c in archived[str(events)]["classifications"])

    # The nesting relationships link files to their folder.
    related = call("POST", f"{base}/related-elements/{now[str(landing / 'raw' / 'more.parquet')]['elementGUID']}/any-type", {})
    kinds = {r["type"]["typeName"] for r in related.get("elementList", [])}
    assert "NestedFile" in kinds

    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0
