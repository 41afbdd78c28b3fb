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
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess


class NoDelayConfig(uvicorn.Config):
    """uvicorn's configuration; its shared listening socket has `TCP_NODELAY` on."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def served_app() -> FastAPI:
    """`create_app` for a worker of `casework serve`. Once it has started, what it made (the
    procedures and their state machines, the templates, the models: ~260,000 objects) is frozen
    out of the garbage collector (`gc.freeze`, after a collection of the start-up's garbage): a
    full collection walked all of it, ~230 ms with the worker stopped, and each middle one
    ~1.7 ms (1.35 ms frozen); tests/test_serving.py. Not in `create_app` itself: a test process
    makes hundreds of apps, and what is frozen is never freed."""
    from casework.main import create_app

    app = create_app()
    app.state.freeze_heap = True
    return app


def run(app: str, *, workers: int, reload: bool, **options: Any) -> None:
    """`uvicorn.run(app, …)`, except that several workers share a `NoDelayConfig` socket."""
    if workers <= 1 or reload:
        uvicorn.run(app, workers=workers, reload=reload, **options)
        return
    config = NoDelayConfig(app, workers=workers, **options)
    Multiprocess(config, sockets=[config.bind_socket()]).run()
