"""Admin use cases: users, units and calendars *under the admin's own unit* (DESIGN §6).

Every read and write here goes through `scope_of(admin)`: the admin's unit and its subtree (by the
materialised `Unit.path` prefix). A user or unit outside it is a 404, the same answer as one that
does not exist, so nothing leaks; a signed-in non-admin gets a 403. Mutations call the accounts
and calendar services, which own the transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func
from sqlmodel import Session, col, select

from casework import inputs
from casework.accounts import service as accounts
from casework.accounts import sessions
from casework.accounts.models import Role, Unit, UnitKind, User, UserSession
from casework.admin import grants, history
from casework.admin.models import ChangeKind
from casework.errors import NotFound, PermissionDenied, ValidationFailed
from casework.paging import Page
from casework.text import fold
from casework.units import search

PER_PAGE = 20
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
KIND_LABELS = {
    UnitKind.ministry: "Bộ",
    UnitKind.department: "Sở",
    UnitKind.commune: "UBND cấp xã",
}


@dataclass(frozen=True)
class Scope:
    """What an admin manages: their unit and everything under it."""

    admin: User
    root: Unit

    @property
    def national(self) -> bool:
        """Only an admin of the ministry (a root unit) may change the national calendar."""
        return self.root.kind == UnitKind.ministry and self.root.parent_id is None


def scope_of(session: Session, admin: User) -> Scope:
    if not admin.is_active or not admin.has_role(Role.admin):
        raise PermissionDenied("Chỉ quản trị viên mới vào được trang này.")
    root = session.get(Unit, admin.unit_id)
    if root is None:
        raise PermissionDenied("Tài khoản quản trị chưa thuộc đơn vị nào.")
    return Scope(admin=admin, root=root)


def units(session: Session, scope: Scope) -> list[Unit]:
    """The subtree, parents before children (ordered by path, then code among siblings)."""
    rows = session.exec(select(Unit).where(col(Unit.path).startswith(scope.root.path))).all()
    by_id = {u.id: u for u in rows}

    def key(u: Unit) -> list[str]:
        ids = [int(p) for p in u.path.strip("/").split("/") if p]
        return [by_id[i].code if i in by_id else "" for i in ids]

    return sorted(rows, key=key)


def depth(scope: Scope, unit: Unit) -> int:
    return unit.path.count("/") - scope.root.path.count("/")


def unit_in_scope(session: Session, scope: Scope, unit_id: int | str | None) -> Unit:
    """The unit a form or link names, by code or id (`units.search.lookup`), if it is in the
    admin's subtree; else 404."""
    unit = search.lookup(session, scope.root, None if unit_id is None else str(unit_id))
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị.")
    return unit


def user_in_scope(session: Session, scope: Scope, user_id: int) -> User:
    user = session.get(User, user_id)
    unit = session.get(Unit, user.unit_id) if user is not None else None
    if user is None or unit is None or not unit.path.startswith(scope.root.path):
        raise NotFound("Không tìm thấy người dùng.")
    return user


def unit_names(session: Session, ids: Iterable[int]) -> dict[int, Unit]:
    """The units of these ids (the names a page of users shows)."""
    wanted = set(ids)
    if not wanted:
        return {}
    found = session.exec(select(Unit).where(col(Unit.id).in_(wanted))).all()
    return {u.id: u for u in found if u.id is not None}


# ---- users ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserFilter:
    unit_id: int | None = None
    role: str | None = None
    active: bool | None = None
    q: str | None = None


