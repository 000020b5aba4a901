"""Stale-element removal and its fail-safe: the policy, the sweep, and the folder connector's scope."""

from __future__ import annotations

import pytest

from daemon.connectors.helpers import FilesHelper
from daemon.errors import ConnectorError
from daemon.integrations._options import Filter, flag, patterns, share
from daemon.integrations.stale import StalePolicy, StaleSweep
from tests.integrations.conftest import connected_context, connector, unique


@pytest.mark.parametrize(
    ("stale", "candidates", "policy", "allowed"),
    [
        (2, 10, StalePolicy(), True),  # 20 %: at the limit
        (3, 10, StalePolicy(), False),
        (1, 2, StalePolicy(), True),  # the allowance: one element may always go
        (2, 2, StalePolicy(allowance=0), False),
        (9, 10, StalePolicy(max_share=0.9), True),
        (10, 10, StalePolicy(override=True), True),
    ],
)
def test_the_policy_allows_at_most_the_configured_share_unless_overridden(stale, candidates, policy, allowed):
    assert (policy.refusal(stale, candidates) is None) is allowed


def test_a_refusal_says_how_much_would_go_and_what_to_do():
    reason = StalePolicy().refusal(9, 21)
    assert reason is not None
    assert "9 of 21" in reason and "43%" in reason and "override_stale_limit: true" in reason


@pytest.mark.parametrize(("text", "value"), [("false", False), ("TRUE", True), ("no", False), (1, True), (False, False)])
def test_flags_read_egeria_style_strings(text, value):
    assert flag(text) is value


@pytest.mark.parametrize(("text", "value"), [(0.2, 0.2), ("20%", 0.2), ("0.5", 0.5), (1, 1.0)])
def test_shares_are_fractions_or_percentages(text, value):
    assert share(text) == pytest.approx(value)


@pytest.mark.parametrize("bad", [20, "-1%", "a lot", True])
def test_a_share_outside_zero_to_one_is_refused(bad):
    with pytest.raises(ValueError):
        share(bad)


def test_patterns_come_as_lists_or_comma_separated_text_and_filter_by_glob():
    assert patterns("a*, b ,") == ("a*", "b")
    keep = Filter(patterns(["sales.*", "orders"]), ["*.tmp_*"])
    assert keep("sales.x", "x") and keep("public.orders", "orders")
    assert not keep("sales.tmp_1", "tmp_1") and not keep("public.other", "other")


@pytest.fixture
def tree(metadata_server, tmp_path):
    """A folder of four files catalogued by a FilesHelper; returns the context, helper and folder."""
    context = connected_context(metadata_server, unique("sweep"))
    files = FilesHelper(context.metadata)
    for i in range(4):
        (tmp_path / f"f{i}.txt").write_text(str(i))
    files.begin_refresh(tmp_path)
    folder = files.folder(tmp_path)
    for i in range(4):
        files.file(tmp_path / f"f{i}.txt", folder)
    context.take_activity()
    return context, files, tmp_path


def sweep_seeing(context, files: FilesHelper, root, names, **options) -> StaleSweep:
    """Run a refresh that sees only ``names`` (file names under ``root``) and returns its sweep."""
    files.begin_refresh(root)
    with StaleSweep(context, files, options.pop("policy", StalePolicy()), **options) as sweep:
        folder = files.folder(root)
        for name in names:
            files.file(root / name, folder)
    return sweep


def test_a_complete_refresh_archives_what_it_no_longer_sees(tree):
    context, files, root = tree
    sweep = sweep_seeing(context, files, root, ["f0.txt", "f1.txt", "f2.txt"])
    assert sweep.outcome.archived == (str(root / "f3.txt"),)
    assert context.metadata.get_by_qualified_name(str(root / "f3.txt")) is None
    assert str(root / "f3.txt") not in files.owned()


def test_a_refresh_with_errors_archives_nothing_and_counts_the_refusal(tree):
    context, files, root = tree
    files.begin_refresh(root)
    with StaleSweep(context, files, StalePolicy()) as sweep:
        files.file(root / "f0.txt", files.folder(root))
        sweep.failed("f1.txt could not be read")
    assert sweep.outcome.archived == () and "f1.txt could not be read" in sweep.outcome.refused
    assert context.take_activity().refused == 3
    assert context.metadata.get_by_qualified_name(str(root / "f3.txt")) is not None


def test_a_refresh_that_raised_archives_nothing_and_lets_the_error_through(tree):
    context, files, root = tree
    files.begin_refresh(root)
    with pytest.raises(ConnectorError):
        with StaleSweep(context, files, StalePolicy()) as sweep:
            raise ConnectorError("the technology went away")
    assert sweep.outcome.archived == () and "went away" in sweep.outcome.refused
    assert all(context.metadata.get_by_qualified_name(str(root / f"f{i}.txt")) for i in range(4))


def test_elements_outside_the_scope_are_never_archived(tree):
    context, files, root = tree
    sweep = sweep_seeing(
        context, files, root, ["f0.txt"], in_scope=lambda e: not (e.qualified_name or "").endswith(("f1.txt", "f2.txt"))
    )
    assert sweep.outcome.archived == (str(root / "f3.txt"),)
    assert context.metadata.get_by_qualified_name(str(root / "f1.txt")) is not None


def test_a_failed_write_makes_the_refresh_incomplete_and_cools_the_index(tree, metadata_server):
    context, files, root = tree
    (root / "theirs.csv").write_text("n")
    other = FilesHelper(connected_context(metadata_server, unique("other")).metadata)
    other.file(root / "theirs.csv", other.folder(root / "elsewhere"))  # another source catalogued it first
    files.begin_refresh(root)
    with StaleSweep(context, files, StalePolicy(override=True)) as sweep:
        folder = files.folder(root)
        with sweep.guard("theirs.csv"):
            files.file(root / "theirs.csv", folder)  # the metadata server refuses: the name is taken
    assert not sweep.complete and "theirs.csv" in sweep.outcome.refused
    assert sweep.outcome.archived == ()
    loads = files.known.loads
    files.begin_refresh(root)
    assert files.known.loads == loads + 1  # read again at the next refresh, though it would be warm


def test_hidden_files_catalogued_earlier_are_out_of_scope_once_hidden_files_are_excluded(run_daemon, tmp_path):
    root, name = tmp_path / "landing", unique("folder")
    root.mkdir()
    (root / ".hidden.csv").write_text("h")
    (root / "seen.csv").write_text("s")
    first = run_daemon("files-integrator", connector(name, "folder", str(root), name, include_hidden=True))
    assert first.refreshed(name, 1).last_activity.created == 3
    first.daemon.stop()

    second = run_daemon("files-integrator", connector(name, "folder", str(root), name, include_hidden="false"))
    activity = second.refreshed(name, 1).last_activity
    assert (activity.archived, activity.refused, activity.skipped) == (0, 0, 2)
    assert str(root / ".hidden.csv") in second.elements("DataFile", str(root))
