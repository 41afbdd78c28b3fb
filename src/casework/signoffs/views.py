"""Sign-off routes: a mentor signs a procedure off or revokes it; the printable certificate.

Thin views: one service call, one template. A form posts and redirects back (post/redirect/get);
a rejected sign-off shows the trainee's page again (422) with the reason on top.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from casework.accounts.models import Unit, User
from casework.db import utcnow
from casework.errors import NotFound, ValidationFailed
from casework.procedures import ProcedureRegistry
from casework.progress.access import visible_trainee
from casework.progress.views import _trainee_page
from casework.signoffs import service
from casework.web.auth import PageUser, verify_csrf
from casework.web.deps import CalendarsDep, RegistryDep, SessionDep, TzDep
from casework.web.forms import form_texts
from casework.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _procedure_name(procedures: ProcedureRegistry, code: str) -> str:
    return procedures.get(code).name if code in procedures else code


@router.post("/progress/users/{username}/sign-offs")
async def sign_off(
    username: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    procedures: RegistryDep,
    calendars: CalendarsDep,
) -> Response:
    trainee = visible_trainee(session, user, username)
    form = await request.form()
    values = {k: v for k, v in form_texts(form).items() if k != "csrf_token"}
    try:
        row = service.sign_off(
            session,
            mentor=user,
            trainee=trainee,
            procedure_code=values.get("procedure_code", ""),
            note=values.get("note", ""),
            procedures=procedures,
        )
    except ValidationFailed as exc:
        session.rollback()
        return _trainee_page(
            request, session, user, trainee, procedures, calendars,
            message=exc.message, errors=exc.fields, values=values, status_code=422,
        )  # fmt: skip
    return RedirectResponse(
        f"/progress/users/{trainee.username}?signed={row.procedure_code}", status_code=303
    )


@router.post("/progress/users/{username}/sign-offs/{code}/revoke")
def revoke_sign_off(username: str, code: str, session: SessionDep, user: PageUser) -> Response:
    trainee = visible_trainee(session, user, username)
    service.revoke_sign_off(session, mentor=user, trainee=trainee, procedure_code=code)
    return RedirectResponse(f"/progress/users/{trainee.username}?revoked={code}", status_code=303)


def _vn_date(at: datetime, tz: Any) -> str:
    d = at.astimezone(tz)
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


@router.get("/progress/users/{username}/certificate")
def certificate(
    username: str,
    request: Request,
    session: SessionDep,
    user: PageUser,
    procedures: RegistryDep,
    tz: TzDep,
) -> Response:
    """A4, Vietnamese, only once at least one procedure is signed off (404 before)."""
    trainee = visible_trainee(session, user, username)
    assert trainee.id is not None
    rows = service.sign_offs_of(session, [trainee.id])[trainee.id]
    if not rows:
        raise NotFound(
            f"{trainee.full_name} chưa được ký xác nhận thủ tục nào: chưa có chứng nhận."
        )
    mentors = {
        u.id: u
        for u in session.exec(
            select(User).where(col(User.id).in_({r.mentor_id for r in rows}))
        ).all()
    }
    items = [
        {
            "code": r.procedure_code,
            "name": _procedure_name(procedures, r.procedure_code),
            "mentor": mentors[r.mentor_id].full_name if r.mentor_id in mentors else "",
            "date": r.signed_at.astimezone(tz).strftime("%d/%m/%Y"),
        }
        for r in rows
    ]
    context = {
        "trainee": trainee,
        "unit": session.get(Unit, trainee.unit_id),
        "items": items,
        "issued": _vn_date(utcnow(), tz),
    }
    return render(request, "progress/certificate.html", context, user=user)
