"""Who reads the auditor pages: auditors and admins, over their own unit's subtree only.

Auditors read and never write dossiers (DESIGN §6); the only thing they start is an integrity
check, which writes its own record. A unit outside the reader's subtree is a 404, as everywhere.
"""

from __future__ import annotations

from sqlmodel import Session

from casework.accounts.models import Role, Unit, User
from casework.errors import NotFound, PermissionDenied

READER_ROLES = (Role.auditor, Role.admin)


def reader_root(session: Session, user: User) -> Unit:
    """The reader's own unit: the top of what they may report on."""
    if not user.is_active or not user.has_role(*READER_ROLES):
        raise PermissionDenied(
            "Chỉ cán bộ kiểm tra, giám sát (hoặc quản trị) mới xem được báo cáo."
        )
    root = session.get(Unit, user.unit_id)
    if root is None:
        raise PermissionDenied("Tài khoản chưa thuộc đơn vị nào.")
    return root


def unit_in_subtree(session: Session, root: Unit, unit_id: int | None) -> Unit:
    """The chosen unit if it lies at or below `root` (none chosen: `root` itself)."""
    if unit_id is None or unit_id == root.id:
        return root
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.path.startswith(root.path):
        raise NotFound("Không tìm thấy đơn vị này trong phạm vi của bạn.")
    return unit
