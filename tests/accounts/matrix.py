"""The account pages' part of the access matrix (`tests/security/test_access_matrix.py`): a live
session of the matrix's trainee (whose id the refused users must not end: 404), and the builders
of the account POST routes for `unsafe_requests.BUILDERS`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from casework.accounts import sessions
from casework.accounts.models import ApiToken, User, UserSession
from casework.accounts.security import token_digest, verify_password
from casework.db import utcnow
from tests.conftest import TEST_PASSWORD as PASSWORD  # what the `sign_in` fixture gives everyone

NEW_PASSWORD = "Mat-khau-rieng-2031!"
TIMEOUTS = sessions.Timeouts(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


def matrix_session(session: Session, user: User) -> int:
    """A live session of `user` in another browser, through the service; its id."""
    token = sessions.start(
        session, user=user, address="10.9.8.7", user_agent="Mozilla/5.0 (Windows NT 10.0) Chrome/1",
        now=utcnow(), timeouts=TIMEOUTS,
    )  # fmt: skip
    row = session.exec(
        select(UserSession).where(UserSession.token_hash == token_digest(token))
    ).one()
    assert row.id is not None
    return row.id


def _ended(db: Session, row_id: int, reason: str) -> str:
    row = db.get(UserSession, row_id)
    ok = row is not None and row.ended_at is not None and row.end_reason == reason
    return "" if ok else f"the other session did not end ({reason})"


def _still_signed_in(k: Any) -> str:
    page = k.client.get("/account/sessions", follow_redirects=False)
    return "" if page.status_code == 200 else "this session ended too"


def end_one(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    other = matrix_session(k.session, who)

    def stored(db: Session, r: Any) -> str:
        return _ended(db, other, "ended") or _still_signed_in(k)

    return Sent(
        f"/account/sessions/{other}/end", location=r"^/account/sessions\?done=ended$",
        stored=stored,
    )  # fmt: skip


def end_others(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    other = matrix_session(k.session, who)

    def stored(db: Session, r: Any) -> str:
        return _ended(db, other, "others_ended") or _still_signed_in(k)

    return Sent(
        "/account/sessions/end-others", location=r"^/account/sessions\?done=others&n=\d+$",
        stored=stored,
    )  # fmt: skip


def change_password(k: Any, who: User, mode: str) -> Any:
    from tests.security.unsafe_requests import Sent

    other = matrix_session(k.session, who)
    kept = who.password_hash

    def stored(db: Session, r: Any) -> str:
        user = db.get(User, who.id)
        assert user is not None
        wrong = "" if verify_password(NEW_PASSWORD, user.password_hash) else "not changed"
        wrong = wrong or _ended(db, other, "password_changed") or _still_signed_in(k)
        user.password_hash = kept  # the matrix's later requests sign in with PASSWORD again
        db.add(user)
        # the change revoked the user's API tokens (issue 17): the matrix's later API requests
        # use the token it made for them at the start
        db.execute(update(ApiToken).where(col(ApiToken.user_id) == who.id).values(revoked_at=None))
        db.commit()
        return wrong

    return Sent(
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        location=r"^/account/sessions\?done=password&n=\d+$", stored=stored,
    )  # fmt: skip


def admin_ends_one(k: Any, who: User, mode: str) -> Any:
    """An admin ends one session of a Hà Nội receiver from the user's admin page (issue 17)."""
    from casework.admin.models import AccountChange
    from tests.security.unsafe_requests import Sent

    target = k.user(k.units["HNI"], ["receiver"])
    other = matrix_session(k.session, target)

    def stored(db: Session, r: Any) -> str:
        recorded = db.exec(
            select(AccountChange).where(
                AccountChange.user_id == target.id, AccountChange.kind == "session_ended"
            )
        ).first()
        wrong = _ended(db, other, "admin_ended")
        return wrong or ("" if recorded and recorded.actor_id == who.id else "not recorded")

    return Sent(
        f"/admin/users/{target.id}/sessions/{other}/end",
        location=rf"^/admin/users/{target.id}\?done=session$", stored=stored,
    )  # fmt: skip


BUILDERS = {
    ("POST", "/admin/users/{user_id}/sessions/{session_id}/end"): admin_ends_one,
    ("POST", "/account/sessions/{session_id}/end"): end_one,
    ("POST", "/account/sessions/end-others"): end_others,
    ("POST", "/account/password"): change_password,
}
