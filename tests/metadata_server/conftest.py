"""A fresh bundled metadata server per test, and a raw-HTTP helper that speaks its wire format."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import requests

from daemon.metadata_server import MetadataServer
from daemon.model import decode_properties, encode_properties

SERVER = "mds1"
TIMEOUT = (3.05, 10.0)


class Api:
    """Raw JSON calls to one server; returns ``requests.Response`` so tests can read status and body."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url
        self.http = requests.Session()
        self.token = token

    def base(self, user: str = "u1", server: str = SERVER) -> str:
        return f"{self.url}/servers/{server}/open-metadata/access-services/open-metadata-store/users/{user}"

    def _headers(self, token: str | None) -> dict[str, str]:
        token = token if token is not None else self.token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def post(
        self, path: str, body: Any = None, *, user: str = "u1", token: str | None = None, **kw: Any
    ) -> requests.Response:
        if isinstance(body, (bytes, str)):
            kw["data"] = body
        elif body is not None:
            kw["json"] = body
        return self.http.post(self.base(user) + path, headers=self._headers(token), timeout=TIMEOUT, **kw)

    def get(self, path: str, *, user: str = "u1", token: str | None = None, **kw: Any) -> requests.Response:
        return self.http.get(self.base(user) + path, headers=self._headers(token), timeout=TIMEOUT, **kw)

    # --- conveniences for setting up state (each asserts success)

    def create(self, type_name: str, properties: Mapping[str, Any], *, user: str = "u1", **fields: Any) -> str:
        body = {"class": "NewOpenMetadataElementRequestBody", "typeName": type_name,
                "properties": encode_properties(properties), **fields}
        response = self.post("/metadata-elements", body, user=user)
        assert response.status_code == 200, response.text
        return str(response.json()["guid"])

    def element(self, guid: str, **params: Any) -> dict[str, Any]:
        response = self.get(f"/metadata-elements/{guid}", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json()["element"])

    def relate(
        self, type_name: str, end1: str, end2: str, properties: Mapping[str, Any] | None = None, **fields: Any
    ) -> str:
        body = {"class": "NewRelatedElementsRequestBody", "typeName": type_name, "metadataElement1GUID": end1,
                "metadataElement2GUID": end2, "properties": encode_properties(properties), **fields}
        response = self.post("/related-elements", body)
        assert response.status_code == 200, response.text
        return str(response.json()["guid"])

    def event_log(self, **params: Any) -> requests.Response:
        url = f"{self.url}/servers/{SERVER}/open-metadata/event-log"
        return self.http.get(url, params=params, headers=self._headers(None), timeout=TIMEOUT)

    def find_guids(self, body: Mapping[str, Any]) -> list[str]:
        return [element["elementGUID"] for element in self.find(body)]

    def find(self, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        response = self.post("/metadata-elements/by-search-conditions", {"class": "FindRequestBody", **body})
        assert response.status_code == 200, response.text
        return list(response.json()["elements"])

    def events(self, after: int = 0) -> list[dict[str, Any]]:
        response = self.event_log(after=after, limit=1000)
        assert response.status_code == 200, response.text
        return [entry["event"] for entry in response.json()["events"]]


def wire(**values: Any) -> dict[str, Any] | None:
    """Wire ElementProperties for these plain values."""
    return encode_properties(values)


def classification(element: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The plain property values of the element's classification ``name``."""
    [found] = [c for c in element["classifications"] if c["classificationName"] == name]
    return decode_properties(found["classificationProperties"])


def props(element: Mapping[str, Any]) -> dict[str, Any]:
    """The primitive values of an element's wire properties, by name."""
    value_map = (element.get("elementProperties") or {}).get("propertyValueMap") or {}
    return {name: value.get("primitiveValue") for name, value in value_map.items()}


def error_field(response: requests.Response, status: int) -> str:
    """The parameterName of an InvalidParameterException answer with this status."""
    return str(assert_ffdc(response, status, "InvalidParameterException")["exceptionProperties"]["parameterName"])


def error_message(response: requests.Response, status: int, exception: str = "InvalidParameterException") -> str:
    """The message of an FFDC answer with this status and exception class."""
    return str(assert_ffdc(response, status, exception)["exceptionErrorMessage"])


def assert_ffdc(response: requests.Response, status: int, exception: str, related: int | None = None) -> dict[str, Any]:
    """Check an FFDC error answer and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = dict(response.json())
    assert body["relatedHTTPCode"] == (related if related is not None else status)
    assert body["exceptionClassName"] == f"org.odpi.openmetadata.frameworks.openmetadata.ffdc.{exception}"
    assert body["exceptionErrorMessage"]
    return body


@pytest.fixture
def server(tmp_path) -> Iterator[MetadataServer]:
    mds = MetadataServer(tmp_path / "metadata.db", server_name=SERVER)
    mds.start()
    yield mds
    mds.stop()


@pytest.fixture
def api(server: MetadataServer) -> Iterator[Api]:
    client = Api(server.url)
    yield client
    client.http.close()
