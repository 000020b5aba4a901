"""An outbound connector: publishes the glossary as one Markdown page per term.

The technology is a folder that a wiki or a static site serves. At start the connector
registers a listener for ``GlossaryTerm`` events; each event rewrites or removes one
page. ``refresh()`` rewrites every page from open metadata (a full catch-up), so the
folder is right even after the connector missed events.

Permitted synchronization ``TO_THIRD_PARTY``: it reads open metadata and writes only to
the folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from attrs import frozen

from daemon import Connector, ConnectorContext, ConnectorError
from daemon.model import EventType, OpenMetadataOutTopicEvent

REMOVING = {EventType.ELEMENT_DELETED, EventType.ELEMENT_ARCHIVED}


@frozen
class GlossaryExportConfig:
    """The connector's ``configuration_properties``."""

    create_folder: bool = True


def page_name(qualified_name: str) -> str:
    """The file name of a term's page: its qualifiedName with anything unsafe replaced."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", qualified_name).strip("-") + ".md"


def render(properties: dict[str, Any]) -> str:
    """A term's page."""
    title = properties.get("displayName") or properties["qualifiedName"]
    parts = [f"# {title}", properties.get("summary", ""), properties.get("description", "")]
    return "\n\n".join(part for part in parts if part) + "\n"


class GlossaryExportConnector(Connector):
    """Writes ``{folder}/{page_name(qualifiedName)}`` for every glossary term."""

    config_class = GlossaryExportConfig

    def start(self, context: ConnectorContext) -> None:
        super().start(context)
        self.folder = self._folder()
        context.register_listener(type_names=["GlossaryTerm"])

    def refresh(self) -> None:
        wanted = {}
        for term in self.context.metadata.find("GlossaryTerm"):
            wanted[page_name(term.qualified_name or term.guid)] = render(dict(term.properties))
        for name, text in wanted.items():
            self._write(name, text)
        for page in self.folder.glob("*.md"):
            if page.name not in wanted:
                page.unlink()

    def on_event(self, event: OpenMetadataOutTopicEvent) -> None:
        properties = dict(event.element_properties or {})
        if "qualifiedName" not in properties:
            return
        name = page_name(properties["qualifiedName"])
        if event.event_type in REMOVING:
            (self.folder / name).unlink(missing_ok=True)
        else:
            self._write(name, render(properties))

    def _folder(self) -> Path:
        if not self.context.endpoint:
            raise ConnectorError("set endpoint to the folder to write pages into", self.context.name)
        folder = Path(self.context.endpoint)
        config: GlossaryExportConfig = self.context.config
        if config.create_folder:
            folder.mkdir(parents=True, exist_ok=True)
        if not folder.is_dir():
            raise ConnectorError(f"{folder} is not a folder", self.context.name)
        return folder

    def _write(self, name: str, text: str) -> None:
        page = self.folder / name
        if not page.exists() or page.read_text(encoding="utf-8") != text:
            page.write_text(text, encoding="utf-8")
