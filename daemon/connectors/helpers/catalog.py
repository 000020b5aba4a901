"""Generic assets and glossary terms (``catalog-integrator``).

For exchanging content with another catalog: any ``Asset`` subtype with its properties and
classifications; glossaries (``Glossary``) with their terms (``GlossaryTerm``, anchored by
``TermAnchor`` glossary → term); and ``SemanticAssignment`` element → term, which gives an
asset or column its meaning.

qualifiedNames are the caller's, conventionally prefixed by the third-party catalog
(``catalog_name``)::

    {catalog}::{kind}::{name}     e.g. acme-catalog::term::Customer
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from daemon.connectors.helpers._sync import Catalogued, IndexedHelper, Links, scope_under
from daemon.connectors.store import OpenMetadataStore

__all__ = ["CatalogHelper"]


class CatalogHelper(IndexedHelper):
    """Catalogue assets, glossaries and terms through the connector's open metadata store."""

    def __init__(self, store: OpenMetadataStore) -> None:
        super().__init__(store, ("Asset", "Glossary", "GlossaryTerm"))
        self._assignments = Links(store, "SemanticAssignment")

    @staticmethod
    def catalog_name(catalog: str, kind: str, name: str) -> str:
        """The conventional qualifiedName of an element from a third-party catalog."""
        return f"{catalog}::{kind}::{name}"

    def begin_refresh(self, catalog: str, *, full_check_every: int = 10) -> None:
        """Start a refresh of everything named under ``catalog``: read what the connector owns unless warm."""
        self.known.begin_refresh(scope_under(catalog), full_check_every=full_check_every)

    def invalidate(self) -> None:
        super().invalidate()
        self._assignments.clear()

    def asset(
        self,
        type_name: str,
        qualified_name: str,
        *,
        name: str,
        description: str | None = None,
        properties: Mapping[str, Any] | None = None,
        classifications: Mapping[str, Mapping[str, Any] | None] | None = None,
    ) -> Catalogued:
        """An asset of ``type_name`` with these properties; ``classifications`` are kept in step."""
        values = {**(properties or {}), "qualifiedName": qualified_name, "displayName": name, "description": description}
        return self._created(self._sync.sync(type_name, values, classifications=classifications))

    def glossary(
        self, qualified_name: str, *, name: str, description: str | None = None, language: str | None = None
    ) -> Catalogued:
        """A ``Glossary``."""
        values = {"qualifiedName": qualified_name, "displayName": name, "description": description, "language": language}
        return self._sync.sync("Glossary", values)

    def term(
        self,
        glossary: Catalogued,
        qualified_name: str,
        *,
        name: str,
        summary: str | None = None,
        description: str | None = None,
        examples: str | None = None,
        abbreviation: str | None = None,
        usage: str | None = None,
        aliases: Sequence[str] | None = None,
    ) -> Catalogued:
        """A ``GlossaryTerm`` anchored in ``glossary``."""
        values = {
            "qualifiedName": qualified_name,
            "displayName": name,
            "summary": summary,
            "description": description,
            "examples": examples,
            "abbreviation": abbreviation,
            "usage": usage,
            "aliases": list(aliases) if aliases else None,
        }
        return self._created(self._sync.sync("GlossaryTerm", values, parent=(glossary.guid, "TermAnchor", True)))

    def assign_term(self, element: str | Catalogued, term: str | Catalogued, **properties: Any) -> str:
        """``SemanticAssignment`` element → term (properties: ``description``, ``expression``, ``status``, ...)."""
        return self._assignments.ensure(_guid(element), _guid(term), properties)

    def unassign_term(self, element: str | Catalogued, term: str | Catalogued) -> None:
        """Remove the ``SemanticAssignment`` element → term, if there is one."""
        self._assignments.unrelate(_guid(element), _guid(term))

    def _created(self, result: Catalogued) -> Catalogued:
        if result.action == "created":
            self._assignments.mark_new(result.guid)
        return result


def _guid(end: str | Catalogued) -> str:
    return end.guid if isinstance(end, Catalogued) else end
