"""The HTTP face of the bundled metadata server: a Falcon WSGI app at Egeria 6's paths.

Routes (relative to ``/servers/{serverName}/open-metadata/access-services/open-metadata-store/users/{userId}``)
are listed in ``ROUTES``; each responder reads its body with ``_bodies``, calls ``Reads`` or
``Writes`` and answers ``{"class": <ResponseClass>, "relatedHTTPCode": 200, ...}``. Two
routes are this project's own: ``GET /servers/{serverName}/open-metadata/event-log`` (the
outbox, for the event relay) and ``GET /health`` (liveness, no token).

Every error answers with Egeria's FFDC fields and ``error.http_status``; anything
unexpected becomes a PropertyServerException (500) and is logged, never an HTML page.
Responders run on waitress worker threads and keep no state between requests.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import falcon

from daemon.errors import InvalidParameterError, MetadataRequestError, PropertyServerError
from daemon.metadata_server import _bodies as bodies
from daemon.metadata_server import _query_bodies as queries
from daemon.metadata_server._fields import Fields
from daemon.metadata_server._auth import Authenticator
from daemon.metadata_server._reads import Reads
from daemon.metadata_server._rules import ServerIdentity, utc_now
from daemon.metadata_server._writes import Writes
from daemon.metadata_server.store import Store
from daemon.model import Element, TypeTable

__all__ = ["BASE_PATH", "EVENT_LOG_PATH", "ROUTES", "create_app"]

log = logging.getLogger(__name__)

BASE_PATH = "/servers/{serverName}/open-metadata/access-services/open-metadata-store/users/{userId}"
EVENT_LOG_PATH = "/servers/{serverName}/open-metadata/event-log"
MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_EVENTS_PER_CALL = 1000

# path below BASE_PATH -> responder suffix (``on_<verb>_<suffix>``)
ROUTES: Mapping[str, str] = {
    "/metadata-elements": "create",
    "/metadata-elements/by-unique-name": "by_name",
    "/metadata-elements/guid-by-unique-name": "guid_by_name",
    "/metadata-elements/by-search-conditions": "find",
    "/metadata-elements/by-search-specification": "find",
    "/metadata-elements/by-search-string": "search",
    "/metadata-elements/{guid}": "element",
    "/metadata-elements/{guid}/update-properties": "update",
    "/metadata-elements/{guid}/delete": "delete",
    "/metadata-elements/{guid}/archive": "archive",
    "/metadata-elements/{guid}/classifications/{classificationName}": "classify",
    "/metadata-elements/{guid}/classifications/{classificationName}/update-properties": "reclassify",
    "/metadata-elements/{guid}/classifications/{classificationName}/delete": "declassify",
    "/related-elements": "relate",
    "/related-elements/{guid}/update-properties": "update_relationship",
    "/related-elements/{guid}/delete": "delete_relationship",
    "/related-elements/{guid}/any-type": "related",
    "/related-elements/{guid}/type/{relationshipTypeName}": "related",
}


def _ok(resp: falcon.Response, response_class: str, **payload: Any) -> None:
    resp.media = {"class": response_class, "relatedHTTPCode": 200, **payload}


def _body(req: falcon.Request, *, required: bool = False) -> Fields:
    """The request's JSON object body as ``Fields`` (empty when absent and not required)."""
    if req.content_length is not None and req.content_length > MAX_BODY_BYTES:
        raise InvalidParameterError(
            f"requestBody: {req.content_length} bytes is more than the {MAX_BODY_BYTES} this server accepts",
            related_http_code=413,
            properties={"parameterName": "requestBody"},
        )
    raw = req.bounded_stream.read()
    if not raw.strip():
        if required:
            raise InvalidParameterError(
                "requestBody: this operation needs a JSON request body",
                message_id="OMAG-COMMON-400-017",
                properties={"parameterName": "requestBody"},
            )
        return Fields({})
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidParameterError(
            f"requestBody: not valid JSON ({exc})", properties={"parameterName": "requestBody"}
        ) from exc
    if not isinstance(data, dict):
        raise InvalidParameterError(
            f"requestBody: expected a JSON object, got {type(data).__name__}",
            properties={"parameterName": "requestBody"},
        )
    return Fields(data)


def _query(req: falcon.Request) -> Fields:
    return Fields(dict(req.params))


