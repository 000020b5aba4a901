"""The daemon's one exception tree.

Every error the daemon raises on purpose is a ``DaemonError``. Library exceptions
(requests, sqlite3, confluent_kafka, cattrs) are translated at the boundary where
they occur, with ``raise ... from exc`` so the cause stays visible::

    DaemonError
    ├── ConfigError ................ a config document is invalid; ``problems`` lists every one with its path
    ├── ConnectorError ............. something about one connector
    │   ├── ConnectorLoadError ..... its class cannot be found or imported        -> CONFIG_FAILED
    │   ├── ConnectorConfigError ... its configuration properties are invalid     -> CONFIG_FAILED
    │   ├── UnknownConnector ....... no connector has that name
    │   └── SynchronizationRefused . it acted against its permitted synchronization
    └── MetadataError .............. talking to the metadata access point
        ├── MetadataUnreachable .... no answer (refused, timed out)               -> INITIALIZE_FAILED
        └── MetadataRequestError ... the server answered with an FFDC error
            ├── InvalidParameterError ..... exceptionClassName InvalidParameterException
            ├── UserNotAuthorizedError .... exceptionClassName UserNotAuthorizedException
            └── PropertyServerError ....... exceptionClassName PropertyServerException

``MetadataRequestError`` and its subclasses carry the Egeria FFDC fields, so the
bundled metadata server raises the same classes that the client raises on receipt.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConfigError",
    "ConnectorConfigError",
    "ConnectorError",
    "ConnectorLoadError",
    "DaemonError",
    "InvalidParameterError",
    "MetadataError",
    "MetadataRequestError",
    "MetadataUnreachable",
    "PropertyServerError",
    "SynchronizationRefused",
    "UnknownConnector",
    "UserNotAuthorizedError",
]

_EGERIA_FFDC_PACKAGE = "org.odpi.openmetadata.frameworks.openmetadata.ffdc."


class DaemonError(Exception):
    """Base of every error the daemon raises on purpose."""


class ConfigError(DaemonError):
    """A config document is invalid. ``problems`` holds one line per problem, each led by its path."""

    def __init__(self, problems: list[str], source: str = "config") -> None:
        self.problems = list(problems)
        self.source = source
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source} has {len(self.problems)} problem(s):\n{lines}")


class ConnectorError(DaemonError):
    """Something about one connector; ``connector`` names it."""

    def __init__(self, message: str, connector: str = "") -> None:
        self.connector = connector
        super().__init__(f"connector {connector!r}: {message}" if connector else message)


class ConnectorLoadError(ConnectorError):
    """The connector class cannot be found or imported. The connector is CONFIG_FAILED."""


class ConnectorConfigError(ConnectorError):
    """The connector's configuration is invalid. The connector is CONFIG_FAILED."""


class UnknownConnector(ConnectorError):
    """No connector has that name (admin requests, CLI)."""


class SynchronizationRefused(ConnectorError):
    """The connector tried to act against its permitted synchronization."""


class MetadataError(DaemonError):
    """A call to the metadata access point failed."""


class MetadataUnreachable(MetadataError):
    """The metadata access point did not answer (connection refused, timed out, not an API)."""


class MetadataRequestError(MetadataError):
    """The metadata access point answered with an FFDC error.

    Subclasses fix ``exception_class_name`` and the default ``related_http_code``.
    ``http_status`` is the transport status the bundled server uses for it.
    """

    exception_class_name = "PropertyServerException"
    related_http_code = 500

    def __init__(
        self,
        message: str,
        *,
        related_http_code: int | None = None,
        message_id: str = "",
        system_action: str = "",
        user_action: str = "",
        properties: dict[str, Any] | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if related_http_code is not None:
            self.related_http_code = related_http_code
        self.message_id = message_id
        self.system_action = system_action
        self.user_action = user_action
        self.properties = dict(properties or {})
        self.http_status = http_status if http_status is not None else self.related_http_code

    def to_ffdc(self) -> dict[str, Any]:
        """The Egeria FFDC fields of this error, as a response body."""
        body: dict[str, Any] = {
            "class": "VoidResponse",
            "relatedHTTPCode": self.related_http_code,
            "exceptionClassName": _EGERIA_FFDC_PACKAGE + self.exception_class_name,
            "exceptionErrorMessage": self.message,
            "exceptionSystemAction": self.system_action,
            "exceptionUserAction": self.user_action,
        }
        if self.message_id:
            body["exceptionErrorMessageId"] = self.message_id
        if self.properties:
            body["exceptionProperties"] = self.properties
        return body

    @classmethod
    def from_ffdc(cls, body: dict[str, Any], http_status: int) -> MetadataRequestError:
        """Rebuild the right subclass from an FFDC response body."""
        name = str(body.get("exceptionClassName") or "").rsplit(".", 1)[-1]
        error_class = _BY_EGERIA_NAME.get(name, PropertyServerError)
        return error_class(
            str(body.get("exceptionErrorMessage") or f"metadata server answered HTTP {http_status}"),
            related_http_code=int(body.get("relatedHTTPCode") or http_status),
            message_id=str(body.get("exceptionErrorMessageId") or ""),
            system_action=str(body.get("exceptionSystemAction") or ""),
            user_action=str(body.get("exceptionUserAction") or ""),
            properties=body.get("exceptionProperties") or {},
            http_status=http_status,
        )


class InvalidParameterError(MetadataRequestError):
    """A bad request: unknown guid (404), malformed body or unknown type (400)."""

    exception_class_name = "InvalidParameterException"
    related_http_code = 400


class UserNotAuthorizedError(MetadataRequestError):
    """The caller may not do this (e.g. change an element another metadata source owns).

    Egeria reports relatedHTTPCode 400 for a provenance refusal; the bundled server also
    sets HTTP status 403 on the response.
    """

    exception_class_name = "UserNotAuthorizedException"
    related_http_code = 400


class PropertyServerError(MetadataRequestError):
    """The metadata server failed while handling a valid request."""

    exception_class_name = "PropertyServerException"
    related_http_code = 500


_BY_EGERIA_NAME: dict[str, type[MetadataRequestError]] = {
    c.exception_class_name: c for c in (InvalidParameterError, UserNotAuthorizedError, PropertyServerError)
}
