"""Files and folders (``files-integrator``).

Folders are ``FileFolder`` elements linked parent → child by ``FolderHierarchy``; files are
``DataFile`` or the subtype their extension suggests (``CSVFile``, ``JSONFile``, ...), linked
to their folder by ``NestedFile``, with ``pathName``, ``fileName``, ``fileType`` (logical
type), ``fileExtension``, ``storeUpdateTime`` (modification time) and the size in
``additionalProperties.fileSize``.

qualifiedName: the absolute path of the folder or file.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from daemon.connectors.helpers._sync import Catalogued, IndexedHelper, scope_under
from daemon.connectors.store import OpenMetadataStore

__all__ = ["FilesHelper", "file_type_for"]

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


def _millis(timestamp: float) -> datetime:
    return datetime.fromtimestamp(int(timestamp * 1000) / 1000, tz=timezone.utc)


class FilesHelper(IndexedHelper):
    """Catalogue folder trees through the connector's open metadata store."""

    def __init__(self, store: OpenMetadataStore) -> None:
        super().__init__(store, ("FileFolder", "DataFile"))

    def begin_refresh(self, root: Path, *, full_check_every: int = 10) -> None:
        """Start a refresh of the tree under ``root``: read what the connector owns there unless warm."""
        self.known.begin_refresh(scope_under(str(root), os.sep), full_check_every=full_check_every)

    def folder(self, path: Path, parent: Catalogued | None = None) -> Catalogued:
        """A ``FileFolder`` for ``path``, nested in ``parent`` (by ``FolderHierarchy``) when given."""
        return self._sync.sync(
            "FileFolder",
            {"qualifiedName": str(path), "displayName": path.name or str(path), "pathName": str(path)},
            parent=None if parent is None else (parent.guid, "FolderHierarchy", True),
        )

    def file(self, path: Path, folder: Catalogued, *, stat: os.stat_result | None = None) -> Catalogued:
        """A ``DataFile`` (or subtype) for ``path`` in ``folder``; ``stat`` defaults to ``path.stat()``."""
        stat = stat or path.stat()
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
        return self._sync.sync(type_name, properties, parent=(folder.guid, "NestedFile", True))
