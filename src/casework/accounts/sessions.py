"""Server-side sessions of the pages: start, find, touch, end, list and purge them.

The browser's signed cookie carries a random token (`secrets.token_urlsafe(32)`); the table
`user_session` keeps its SHA-256, the user, when it started and was last seen, the address and the
browser. A request is signed in only if that row exists, is not ended and is within the idle and
absolute timeouts — one lookup on a unique index per request. `last_seen_at` is written at most
once a minute, so a page of htmx requests costs no writes. See docs/security.md, "Sessions".
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, delete, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import ColumnElement, Executable
from sqlmodel import Session, col, select

from casework.accounts.models import User, UserSession
from casework.accounts.security import token_digest
from casework.db import is_writer, write_engine
from casework.errors import NotFound

if TYPE_CHECKING:
    from casework.settings import Settings

log = logging.getLogger("casework.auth")

#: `last_seen_at` is written when it is at least this old: at most one write a minute a session.
TOUCH_INTERVAL = timedelta(minutes=1)
#: Rows last seen longer ago than this (and than the absolute timeout) are purged at sign-in.
KEEP = timedelta(days=30)


class EndReason(StrEnum):
    signed_out = "signed_out"  # Đăng xuất
    ended = "ended"  # "Kết thúc" on the sessions page
    others_ended = "others_ended"  # "Kết thúc các phiên khác"
    password_changed = "password_changed"  # the user's own change: every other session
    password_reset = "password_reset"  # an admin set a new password: every session
    locked = "locked"  # the account was locked
    idle = "idle"  # no request for longer than the idle timeout
    expired = "expired"  # older than the absolute timeout
    replaced = "replaced"  # a new sign-in in the same browser
    admin_ended = "admin_ended"  # an admin ended it from the user's admin page


#: Reasons that are a timeout (the sign-in page says "expired"), not someone ending the session.
TIMEOUTS = frozenset({EndReason.idle, EndReason.expired})


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Timeouts:
        return cls(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_max_age_hours),
        )

    def reason(self, row: UserSession, now: datetime) -> EndReason | None:
        """Which timeout the session has passed at `now`, if any."""
        if now - row.created_at > self.absolute:
            return EndReason.expired
        if now - row.last_seen_at > self.idle:
            return EndReason.idle
        return None


@dataclass(frozen=True)
class Current:
    """The signed-in user of a request and their session row."""

    user: User
    row: UserSession


def write_now(session: Session, stmt: Executable, what: str) -> None:
    """Bookkeeping written from any request (a session's last use or its timeout, a token's last
    use), at its start: nothing else is pending. A write request's session writes and commits
    it. A read request's session cannot become a writer on SQLite under load, so it gets a write
    transaction of its own, and its own read transaction ends first (a commit: nothing is
    expired) — on SQLite a GET that writes later (a page marking something seen) must not hold a
    snapshot older than this write, or its own write fails as "database is locked". A busy
    database only skips this bookkeeping (logged), never the request."""
    bind = session.get_bind()
    session.commit()
    if is_writer(bind):
        session.execute(stmt)
        session.commit()
        return
    try:
        with Session(write_engine(bind)) as writer:  # type: ignore[arg-type]
            writer.execute(stmt)
            writer.commit()
    except OperationalError:
        log.warning("bookkeeping_skipped what=%s", what)


def start(
    session: Session,
    *,
    user: User,
    address: str | None,
    user_agent: str | None,
    now: datetime,
    timeouts: Timeouts,
) -> str:
    """A new session for `user` (one transaction); returns the token for the cookie. Purges the
    rows nobody has used for a long time on the way (see `purge`)."""
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    purge(session, now=now, timeouts=timeouts)
    session.add(
        UserSession(
            token_hash=token_digest(token), user_id=user.id, created_at=now, last_seen_at=now,
            address=(address or "")[:64], user_agent=(user_agent or "")[:200],
        )
    )  # fmt: skip
    session.commit()
    log.info("session_started user=%s address=%s", user.username, address)
    return token


#: the session row and its user by the token's digest: built once (every page request runs it)
_RESOLVE = (
    select(UserSession, User)
    .join(User, col(User.id) == col(UserSession.user_id))
    .where(col(UserSession.token_hash) == bindparam("digest"))
)


def resolve(
    session: Session, token: str, *, timeouts: Timeouts, now: datetime
) -> Current | EndReason | None:
    """The live session of `token` with its user; else why it is not live (an `EndReason`), or
    None for a token no row knows (purged, forged, of another database). Ends a session found
    past a timeout, and records the use of a live one (at most once a minute)."""
    found = session.execute(_RESOLVE, {"digest": token_digest(token)}).first()
    if found is None:
        return None
    row, user = found
    if row.ended_at is not None:
        reason = row.end_reason or ""
        return EndReason(reason) if reason in EndReason._value2member_map_ else EndReason.ended
    why = timeouts.reason(row, now) or (None if user.is_active else EndReason.locked)
    if why is not None:
        _write_end(session, row, why, now)
        return why
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        stmt = update(UserSession).where(col(UserSession.id) == row.id, _live())
        write_now(session, stmt.values(last_seen_at=now), "session_seen")
        set_committed_value(row, "last_seen_at", now)  # as written; not a change to flush
    return Current(user, row)


def _live() -> ColumnElement[bool]:
    return col(UserSession.ended_at).is_(None)


def _write_end(session: Session, row: UserSession, reason: EndReason, now: datetime) -> None:
    stmt = update(UserSession).where(col(UserSession.id) == row.id, _live())
    write_now(session, stmt.values(ended_at=now, end_reason=reason.value), "session_end")
    log.info("session_ended session=%s reason=%s", row.id, reason.value)


def end_current(session: Session, row_id: int, *, reason: EndReason, now: datetime) -> None:
    """End one session (logging out, or a sign-in replacing it); one transaction."""
    stmt = update(UserSession).where(col(UserSession.id) == row_id, _live())
    session.execute(stmt.values(ended_at=now, end_reason=reason.value))
    session.commit()
    log.info("session_ended session=%s reason=%s", row_id, reason.value)


def end_all(
    session: Session,
    *,
    user: User,
    reason: EndReason,
    now: datetime,
    keep: int | None = None,
) -> int:
    """End every session of `user` but `keep`, in the caller's transaction (not committed: the
    lock or the new password and the ends are one change). Returns how many were live."""
    stmt = update(UserSession).where(col(UserSession.user_id) == user.id, _live())
    if keep is not None:
        stmt = stmt.where(col(UserSession.id) != keep)
    n: int = session.execute(  # type: ignore[attr-defined]
        stmt.values(ended_at=now, end_reason=reason.value)
    ).rowcount
    if n:
        log.info("sessions_ended user=%s reason=%s count=%d", user.username, reason.value, n)
    return n


def active(session: Session, *, user: User, timeouts: Timeouts, now: datetime) -> list[UserSession]:
    """The user's live sessions, the most recently used first."""
    rows = session.exec(
        select(UserSession)
        .where(
            col(UserSession.user_id) == user.id,
            _live(),
            col(UserSession.created_at) >= now - timeouts.absolute,
            col(UserSession.last_seen_at) >= now - timeouts.idle,
        )
        .order_by(col(UserSession.last_seen_at).desc(), col(UserSession.id).desc())
    ).all()
    return list(rows)


