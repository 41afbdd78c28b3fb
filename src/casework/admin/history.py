"""Writing and reading the accounts' history (`AccountChange`): what the admin pages changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from casework.accounts.models import ROLE_LABELS, Role, Unit, User
from casework.admin import history_chain
from casework.admin.models import CHANGE_LABELS, AccountChange, ChangeKind
from casework.db import utcnow
from casework.paging import Page

SHOWN = 30


def record(
    session: Session,
    *,
    actor: User | None,
    user: User,
    kind: ChangeKind,
    role: str | None = None,
    old: str = "",
    new: str = "",
    at: datetime | None = None,
    via: str = "",
) -> None:
    """Add one row, chained to the last (not committed: it joins the change's transaction).
    `actor` None with `via` "cli:<account>" for `casework users …`."""
    assert user.id is not None
    history_chain.lock(session)
    row = AccountChange(
        user_id=user.id,
        actor_id=actor.id if actor is not None else None,
        at=at or utcnow(),
        kind=kind,
        role=role,
        old_value=old[:255],
        new_value=new[:255],
        via=via[:64],
    )
    history_chain.seal(session, row)


def record_roles(
    session: Session,
    *,
    actor: User | None,
    user: User,
    before: Iterable[str],
    after: Iterable[str],
    via: str = "",
) -> None:
    """One row per role granted and per role removed, in the roles' order."""
    old, new = set(before), set(after)
    now = utcnow()
    for role in Role:
        if role in new - old:
            kind = ChangeKind.granted
        elif role in old - new:
            kind = ChangeKind.removed
        else:
            continue
        record(session, actor=actor, user=user, kind=kind, role=role, at=now, via=via)


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
    if row.kind == ChangeKind.tokens_revoked:
        return f"Thu hồi {row.new_value} mã truy cập API" if row.new_value else label
    if row.kind in (ChangeKind.session_ended, ChangeKind.token_issued):
        return f"{label} ({row.new_value})" if row.new_value else label
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
        who = f"{actor.full_name} ({actor.username})" if actor else via_label(r.via)
        out.append(Line(at=r.at, who=who, what=_what(r)))
    return out


@dataclass(frozen=True)
class AuditLine:
    """A row of the auditors' list (`/audit/accounts`): whose account, and the row's seal."""

    id: int
    at: datetime
    user: str  # full name (username)
    unit: str  # the user's unit code now
    what: str
    who: str
    hash: str


PER_PAGE = 50


def audit_page(session: Session, root: Unit, page: int) -> Page[AuditLine]:
    """The changes to accounts of `root`'s subtree, newest first, for the auditors."""
    mine = select(User.id).join(Unit, col(User.unit_id) == col(Unit.id))
    where = col(AccountChange.user_id).in_(mine.where(col(Unit.path).startswith(root.path)))
    total = int(session.exec(select(func.count()).select_from(AccountChange).where(where)).one())
    rows = session.exec(
        select(AccountChange)
        .where(where)
        .order_by(col(AccountChange.id).desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    ids = {r.user_id for r in rows} | {r.actor_id for r in rows if r.actor_id is not None}
    people = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids)))}
    unit_ids = {u.unit_id for u in people.values()}
    units = {u.id: u.code for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_ids)))}
    out = []
    for r in rows:
        assert r.id is not None
        owner, actor = people.get(r.user_id), people.get(r.actor_id or 0)
        out.append(
            AuditLine(
                id=r.id,
                at=r.at,
                user=f"{owner.full_name} ({owner.username})" if owner else str(r.user_id),
                unit=units.get(owner.unit_id, "") if owner else "",
                what=_what(r),
                who=f"{actor.full_name} ({actor.username})" if actor else via_label(r.via),
                hash=r.hash,
            )  # fmt: skip
        )
    return Page(items=out, total=total, page=page, per_page=PER_PAGE)


def via_label(via: str) -> str:
    """Who made a change without an admin: the server's command line, by its account."""
    if via.startswith("cli:"):
        account = via.removeprefix("cli:")
        return f"Dòng lệnh trên máy chủ ({account})" if account else "Dòng lệnh trên máy chủ"
    return "—"


def unit_code(session: Session, unit_id: int) -> str:
    unit = session.get(Unit, unit_id)
    return unit.code if unit else str(unit_id)
