"""Bearer-token authentication and server-name routing for the metadata server (Falcon middleware).

``tokens`` maps each bearer token to the user ids it may act as (``"*"`` = any). With no
tokens configured, authentication is off. A missing or unknown token answers 401; a valid
token used for a ``{userId}`` it may not act as answers 403. Both carry the FFDC body of a
UserNotAuthorizedException. Requests for another ``{serverName}`` answer 404.

Runs on waitress worker threads; holds only immutable configuration.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import falcon

from daemon.errors import InvalidParameterError, UserNotAuthorizedError

__all__ = ["ANY_USER", "Authenticator"]

ANY_USER = "*"


def _digest(token: str) -> bytes:
    # look tokens up by digest, so lookup time says nothing about how much of a guess was right
    return hashlib.sha256(token.encode("utf-8")).digest()


class Authenticator:
    """Falcon middleware: checks the bearer token and the path's server name before each responder."""

    def __init__(
        self, server_name: str, tokens: Mapping[str, frozenset[str]], public: Iterable[object] = ()
    ) -> None:
        self._server_name = server_name
        self._enabled = bool(tokens)
        self._users_by_digest = {_digest(token): frozenset(users) for token, users in tokens.items()}
        self._public = tuple(public)

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]
    ) -> None:
        """Refuse the request before its responder runs, if it must be refused."""
        if resource is None or any(resource is public for public in self._public):
            return
        if self._enabled:
            users = self._users_for(req)
            user_id = params.get("userId")
            if user_id is not None and ANY_USER not in users and user_id not in users:
                raise UserNotAuthorizedError(
                    f"The bearer token may not act as user {user_id!r}",
                    related_http_code=403,
                    user_action="Use the token issued for this user id, or ask for this user id to be added to it.",
                    properties={"userId": user_id},
                )
        server_name = params.get("serverName")
        if server_name is not None and server_name != self._server_name:
            raise InvalidParameterError(
                f"There is no open metadata server called {server_name!r} here (this is {self._server_name!r})",
                related_http_code=404,
                message_id="OMAG-MULTI-TENANT-404-001",
                user_action="Check the server name in the URL (omagserverName in the daemon's config).",
                properties={"parameterName": "serverName", "serverName": server_name},
            )

    def _users_for(self, req: falcon.Request) -> frozenset[str]:
        header = req.get_header("Authorization") or ""
        scheme, _, token = header.partition(" ")
        token = token.strip()
        users = self._users_by_digest.get(_digest(token)) if scheme.lower() == "bearer" and token else None
        if users is not None:
            return users
        problem = "no bearer token was sent" if not header else "the bearer token is not known to this server"
        raise UserNotAuthorizedError(
            f"The request is not authenticated: {problem}",
            related_http_code=401,
            user_action="Send 'Authorization: Bearer <token>' with a token configured on the metadata server.",
        )
