"""Notifications page, the nav badge fragment, and "mark as seen".

The badge is loaded by htmx once per page (`hx-trigger="load"`), never polled: a poll would keep
an idle session alive forever and defeat the idle sign-out on shared office PCs.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from casework.dossiers.catalog import procedure_of
from casework.notifications import service
from casework.web.auth import OptionalUser, PageUser, verify_csrf
from casework.web.deps import CalendarsDep, SessionDep
from casework.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


@router.get("/notifications")
def notifications_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    calendars: CalendarsDep,
    seen: bool = False,
) -> Response:
    found = service.collect(session, user=user, calendars=calendars)
    procedures = {
        item.dossier.id: procedure_of(session, item.dossier)[1]
        for section in found.sections
        for item in section.items
    }
    context = {
        "n": found,
        "procedures": procedures,
        "drawn_at": found.now.isoformat(),
        "message": "Đã đánh dấu đã xem." if seen else None,
    }
    return render(request, "notifications/list.html", context, user=user)


@router.get("/notifications/badge")
def badge(
    request: Request, session: SessionDep, user: OptionalUser, calendars: CalendarsDep
) -> Response:
    count = service.badge_count(session, user=user, calendars=calendars) if user else 0
    return render(
        request,
        "notifications/badge.html",
        {"count": count},
        user=user,
        headers={"Cache-Control": "no-store"},
    )


@router.post("/notifications/seen")
async def mark_seen(request: Request, session: SessionDep, user: PageUser) -> Response:
    raw = (await request.form()).get("drawn_at")
    at = None
    if isinstance(raw, str):
        try:
            at = datetime.fromisoformat(raw)
        except ValueError:
            at = None
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
    service.mark_seen(session, user=user, at=at)
    return RedirectResponse("/notifications?seen=1", status_code=303)
