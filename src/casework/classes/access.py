"""Who may do what with classes (DESIGN §6).

- The ministry — an admin of the ministry unit (a root unit of kind ministry) — opens classes,
  fills them, records attendance, completes and cancels them.
- A department's admin registers demand for the communes under it and reads their priority
  list; the ministry's admin may do the same for any commune. A commune's admin may not.
- Any signed-in user sees the list of classes and a class page; the seats shown are those of
  the viewer's own subtree (the ministry sees all), and an officer sees their own seat.
"""

from __future__ import annotations

from sqlmodel import Session

from casework.accounts.models import Role, Unit, UnitKind, User
from casework.errors import PermissionDenied


def is_ministry_admin(session: Session, user: User | None) -> bool:
    if user is None or not user.is_active or not user.has_role(Role.admin):
        return False
    unit = session.get(Unit, user.unit_id)
    return unit is not None and unit.kind == UnitKind.ministry and unit.parent_id is None


def require_ministry_admin(session: Session, user: User) -> None:
    if not is_ministry_admin(session, user):
        raise PermissionDenied("Chỉ quản trị viên của Bộ mới mở, xếp chỗ và hoàn thành lớp.")


def demand_root(session: Session, user: User) -> Unit:
    """The unit under which `user` registers demand: a department's or the ministry's admin."""
    unit = session.get(Unit, user.unit_id)
    if (
        not user.is_active
        or not user.has_role(Role.admin)
        or unit is None
        or unit.kind not in (UnitKind.department, UnitKind.ministry)
    ):
        raise PermissionDenied(
            "Chỉ quản trị viên của Sở (cho các xã, phường của tỉnh) hoặc của Bộ mới đăng ký "
            "nhu cầu và xem danh sách ưu tiên."
        )
    return unit


def sees_unit(session: Session, user: User | None, unit_path: str) -> bool:
    """Whether `user` reads the seats of a commune at `unit_path`: admins and auditors at or
    above it (the ministry's see every commune)."""
    if user is None or not user.has_role(Role.admin, Role.auditor):
        return False
    own = session.get(Unit, user.unit_id)
    return own is not None and unit_path.startswith(own.path)
