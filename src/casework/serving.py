"""Running the app under uvicorn (`casework serve`), with a fix for several workers.

uvicorn 0.54 binds the socket that several workers share without `IPPROTO_TCP`, so asyncio never
turns on `TCP_NODELAY` for their connections, and every response on a kept-alive connection
waits for the client's delayed acknowledgement: about 40 ms each (encode/uvicorn#3149, still
open; one worker is not affected). `bench/pages.py` showed it: /healthz at 88 requests/s with two
workers against 1,000 with one. We set `TCP_NODELAY` on the listening socket, which the accepted
connections inherit.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess


class NoDelayConfig(uvicorn.Config):
    """uvicorn's configuration; its shared listening socket has `TCP_NODELAY` on."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def run(app: str, *, workers: int, reload: bool, **options: Any) -> None:
    """`uvicorn.run(app, …)`, except that several workers share a `NoDelayConfig` socket."""
    if workers <= 1 or reload:
        uvicorn.run(app, workers=workers, reload=reload, **options)
        return
    config = NoDelayConfig(app, workers=workers, **options)
    Multiprocess(config, sockets=[config.bind_socket()]).run()
