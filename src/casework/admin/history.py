"""Writing and reading the accounts' history (`AccountChange`): what the admin pages changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from casework.accounts.models import ROLE_LABELS, Role, Unit, User
from casework.admin.models import CHANGE_LABELS, AccountChange, ChangeKind
from casework.db import utcnow

SHOWN = 30


def record(
    session: Session,
    *,
    actor: User,
    user: User,
    kind: ChangeKind,
    role: str | None = None,
    old: str = "",
    new: str = "",
    at: datetime | None = None,
) -> None:
    """Add one row (not committed: it joins the change's transaction)."""
    assert user.id is not None
    session.add(
        AccountChange(
            user_id=user.id,
            actor_id=actor.id,
            at=at or utcnow(),
            kind=kind,
            role=role,
            old_value=old[:255],
            new_value=new[:255],
        )
    )


def record_roles(
    session: Session, *, actor: User, user: User, before: Iterable[str], after: Iterable[str]
) -> None:
    """One row per role granted and per role removed, in the roles' order."""
    old, new = set(before), set(after)
    now = utcnow()
    for role in Role:
        if role in new - old:
            record(session, actor=actor, user=user, kind=ChangeKind.granted, role=role, at=now)
        elif role in old - new:
            record(session, actor=actor, user=user, kind=ChangeKind.removed, role=role, at=now)


@dataclass(frozen=True)
class Line:
    at: datetime
    who: str  # the admin's name and username
    what: str  # "Cấp vai trò «Quản trị»", "Chuyển đơn vị: A → B" …


def _what(row: AccountChange) -> str:
    label = CHANGE_LABELS.get(ChangeKind(row.kind), row.kind)
    if row.role:
        known = {r.value: r for r in Role}
        role = ROLE_LABELS[known[row.role]] if row.role in known else row.role
        return f"{label} «{role}»"
    if row.kind == ChangeKind.created:
        return f"{label} tại {row.new_value}" if row.new_value else label
    if row.old_value or row.new_value:
        return f"{label}: {row.old_value} → {row.new_value}"
    return label


def lines(session: Session, user: User, *, limit: int = SHOWN) -> list[Line]:
    """The user's latest changes, newest first."""
    rows = session.exec(
        select(AccountChange)
        .where(AccountChange.user_id == user.id)
        .order_by(col(AccountChange.at).desc(), col(AccountChange.id).desc())
        .limit(limit)
    ).all()
    ids = {r.actor_id for r in rows if r.actor_id is not None}
    found = session.exec(select(User).where(col(User.id).in_(ids))).all() if ids else []
    actors = {u.id: u for u in found}
    out = []
    for r in rows:
        actor = actors.get(r.actor_id) if r.actor_id is not None else None
        who = f"{actor.full_name} ({actor.username})" if actor else "—"
        out.append(Line(at=r.at, who=who, what=_what(r)))
    return out


def unit_code(session: Session, unit_id: int) -> str:
    unit = session.get(Unit, unit_id)
    return unit.code if unit else str(unit_id)
