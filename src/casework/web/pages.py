"""Server-rendered pages. For now: the home page listing the procedures."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from casework.accounts.models import ACTING_ROLES
from casework.web.auth import OptionalUser
from casework.web.deps import RegistryDep
from casework.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, registry: RegistryDep, user: OptionalUser) -> Response:
    if user is not None and user.has_role(*ACTING_ROLES):
        return RedirectResponse("/dossiers", status_code=303)  # staff start from their queues
    procedures = registry.all()
    levels = sorted({p.level for p in procedures})
    return render(request, "home.html", {"procedures": procedures, "levels": levels}, user=user)


@router.get("/healthz")
def healthz() -> Response:
    return JSONResponse({"status": "ok"})
