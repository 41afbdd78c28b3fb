"""`casework serve`: several workers answer, and their connections have TCP_NODELAY on (without
it every kept-alive response waits ~40 ms for the client's delayed ACK: encode/uvicorn#3149)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx

from casework.serving import NoDelayConfig
from tests.faults.harness import free_port


def test_the_shared_socket_of_several_workers_gives_nodelay_connections():
    config = NoDelayConfig("casework.main:create_app", host="127.0.0.1", port=0, workers=2)
    listener = config.bind_socket()
    listener.listen(1)
    try:
        with socket.create_connection(listener.getsockname()) as client:
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
                client.sendall(b"x")
                assert accepted.recv(1) == b"x"
    finally:
        listener.close()


def test_serve_with_two_workers_answers(tmp_path: Path):
    db = tmp_path / "serve.db"
    env = {
        **os.environ,
        "CASEWORK_DATABASE_URL": f"sqlite:///{db}",
        "CASEWORK_ENV": "test",
        "CASEWORK_UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    casework = str(Path(sys.executable).parent / "casework")
    subprocess.run([casework, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [casework, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        ready = None
        deadline = time.monotonic() + 60
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            while ready is None and time.monotonic() < deadline:
                try:
                    ready = http.get("/readyz")
                except httpx.HTTPError:
                    time.sleep(0.2)
        output = (tmp_path / "serve.log").read_text()
        assert ready is not None, output
        assert ready.json() == {"status": "ok", "database": "ok"}
        while time.monotonic() < deadline and output.count("Application startup complete") < 2:
            time.sleep(0.2)
            output = (tmp_path / "serve.log").read_text()
        started = set(re.findall(r"Started server process \[(\d+)\]", output))
        assert len(started) == 2, output  # two worker processes behind one socket
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_serve_with_several_workers_shares_a_nodelay_socket(monkeypatch):
    """`casework serve --workers 2` hands uvicorn's supervisor the NoDelayConfig socket."""
    from casework import serving

    started = []

    class Supervisor:
        def __init__(self, config, sockets):  # type: ignore[no-untyped-def]
            started.append((config, sockets))

        def run(self) -> None:
            pass

    monkeypatch.setattr(serving, "Multiprocess", Supervisor)
    serving.run("casework.main:create_app", workers=2, reload=False, host="127.0.0.1", port=0)
    ((config, sockets),) = started
    try:
        assert isinstance(config, NoDelayConfig)
        assert config.workers == 2
        (sock,) = sockets
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        for s in sockets:
            s.close()


def test_the_threads_setting_bounds_the_requests_run_at_once(tmp_path: Path):
    from anyio import to_thread
    from fastapi.testclient import TestClient

    from casework.main import create_app
    from casework.migrations import upgrade
    from casework.settings import Settings

    db = f"sqlite:///{tmp_path / 'threads.db'}"
    upgrade(db)
    app = create_app(Settings(env="test", database_url=db, upload_dir=tmp_path, threads=3))
    with TestClient(app) as client:
        tokens = client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens)
        assert tokens == 3
        assert client.get("/healthz").status_code == 200


def test_a_served_worker_freezes_its_start_up_objects_and_a_test_app_does_not(
    tmp_path: Path, monkeypatch
):
    import gc

    from fastapi.testclient import TestClient

    from casework.main import create_app
    from casework.migrations import upgrade
    from casework.serving import served_app
    from casework.settings import get_settings

    db = f"sqlite:///{tmp_path / 'frozen.db'}"
    upgrade(db)
    monkeypatch.setenv("CASEWORK_DATABASE_URL", db)
    monkeypatch.setenv("CASEWORK_UPLOAD_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        with TestClient(create_app()) as client:
            assert client.get("/healthz").status_code == 200
            assert gc.get_freeze_count() == 0
        with TestClient(served_app()) as client:
            assert gc.get_freeze_count() > 50_000  # the app's start-up objects
            assert client.get("/healthz").status_code == 200
    finally:
        gc.unfreeze()  # the test process goes on making apps
        get_settings.cache_clear()
