"""The glossary export connector: catch-up on refresh, then one page per Out Topic event."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon import SynchronizationRefused
from daemon.testing import ConnectorHarness, make_event
from example_connectors.glossary_export import GlossaryExportConnector

TERM = {"qualifiedName": "glossary::customer", "displayName": "Customer", "summary": "Someone who buys."}


def harness(folder: Path) -> ConnectorHarness:
    return ConnectorHarness(
        GlossaryExportConnector, endpoint=str(folder), permitted_synchronization="TO_THIRD_PARTY"
    )


def test_it_listens_for_glossary_terms(tmp_path: Path) -> None:
    with harness(tmp_path / "wiki") as h:
        h.start()
        assert [listener.type_names for listener in h.listeners] == [("GlossaryTerm",)]


def test_refresh_writes_a_page_per_term_and_removes_stale_pages(tmp_path: Path) -> None:
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    (wiki / "stale.md").write_text("# Gone\n")
    with harness(wiki) as h:
        h.steward.create("GlossaryTerm", TERM)
        h.start()
        h.refresh()
    assert sorted(p.name for p in wiki.iterdir()) == ["glossary-customer.md"]
    assert (wiki / "glossary-customer.md").read_text() == "# Customer\n\nSomeone who buys.\n"


def test_events_update_and_remove_pages(tmp_path: Path) -> None:
    wiki = tmp_path / "wiki"
    with harness(wiki) as h:
        h.start()
        h.deliver(make_event("NEW_ELEMENT_CREATED", "GlossaryTerm", TERM))
        assert (wiki / "glossary-customer.md").exists()
        h.deliver(make_event("ELEMENT_DELETED", "GlossaryTerm", TERM))
        assert not (wiki / "glossary-customer.md").exists()


def test_a_term_a_steward_creates_reaches_the_wiki_through_the_out_topic(tmp_path: Path) -> None:
    wiki = tmp_path / "wiki"
    with harness(wiki) as h:
        h.start()
        h.steward.create("GlossaryTerm", TERM)
        h.steward.create("DataSet", {"qualifiedName": "not-a-term"})
        delivered = h.deliver_new_events()
        assert [e.element_header.type.type_name for e in delivered if e.element_header] == ["GlossaryTerm"]
    assert (wiki / "glossary-customer.md").read_text().startswith("# Customer")


def test_it_may_not_write_open_metadata(tmp_path: Path) -> None:
    with harness(tmp_path / "wiki") as h:
        h.start()
        with pytest.raises(SynchronizationRefused):
            h.context.metadata.create("GlossaryTerm", TERM)
        assert h.catalogue("GlossaryTerm") == []
