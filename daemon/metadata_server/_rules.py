"""Rules shared by the server's read and write operations: identity, visibility, provenance.

- Identity: local elements belong to the server's own metadata collection, whose id is
  derived from the server name (stable across restarts); elements created for an external
  source belong to that source's collection (reference §6).
- Visibility: archived elements (``Memento``) are seen only by requests with ``forLineage``.
- Provenance (Egeria's three-way rule): a LOCAL_COHORT element may be changed by anyone;
  an EXTERNAL_SOURCE element only by requests for the same source.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from attrs import frozen

from daemon.errors import InvalidParameterError, UserNotAuthorizedError
from daemon.metadata_server._bodies import Caller, ExternalSource
from daemon.metadata_server.store import StoreReader
from daemon.model import Element, ElementOrigin, Relationship

__all__ = [
    "ServerIdentity",
    "check_provenance",
    "not_found",
    "utc_now",
    "visible_element",
]

LOCAL_COHORT = "LOCAL_COHORT"
EXTERNAL_SOURCE = "EXTERNAL_SOURCE"
_COLLECTION_NAMESPACE = uuid.UUID("6f1d2c3a-8f0e-4c47-9a51-0f6a3b7c2d10")


def utc_now() -> datetime:
    """The current UTC time, to the millisecond (what the wire carries)."""
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@frozen
class ServerIdentity:
    """The server's name and its own metadata collection."""

    server_name: str
    collection_id: str

    @classmethod
    def for_server(cls, server_name: str) -> ServerIdentity:
        """The identity of the server called ``server_name`` (same name, same collection id)."""
        return cls(server_name, str(uuid.uuid5(_COLLECTION_NAMESPACE, server_name)))

    def origin_for(self, source: ExternalSource | None) -> ElementOrigin:
        """The origin of an instance created by a caller with this external source (or none)."""
        if source is None:
            return ElementOrigin(LOCAL_COHORT, self.collection_id, self.server_name, self.server_name)
        return ElementOrigin(EXTERNAL_SOURCE, source.guid, source.name, self.server_name)


def not_found(kind: str, guid: str, parameter: str, hint: str = "") -> InvalidParameterError:
    """The error for an unknown (or invisible) guid: InvalidParameterException, relatedHTTPCode 404."""
    return InvalidParameterError(
        f"The {kind} with unique identifier {guid} is not found{hint}",
        related_http_code=404,
        message_id="OMAG-REPOSITORY-HANDLER-404-007",
        system_action="The request is rejected.",
        user_action=f"Check the value of {parameter}; the {kind} may have been deleted.",
        properties={"parameterName": parameter, "guid": guid},
    )


def visible_element(session: StoreReader, guid: str, caller: Caller, parameter: str) -> Element:
    """The element, if it exists and the caller may see it (archived ones need ``forLineage``)."""
    element = session.element(guid)
    if element is None:
        raise not_found("element", guid, parameter)
    if element.is_archived and not caller.for_lineage:
        raise not_found("element", guid, parameter, " (it is archived; ask with forLineage=true to see it)")
    return element


def check_provenance(caller: Caller, instance: Element | Relationship, action: str) -> None:
    """Refuse a change to an externally owned instance by any other source (UserNotAuthorizedException)."""
    origin = instance.origin
    if origin.category != EXTERNAL_SOURCE:
        return
    source = caller.source
    if source is not None and source.guid == origin.collection_id:
        return
    kind = instance.type.type_name
    if source is None:
        who = f"local user {caller.user_id}"
        message_id = "OMAG-REPOSITORY-HANDLER-400-008"
    else:
        who = f"external source {source.name} ({source.guid})"
        message_id = "OMAG-REPOSITORY-HANDLER-400-007"
    raise UserNotAuthorizedError(
        f"Method {action} running on behalf of {who} is unable to modify {kind} instance {instance.guid} "
        f"because it has metadata provenance of {origin.category} with an externalSourceGUID of "
        f"{origin.collection_id} and an externalSourceName of {origin.collection_name}",
        related_http_code=400,
        http_status=403,
        message_id=message_id,
        system_action="The request is rejected and nothing is changed.",
        user_action=f"Make this change through the metadata source {origin.collection_name!r} that owns the instance.",
        properties={"userId": caller.user_id, "guid": instance.guid},
    )
