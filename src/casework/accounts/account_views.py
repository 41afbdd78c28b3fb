"""The user's own account pages: their signed-in sessions, and changing their password.

Thin views over `accounts.sessions` and `accounts.service`. Every form posts and redirects back
with what was done (`?done=`); a refused password form is shown again (422) with the reason next
to each field, never the passwords typed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from casework.accounts import service as accounts
from casework.accounts import sessions, throttle
from casework.accounts.models import User
from casework.db import utcnow
from casework.errors import ValidationFailed
from casework.ids import CountQuery, IdPath
from casework.web.auth import (
    PageUser,
    current_session,
    now,
    sign_out,
    timeouts,
    verify_csrf,
)
from casework.web.deps import SessionDep
from casework.web.forms import form_text
from casework.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _done(done: str | None, n: int | None) -> str | None:
    count = n or 0
    return {
        "ended": "Đã kết thúc phiên đó: thiết bị ấy phải đăng nhập lại.",
        "others": f"Đã kết thúc {count} phiên khác: chỉ còn phiên này.",
        "password": f"Đã đổi mật khẩu. {count} phiên khác đã được kết thúc; phiên này vẫn giữ.",
    }.get(done or "")


@router.get("/account/sessions")
def sessions_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    done: Annotated[str | None, Query(max_length=16)] = None,
    n: CountQuery = None,
) -> Response:
    current = current_session(request, session)
    this = current.id if current else None
    rows = sessions.active(session, user=user, timeouts=timeouts(request), now=now())
    rows.sort(key=lambda row: row.id != this)  # this one first, then the most recently used
    items = [
        {"row": row, "device": sessions.device(row.user_agent), "current": row.id == this}
        for row in rows
    ]
    return render(
        request, "accounts/sessions.html",
        {
            "items": items, "others": len(items) - 1, "message": _done(done, n),
            "idle_minutes": request.app.state.settings.session_idle_minutes,
            "max_hours": request.app.state.settings.session_max_age_hours,
        },
        user=user,
    )  # fmt: skip


@router.post("/account/sessions/end-others")
def end_others(request: Request, session: SessionDep, user: PageUser) -> Response:
    current = current_session(request, session)
    assert current is not None and current.id is not None
    n = sessions.end_others(session, user=user, current=current.id, now=now())
    return RedirectResponse(f"/account/sessions?done=others&n={n}", status_code=303)


@router.post("/account/sessions/{session_id}/end")
def end_one(session_id: IdPath, request: Request, session: SessionDep, user: PageUser) -> Response:
    current = current_session(request, session)
    if current is not None and current.id == session_id:
        sign_out(request, session)  # "Kết thúc" on this very session: signing out
        return RedirectResponse("/login", status_code=303)
    sessions.end_own(
        session, user=user, session_id=session_id, timeouts=timeouts(request), now=now()
    )
    return RedirectResponse("/account/sessions?done=ended", status_code=303)


@router.get("/account/password")
def password_page(request: Request, user: PageUser) -> Response:
    return _password_form(request, user)


@router.post("/account/password")
async def change_password(request: Request, session: SessionDep, user: PageUser) -> Response:
    form = await request.form()
    current = current_session(request, session)
    assert current is not None and current.id is not None
    address = request.client.host if request.client else None
    # a stolen session must not be a way to guess the password: the sign-in's own throttle
    limits = throttle.Limits.from_settings(request.app.state.settings)
    refused = throttle.refusal(session, username=user.username, address=address, limits=limits)
    if refused is not None:
        error = ValidationFailed(refused.message(utcnow()), fields={})
        return _password_form(request, user, error, status_code=429)
    try:
        n = accounts.change_own_password(
            session, user=user, current=form_text(form, "current_password"),
            password=form_text(form, "password"), again=form_text(form, "password_again"),
            keep_session=current.id,
        )  # fmt: skip
    except ValidationFailed as exc:
        session.rollback()
        if "current_password" in exc.fields:
            throttle.record(session, username=user.username, address=address, success=False)
        return _password_form(request, user, exc, status_code=422)
    return RedirectResponse(f"/account/sessions?done=password&n={n}", status_code=303)


def _password_form(
    request: Request, user: User, error: ValidationFailed | None = None, *, status_code: int = 200
) -> Response:
    context: dict[str, Any] = {
        "errors": error.fields if error else {},
        "message": error.message if error else None,
        "min_password": accounts.MIN_PASSWORD_LENGTH,
    }
    return render(request, "accounts/password.html", context, user=user, status_code=status_code)
