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
        max_stale_share: 0.2            # stale-removal fail-safe (see daemon.integrations.stale)
        stale_allowance: 1
        override_stale_limit: false
        full_check_every: 10            # refreshes between full reads of what it owns

Each refresh walks the tree and brings open metadata in step: folders become
``FileFolder`` (linked by ``FolderHierarchy``), files become ``DataFile`` or a subtype
chosen by extension (``CSVFile``, ``JSONFile``, ...) linked to their folder by
``NestedFile``, with ``pathName``, ``fileName``, ``fileType``, ``fileExtension``,
``storeUpdateTime`` (modification time) and the size in ``additionalProperties.fileSize``.
Unchanged files cost no write; changed files are updated; files and folders that
disappeared are archived at the end of a complete refresh, within the stale-removal
fail-safe (a folder that could not be read makes the refresh incomplete; hidden files, and
sub-folders when ``recursive`` is off, are out of scope and never archived).
``qualifiedName`` is the absolute path. The shapes are ``context.files``
(``daemon.connectors.helpers.files``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from attrs import field, frozen

from daemon.connectors import Connector
from daemon.connectors.helpers import Catalogued, FilesHelper, file_type_for
from daemon.errors import ConnectorError
from daemon.integrations._options import flag
from daemon.integrations.stale import CataloguingConfig, StaleSweep
from daemon.model.element import Element

__all__ = ["FolderConfig", "FolderConnector", "file_type_for"]


@frozen(kw_only=True)
class FolderConfig(CataloguingConfig):
    include_hidden: Any = field(default=False, converter=flag)
    recursive: Any = field(default=True, converter=flag)
    create: Any = field(default=False, converter=flag)


class FolderConnector(Connector):
    """Keeps a catalogue of one folder tree in step with the file system."""

    config_class = FolderConfig

    @property
    def config(self) -> FolderConfig:
        """The structured configuration properties."""
        return cast(FolderConfig, self.context.config)

    def refresh(self) -> None:
        root = self._root()
        config = self.config
        files: FilesHelper = self.context.files
        files.begin_refresh(root, full_check_every=config.full_check_every)
        in_scope = _Scope(root, config)
        with StaleSweep(self.context, files, config.stale_policy, in_scope=in_scope) as sweep:
            folders: dict[Path, Catalogued] = {}
            for folder, names in self._walk(root, sweep):
                with sweep.guard(f"folder {folder}"):
                    folders[folder] = files.folder(folder, folders.get(folder.parent) if folder != root else None)
                if folder not in folders:
                    continue
                for name in names:
                    path = folder / name
                    try:
                        stat = path.stat()
                    except OSError:
                        continue  # vanished while walking: gone, like a deleted file
                    with sweep.guard(f"file {path}"):
                        files.file(path, folders[folder], stat=stat)

    def _root(self) -> Path:
        if not self.context.endpoint:
            raise ConnectorError("no endpoint: set endpoint to the folder to catalogue", self.context.name)
        root = Path(self.context.endpoint).expanduser().resolve()
        if self.config.create:
            root.mkdir(parents=True, exist_ok=True)
        if not root.is_dir():
            raise ConnectorError(f"endpoint {root} is not a folder", self.context.name)
        return root

    def _walk(self, root: Path, sweep: StaleSweep) -> Iterator[tuple[Path, list[str]]]:
        config = self.config

        def unreadable(error: OSError) -> None:
            sweep.failed(f"cannot read {error.filename}: {error.strerror}")
            self.context.logger.error("cannot read {}: {}", error.filename, error.strerror)

        for folder, subfolders, files in os.walk(root, onerror=unreadable):
            if not config.include_hidden:
                subfolders[:] = [d for d in subfolders if not d.startswith(".")]
                files = [f for f in files if not f.startswith(".")]
            if not config.recursive:
                subfolders[:] = []
            subfolders.sort()
            yield Path(folder), sorted(files)


class _Scope:
    """Which owned elements the configuration lets this connector see (and so may archive)."""

    def __init__(self, root: Path, config: FolderConfig) -> None:
        self._root = root
        self._config = config

    def __call__(self, element: Element) -> bool:
        try:
            parts = Path(element.qualified_name or "").relative_to(self._root).parts
        except ValueError:
            return False
        if not self._config.include_hidden and any(part.startswith(".") for part in parts):
            return False
        if self._config.recursive or not parts:
            return True
        return len(parts) == 1 and not element.type.is_a("FileFolder")
