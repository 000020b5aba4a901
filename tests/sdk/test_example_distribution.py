"""The tutorial's plug-in distribution, built and installed into this environment, found and run by the daemon.

``example_dist`` is the tutorial's code (daemon/connectors/TUTORIAL.md); ``broken_dist`` declares
entry points that cannot be used. Both are installed with pip for this module and uninstalled after.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon.app import Daemon
from daemon.config import load_config, parse_config
from daemon.connectors.loading import LoadRecord, LoadStatus, discover_connectors
from daemon.metadata import MetadataClient
from daemon.states import ConnectorReport, ConnectorStatus
from daemon.testing import Catalogue
from tests.conftest import free_port, wait_until

HERE = Path(__file__).resolve().parent
EXAMPLE, BROKEN = HERE / "example_dist", HERE / "broken_dist"
DISTRIBUTIONS = ("example-connectors", "broken-connectors")
PACKAGES = ("example_connectors", "broken_connectors")
TOKEN = "sdk-test-token"


def pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240)
    if done.returncode != 0:
        pytest.fail(f"pip {' '.join(args)} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def forget_packages() -> None:
    for module in [m for m in sys.modules if m.partition(".")[0] in PACKAGES]:
        del sys.modules[module]
    importlib.invalidate_caches()


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Both distributions installed (from copies, so builds leave nothing in the source tree); their copies' folder."""
    import setuptools

    major, minor = (int(part) for part in setuptools.__version__.split(".")[:2])
    if (major, minor) < (70, 1):
        pytest.fail(f"building a wheel without build isolation needs setuptools>=70.1 here, found {setuptools.__version__}")
    work = tmp_path_factory.mktemp("dists")
    junk = shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".pytest_cache")
    copies = [shutil.copytree(source, work / source.name, ignore=junk) for source in (EXAMPLE, BROKEN)]
    pip("install", "--no-deps", "--no-build-isolation", "--no-index", *map(str, copies))
    forget_packages()
    try:
        yield work
    finally:
        pip("uninstall", "--yes", *DISTRIBUTIONS)
        forget_packages()


@pytest.fixture
def run_daemon() -> Iterator[list[Daemon]]:
    started: list[Daemon] = []
    yield started
    for daemon in started:
        daemon.stop()


def records_by_name() -> dict[str, LoadRecord]:
    return {record.name: record for record in discover_connectors()}


def report(daemon: Daemon, name: str) -> ConnectorReport:
    assert daemon.control is not None
    return next(r for r in daemon.control.reports() if r.name == name)


def settled(daemon: Daemon, name: str, timeout: float = 15.0) -> ConnectorReport:
    """The connector's report once it has left the start-up states (it may then be waiting or failed)."""
    starting = {ConnectorStatus.INITIALIZED, ConnectorStatus.REFRESHING}
    found = wait_until(lambda: (r := report(daemon, name)).status not in starting and r, timeout, f"{name} to settle")
    assert isinstance(found, ConnectorReport)
    return found


def tutorial_environment(folder: Path) -> dict[str, str]:
    return {"EXAMPLE_DIR": str(folder), "ADMIN_PORT": str(free_port()), "METADATA_TOKEN": TOKEN}