def end_own(
    session: Session,
    *,
    user: User,
    session_id: int,
    timeouts: Timeouts,
    now: datetime,
    reason: EndReason = EndReason.ended,
) -> UserSession:
    """End one of `user`'s live sessions — from their sessions page, or an admin's page of the
    user (`reason` admin_ended) — in one transaction with whatever the caller added. Another
    user's session, an ended one or none: the same 404."""
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != user.id or row.ended_at or timeouts.reason(row, now):
        raise NotFound("Không tìm thấy phiên đăng nhập này (có thể nó đã kết thúc).")
    row.ended_at, row.end_reason = now, reason.value
    session.add(row)
    session.commit()
    log.info("session_ended session=%s reason=%s", row.id, reason.value)
    return row


def end_others(session: Session, *, user: User, current: int, now: datetime) -> int:
    """ "Kết thúc các phiên khác": every session of the user but the current one."""
    n = end_all(session, user=user, reason=EndReason.others_ended, now=now, keep=current)
    session.commit()
    return n


def purge(session: Session, *, now: datetime, timeouts: Timeouts) -> int:
    """Delete the rows last seen more than `KEEP` (30 days) ago — ended or timed out long since
    (and at least the absolute timeout ago, should that be set longer). Not committed."""
    cutoff = now - max(KEEP, timeouts.absolute + timedelta(days=1))
    stmt = delete(UserSession).where(col(UserSession.last_seen_at) < cutoff)
    n: int = session.execute(stmt).rowcount  # type: ignore[attr-defined]
    return n


# ---- what the sessions page shows ------------------------------------------------------------

_BROWSERS = (
    ("coc_coc_browser", "Cốc Cốc"), ("Edg/", "Edge"), ("EdgA/", "Edge"), ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"), ("Zalo", "Zalo"), ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"), ("Chrome/", "Chrome"), ("Safari/", "Safari"),
)  # fmt: skip
_SYSTEMS = (
    ("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
    ("CrOS", "ChromeOS"), ("Macintosh", "macOS"), ("Linux", "Linux"),
)  # fmt: skip


def device(user_agent: str) -> str:
    """A short name of the browser and system, e.g. "Chrome · Windows"; "" if unknown."""
    browser = next((name for key, name in _BROWSERS if key in user_agent), "")
    system = next((name for key, name in _SYSTEMS if key in user_agent), "")
    return " · ".join(part for part in (browser, system) if part)
