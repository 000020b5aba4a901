"""The folder connector: catalogues a folder tree as FileFolder and DataFile elements.

Passive, ``files-integrator``, FROM_THIRD_PARTY. Config::

    - name: landing-area
      connector: folder                 # entry point, or daemon.integrations.files:FolderConnector
      endpoint: /data/landing           # the folder to catalogue
      metadata_source: landing-files    # owns what it creates (recommended)
      refresh: 30s
      configuration_properties:
        include_hidden: false           # catalogue dot-files and dot-folders
        recursive: true                 # descend into sub-folders
        create: false                   # create the folder if it does not exist

Each refresh walks the tree and brings open metadata in step: folders become
``FileFolder`` (linked by ``FolderHierarchy``), files become ``DataFile`` or a subtype
chosen by extension (``CSVFile``, ``JSONFile``, ...) linked to their folder by
``NestedFile``, with ``pathName``, ``fileName``, ``fileType``, ``fileExtension``,
``storeUpdateTime`` (modification time) and the size in ``additionalProperties.fileSize``.
Unchanged files cost no write; changed files are updated; files and folders that
disappeared are archived. ``qualifiedName`` is the absolute path.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from attrs import frozen

from daemon.connectors import Connector
from daemon.errors import ConnectorError
from daemon.model.element import Element

__all__ = ["FolderConfig", "FolderConnector", "file_type_for"]

_TYPE_BY_EXTENSION = {
    "csv": ("CSVFile", "CSV"),
    "tsv": ("CSVFile", "TSV"),
    "json": ("JSONFile", "JSON"),
    "jsonl": ("JSONFile", "JSON Lines"),
    "avro": ("AvroFile", "Avro"),
    "parquet": ("ParquetFile", "Parquet"),
    "xml": ("XMLFile", "XML"),
    "log": ("LogFile", "Log"),
    "xls": ("SpreadsheetFile", "Spreadsheet"),
    "xlsx": ("SpreadsheetFile", "Spreadsheet"),
    "ods": ("SpreadsheetFile", "Spreadsheet"),
    "pdf": ("Document", "PDF"),
    "doc": ("Document", "Word"),
    "docx": ("Document", "Word"),
    "md": ("Document", "Markdown"),
    "txt": ("DataFile", "Text"),
}


def file_type_for(path: Path) -> tuple[str, str, str]:
    """(open metadata type name, logical file type, extension) for a file path."""
    extension = path.suffix[1:].lower()
    type_name, file_type = _TYPE_BY_EXTENSION.get(extension, ("DataFile", extension.upper() or "File"))
    return type_name, file_type, extension


@frozen
class FolderConfig:
    include_hidden: bool = False
    recursive: bool = True
    create: bool = False


def _millis(timestamp: float) -> datetime:
    return datetime.fromtimestamp(int(timestamp * 1000) / 1000, tz=timezone.utc)


class FolderConnector(Connector):
    """Keeps a catalogue of one folder tree in step with the file system."""

    config_class = FolderConfig

    def refresh(self) -> None:
        root = self._root()
        known = self._known_elements(root)
        seen: set[str] = set()
        folder_guids: dict[Path, str] = {}
        for folder, subfolders, files in self._walk(root):
            parent_guid = folder_guids.get(folder.parent) if folder != root else None
            folder_guids[folder] = self._sync_folder(folder, parent_guid, known)
            seen.add(str(folder))
            for name in files:
                path = folder / name
                if self._sync_file(path, folder_guids[folder], known):
                    seen.add(str(path))
        for qualified_name, element in known.items():
            if qualified_name not in seen:
                self.context.metadata.archive(element.guid, type_name=element.type.type_name)

    def _root(self) -> Path:
        if not self.context.endpoint:
            raise ConnectorError("no endpoint: set endpoint to the folder to catalogue", self.context.name)
        root = Path(self.context.endpoint).expanduser().resolve()
        if self.context.config.create:
            root.mkdir(parents=True, exist_ok=True)
        if not root.is_dir():
            raise ConnectorError(f"endpoint {root} is not a folder", self.context.name)
        return root

    def _walk(self, root: Path) -> Any:
        config: FolderConfig = self.context.config
        for folder, subfolders, files in os.walk(root):
            if not config.include_hidden:
                subfolders[:] = [d for d in subfolders if not d.startswith(".")]
                files = [f for f in files if not f.startswith(".")]
            if not config.recursive:
                subfolders[:] = []
            subfolders.sort()
            yield Path(folder), subfolders, sorted(files)

    def _known_elements(self, root: Path) -> dict[str, Element]:
        """What this connector catalogued under ``root`` before, by qualifiedName."""
        pattern = re.escape(str(root)) + "(/.*)?"
        known: dict[str, Element] = {}
        for type_name in ("FileFolder", "DataFile"):
            for element in self.context.metadata.find(type_name, [("qualifiedName", "LIKE", pattern)]):
                if self.context.metadata.metadata_source is None or self.context.metadata.owns(element):
                    known[element.properties.get("qualifiedName", "")] = element
        return known

    def _sync_folder(self, folder: Path, parent_guid: str | None, known: dict[str, Element]) -> str:
        properties = {
            "qualifiedName": str(folder),
            "displayName": folder.name or str(folder),
            "pathName": str(folder),
        }
        relation = {"parent_guid": parent_guid, "parent_relationship": "FolderHierarchy"} if parent_guid else {}
        return self.context.metadata.upsert("FileFolder", properties, current=known.get(str(folder)), **relation).guid

    def _sync_file(self, path: Path, folder_guid: str, known: dict[str, Element]) -> bool:
        try:
            stat = path.stat()
        except OSError:
            return False  # vanished while walking: archived next time if still gone
        type_name, file_type, extension = file_type_for(path)
        properties = {
            "qualifiedName": str(path),
            "displayName": path.name,
            "pathName": str(path),
            "fileName": path.name,
            "fileType": file_type,
            "fileExtension": extension,
            "storeUpdateTime": _millis(stat.st_mtime),
            "additionalProperties": {"fileSize": str(stat.st_size)},
        }
        current = known.get(str(path))
        if current is not None and current.type.type_name != type_name:
            self.context.metadata.delete(current.guid, type_name=current.type.type_name)  # its type changed
            current = None
        self.context.metadata.upsert(
            type_name, properties, current=current, parent_guid=folder_guid, parent_relationship="NestedFile"
        )
        return True
