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
from typing import Any

from sqlalchemy import String, cast, func
from sqlmodel import Session, col, select

from casework.accounts import service as accounts
from casework.accounts.models import Role, Unit, UnitKind, User
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


def _roles_and_unit(
    session: Session, scope: Scope, values: dict[str, Any], fields: dict[str, str]
) -> tuple[list[str], Unit | None]:
    roles = [r for r in values.get("roles", []) if isinstance(r, str)]
    known = {r.value for r in Role}
    if not roles:
        fields["roles"] = "Chọn ít nhất một vai trò."
    elif any(r not in known for r in roles):
        fields["roles"] = "Vai trò không hợp lệ."
    unit, problem = search.pick(session, scope.root, values.get("unit_id"), required=True)
    if problem:
        fields["unit_id"] = problem
    if not str(values.get("full_name", "")).strip():
        fields["full_name"] = "Cần nhập họ tên."
    return roles, unit


def create_user(session: Session, scope: Scope, values: dict[str, Any]) -> User:
    """Create a user from the admin form; every bad field is named at once."""
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
    roles, unit = _roles_and_unit(session, scope, values, fields)
    if fields or unit is None:
        raise ValidationFailed("Chưa tạo được người dùng: xem các ô báo lỗi.", fields=fields)
    return accounts.create_user(
        session,
        username=username,
        full_name=str(values["full_name"]).strip(),
        unit=unit,
        roles=roles,
        password=password,
    )


def update_user(session: Session, scope: Scope, user: User, values: dict[str, Any]) -> User:
    fields: dict[str, str] = {}
    roles, unit = _roles_and_unit(session, scope, values, fields)
    if user.id == scope.admin.id and Role.admin not in roles:
        fields["roles"] = "Bạn không thể tự bỏ vai trò quản trị của mình."
    if fields or unit is None:
        raise ValidationFailed("Chưa lưu được: xem các ô báo lỗi.", fields=fields)
    return accounts.update_user(
        session, user=user, full_name=str(values["full_name"]), unit=unit, roles=roles
    )


def set_active(session: Session, scope: Scope, user: User, *, active: bool) -> User:
    if user.id == scope.admin.id and not active:
        raise ValidationFailed(
            "Bạn không thể tự khóa tài khoản của mình.", fields={"active": "Không tự khóa."}
        )
    return accounts.set_active(session, user=user, active=active)


# ---- units ----------------------------------------------------------------------------------
