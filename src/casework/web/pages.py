"""The home page, the favicon, the API's interactive page, and the liveness and readiness
checks."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from sqlalchemy import text

from casework.accounts.models import ACTING_ROLES
from casework.web.auth import OptionalUser
from casework.web.deps import RegistryDep
from casework.web.handlers import DATABASE_ERRORS
from casework.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, registry: RegistryDep, user: OptionalUser) -> Response:
    if user is not None and user.has_role(*ACTING_ROLES):
        return RedirectResponse("/dossiers", status_code=303)  # staff start from their queues
    procedures = registry.all()
    levels = sorted({p.level for p in procedures})
    return render(request, "home.html", {"procedures": procedures, "levels": levels}, user=user)


@router.get("/favicon.ico")
def favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico whatever the page links, so it answers instead of a 404."""
    path = request.app.state.settings.templates_dir / "static" / "favicon.ico"
    return FileResponse(
        path, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=604800"}
    )


#: Swagger UI, vendored from the npm package swagger-ui-dist (no CDN: offices may have none).
SWAGGER = "/static/vendor/swagger-ui-5.35.0"


@router.get("/docs")
def api_docs() -> Response:
    """The API's interactive page (Swagger UI) from our own static files."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="casework — API",
        swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER}/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )


@router.get("/healthz")
def healthz() -> Response:
    """Liveness: the process answers (no database work, so it stays cheap)."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
def readyz(request: Request) -> Response:
    """Readiness: the database answers too. A load balancer sends work only to ready workers."""
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DATABASE_ERRORS as exc:
        logging.getLogger("casework").error("not_ready error=%s", type(exc).__name__)
        return JSONResponse({"status": "unavailable", "database": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
