"""Signed-in sessions for the pages: who is signed in, idle timeout, CSRF tokens.

The session is Starlette's signed cookie; it holds only the user id, the CSRF token and two
timestamps — never personal data. Every unsafe request from a page (plain form or htmx) must carry
the session's CSRF token, as the form field `csrf_token` or the header `X-CSRF-Token`.
"""

from __future__ import annotations

import secrets
import time
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from sqlmodel import Session

from casework.accounts.models import User
from casework.errors import CaseworkError, PermissionDenied
from casework.web.deps import SessionDep

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(CaseworkError):
    """Raised by page dependencies; the handler redirects to the sign-in page."""

    code = "login_required"
    status = 401

    def __init__(self, next_url: str) -> None:
        super().__init__("Cần đăng nhập để xem trang này.")
        self.next_url = next_url


def csrf_token(request: Request, *, create: bool = True) -> str:
    """The session's CSRF token. Fragments pass `create=False`: a late htmx response must never
    mint a second token and overwrite the cookie under a form that carries the first one."""
    token = request.session.get("csrf")
    if not token and create:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token or "")


def sign_in(request: Request, user: User) -> None:
    """Start a fresh session (rotation: nothing of the old one survives)."""
    request.session.clear()
    now = int(time.time())
    request.session.update(
        {"uid": user.id, "csrf": secrets.token_urlsafe(32), "since": now, "seen": now}
    )


def sign_out(request: Request) -> None:
    request.session.clear()


def _session_user(request: Request, session: Session) -> User | None:
    uid = request.session.get("uid")
    if uid is None:
        return None
    settings = request.app.state.settings
    now = int(time.time())
    idle = now - int(request.session.get("seen", 0))
    age = now - int(request.session.get("since", 0))
    if idle > settings.session_idle_minutes * 60 or age > settings.session_max_age_hours * 3600:
        # sign out, but keep the CSRF token: a page and its htmx requests racing each other
        # must not leave the sign-in form with a token the cookie no longer holds
        for key in ("uid", "since", "seen"):
            request.session.pop(key, None)
        request.state.session_expired = True
        return None
    user = session.get(User, uid)
    if user is None or not user.is_active:
        request.session.clear()
        return None
    request.session["seen"] = now
    request.state.username = user.username
    return user


def optional_user(request: Request, session: SessionDep) -> User | None:
    return _session_user(request, session)


def page_user(request: Request, session: SessionDep) -> User:
    user = _session_user(request, session)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return user


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request whose CSRF token does not match the session's."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise PermissionDenied(
            "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ (CSRF). "
            "Hãy tải lại trang rồi thử lại."
        )


def login_url(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='')}"


PageUser = Annotated[User, Depends(page_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]
