"""A real `casework serve` process for the fault and load tests, and the action cycle they fire."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx

#: What to do next with a 2.002131 dossier, by its state: accept it, then ask for a supplement and
#: receive it, round and round — every step a real action with an event. (role, action, data)
NEXT: dict[str, tuple[str, str, dict[str, Any]]] = {
    "received": ("receiver", "accept", {}),
    "reviewing": (
        "handler",
        "request_supplement",
        {"reason": "Thiếu", "missing_documents": ["phieu_khai_bao"]},
    ),
    "awaiting_supplement": ("receiver", "receive_supplement", {}),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, uploads: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CASEWORK_DATABASE_URL": url,
        "CASEWORK_ENV": "test",
        "CASEWORK_UPLOAD_DIR": str(uploads),
    }
    casework = Path(sys.executable).parent / "casework"
    log = (uploads.parent / f"server-{port}.log").open("ab")  # read it when a test fails
    proc = subprocess.Popen(
        [str(casework), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("the server did not start")


class TcpProxy:
    """A TCP relay in front of the database server, to take the database away from the app the
    way a network cut or a crashed server does: `cut()` closes every relayed connection and stops
    accepting new ones (the connecting side gets 'connection refused'); `resume()` listens again
    on the same port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def __enter__(self) -> TcpProxy:
        self.resume()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()

    def resume(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the thread blocked in accept() (Linux)
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for s in self._open:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
