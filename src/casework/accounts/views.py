"""Sign-in and sign-out pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import select

from casework.accounts.models import User
from casework.accounts.security import verify_password
from casework.web.auth import OptionalUser, sign_in, sign_out, verify_csrf
from casework.web.deps import SessionDep
from casework.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def safe_next(value: str | None) -> str:
    """Only same-site paths: never an open redirect."""
    if value and value.startswith("/") and not value.startswith("//") and "\\\\" not in value:
        return value
    return "/"


@router.get("/login")
def login_form(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    expired = bool(getattr(request.state, "session_expired", False))
    return render(
        request,
        "accounts/login.html",
        {"next": safe_next(next), "username": "", "error": None, "expired": expired},
    )


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    found = session.exec(select(User).where(User.username == username.strip())).first()
    ok = verify_password(password, found.password_hash if found else None)
    if found is None or not found.is_active or not ok:
        return render(
            request,
            "accounts/login.html",
            {
                "next": safe_next(next),
                "username": username,
                "error": "Tên đăng nhập hoặc mật khẩu không đúng.",
                "expired": False,
            },
            status_code=400,
        )
    sign_in(request, found)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse("/login", status_code=303)
