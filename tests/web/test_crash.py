"""A bug answers one 500 page, is logged once with its traceback, and does not cost the client its
keep-alive connection: served by a real uvicorn, as in production. The page (and the API's JSON)
shows the request id that the log line keeps (issue 17, Errors)."""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI

from tests.faults.harness import free_port


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response (with a Content-Length) from the socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    length = int(headers["content-length"])
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection mid-body"
        body += chunk
    assert len(body) == length  # nothing more was sent than this response
    return int(status_line.split()[1]), headers, body


@pytest.fixture
def served(app: FastAPI) -> Iterator[int]:
    """The app, with a route that fails, on a real uvicorn in a thread; yields the port."""

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaputt")

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_crash_is_logged_once_and_the_connection_is_kept(served, caplog):
    caplog.set_level(logging.INFO)
    with socket.create_connection(("127.0.0.1", served), timeout=10) as sock:
        sock.sendall(b"GET /boom HTTP/1.1\r\nHost: casework\r\nAccept: text/html\r\n\r\n")
        status, headers, body = read_response(sock)
        assert status == 500
        assert "Lỗi hệ thống" in body.decode()
        shown = re.search(r"Mã yêu cầu: <code>([0-9a-f]{12})</code>", body.decode())
        assert shown and headers["x-request-id"] == shown[1]
        assert headers.get("connection", "").lower() != "close"
        assert headers["x-content-type-options"] == "nosniff"  # the app's headers, even on a 500
        assert "content-security-policy" in headers

        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: casework\r\n\r\n")  # the same connection
        status, _, body = read_response(sock)
        assert status == 200 and body == b'{"status":"ok"}'

        sock.sendall(b"GET /api/v1/boom-not-here HTTP/1.1\r\nHost: casework\r\n\r\n")
        assert read_response(sock)[0] == 404  # and still open

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [(r.name, r.getMessage()) for r in errors]
    (record,) = errors
    assert record.name == "casework"
    assert record.getMessage() == f"unhandled_error path=/boom request_id={shown[1]}"
    assert record.exc_info and isinstance(record.exc_info[1], RuntimeError)
    assert "Traceback" in caplog.text and "kaputt" in caplog.text
    assert "Exception in ASGI application" not in caplog.text


def test_a_crash_in_the_api_is_a_json_500(client):
    @client.app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("kaputt")

    r = client.get("/api/v1/boom")  # TestClient would re-raise an exception that escaped the app
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert "kaputt" not in r.text
    rid = r.json()["error"]["details"]["request_id"]
    assert re.fullmatch(r"[0-9a-f]{12}", rid) and r.headers["x-request-id"] == rid


def test_a_service_that_raises_is_logged_once_with_the_id_shown(
    client, world, sign_in, caplog, monkeypatch
):
    """A real page whose service fails: one ERROR line, with the id the page shows; every answer
    carries its own id."""
    from casework.dossiers import queries

    sign_in(world["hni.receiver"])
    monkeypatch.setattr(queries, "queue_counts", lambda *a, **k: 1 / 0)
    caplog.set_level(logging.INFO)
    r = client.get("/dossiers")
    assert r.status_code == 500 and "Lỗi hệ thống" in r.text and "ZeroDivision" not in r.text
    rid = re.search(r"Mã yêu cầu: <code>([0-9a-f]{12})</code>", r.text)[1]
    errors = [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert [rec.getMessage() for rec in errors] == [
        f"unhandled_error path=/dossiers request_id={rid}"
    ]
    assert isinstance(errors[0].exc_info[1], ZeroDivisionError)
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3 and rid not in ids
    assert "Mã yêu cầu" not in client.get("/khong-co").text  # only server errors show it