def list_users(
    session: Session, scope: Scope, filters: UserFilter, *, page: int = 1, per_page: int = PER_PAGE
) -> Page[User]:
    """Users of the subtree, by username; `q` matches username or name without accents.

    The accent-insensitive match runs in Python over (id, username, full_name) of the filtered
    subtree: user tables are small (a few per commune), and this needs no folded column.
    """
    sub = select(Unit.id).where(col(Unit.path).startswith(scope.root.path))
    where: list[Any] = [col(User.unit_id).in_(sub)]
    if filters.unit_id is not None:
        unit = unit_in_scope(session, scope, filters.unit_id)
        where.append(User.unit_id == unit.id)
    if filters.role:
        # roles is a JSON list; its text form holds each role in double quotes on both databases
        where.append(cast(col(User.roles), String).like(f'%"{filters.role}"%'))
    if filters.active is not None:
        where.append(User.is_active == filters.active)
    order = [col(User.username)]
    needle = fold(filters.q or "")
    if needle:
        rows = session.exec(
            select(User.id, User.username, User.full_name).where(*where).order_by(*order)
        ).all()
        ids = [r[0] for r in rows if needle in fold(f"{r[1]} {r[2]}")]
        chosen = ids[(page - 1) * per_page : page * per_page]
        found = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(chosen)))}
        return Page[User]([found[i] for i in chosen], len(ids), page, per_page)
    total = int(session.exec(select(func.count()).select_from(User).where(*where)).one())
    items = session.exec(
        select(User).where(*where).order_by(*order).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page[User](list(items), total, page, per_page)


FULL_NAME = inputs.Rule("Họ tên", "name", required="Cần nhập họ tên.")


def _roles_and_unit(
    session: Session, scope: Scope, values: dict[str, Any], fields: dict[str, str]
) -> tuple[list[str], Unit | None, str]:
    roles = list(dict.fromkeys(r for r in values.get("roles", []) if isinstance(r, str)))
    known = {r.value for r in Role}
    if not roles:
        fields["roles"] = "Chọn ít nhất một vai trò."
    elif any(r not in known for r in roles):
        fields["roles"] = "Vai trò không hợp lệ."
    unit, problem = search.pick(session, scope.root, values.get("unit_id"), required=True)
    if problem:
        fields["unit_id"] = problem
    full_name = inputs.read(values, "full_name", FULL_NAME, fields)
    return roles, unit, full_name


def _granting(
    scope: Scope, target: User | None, old_unit: Unit | None, unit: Unit | None, roles: list[str]
) -> None:
    """The grant table's verdict (403), before any other problem of the form: a refused grant is
    a refused access, whatever else is wrong."""
    if unit is not None and set(roles) <= {r.value for r in Role}:
        grants.check_change(
            scope.admin, scope.root, target=target, old_unit=old_unit, new_unit=unit, roles=roles
        )


def create_user(session: Session, scope: Scope, values: dict[str, Any]) -> User:
    """Create a user from the admin form; every bad field is named at once. A role the admin may
    not grant there is a `GrantRefused` (403). The creation and each role granted are recorded."""
    fields: dict[str, str] = {}
    username = str(values.get("username", "")).strip()
    if not USERNAME_RE.match(username):
        fields["username"] = (
            "Tên đăng nhập gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới (tối đa 64)."
        )
    elif session.exec(select(User.id).where(User.username == username)).first() is not None:
        fields["username"] = f"Tên đăng nhập {username} đã có người dùng."
    password = str(values.get("password", ""))
    problem = accounts.password_problem(password, username=username)
    if problem:
        fields["password"] = problem
    roles, unit, full_name = _roles_and_unit(session, scope, values, fields)
    _granting(scope, None, None, unit, roles)
    if fields or unit is None:
        raise ValidationFailed("Chưa tạo được người dùng: xem các ô báo lỗi.", fields=fields)
    user = accounts.create_user(
        session,
        username=username,
        full_name=full_name,
        unit=unit,
        roles=roles,
        password=password,
        commit=False,
    )
    history.record(session, actor=scope.admin, user=user, kind=ChangeKind.created, new=unit.code)
    history.record_roles(session, actor=scope.admin, user=user, before=[], after=user.roles)
    session.commit()
    return user


def update_user(session: Session, scope: Scope, user: User, values: dict[str, Any]) -> User:
    """Change a user's name, unit and roles; what changed is recorded, in one transaction."""
    fields: dict[str, str] = {}
    roles, unit, full_name = _roles_and_unit(session, scope, values, fields)
    old_unit = session.get(Unit, user.unit_id)
    _granting(scope, user, old_unit, unit, roles)
    if fields or unit is None:
        raise ValidationFailed("Chưa lưu được: xem các ô báo lỗi.", fields=fields)
    before_roles, before_name = list(user.roles), user.full_name
    accounts.update_user(
        session, user=user, full_name=full_name, unit=unit, roles=roles, commit=False
    )
    admin = scope.admin
    if old_unit is None or old_unit.id != unit.id:
        old_code = old_unit.code if old_unit else ""
        history.record(
            session, actor=admin, user=user, kind=ChangeKind.moved, old=old_code, new=unit.code
        )
    if before_name != user.full_name:
        history.record(
            session, actor=admin, user=user, kind=ChangeKind.renamed, old=before_name,
            new=user.full_name,
        )  # fmt: skip
    history.record_roles(session, actor=admin, user=user, before=before_roles, after=user.roles)
    session.commit()
    return user


def _unit_of(session: Session, user: User) -> Unit:
    unit = session.get(Unit, user.unit_id)
    if unit is None:  # pragma: no cover - user_in_scope found it
        raise NotFound("Không tìm thấy người dùng.")
    return unit


def set_active(session: Session, scope: Scope, user: User, *, active: bool) -> User:
    """Lock or unlock: never oneself, never a peer admin (403). Recorded."""
    grants.check_active(scope.admin, user, scope.root, _unit_of(session, user))
    if user.is_active != active:
        kind = ChangeKind.unlocked if active else ChangeKind.locked
        history.record(session, actor=scope.admin, user=user, kind=kind)
    return accounts.set_active(session, user=user, active=active)


def end_session(
    session: Session,
    scope: Scope,
    user: User,
    session_id: int,
    *,
    timeouts: sessions.Timeouts,
    now: datetime,
) -> None:
    """End one live session of `user` (a lost phone, a shared computer): the same rights as
    locking — not one's own (the sessions page does that), not a peer admin's (403). Recorded
    with the session's device and address; a session not the user's or already ended: 404."""
    grants.check_session(scope.admin, user, scope.root, _unit_of(session, user))
    row = session.get(UserSession, session_id)
    if row is not None and row.user_id == user.id and row.ended_at is None:
        what = " · ".join(x for x in (sessions.device(row.user_agent), row.address) if x)
        history.record(
            session, actor=scope.admin, user=user, kind=ChangeKind.session_ended, new=what
        )
    sessions.end_own(
        session, user=user, session_id=session_id, timeouts=timeouts, now=now,
        reason=sessions.EndReason.admin_ended,
    )  # fmt: skip


def reset_password(
    session: Session, scope: Scope, user: User, *, password: str, again: str
) -> User:
    """An admin's reset (every session of the user ends with it): never one's own, never a peer
    admin's (403). Recorded (not the password)."""
    grants.check_reset(scope.admin, scope.root, user, _unit_of(session, user))
    if password != again:
        fields = {"password_again": "Hai lần nhập mật khẩu chưa giống nhau."}
        problem = accounts.password_problem(password, username=user.username)
        if problem:
            fields["password"] = problem
        raise ValidationFailed("Chưa đặt được mật khẩu.", fields=fields)
    history.record(session, actor=scope.admin, user=user, kind=ChangeKind.password_reset)
    return accounts.set_password(session, user=user, password=password)


# ---- units ----------------------------------------------------------------------------------
