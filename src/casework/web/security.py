"""Security headers on every response.

The CSP allows scripts only from this site (no inline script: htmx is a file, print buttons use
static/js/print.js); inline style attributes are allowed (inline SVG of diagrams and QR codes).
The API page (/docs) is left without a CSP: Swagger UI starts from an inline script. HTML pages
are not stored by the browser unless they say otherwise (Back shows the dossier as it is now).
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import URL, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casework.web.head import HeadAsGet

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
NO_CSP_PATHS = ("/docs",)


class SecurityHeaders:
    """Adds the headers to every HTTP response as it starts (a plain ASGI middleware: Starlette's
    `@app.middleware("http")` runs each request through a task group and memory streams, which
    cost more CPU than a whole cached page)."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = not URL(scope=scope).path.startswith(NO_CSP_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if csp:
                    headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
                if headers.get("content-type", "").startswith("text/html"):
                    # a page states where a dossier is: «Back» after printing a slip must ask
                    # again, not show the page as it was first loaded (Chromium reuses any cached
                    # copy on history navigation); pages that may be kept say so themselves (the
                    # public handbook)
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI, *, hsts: bool) -> None:
    app.add_middleware(SecurityHeaders, hsts=hsts)
    app.add_middleware(HeadAsGet)  # outermost: HEAD works wherever GET does
