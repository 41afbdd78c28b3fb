"""Signed-in sessions for the pages: who is signed in, the timeouts, CSRF tokens.

The session lives in the database (`accounts.sessions`, table `user_session`). The browser keeps
Starlette's signed cookie, which holds only a random session token (`sid`, its SHA-256 is the
row's key), the CSRF token and, after a session ended, why (for the sign-in page) — never personal
data. Signed out visitors get a CSRF token in the cookie and no row, so the sign-in form works
without writing to the database. Every unsafe request from a page (plain form or htmx) must carry
the cookie's CSRF token, as the form field `csrf_token` or the header `X-CSRF-Token`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from casework.accounts import sessions
from casework.accounts.models import User, UserSession
from casework.errors import CaseworkError, PermissionDenied
from casework.web.deps import SessionDep

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The cookie's key of the session token, and of why the last session ended ("timeout", "ended").
SID, ENDED = "sid", "ended"


class LoginRequired(CaseworkError):
    """Raised by page dependencies; the handler redirects to the sign-in page."""

    code = "login_required"
    status = 401

    def __init__(self, next_url: str) -> None:
        super().__init__("Cần đăng nhập để xem trang này.")
        self.next_url = next_url


def now() -> datetime:
    """The sessions' clock (`time.time`, so a test can move it)."""
    return datetime.fromtimestamp(time.time(), UTC)


def timeouts(request: Request) -> sessions.Timeouts:
    return sessions.Timeouts.from_settings(request.app.state.settings)


def csrf_token(request: Request, *, create: bool = True) -> str:
    """The session's CSRF token. Fragments pass `create=False`: a late htmx response must never
    mint a second token and overwrite the cookie under a form that carries the first one."""
    token = request.session.get("csrf")
    if not token and create:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token or "")


def sign_in(request: Request, session: Session, user: User) -> None:
    """Start a fresh session (rotation: nothing of the old one survives; a session this browser
    still had ends as replaced)."""
    current = _current(request, session)
    if current is not None:
        sessions.end_current(
            session, _row_id(current.row), reason=sessions.EndReason.replaced, now=now()
        )
    request.session.clear()
    token = sessions.start(
        session, user=user, address=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"), now=now(), timeouts=timeouts(request),
    )  # fmt: skip
    request.session.update({SID: token, "csrf": secrets.token_urlsafe(32)})
    request.state.auth = None  # this request goes on as it came: signed out


def sign_out(request: Request, session: Session) -> None:
    """End the session in the database (a copy of the cookie is worthless from now on)."""
    current = _current(request, session)
    if current is not None:
        sessions.end_current(
            session, _row_id(current.row), reason=sessions.EndReason.signed_out, now=now()
        )
    request.session.clear()


def current_session(request: Request, session: Session) -> UserSession | None:
    """The request's live session row (the sessions page marks it "Phiên này")."""
    current = _current(request, session)
    return current.row if current else None


def _row_id(row: UserSession) -> int:
    assert row.id is not None
    return row.id


def _current(request: Request, session: Session) -> sessions.Current | None:
    """The request's live session, looked up once per request (one query on a unique index)."""
    if hasattr(request.state, "auth"):
        found: sessions.Current | None = request.state.auth
        return found
    request.state.auth = None
    token = request.session.get(SID)
    if not token:
        request.session.pop("uid", None)  # a cookie from before server-side sessions
        return None
    result = sessions.resolve(session, str(token), timeouts=timeouts(request), now=now())
    if not isinstance(result, sessions.Current):
        # signed out, but keep the CSRF token: a page and its htmx requests racing each other
        # must not leave the sign-in form with a token the cookie no longer holds
        request.session.pop(SID, None)
        request.session[ENDED] = "timeout" if result in sessions.TIMEOUTS else "ended"
        return None
    request.state.auth = result
    request.state.username = result.user.username
    return result


def _session_user(request: Request, session: Session) -> User | None:
    current = _current(request, session)
    return current.user if current else None


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


T = TypeVar("T")


async def in_one_trip(request: Request, session: Session, work: Callable[[User], T]) -> T:
    """A read-only page's work in ONE trip to the thread pool: the sign-in check (`page_user`),
    then `work(user)`, then the session closed (the read's transaction ended). As a plain `def`
    route with `PageUser`, FastAPI makes three: the sign-in check, the route, and the session's
    close (a ROLLBACK) after it (issue 19: the dossier page and the work queue)."""

    def run() -> T:
        try:
            return work(page_user(request, session))
        finally:
            # a read: nothing to keep. Closing ends the transaction here, in the pool's thread,
            # and leaves what was loaded readable (a rollback would expire it); get_session
            # then has nothing left to send
            session.close()

    return await run_in_threadpool(run)


PageUser = Annotated[User, Depends(page_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]
