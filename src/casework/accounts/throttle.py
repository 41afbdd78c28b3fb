"""Sign-in throttling, per account and per client address, kept in the database.

After `Limits.account` failed sign-ins for one user name within `Limits.window`, further attempts
for that name are refused until the oldest of those failures leaves the window; likewise after
`Limits.address` failures from one address. The limits are settings (`CASEWORK_LOGIN_…`), e.g. for
an office whose officers all reach the server from one address. Unknown user names count exactly
like real ones, so a refusal never tells whether an account exists. Refused attempts are not
recorded (they would only lengthen the cool-down) and their password is never checked. A
successful sign-in clears the account's failures. Rows older than `KEEP` are pruned whenever an
attempt is recorded.

The counts live in the `login_attempt` table, so every app worker sees the same ones; two workers
racing may let an attempt or two more through, which is fine for this purpose.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from casework.accounts.models import LoginAttempt
from casework.db import utcnow
from casework.settings import Settings

log = logging.getLogger("casework.auth")

KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    """Failed sign-ins allowed per user name and per address within `window`."""

    account: int = 5
    address: int = 20
    window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            account=settings.login_max_failures_per_account,
            address=settings.login_max_failures_per_address,
            window=timedelta(minutes=settings.login_window_minutes),
        )


DEFAULT = Limits()

_NAME_LENGTH = 64


def normalise_username(username: str) -> str:
    return username.strip().lower()[:_NAME_LENGTH]


def _address(address: str | None) -> str:
    return (address or "unknown")[:_NAME_LENGTH]


@dataclass(frozen=True)
class Refusal:
    """Why and for how long sign-ins are refused."""

    reason: str  # "account" or "address"
    until: datetime

    def minutes(self, now: datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds() / 60))

    def message(self, now: datetime) -> str:
        return f"Đăng nhập sai quá nhiều lần; thử lại sau {self.minutes(now)} phút."


def _locked_until(
    session: Session, column: object, value: str, limit: int, window: timedelta, now: datetime
) -> datetime | None:
    times = session.exec(
        select(LoginAttempt.at)
        .where(
            col(column) == value,
            col(LoginAttempt.success).is_(False),
            col(LoginAttempt.at) > now - window,
        )
        .order_by(col(LoginAttempt.at).desc())
        .limit(limit)
    ).all()
    if len(times) < limit:
        return None
    # refused until the oldest of the last `limit` failures leaves the window
    return times[-1] + window


def refusal(
    session: Session,
    *,
    username: str,
    address: str | None,
    limits: Limits = DEFAULT,
    now: datetime | None = None,
) -> Refusal | None:
    """The refusal in force for this user name or address, or None if an attempt may go ahead.
    Logs every refusal."""
    now = now or utcnow()
    name = normalise_username(username)
    addr = _address(address)
    found: Refusal | None = None
    until = _locked_until(session, LoginAttempt.username, name, limits.account, limits.window, now)
    if until is not None:
        found = Refusal("account", until)
    else:
        until = _locked_until(
            session, LoginAttempt.address, addr, limits.address, limits.window, now
        )
        if until is not None:
            found = Refusal("address", until)
    session.rollback()  # end the read transaction: nothing to keep
    if found is not None:
        log.warning(
            "login_refused reason=%s username=%s address=%s retry_minutes=%d",
            found.reason,
            name,
            addr,
            found.minutes(now),
        )
    return found


def record(
    session: Session,
    *,
    username: str,
    address: str | None,
    success: bool,
    now: datetime | None = None,
) -> None:
    """Note one checked attempt (one transaction). A success clears the account's failures."""
    now = now or utcnow()
    name = normalise_username(username)
    if success:
        session.exec(
            delete(LoginAttempt).where(
                col(LoginAttempt.username) == name, col(LoginAttempt.success).is_(False)
            )
        )
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < now - KEEP))
    session.add(LoginAttempt(username=name, address=_address(address), at=now, success=success))
    session.commit()
