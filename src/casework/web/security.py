"""Security headers on every response.

The CSP allows scripts only from this site (no inline script: htmx is a file, print buttons use
static/js/print.js); inline style attributes are allowed (inline SVG of diagrams and QR codes).
The API page (/docs) is left without a CSP: Swagger UI starts from an inline script. HTML pages
are not stored by the browser unless they say otherwise (Back shows the dossier as it is now).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response

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


def install(app: FastAPI, *, hsts: bool) -> None:
    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        headers = response.headers
        if not request.url.path.startswith(NO_CSP_PATHS):
            headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if hsts:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if headers.get("content-type", "").startswith("text/html"):
            # a page states where a dossier is: «Back» after printing a slip must ask again, not
            # show the page as it was first loaded (Chromium reuses any cached copy on history
            # navigation); pages that may be kept say so themselves (the public handbook)
            headers.setdefault("Cache-Control", "no-store")
        return response

    app.add_middleware(HeadAsGet)  # outermost: HEAD works wherever GET does
