"""The client the daemon's connectors use to read and write open metadata.

Speaks Egeria 6's open metadata store API (``/servers/{server}/open-metadata/access-services/
open-metadata-store/users/{user}/...``), so it works against the bundled metadata server
or an Egeria-compatible one. Values in and out are plain Python properties and the frozen
classes of ``daemon.model``.

Threads: a client (and its ``requests.Session``) belongs to one thread, normally one
connector's. Give every connector thread its own client; ``with_user`` and
``with_external_source`` derive clients that share the session, so keep them on the same thread.

Errors: ``MetadataUnreachable`` when the server does not answer; otherwise the
``MetadataRequestError`` subclass matching the server's FFDC answer (``InvalidParameterError``
for unknown guids, bad requests and duplicate qualifiedNames, ``UserNotAuthorizedError`` for
refused tokens and changes to elements another metadata source owns, ``PropertyServerError``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import requests

from daemon.errors import InvalidParameterError, PropertyServerError
from daemon.metadata._transport import Timeout, Transport
from daemon.model import Element, RelatedElement, encode_properties, encode_value

__all__ = ["Condition", "MetadataClient"]

Condition = tuple[str, str, Any]
"""A search condition: (property name, operator, value).

Operators: EQ, NEQ, LT, LTE, GT, GTE, IN, IS_NULL, NOT_NULL, LIKE (a full regular-expression match).
"""

_STORE_PATH = "/servers/{server}/open-metadata/access-services/open-metadata-store/users/{user}"


def _properties(values: Mapping[str, Any] | None, path: str = "properties") -> dict[str, Any] | None:
    try:
        return encode_properties(values, path)
    except ValueError as exc:
        raise InvalidParameterError(str(exc), properties={"parameterName": path}) from exc


def _conditions(conditions: Iterable[Condition], match: str) -> dict[str, Any]:
    wire = []
    for index, (name, operator, value) in enumerate(conditions):
        condition: dict[str, Any] = {"class": "PropertyCondition", "property": name, "operator": operator}
        if value is not None:
            try:
                condition["value"] = encode_value(value, f"conditions[{index}].value")
            except ValueError as exc:
                raise InvalidParameterError(str(exc), properties={"parameterName": "conditions"}) from exc
        wire.append(condition)
    return {"class": "SearchProperties", "conditions": wire, "matchCriteria": match}


T = TypeVar("T")


def _read(reader: Callable[[Any], T], data: Any, what: str) -> T:
    try:
        return reader(data)
    except (ValueError, TypeError) as exc:
        raise PropertyServerError(f"the metadata server sent {what} this client cannot read: {exc}") from exc


class MetadataClient:
    """Open metadata store calls for one user id (and, optionally, one external metadata source)."""

    def __init__(
        self,
        base_url: str,
        server_name: str,
        user_id: str,
        *,
        token: str | None = None,
        external_source: tuple[str, str] | None = None,
        timeout: Timeout = (3.05, 30.0),
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.server_name = server_name
        self.user_id = user_id
        self.external_source = external_source
        self._owns_session = session is None
        self._transport = Transport(session or requests.Session(), timeout, token)
        store_path = _STORE_PATH.format(server=quote(server_name, safe=""), user=quote(user_id, safe=""))
        self._root = self.base_url + store_path

    # ------------------------------------------------------------ derived clients and lifecycle

    def with_external_source(self, guid: str, name: str) -> MetadataClient:
        """A client on the same session whose writes are made for the metadata source ``(guid, name)``."""
        return self._derive(self.user_id, (guid, name))

    def with_user(self, user_id: str) -> MetadataClient:
        """A client on the same session acting as another user id."""
        return self._derive(user_id, self.external_source)

    def _derive(self, user_id: str, external_source: tuple[str, str] | None) -> MetadataClient:
        transport = self._transport
        return MetadataClient(
            self.base_url, self.server_name, user_id, token=transport.token,
            external_source=external_source, timeout=transport.timeout, session=transport.session,
        )

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._owns_session:
            self._transport.session.close()

    def __enter__(self) -> MetadataClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ plumbing

    def _post(self, path: str, body: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._transport.call("POST", self._root + path, body, params)

    def _source(self) -> dict[str, str]:
        if self.external_source is None:
            return {}
        guid, name = self.external_source
        return {"externalSourceGUID": guid, "externalSourceName": name}

    def _sourced(self, body_class: str, **fields: Any) -> dict[str, Any]:
        """A request body of ``body_class`` with these fields and this client's metadata source."""
        return {"class": body_class, **fields, **self._source()}

    @staticmethod
    def _segment(value: str) -> str:
        return quote(value, safe="")

    # ------------------------------------------------------------ liveness

    def ping(self) -> None:
        """Check that the server answers this user (a one-element find); raises ``MetadataUnreachable`` if not."""
        body = {"class": "FindRequestBody", "startFrom": 0, "pageSize": 1}
        self._post("/metadata-elements/by-search-conditions", body)

    # ------------------------------------------------------------ elements

    def create_element(
        self,
        type_name: str,
        properties: Mapping[str, Any],
        *,
        classifications: Mapping[str, Mapping[str, Any] | None] | None = None,
        parent_guid: str | None = None,
        parent_relationship_type: str | None = None,
        parent_at_end1: bool = True,
        parent_relationship_properties: Mapping[str, Any] | None = None,
        anchor_guid: str | None = None,
    ) -> str:
        """Create an element (optionally linked to a parent and anchored); returns its guid."""
        body: dict[str, Any] = {
            "class": "NewOpenMetadataElementRequestBody",
            "typeName": type_name,
            "properties": _properties(properties),
            **self._source(),
        }
        if classifications:
            body["initialClassifications"] = {
                name: _properties(values, f"initialClassifications.{name}") for name, values in classifications.items()
            }
        if parent_guid:
            body.update(
                parentGUID=parent_guid,
                parentRelationshipTypeName=parent_relationship_type,
                parentAtEnd1=parent_at_end1,
                parentRelationshipProperties=_properties(
                    parent_relationship_properties, "parentRelationshipProperties"
                ),
            )
        if anchor_guid:
            body.update(anchorGUID=anchor_guid, isOwnAnchor=False)
        return str(self._post("/metadata-elements", body)["guid"])

    def get_element(self, guid: str, *, for_lineage: bool = False) -> Element:
        """The element with this guid; ``InvalidParameterError`` (404) if there is none."""
        params = {"forLineage": "true"} if for_lineage else None
        data = self._transport.call("GET", f"{self._root}/metadata-elements/{self._segment(guid)}", params=params)
        return _read(Element.from_wire, data.get("element"), "an element")

    def get_by_unique_name(
        self, name: str, property_name: str = "qualifiedName", *, for_lineage: bool = False
    ) -> Element | None:
        """The element whose unique property has this value, or ``None``."""
        body = {
            "class": "UniqueNameRequestBody",
            "name": name,
            "namePropertyName": property_name,
            "forLineage": for_lineage,
        }
        element = self._post("/metadata-elements/by-unique-name", body).get("element")
        return None if element is None else _read(Element.from_wire, element, "an element")

    def find_elements(
        self,
        type_name: str | None = None,
        conditions: Iterable[Condition] | None = None,
        match: str = "ALL",
        *,
        start: int = 0,
        page_size: int = 0,
        for_lineage: bool = False,
    ) -> list[Element]:
        """One page of elements of ``type_name`` (or a subtype) meeting the conditions (0 = server's max page)."""
        body: dict[str, Any] = {
            "class": "FindRequestBody",
            "metadataElementTypeName": type_name,
            "startFrom": start,
            "pageSize": page_size,
            "forLineage": for_lineage,
        }
        if conditions:
            body["searchProperties"] = _conditions(conditions, match)
        return self._elements(self._post("/metadata-elements/by-search-conditions", body))

    def find_all(
        self,
        type_name: str | None = None,
        conditions: Iterable[Condition] | None = None,
        match: str = "ALL",
        *,
        page_size: int = 500,
        for_lineage: bool = False,
    ) -> list[Element]:
        """Every element ``find_elements`` would return, fetched page by page."""
        if page_size <= 0:
            raise ValueError("find_all needs a positive page_size")
        fixed = list(conditions or ())
        found: list[Element] = []
        while True:
            page = self.find_elements(
                type_name, fixed, match, start=len(found), page_size=page_size, for_lineage=for_lineage
            )
            found.extend(page)
            if len(page) < page_size:
                return found

    def search(
        self,
        search_string: str,
        type_name: str | None = None,
        *,
        start: int = 0,
        page_size: int = 0,
        for_lineage: bool = False,
    ) -> list[Element]:
        """One page of elements with a string property matching the regular expression (case-insensitive)."""
        body = {
            "class": "SearchStringRequestBody",
            "searchString": search_string,
            "metadataElementTypeName": type_name,
            "startFrom": start,
            "pageSize": page_size,
            "forLineage": for_lineage,
        }
        return self._elements(self._post("/metadata-elements/by-search-string", body))

    @staticmethod
    def _elements(data: dict[str, Any]) -> list[Element]:
        items = data.get("elements", data.get("elementList")) or []
        return _read(lambda raw: [Element.from_wire(item) for item in raw], items, "elements")

    def update_element(self, guid: str, properties: Mapping[str, Any], *, merge: bool = True) -> bool:
        """Merge (or with ``merge=False`` replace) an element's properties; ``False`` if nothing changed."""
        body = self._update_body(properties, merge)
        data = self._post(f"/metadata-elements/{self._segment(guid)}/update-properties", body)
        return bool(data.get("flag", True))

    def _update_body(self, properties: Mapping[str, Any], merge: bool) -> dict[str, Any]:
        return {
            "class": "UpdatePropertiesRequestBody",
            "mergeUpdate": merge,
            "replaceProperties": not merge,
            "properties": _properties(properties),
            **self._source(),
        }

    def delete_element(self, guid: str) -> None:
        """Delete an element and its relationships."""
        self._post(f"/metadata-elements/{self._segment(guid)}/delete", self._sourced("OpenMetadataDeleteRequestBody"))

    def archive_element(self, guid: str) -> None:
        """Archive an element: it leaves normal queries and stays visible with ``for_lineage``."""
        self._post(f"/metadata-elements/{self._segment(guid)}/archive", self._sourced("DeleteRequestBody"))

    # ------------------------------------------------------------ classifications

    def classify(self, guid: str, name: str, properties: Mapping[str, Any] | None = None) -> None:
        """Attach the classification ``name`` to an element."""
        body = self._sourced("NewOpenMetadataClassificationRequestBody", properties=_properties(properties))
        self._post(f"/metadata-elements/{self._segment(guid)}/classifications/{self._segment(name)}", body)

    def reclassify(self, guid: str, name: str, properties: Mapping[str, Any], *, merge: bool = True) -> None:
        """Change the properties of an element's classification ``name``."""
        path = f"/metadata-elements/{self._segment(guid)}/classifications/{self._segment(name)}/update-properties"
        self._post(path, self._update_body(properties, merge))

    def declassify(self, guid: str, name: str) -> None:
        """Remove the classification ``name`` from an element."""
        path = f"/metadata-elements/{self._segment(guid)}/classifications/{self._segment(name)}/delete"
        self._post(path, self._sourced("MetadataSourceRequestBody"))

    # ------------------------------------------------------------ relationships

    def create_relationship(
        self, type_name: str, end1_guid: str, end2_guid: str, properties: Mapping[str, Any] | None = None
    ) -> str:
        """Link two elements (end1 -> end2); returns the relationship's guid."""
        body = {
            "class": "NewRelatedElementsRequestBody",
            "typeName": type_name,
            "metadataElement1GUID": end1_guid,
            "metadataElement2GUID": end2_guid,
            "properties": _properties(properties),
            **self._source(),
        }
        return str(self._post("/related-elements", body)["guid"])

    def update_relationship(self, guid: str, properties: Mapping[str, Any], merge: bool = True) -> None:
        """Merge (or replace) a relationship's properties."""
        self._post(f"/related-elements/{self._segment(guid)}/update-properties", self._update_body(properties, merge))

    def delete_relationship(self, guid: str) -> None:
        """Remove a relationship."""
        self._post(f"/related-elements/{self._segment(guid)}/delete", self._sourced("OpenMetadataDeleteRequestBody"))

    def get_related(
        self,
        guid: str,
        relationship_type: str | None = None,
        *,
        start: int = 0,
        page_size: int = 0,
        for_lineage: bool = False,
    ) -> list[RelatedElement]:
        """One page of the elements linked to ``guid`` (by one relationship type, or any)."""
        kind = "any-type" if relationship_type is None else f"type/{self._segment(relationship_type)}"
        body = {"class": "ResultsRequestBody", "startFrom": start, "pageSize": page_size, "forLineage": for_lineage}
        data = self._post(f"/related-elements/{self._segment(guid)}/{kind}", body)
        items = data.get("elementList")
        if items is None and isinstance(data.get("relatedElementList"), dict):
            items = data["relatedElementList"].get("elementList")
        return _read(lambda raw: [RelatedElement.from_wire(i, guid) for i in raw], items or [], "related elements")

    # ------------------------------------------------------------ metadata sources

    def ensure_metadata_source(self, qualified_name: str) -> str:
        """The guid of the SoftwareCapability called ``qualified_name``, created (locally owned) if missing."""
        local = self._derive(self.user_id, None)
        existing = local.get_by_unique_name(qualified_name)
        if existing is None:
            try:
                return local.create_element("SoftwareCapability", {"qualifiedName": qualified_name})
            except InvalidParameterError as exc:
                if exc.related_http_code != 409:
                    raise
                existing = local.get_by_unique_name(qualified_name)  # another process created it first
                if existing is None:
                    raise
        if not existing.type.is_a("SoftwareCapability"):
            raise InvalidParameterError(
                f"the qualifiedName {qualified_name!r} belongs to a {existing.type.type_name} ({existing.guid}), "
                "not a SoftwareCapability; choose another metadataSourceQualifiedName",
                properties={"parameterName": "metadataSourceQualifiedName"},
            )
        return existing.guid