class _StoreResource:
    """The open metadata store operations; one instance serves every route in ``ROUTES``."""

    def __init__(self, reads: Reads, writes: Writes, max_page_size: int) -> None:
        self._reads = reads
        self._writes = writes
        self._max_page_size = max_page_size

    # ------------------------------------------------------------ elements

    def on_post_create(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        fields = _body(req, required=True)
        caller, request = bodies.parse_caller(fields, path["userId"]), bodies.parse_new_element(fields)
        fields.check()
        _ok(resp, "GUIDResponse", guid=self._writes.create_element(caller, request))

    def on_get_element(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        self._get(_query(req), resp, path)

    def on_post_element(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        self._get(_body(req), resp, path)

    def _get(self, fields: Fields, resp: falcon.Response, path: Mapping[str, str]) -> None:
        caller = bodies.parse_caller(fields, path["userId"])
        fields.check()
        _ok(resp, "OpenMetadataElementResponse", element=self._reads.get_element(caller, path["guid"]).to_wire())

    def on_post_by_name(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        element = self._by_name(req, path)
        _ok(resp, "OpenMetadataElementResponse", element=element.to_wire() if element else None)

    def on_post_guid_by_name(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        element = self._by_name(req, path)
        _ok(resp, "GUIDResponse", guid=element.guid if element else None)

    def _by_name(self, req: falcon.Request, path: Mapping[str, str]) -> Element | None:
        fields = _body(req, required=True)
        caller, request = bodies.parse_caller(fields, path["userId"]), queries.parse_unique_name(fields)
        fields.check()
        return self._reads.by_unique_name(caller, request)

    def on_post_find(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        fields = _body(req)
        caller, request = bodies.parse_caller(fields, path["userId"]), queries.parse_find(fields, self._max_page_size)
        fields.check()
        _ok(resp, "OpenMetadataElementsResponse", elements=[e.to_wire() for e in self._reads.find(caller, request)])

    def on_post_search(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        fields = _body(req)
        caller = bodies.parse_caller(fields, path["userId"])
        request = queries.parse_search_string(fields, self._max_page_size)
        fields.check()
        _ok(resp, "OpenMetadataElementsResponse", elements=[e.to_wire() for e in self._reads.search(caller, request)])

    def on_post_update(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        fields = _body(req, required=True)
        caller, update = bodies.parse_caller(fields, path["userId"]), bodies.parse_update(fields)
        fields.check()
        _ok(resp, "BooleanResponse", flag=self._writes.update_element(caller, path["guid"], update))

    def on_post_delete(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        caller = self._caller(req, path)
        self._writes.delete_element(caller, path["guid"])
        _ok(resp, "VoidResponse")

    def on_post_archive(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        fields = _body(req)
        caller, request = bodies.parse_caller(fields, path["userId"]), bodies.parse_archive(fields)
        fields.check()
        self._writes.archive_element(caller, path["guid"], request)
        _ok(resp, "VoidResponse")

    def _caller(self, req: falcon.Request, path: Mapping[str, str]) -> bodies.Caller:
        fields = _body(req)
        caller = bodies.parse_caller(fields, path["userId"])
        fields.check()
        return caller

    # ------------------------------------------------------------ classifications

    def on_post_classify(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        fields = _body(req)
        caller, properties = bodies.parse_caller(fields, path["userId"]), fields.properties("properties")
        fields.check()
        self._writes.classify(caller, path["guid"], path["classificationName"], properties)
        _ok(resp, "VoidResponse")

    def on_post_reclassify(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        fields = _body(req, required=True)
        caller, update = bodies.parse_caller(fields, path["userId"]), bodies.parse_update(fields)
        fields.check()
        self._writes.reclassify(caller, path["guid"], path["classificationName"], update)
        _ok(resp, "VoidResponse")

    def on_post_declassify(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        caller = self._caller(req, path)
        self._writes.declassify(caller, path["guid"], path["classificationName"])
        _ok(resp, "VoidResponse")

    # ------------------------------------------------------------ relationships

    def on_post_relate(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        fields = _body(req, required=True)
        caller, request = bodies.parse_caller(fields, path["userId"]), bodies.parse_new_relationship(fields)
        fields.check()
        _ok(resp, "GUIDResponse", guid=self._writes.create_relationship(caller, request))

    def on_post_update_relationship(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        fields = _body(req, required=True)
        caller, update = bodies.parse_caller(fields, path["userId"]), bodies.parse_update(fields)
        fields.check()
        self._writes.update_relationship(caller, path["guid"], update)
        _ok(resp, "VoidResponse")

    def on_post_delete_relationship(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        caller = self._caller(req, path)
        self._writes.delete_relationship(caller, path["guid"])
        _ok(resp, "VoidResponse")

    def on_get_related(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        self._related(req, _query(req), resp, path)

    def on_post_related(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        body = _body(req)
        self._related(req, Fields({**req.params, **body.data}), resp, path)

    def _related(self, req: falcon.Request, fields: Fields, resp: falcon.Response, path: Mapping[str, str]) -> None:
        caller, paging = bodies.parse_caller(fields, path["userId"]), queries.parse_paging(fields, self._max_page_size)
        starting_at_end = Fields(dict(req.params), problems=fields.problems).integer("startingAtEnd", 0)
        if starting_at_end not in (0, 1, 2):
            fields.problem("startingAtEnd", f"must be 0, 1 or 2 (got {starting_at_end})")
        fields.check()
        relationship_type = path.get("relationshipTypeName")
        related = self._reads.related(caller, path["guid"], relationship_type, starting_at_end, paging)
        _ok(resp, "RelatedMetadataElementListResponse", elementList=[r.to_wire() for r in related])


class _EventLogResource:
    """``GET .../event-log?after=N&limit=M``: the outbox, oldest first, for the event relay."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response, **path: str) -> None:
        query = _query(req)
        after, limit = query.integer("after", 0), query.integer("limit", 100)
        if after < 0:
            query.problem("after", f"must not be negative (got {after})")
        if not 0 < limit <= MAX_EVENTS_PER_CALL:
            query.problem("limit", f"must be between 1 and {MAX_EVENTS_PER_CALL} (got {limit})")
        query.check()
        events = self._store.events_after(after, limit)
        _ok(resp, "EventLogResponse", events=[{"sequence": seq, "event": event} for seq, event in events],
            lastSequence=self._store.last_sequence())


class _HealthResource:
    """``GET /health``: answers while the server is up; needs no token."""

    def __init__(self, server_name: str) -> None:
        self._server_name = server_name

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _ok(resp, "HealthResponse", status="UP", serverName=self._server_name)


# ---------------------------------------------------------------- errors


def _on_metadata_error(req: falcon.Request, resp: falcon.Response, ex: Exception, params: Any) -> None:
    assert isinstance(ex, MetadataRequestError)
    resp.status = ex.http_status
    resp.media = ex.to_ffdc()
    if ex.http_status == 401:
        resp.set_header("WWW-Authenticate", 'Bearer realm="open-metadata"')


def _on_http_error(req: falcon.Request, resp: falcon.Response, ex: Exception, params: Any) -> None:
    assert isinstance(ex, falcon.HTTPError)
    detail = f": {ex.description}" if ex.description else ""
    error = InvalidParameterError(
        f"{req.method} {req.path}: {ex.title}{detail}",
        related_http_code=ex.status_code,
        user_action="Check the URL and method against the open metadata store API.",
    )
    resp.set_headers(ex.headers or {})
    _on_metadata_error(req, resp, error, params)


def _on_unexpected(req: falcon.Request, resp: falcon.Response, ex: Exception, params: Any) -> None:
    log.exception("metadata server failed on %s %s", req.method, req.path)
    error = PropertyServerError(
        f"The metadata server failed while handling {req.method} {req.path}: {type(ex).__name__}: {ex}",
        message_id="OMAG-COMMON-500-001",
        system_action="The request was not completed; any change it started was rolled back.",
        user_action="Look in the metadata server's log for the cause, then retry.",
    )
    _on_metadata_error(req, resp, error, params)


def create_app(
    store: Store,
    *,
    server_name: str,
    tokens: Mapping[str, frozenset[str]] | None = None,
    types: TypeTable | None = None,
    clock: Callable[[], datetime] = utc_now,
    max_page_size: int = 1000,
) -> falcon.App:
    """The WSGI app for one metadata server over ``store``; ``tokens`` empty or ``None`` = no auth."""
    types = types or TypeTable.default()
    identity = ServerIdentity.for_server(server_name)
    resource = _StoreResource(Reads(store, types), Writes(store, types, identity, clock), max_page_size)
    health = _HealthResource(server_name)
    app = falcon.App(middleware=[Authenticator(server_name, tokens or {}, public=(health,))])
    app.req_options.strip_url_path_trailing_slash = True
    for route, suffix in ROUTES.items():
        app.add_route(BASE_PATH + route, resource, suffix=suffix)
    app.add_route(EVENT_LOG_PATH, _EventLogResource(store))
    app.add_route("/health", health)
    app.add_error_handler(Exception, _on_unexpected)
    app.add_error_handler(falcon.HTTPError, _on_http_error)
    app.add_error_handler(MetadataRequestError, _on_metadata_error)
    return app
