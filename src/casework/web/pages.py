"""Server-rendered pages. For now: the home page listing the procedures."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from casework.web.deps import RegistryDep

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, registry: RegistryDep) -> Response:
    procedures = registry.all()
    levels = sorted({p.level for p in procedures})
    return request.app.state.templates.TemplateResponse(
        request, "home.html", {"procedures": procedures, "levels": levels}
    )


@router.get("/healthz")
def healthz() -> Response:
    return JSONResponse({"status": "ok"})
