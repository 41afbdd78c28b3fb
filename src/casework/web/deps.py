"""FastAPI dependencies shared by the API and the pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from casework.accounts.models import User
from casework.accounts.service import user_for_token
from casework.db import write_engine
from casework.dossiers.clockwork import CalendarSource
from casework.errors import NotAuthenticated
from casework.procedures import ProcedureRegistry
from casework.settings import Settings
from casework.workshop import live


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request; unsafe methods get a write session (see `db.write_engine`).

    `async def`: making a session touches no database (it connects at first use, in the
    endpoint's thread), so FastAPI does not hop to the thread pool and back to open it. Closing
    one that still holds a transaction (a page that read) sends a ROLLBACK: that goes to the
    thread pool, as before; one whose work was committed (an action) has nothing to send and is
    closed here. Two thread-pool round trips fewer per action, one per page (issue 19)."""
    engine = request.app.state.engine
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        engine = write_engine(engine)
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


def get_registry(request: Request) -> ProcedureRegistry:
    """The procedures in force; reloaded when another worker published (`workshop.live`)."""
    live.refresh(request.app.state, request.app.state.engine)
    registry: ProcedureRegistry = request.app.state.registry
    return registry


# The dependencies that only read the app's state are `async def`: FastAPI runs a plain `def`
# dependency in the thread pool, a round trip between threads per request for a dictionary read.


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_calendars(request: Request) -> CalendarSource:
    calendars: CalendarSource = request.app.state.calendars
    return calendars


async def get_tz(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


SessionDep = Annotated[Session, Depends(get_session)]
RegistryDep = Annotated[ProcedureRegistry, Depends(get_registry)]
TzDep = Annotated[ZoneInfo, Depends(get_tz)]
CalendarsDep = Annotated[CalendarSource, Depends(get_calendars)]


async def bearer_token(request: Request) -> str:
    """The request's API token, or 401: read from the header, nothing asked of the database."""
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated(
            "Cần mã truy cập: gửi tiêu đề 'Authorization: Bearer <token>' "
            "(tạo bằng lệnh: casework users token TÊN_ĐĂNG_NHẬP)."
        )
    return token.strip()


BearerToken = Annotated[str, Depends(bearer_token)]


def token_user(request: Request, session: Session, token: str) -> User:
    """The active user of `token` (401 otherwise); reads the database."""
    user = user_for_token(session, token)
    request.state.username = user.username
    return user


def api_user(request: Request, session: SessionDep, token: BearerToken) -> User:
    return token_user(request, session, token)


ApiUser = Annotated[User, Depends(api_user)]