def write_inventory(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    datasets = [{"name": "orders", "description": "One row per order", "owner": "sales"}]
    (folder / "inventory.json").write_text(json.dumps({"datasets": datasets}))


def test_discovery_finds_the_installed_example_connectors_by_entry_point(dists: Path) -> None:
    records = records_by_name()
    assert records["inventory"] == LoadRecord(
        "inventory", "example-connectors 0.1.0", "example_connectors.inventory:InventoryConnector", LoadStatus.LOADED
    )
    assert records["glossary-export"].status is LoadStatus.LOADED
    assert records["folder"].status is LoadStatus.LOADED  # the daemon's own connector is still there
    module = importlib.import_module("example_connectors")
    assert module.__file__ is not None and HERE not in Path(module.__file__).parents  # the installed copy


def test_broken_entry_points_become_failed_load_records_with_their_reason(dists: Path) -> None:
    records = records_by_name()
    missing, wrong = records["missing-module"], records["not-a-connector"]
    assert (missing.status, missing.distribution) == (LoadStatus.FAILED, "broken-connectors 0.0.1")
    assert "No module named 'broken_connectors.gone'" in missing.reason
    assert wrong.status is LoadStatus.FAILED and "is not a subclass of daemon.Connector" in wrong.reason
    assert "FAILED: " in wrong.describe()
    assert records["inventory"].status is LoadStatus.LOADED


def test_the_tutorial_config_runs_the_passive_example_in_a_daemon(dists: Path, tmp_path: Path, run_daemon: list[Daemon]) -> None:
    environ = tutorial_environment(tmp_path)
    write_inventory(tmp_path)
    config = load_config(EXAMPLE / "daemon.yaml", environ=environ)
    daemon = Daemon(config).start()
    run_daemon.append(daemon)

    inventory = settled(daemon, "sales-inventory")
    assert inventory.status is ConnectorStatus.WAITING, inventory.last_error
    assert daemon.metadata_server is not None
    client = MetadataClient(daemon.metadata_url, config.metadata_server.server_name, "tester", token=TOKEN)
    with client:
        catalogue = Catalogue(client, daemon.metadata_server.store)
        catalogue.assert_catalogued("sales::orders", "DataSet", {"description": "One row per order"},
                                    metadata_source="sales-inventory")

    status = subprocess.run(
        [sys.executable, "-m", "daemon", "status", "--config", str(EXAMPLE / "daemon.yaml"), "--json"],
        capture_output=True, text=True, timeout=60, env={**os.environ, **environ},
    )
    assert status.returncode == 0, status.stderr
    reports = [r for s in json.loads(status.stdout)["integrationDaemonStatus"]["integrationServiceSummaries"]
               for r in s["integrationConnectorReports"]]
    assert {"connectorName": "sales-inventory", "connectorStatus": "WAITING"}.items() <= next(
        r for r in reports if r["connectorName"] == "sales-inventory"
    ).items()


def test_connectors_naming_broken_entry_points_are_config_failed_and_the_rest_runs(
    dists: Path, tmp_path: Path, run_daemon: list[Daemon]
) -> None:
    write_inventory(tmp_path)
    connectors = [
        {"name": "sales-inventory", "connector": "inventory", "endpoint": str(tmp_path / "inventory.json")},
        {"name": "gone", "connector": "missing-module"},
        {"name": "wrong", "connector": "not-a-connector"},
    ]
    config = parse_config({
        "server_name": "sdk-daemon",
        "state_directory": str(tmp_path / "state"),
        "metadata_server": {"server_name": "sdk-metadata", "database": str(tmp_path / "metadata.db")},
        "admin": {"port": 0},
        "services": [{"url_marker": "catalog-integrator", "connectors": connectors}],
    }, environ={})
    daemon = Daemon(config).start()
    run_daemon.append(daemon)

    gone, wrong = settled(daemon, "gone"), settled(daemon, "wrong")
    assert gone.status is ConnectorStatus.CONFIG_FAILED and "No module named 'broken_connectors.gone'" in str(gone.last_error)
    assert wrong.status is ConnectorStatus.CONFIG_FAILED and "not a subclass of daemon.Connector" in str(wrong.last_error)
    assert settled(daemon, "sales-inventory").status is ConnectorStatus.WAITING


def test_the_tutorial_config_runs_the_outbound_example_and_out_topic_events_reach_its_folder(
    dists: Path, tmp_path: Path, run_daemon: list[Daemon]
) -> None:
    write_inventory(tmp_path)
    config = load_config(EXAMPLE / "daemon.yaml", environ=tutorial_environment(tmp_path))
    daemon = Daemon(config).start()
    run_daemon.append(daemon)
    wiki = settled(daemon, "glossary-wiki")
    assert wiki.status is ConnectorStatus.WAITING, wiki.last_error

    term = {"qualifiedName": "glossary::customer", "displayName": "Customer", "summary": "Someone who buys."}
    with MetadataClient(daemon.metadata_url, config.metadata_server.server_name, "steward", token=TOKEN) as steward:
        steward.create_element("GlossaryTerm", term)
    page = tmp_path / "wiki" / "glossary-customer.md"
    wait_until(page.exists, 15.0, "the new term's page")
    assert page.read_text() == "# Customer\n\nSomeone who buys.\n"


def test_the_example_distribution_s_own_tests_pass_against_the_installed_package(dists: Path) -> None:
    project = dists / EXAMPLE.name
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(project),
               "-c", str(project / "pyproject.toml"), str(project / "tests")]
    # run from outside the project folder, so that `example_connectors` is the installed package
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, cwd=dists.parent)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert re.search(r"^9 passed", done.stdout, re.MULTILINE), done.stdout
