"""`casework users …`: the server operator's changes to accounts, recorded in the accounts'
history like an admin's (issue 17, item 3).

The command line runs with the operator's rights on the server, so it does not go through the
grant table (`admin.grants`) — whoever can run it can write to the database anyway — but every
change it makes is an `account_change` row with no admin and `via` "cli:<server account>", in
the change's own transaction, chained like the others.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable

from sqlmodel import Session

from casework.accounts import service as accounts
from casework.accounts.models import Unit, User
from casework.admin import history
from casework.admin.models import ChangeKind


def via() -> str:
    try:
        account = getpass.getuser()
    except Exception:  # noqa: BLE001 - no name is fine
        account = ""
    return f"cli:{account}"[:64]


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    unit: Unit,
    roles: Iterable[str],
    password: str | None,
) -> User:
    user = accounts.create_user(
        session, username=username, full_name=full_name, unit=unit, roles=roles,
        password=password, commit=False,
    )  # fmt: skip
    where = via()
    history.record(
        session, actor=None, user=user, kind=ChangeKind.created, new=unit.code, via=where
    )
    history.record_roles(session, actor=None, user=user, before=[], after=user.roles, via=where)
    session.commit()
    return user


def set_active(session: Session, *, user: User, active: bool) -> User:
    if user.is_active != active:
        kind = ChangeKind.unlocked if active else ChangeKind.locked
        history.record(session, actor=None, user=user, kind=kind, via=via())
    return accounts.set_active(session, user=user, active=active)


def issue_token(session: Session, *, user: User, label: str = "") -> str:
    history.record(
        session, actor=None, user=user, kind=ChangeKind.token_issued, new=label, via=via()
    )
    return accounts.issue_token(session, user=user, label=label)


def revoke_tokens(session: Session, *, user: User, actor: User | None = None) -> int:
    """Revoke every API token of `user` — by the command line, or by `actor` (an admin's
    page) — recording how many, if any."""
    n = accounts.count_active_tokens(session, user=user)
    if n:
        history.record(
            session, actor=actor, user=user, kind=ChangeKind.tokens_revoked, new=str(n),
            via="" if actor is not None else via(),
        )  # fmt: skip
    return accounts.revoke_tokens(session, user=user)
