"""The connector author's public API, pinned: a change here is an API change (and a changelog entry).

As httpx does: ``__all__`` is exactly the list below, sorted, and every public name the
package namespace holds (submodules aside) is in it, so nothing is public by accident.
"""

from __future__ import annotations

import importlib.resources
import types

import pytest

import daemon
import daemon.testing

DAEMON_API = [
    "ActivityReport",
    "Connector",
    "ConnectorConfigError",
    "ConnectorContext",
    "ConnectorError",
    "ConnectorLoadError",
    "ConnectorStatus",
    "DaemonError",
    "Element",
    "EventType",
    "InvalidParameterError",
    "MetadataError",
    "MetadataUnreachable",
    "OpenMetadataOutTopicEvent",
    "OpenMetadataStore",
    "PermittedSynchronization",
    "PropertyServerError",
    "SynchronizationRefused",
    "TechnologyMessage",
    "UpsertResult",
    "UserNotAuthorizedError",
]

TESTING_API = [
    "Catalogue",
    "ConnectorHarness",
    "ManualClock",
    "TechnologyMessage",
    "make_event",
    "make_header",
    "make_message",
]


#: Exported names still waiting for a docstring; the test fails once one has it, to keep this list honest.
UNDOCUMENTED: set[str] = set()


def public_names(module: types.ModuleType) -> list[str]:
    """Names in the module's namespace that look public, submodules aside."""
    return sorted(
        (name for name, value in vars(module).items()
         if not name.startswith("_") and not isinstance(value, types.ModuleType) and name != "annotations"),
    )


@pytest.mark.parametrize(("module", "expected"), [(daemon, DAEMON_API), (daemon.testing, TESTING_API)])
def test_the_package_exports_exactly_the_pinned_names_in_sorted_order(module: types.ModuleType, expected: list[str]) -> None:
    assert module.__all__ == expected
    assert module.__all__ == sorted(module.__all__)


@pytest.mark.parametrize("module", [daemon, daemon.testing])
def test_every_public_name_in_the_namespace_is_exported(module: types.ModuleType) -> None:
    assert public_names(module) == module.__all__


@pytest.mark.parametrize("module", [daemon, daemon.testing])
def test_every_exported_name_exists_is_documented_and_comes_from_the_package(module: types.ModuleType) -> None:
    for name in module.__all__:
        value = getattr(module, name)
        assert getattr(value, "__module__", "").startswith("daemon."), f"{name} is re-exported from outside the package"
        documented = bool((value.__doc__ or "").strip())
        assert documented != (name in UNDOCUMENTED), f"{name}: documented={documented}; update UNDOCUMENTED"


def test_star_import_gives_exactly_the_exported_names() -> None:
    namespace: dict[str, object] = {}
    exec("from daemon import *", namespace)
    assert sorted(n for n in namespace if n != "__builtins__") == sorted(daemon.__all__)


def test_the_package_ships_py_typed_so_type_checkers_read_its_annotations() -> None:
    assert importlib.resources.files("daemon").joinpath("py.typed").is_file()
