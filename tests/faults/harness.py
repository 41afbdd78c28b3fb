"""A real `casework serve` process for the fault and load tests, and the action cycle they fire."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
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
