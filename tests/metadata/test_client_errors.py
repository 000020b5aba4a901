"""The client turns transport failures and foreign answers into the daemon's errors."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from daemon.errors import InvalidParameterError, MetadataUnreachable, PropertyServerError, UserNotAuthorizedError
from daemon.metadata import MetadataClient


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_closed_port_raises_metadata_unreachable_naming_the_url_and_what_to_do():
    port = closed_port()
    client = MetadataClient(f"http://127.0.0.1:{port}", "mds1", "daemon", timeout=(1.0, 1.0))
    with pytest.raises(MetadataUnreachable) as caught:
        client.ping()
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "check that it is running" in message
    with pytest.raises(MetadataUnreachable):
        client.create_element("Asset", {"qualifiedName": "a"})


def test_a_server_that_never_answers_raises_metadata_unreachable_after_the_read_timeout():
    with socket.socket() as silent:  # accepts connections (kernel backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        client = MetadataClient(f"http://127.0.0.1:{port}", "mds1", "daemon", timeout=(1.0, 0.2))
        with pytest.raises(MetadataUnreachable, match="did not answer"):
            client.get_element("g")


class _Canned(BaseHTTPRequestHandler):
    """Answers every request with the server's canned (status, content type, body)."""

    def _answer(self) -> None:
        status, content_type, body = self.server.canned  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def other_server() -> Iterator[ThreadingHTTPServer]:
    """A real HTTP server on loopback whose answer each test chooses."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    httpd.canned = (200, "text/html", b"<html>hello</html>")  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def client_for(httpd: ThreadingHTTPServer) -> MetadataClient:
    return MetadataClient(f"http://127.0.0.1:{httpd.server_address[1]}", "mds1", "daemon", timeout=(1.0, 5.0))


def test_an_html_answer_means_not_an_open_metadata_server(other_server):
    with pytest.raises(MetadataUnreachable, match="not an open metadata server"):
        client_for(other_server).ping()


def test_an_egeria_style_error_inside_an_http_200_answer_is_raised_as_its_ffdc_class(other_server):
    other_server.canned = (200, "application/json", json.dumps({
        "class": "VoidResponse", "relatedHTTPCode": 404,
        "exceptionClassName": "org.odpi.openmetadata.frameworks.openmetadata.ffdc.InvalidParameterException",
        "exceptionErrorMessage": "The entity with unique identifier g is not found",
        "exceptionUserAction": "check the guid",
    }).encode())
    with pytest.raises(InvalidParameterError) as caught:
        client_for(other_server).get_element("g")
    assert (caught.value.related_http_code, caught.value.user_action) == (404, "check the guid")


def test_a_bare_401_without_json_is_a_refused_token(other_server):
    other_server.canned = (401, "text/plain", b"Unauthorized")
    with pytest.raises(UserNotAuthorizedError) as caught:
        client_for(other_server).ping()
    assert caught.value.related_http_code == 401


def test_an_element_the_client_cannot_read_is_a_property_server_error(other_server):
    other_server.canned = (200, "application/json", json.dumps({
        "class": "OpenMetadataElementResponse",
        "relatedHTTPCode": 200,
        "element": {"elementGUID": "g", "type": "CSVFile"},
    }).encode())
    with pytest.raises(PropertyServerError, match="cannot read"):
        client_for(other_server).get_element("g")


def test_a_json_error_answer_without_ffdc_fields_is_still_an_error(other_server):
    other_server.canned = (502, "application/json", b'{"detail": "bad gateway"}')
    with pytest.raises(PropertyServerError, match="502"):
        client_for(other_server).ping()
