"""Sign-in and sign-out pages (the account pages: `accounts.account_views`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import select

from casework import inputs
from casework.accounts import account_views, throttle
from casework.accounts.models import User
from casework.accounts.security import verify_password
from casework.db import utcnow
from casework.web.auth import ENDED, OptionalUser, sign_in, sign_out, verify_csrf
from casework.web.deps import SessionDep
from casework.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
router.include_router(account_views.router)


def safe_next(value: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\\\" not in value:
        return value
    return "/"


@router.get("/login")
def login_form(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    # why the last session of this browser ended ("timeout" or "ended"), said once
    ended = request.session.pop(ENDED, None)
    return render(
        request,
        "accounts/login.html",
        {"next": safe_next(next), "username": "", "error": None, "ended": ended},
    )


USERNAME = inputs.Rule("Tên đăng nhập", "username")
#: far above any password a person types; a longer one only costs the hash its time
PASSWORD_MAX = 1024


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    address = request.client.host if request.client else None

    def again(error: str, status_code: int) -> Response:
        return render(
            request,
            "accounts/login.html",
            {"next": safe_next(next), "username": username, "error": error, "ended": None},
            status_code=status_code,
        )

    # the input layer first (issue 17): a NUL, a control character or a huge text never
    # reaches the database (a NUL was a 500 on PostgreSQL); the form keeps the name
    errors: dict[str, str] = {}
    inputs.read({"username": username}, "username", USERNAME, errors)
    if len(password) > PASSWORD_MAX or "\x00" in password:
        errors["password"] = f"Mật khẩu: dài quá {PASSWORD_MAX} ký tự hoặc có ký tự không hợp lệ."
    if errors:
        shown = username[: inputs.LIMITS["username"]].replace("\x00", "")
        return render(
            request, "accounts/login.html",
            {"next": safe_next(next), "username": shown, "error": " ".join(errors.values()),
             "ended": None},
            status_code=422,
        )  # fmt: skip
    # checked before the password, and the same for unknown user names: nothing is revealed
    limits = throttle.Limits.from_settings(request.app.state.settings)
    refused = throttle.refusal(session, username=username, address=address, limits=limits)
    if refused is not None:
        return again(refused.message(utcnow()), 429)
    found = session.exec(select(User).where(User.username == username.strip())).first()
    ok = verify_password(password, found.password_hash if found else None)
    success = found is not None and found.is_active and ok
    throttle.record(session, username=username, address=address, success=success)
    if found is None or not success:
        return again("Tên đăng nhập hoặc mật khẩu không đúng.", 400)
    sign_in(request, session, found)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> Response:
    sign_out(request, session)
    return RedirectResponse("/login", status_code=303)
